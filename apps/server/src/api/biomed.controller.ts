import { Controller, Get, Header } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { DeviceAlertView, DeviceView } from '@circulator/contracts';
import { toDeviceEventView, toDeviceView } from '@circulator/devices';
import { AuditService, CurrentPrincipal, Roles, type Principal } from '@circulator/identity';
import { DeviceRepository, WorkOrderRepository, type DeviceEventRecord } from '@circulator/persistence';
import { COMPLIANCE_EVENT_KINDS, complianceCsv } from './compliance.csv';
import { byPriority, DeviceMaintenanceReader } from './device-maintenance.reader';
import { toWorkOrderView } from './work-orders.controller';

const DAY_MS = 86_400_000;
/** How far back the alerts view shows prioritised history lines (security, anomalies). */
const ALERT_HISTORY_DAYS = 7;
const ALERT_HISTORY_MAX = 200;
/** The export's history lines at most (a fleet's years of service history fit well within). */
const EXPORT_HISTORY_MAX = 100_000;

/** Prioritised history lines worth a biomed's attention; connectivity is the watchdog's (and the room's). */
function isAlertLine(e: DeviceEventRecord): boolean {
  return e.priority !== null && e.kind !== 'connectivity' && ['high', 'medium', 'low'].includes(e.priority);
}

/**
 * The biomed console's fleet views (issue 5): device alerts (maintenance alerts computed when read,
 * and the last week's security and feed-anomaly lines) and the compliance export.
 */
@ApiTags('devices')
@ApiBearerAuth()
@Roles('biomed', 'admin')
@Controller('api/biomed')
export class BiomedController {
  constructor(
    private readonly devices: DeviceRepository,
    private readonly orders: WorkOrderRepository,
    private readonly maintenance: DeviceMaintenanceReader,
    private readonly audit: AuditService,
  ) {}

  @Get('alerts')
  @ApiOperation({
    summary: 'Device alerts: maintenance (forecast, uses, error rate) and the last week of security lines',
  })
  async alerts(@CurrentPrincipal() principal: Principal): Promise<{ at: string; alerts: DeviceAlertView[] }> {
    const now = this.maintenance.now();
    const records = await this.devices.list();
    const [maintenance, lines] = await Promise.all([
      this.maintenance.alerts(records, now),
      this.devices.events({ from: new Date(now.getTime() - ALERT_HISTORY_DAYS * DAY_MS) }, ALERT_HISTORY_MAX * 5),
    ]);
    const history: DeviceAlertView[] = lines
      .filter(isAlertLine)
      .slice(0, ALERT_HISTORY_MAX)
      .map((e) => ({
        id: `event:${e.id}`,
        deviceId: e.deviceId,
        kind: e.kind,
        priority: e.priority as DeviceAlertView['priority'],
        message: e.message,
        at: e.at,
      }));
    await this.audit.record({ principal, action: 'devices.alerts', targetType: 'device' });
    return { at: now.toISOString(), alerts: [...maintenance, ...history].sort(byPriority) };
  }

  @Get('compliance.csv')
  @Header('Content-Type', 'text/csv; charset=utf-8')
  @Header('Content-Disposition', 'attachment; filename="device-compliance.csv"')
  @Header('Cache-Control', 'no-store')
  @ApiOperation({ summary: 'Compliance export (CSV): devices, service history, work orders and alerts' })
  async compliance(@CurrentPrincipal() principal: Principal): Promise<string> {
    const now = this.maintenance.now();
    const records = await this.devices.list();
    const [views, events, orders] = await Promise.all([
      this.maintenance.views(records, now),
      this.devices.events({ kinds: [...COMPLIANCE_EVENT_KINDS, 'work-order'] }, EXPORT_HISTORY_MAX),
      this.orders.list({}, EXPORT_HISTORY_MAX),
    ]);
    const devices: DeviceView[] = records.map((d) => {
      const m = views.get(d.id);
      return m ? { ...toDeviceView(d), maintenance: m } : toDeviceView(d);
    });
    await this.audit.record({
      principal,
      action: 'devices.compliance-export',
      targetType: 'device',
      detail: { devices: devices.length, at: now.toISOString() },
    });
    return complianceCsv({
      devices,
      events: events.map(toDeviceEventView),
      workOrders: orders.map(toWorkOrderView),
      alerts: [...views.values()].flatMap((v) => v.alerts),
    });
  }
}
