import {
  Body,
  ConflictException,
  Controller,
  Delete,
  Get,
  Header,
  HttpCode,
  NotFoundException,
  Param,
  Patch,
  Post,
  Query,
  UnprocessableEntityException,
} from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { DeviceEventView, DeviceMaintenanceView, DeviceView } from '@circulator/contracts';
import {
  DEVICE_ID_PATTERN,
  DeviceRegistry,
  toDeviceEventView,
  toDeviceView,
  type RegistryRefusal,
} from '@circulator/devices';
import { actorOf, AuditService, CurrentPrincipal, Roles, type Principal } from '@circulator/identity';
import { DeviceRepository, type DeviceEventRecord } from '@circulator/persistence';
import { DeviceMaintenanceReader } from './device-maintenance.reader';
import { parseDeviceEvents, parseDeviceList, parseDevicePatch, parseRegistration } from './devices.schemas';

/** Who manages devices (CONTRACT §6): biomedical engineers and administrators. */
const DEVICE_ADMINS = ['biomed', 'admin'] as const;

function checkId(id: string): string {
  if (!DEVICE_ID_PATTERN.test(id)) throw new NotFoundException(`no device ${id.slice(0, 64)}`);
  return id;
}

function refusal(what: RegistryRefusal, id: string, roomId?: string | null): never {
  switch (what) {
    case 'exists':
      throw new ConflictException({
        type: 'urn:circulator:problem:device-exists',
        title: 'Device exists',
        detail: `a device ${id} is registered already; rotate its credentials instead`,
      });
    case 'unknown-room':
      throw new UnprocessableEntityException({
        type: 'urn:circulator:problem:unknown-room',
        title: 'Unknown room',
        detail: `no room ${roomId ?? ''}; rooms come from the schedule (GET /api/rooms)`,
      });
    case 'not-found':
      throw new NotFoundException(`no device ${id}`);
  }
}

/** A keyset page of history lines (`limit + 1` rows were read: one more says there is a next page). */
function page(rows: DeviceEventRecord[], limit: number): { events: DeviceEventView[]; next?: string } {
  const shown = rows.slice(0, limit);
  const next = rows.length > limit ? shown[shown.length - 1]?.id : undefined;
  return next ? { events: shown.map(toDeviceEventView), next } : { events: shown.map(toDeviceEventView) };
}

/** The view with its usage and service forecast (computed when read: DeviceMaintenanceReader). */
function withMaintenance(view: DeviceView, maintenance: Map<string, DeviceMaintenanceView>): DeviceView {
  const m = maintenance.get(view.id);
  return m ? { ...view, maintenance: m } : view;
}

/**
 * The device registry (CONTRACT §6, issue 5): registration with a secret shown once, edits,
 * credential rotation and revocation, and each device's history. Every change is audited, and so
 * is every read: an RTLS tag's binding, and the history of its changes, can name a patient (MRN).
 */
@ApiTags('devices')
@ApiBearerAuth()
@Controller('api/devices')
export class DevicesController {
  constructor(
    private readonly registry: DeviceRegistry,
    private readonly devices: DeviceRepository,
    private readonly audit: AuditService,
    private readonly maintenance: DeviceMaintenanceReader,
  ) {}

  @Post()
  @Roles(...DEVICE_ADMINS)
  @ApiOperation({ summary: 'Register a device; the MQTT password is shown once' })
  async register(
    @CurrentPrincipal() principal: Principal,
    @Body() body: unknown,
  ): Promise<{ id: string; mqttPassword: string }> {
    const input = parseRegistration(body);
    const result = await this.registry.register(input, actorOf(principal));
    if (typeof result === 'string') refusal(result, input.id, input.roomId);
    await this.audit.record({
      principal,
      action: 'devices.register',
      targetType: 'device',
      targetId: input.id,
      detail: { type: input.type, roomId: input.roomId ?? null },
    });
    return result;
  }

  @Get()
  @Roles(...DEVICE_ADMINS)
  @ApiOperation({ summary: 'Registered devices with their state, usage and service forecast' })
  async list(@CurrentPrincipal() principal: Principal, @Query() query: unknown): Promise<{ devices: DeviceView[] }> {
    const filter = parseDeviceList(query);
    const records = await this.devices.list(filter);
    const maintenance = await this.maintenance.views(records);
    const devices = records.map((d) => withMaintenance(toDeviceView(d), maintenance));
    await this.audit.record({
      principal,
      action: 'devices.list',
      targetType: 'device',
      detail: { filter: { ...filter }, ids: devices.map((d) => d.id) },
    });
    return { devices };
  }

  @Get('events')
  @Roles(...DEVICE_ADMINS)
  @ApiOperation({
    summary:
      'Every device history line, newest first: security refusals (also for unregistered ids), connectivity, service',
  })
  async allEvents(
    @CurrentPrincipal() principal: Principal,
    @Query() query: unknown,
  ): Promise<{ events: DeviceEventView[]; next?: string }> {
    const { before, limit = 100, kind } = parseDeviceEvents(query);
    const rows = await this.devices.events({ before, ...(kind ? { kinds: [kind] } : {}) }, limit + 1);
    await this.audit.record({
      principal,
      action: 'devices.events',
      targetType: 'device',
      detail: { kind: kind ?? null, before: before ?? null },
    });
    return page(rows, limit);
  }

  @Get('mosquitto/passwd')
  @Roles('admin')
  @Header('Content-Type', 'text/plain; charset=utf-8')
  @ApiOperation({ summary: 'Password file for an external Mosquitto (hashes only; README: devices)' })
  async mosquittoPasswd(@CurrentPrincipal() principal: Principal): Promise<string> {
    const files = await this.mosquittoFiles();
    await this.audit.record({ principal, action: 'devices.mosquitto.passwd', targetType: 'broker' });
    return files.passwd;
  }

  @Get('mosquitto/acl')
  @Roles('admin')
  @Header('Content-Type', 'text/plain; charset=utf-8')
  @ApiOperation({ summary: 'ACL file for an external Mosquitto: each device writes only its own topics' })
  async mosquittoAcl(@CurrentPrincipal() principal: Principal): Promise<string> {
    const files = await this.mosquittoFiles();
    await this.audit.record({ principal, action: 'devices.mosquitto.acl', targetType: 'broker' });
    return files.acl;
  }

  private async mosquittoFiles(): Promise<{ passwd: string; acl: string }> {
    const files = await this.registry.mosquittoFiles();
    if (!files) {
      throw new ConflictException({
        type: 'urn:circulator:problem:no-external-broker',
        title: 'No external broker',
        detail:
          'MQTT_URL names no external broker user (mqtt://user:password@host:port); the embedded broker needs no files',
      });
    }
    return files;
  }

  @Get(':id')
  @Roles(...DEVICE_ADMINS)
  async get(@CurrentPrincipal() principal: Principal, @Param('id') id: string): Promise<DeviceView> {
    const device = await this.devices.get(checkId(id));
    if (!device) throw new NotFoundException(`no device ${id}`);
    await this.audit.record({ principal, action: 'devices.read', targetType: 'device', targetId: id });
    return withMaintenance(toDeviceView(device), await this.maintenance.views([device]));
  }

  @Patch(':id')
  @Roles(...DEVICE_ADMINS)
  @ApiOperation({ summary: 'Change a device (room, service interval, lifecycle, binding)' })
  async update(
    @CurrentPrincipal() principal: Principal,
    @Param('id') id: string,
    @Body() body: unknown,
  ): Promise<DeviceView> {
    const patch = parseDevicePatch(body);
    const result = await this.registry.update(checkId(id), patch, actorOf(principal));
    if (typeof result === 'string') refusal(result, id, patch.roomId);
    await this.audit.record({
      principal,
      action: 'devices.update',
      targetType: 'device',
      targetId: id,
      detail: { ...patch },
    });
    return toDeviceView(result);
  }

  @Post(':id/credentials')
  @HttpCode(200)
  @Roles(...DEVICE_ADMINS)
  @ApiOperation({ summary: 'Issue new MQTT credentials (the old ones stop at once); shown once' })
  async rotate(
    @CurrentPrincipal() principal: Principal,
    @Param('id') id: string,
  ): Promise<{ id: string; mqttPassword: string }> {
    const result = await this.registry.rotate(checkId(id), actorOf(principal));
    if (!result) throw new NotFoundException(`no device ${id}`);
    await this.audit.record({ principal, action: 'devices.credentials.rotate', targetType: 'device', targetId: id });
    return result;
  }

  @Delete(':id/credentials')
  @HttpCode(204)
  @Roles(...DEVICE_ADMINS)
  @ApiOperation({ summary: 'Revoke the MQTT credentials: the device is disconnected and cannot connect' })
  async revoke(@CurrentPrincipal() principal: Principal, @Param('id') id: string): Promise<void> {
    if (!(await this.registry.revoke(checkId(id), actorOf(principal)))) throw new NotFoundException(`no device ${id}`);
    await this.audit.record({ principal, action: 'devices.credentials.revoke', targetType: 'device', targetId: id });
  }

  @Get(':id/events')
  @Roles(...DEVICE_ADMINS)
  @ApiOperation({ summary: "A device's history, newest first (keyset pages: ?before=<id>)" })
  async events(
    @CurrentPrincipal() principal: Principal,
    @Param('id') id: string,
    @Query() query: unknown,
  ): Promise<{ events: DeviceEventView[]; next?: string }> {
    const { before, limit = 100, kind } = parseDeviceEvents(query);
    if (!(await this.devices.get(checkId(id)))) throw new NotFoundException(`no device ${id}`);
    const rows = await this.devices.events({ deviceId: id, before, ...(kind ? { kinds: [kind] } : {}) }, limit + 1);
    await this.audit.record({
      principal,
      action: 'devices.events',
      targetType: 'device',
      targetId: id,
      detail: { kind: kind ?? null, before: before ?? null },
    });
    return page(rows, limit);
  }
}
