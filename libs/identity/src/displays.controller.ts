import { Body, Controller, Delete, Get, Header, HttpCode, Param, Post } from '@nestjs/common';
import type { DisplayCredentialView } from '@circulator/contracts';
import type { Principal } from './principal.model';
import { CurrentPrincipal, Roles } from './access.decorators';
import { type CreatedDisplay, DisplaysService } from './displays.service';
import { newDisplaySchema, parseBody } from './identity.schemas';

/** `POST`/`GET /api/displays` and `DELETE /api/displays/:id` (CONTRACT §2, admin). */
@Controller('api/displays')
@Roles('admin')
export class DisplaysController {
  constructor(private readonly displays: DisplaysService) {}

  @Post()
  // The token is shown once and never stored: keep it out of every cache.
  @Header('Cache-Control', 'no-store')
  create(@Body() body: unknown, @CurrentPrincipal() principal: Principal): Promise<CreatedDisplay> {
    return this.displays.create(parseBody(newDisplaySchema, body), principal);
  }

  @Get()
  list(): Promise<DisplayCredentialView[]> {
    return this.displays.list();
  }

  @Delete(':id')
  @HttpCode(204)
  async revoke(@Param('id') id: string, @CurrentPrincipal() principal: Principal): Promise<void> {
    await this.displays.revoke(id, principal);
  }
}
