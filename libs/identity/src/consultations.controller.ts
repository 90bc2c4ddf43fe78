import { Body, Controller, Delete, Get, Header, HttpCode, Param, Post } from '@nestjs/common';
import type { ConsultationView, CreatedConsultation } from '@circulator/contracts';
import { CurrentPrincipal, Roles } from './access.decorators';
import { ConsultationsService } from './consultations.service';
import type { Principal } from './principal.model';

/**
 * Remote consultations (issue 7): granted by the case's surgeon or anesthesiologist, listed also
 * to admin, revoked by who granted them or an admin (admin passes every `@Roles`).
 */
@Controller('api')
export class ConsultationsController {
  constructor(private readonly consultations: ConsultationsService) {}

  @Post('cases/:caseId/consultations')
  @Roles('surgeon', 'anesthesiologist')
  // The token is shown once and never stored: keep it out of every cache.
  @Header('Cache-Control', 'no-store')
  create(
    @Param('caseId') caseId: string,
    @Body() body: unknown,
    @CurrentPrincipal() principal: Principal,
  ): Promise<CreatedConsultation> {
    return this.consultations.create(caseId, body, principal);
  }

  @Get('cases/:caseId/consultations')
  @Roles('surgeon', 'anesthesiologist', 'admin')
  list(@Param('caseId') caseId: string): Promise<ConsultationView[]> {
    return this.consultations.list(caseId);
  }

  @Delete('consultations/:id')
  @Roles('surgeon', 'anesthesiologist')
  @HttpCode(204)
  async revoke(@Param('id') id: string, @CurrentPrincipal() principal: Principal): Promise<void> {
    await this.consultations.revoke(id, principal);
  }
}
