import { Controller, Get, Inject } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ROLES, type SiteView } from '@circulator/contracts';
import { Roles } from '@circulator/identity';
import { SITE_POLICY, type SitePolicy } from '@circulator/pipeline';
import { REALTIME_SETTINGS, type RealtimeSettings } from '@circulator/realtime';

/**
 * What every client needs to know about the site: the facility's zone, for showing times, and the
 * rooms' staffed hours (the desk's time axis).
 */
@ApiTags('site')
@ApiBearerAuth()
@Controller('api/site')
export class SiteController {
  constructor(
    @Inject(REALTIME_SETTINGS) private readonly settings: RealtimeSettings,
    @Inject(SITE_POLICY) private readonly policy: SitePolicy,
  ) {}

  @Get()
  @Roles(...ROLES)
  @ApiOperation({ summary: "The facility's IANA time zone (boards and displays show times in it) and OR hours" })
  site(): SiteView {
    return { facilityTz: this.settings.facilityTz, orHours: { ...this.policy.orHours } };
  }
}
