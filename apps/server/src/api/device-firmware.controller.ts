import { Body, Controller, Get, HttpCode, Inject, NotFoundException, Param, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import type { Clock } from '@circulator/domain';
import { DEVICE_ID_PATTERN } from '@circulator/devices';
import { actorOf, AuditService, CurrentPrincipal, Roles, type Principal } from '@circulator/identity';
import { DeviceRepository, FirmwareApprovalRepository, type FirmwareApprovalRecord } from '@circulator/persistence';
import { CLOCK } from '@circulator/realtime';
import { parseRequest } from './parse-request';

const approvalBody = z
  .object({
    firmware: z.string().trim().min(1, 'is required').max(64, 'must be at most 64 characters'),
    reference: z.string().trim().max(200, 'must be at most 200 characters').optional(),
    note: z.string().trim().max(1000, 'must be at most 1000 characters').optional(),
  })
  .strict();

/**
 * Firmware approvals (issue 5, secure-update tracking): biomed records that a device may run a
 * firmware version before it is updated. A device reporting a new version without an approval
 * dated before the report raises a `security` line in its history (`GET /api/devices/{id}/events`).
 */
@ApiTags('devices')
@ApiBearerAuth()
@Controller('api/devices')
export class DeviceFirmwareController {
  constructor(
    private readonly devices: DeviceRepository,
    private readonly approvals: FirmwareApprovalRepository,
    private readonly audit: AuditService,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  @Post(':id/firmware-approvals')
  @HttpCode(201)
  @Roles('biomed', 'admin')
  @ApiOperation({ summary: 'Approve a firmware version for a device (before the update)' })
  async approve(
    @CurrentPrincipal() principal: Principal,
    @Param('id') id: string,
    @Body() body: unknown,
  ): Promise<FirmwareApprovalRecord> {
    const input = parseRequest(approvalBody, body);
    await this.device(id);
    const now = this.clock.now();
    const approval = await this.approvals.approve({
      deviceId: id,
      firmware: input.firmware,
      reference: input.reference ?? null,
      note: input.note ?? null,
      approvedBy: actorOf(principal),
      approvedAt: now,
    });
    await this.devices.addEvents([
      {
        deviceId: id,
        at: now,
        kind: 'firmware-approval',
        message: `firmware ${input.firmware} approved${input.reference ? ` (${input.reference})` : ''}`,
        detail: { firmware: input.firmware, reference: input.reference ?? null },
        actor: approval.approvedBy,
      },
    ]);
    await this.audit.record({
      principal,
      action: 'devices.firmware.approve',
      targetType: 'device',
      targetId: id,
      detail: { firmware: input.firmware, reference: input.reference ?? null },
    });
    return approval;
  }

  @Get(':id/firmware-approvals')
  @Roles('biomed', 'admin')
  @ApiOperation({ summary: "A device's firmware approvals, newest first" })
  async list(
    @CurrentPrincipal() principal: Principal,
    @Param('id') id: string,
  ): Promise<{ approvals: FirmwareApprovalRecord[] }> {
    await this.device(id);
    const approvals = await this.approvals.list(id);
    await this.audit.record({ principal, action: 'devices.firmware.list', targetType: 'device', targetId: id });
    return { approvals };
  }

  private async device(id: string): Promise<void> {
    if (!DEVICE_ID_PATTERN.test(id) || !(await this.devices.get(id))) {
      throw new NotFoundException(`no device ${id.slice(0, 64)}`);
    }
  }
}
