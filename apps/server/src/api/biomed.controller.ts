import { Controller, Get, Header, Inject, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import type { DeviceAlertView, DeviceView } from '@circulator/contracts';
import { toDeviceEventView, toDeviceView } from '@circulator/devices';
import { AuditService, CurrentPrincipal, Roles, type Principal } from '@circulator/identity';
import { DeviceRepository, WorkOrderRepository, type DeviceEventRecord } from '@circulator/persistence';
import { parseComplianceQuery, type ComplianceQuery } from './biomed.schemas';
import { COMPLIANCE_EVENT_KINDS, complianceCsv, type ComplianceInput } from './compliance.csv';
import { complianceHtml, REPORT_CSP } from './compliance.html';
import { byPriority, DeviceMaintenanceReader } from './device-maintenance.reader';
import { toWorkOrderView } from './work-orders.controller';

const DAY_MS = 86_400_000;
/** How far back the alerts view shows prioritised history lines (security, anomalies). */
const ALERT_HISTORY_DAYS = 7;
const ALERT_HISTORY_MAX = 200;
/** The export's history lines at most (a fleet's years of service history fit well within). */
const EXPORT_HISTORY_MAX = 100_000;

/** What the printed report says of where it comes from (FACILITY_NAME, FACILITY_TZ). */
export interface ComplianceReportSettings {
  facilityName?: string;
  facilityTz: string;
}
export const COMPLIANCE_REPORT_SETTINGS = Symbol('COMPLIANCE_REPORT_SETTINGS');

/** Prioritised history lines worth a biomed's attention; connectivity is the watchdog's (and the room's). */
function isAlertLine(e: DeviceEventRecord): boolean {
  return e.priority !== null && e.kind !== 'connectivity' && ['high', 'medium', 'low'].includes(e.priority);
}

/**
 * The biomed console's fleet views (issue 5): device alerts (maintenance alerts computed when read,
 * and the last week's security and feed-anomaly lines) and the compliance export: a CSV and a
 * printable HTML report, both rendered from the same records (compliance.csv.ts) and audited alike.
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
    @Inject(COMPLIANCE_REPORT_SETTINGS) private readonly report: ComplianceReportSettings,
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
  @ApiQuery({ name: 'from', required: false, description: 'ISO 8601 instant: history and work orders from' })
  @ApiQuery({ name: 'to', required: false, description: 'ISO 8601 instant, exclusive' })
  async compliance(@CurrentPrincipal() principal: Principal, @Query() query: unknown): Promise<string> {
    const { input } = await this.complianceExport(principal, parseComplianceQuery(query), 'csv');
    return complianceCsv(input);
  }

  @Get('compliance.html')
  @Header('Content-Type', 'text/html; charset=utf-8')
  @Header('Cache-Control', 'no-store')
  // The page is ours alone: no script may run in it, nothing is loaded from elsewhere.
  @Header('Content-Security-Policy', `${REPORT_CSP}; frame-ancestors 'none'`)
  @ApiOperation({
    summary: 'Compliance report (printable HTML): the records of the CSV export, a summary per device',
  })
  @ApiQuery({ name: 'from', required: false, description: 'ISO 8601 instant: history and work orders from' })
  @ApiQuery({ name: 'to', required: false, description: 'ISO 8601 instant, exclusive' })
  async complianceReport(@CurrentPrincipal() principal: Principal, @Query() query: unknown): Promise<string> {
    const { input, now } = await this.complianceExport(principal, parseComplianceQuery(query), 'html');
    return complianceHtml(input, {
      generatedAt: now.toISOString(),
      facilityName: this.report.facilityName,
      timeZone: this.report.facilityTz,
    });
  }

  /** What both renderings of the export show, read once; the export is audited (one row per export). */
  private async complianceExport(
    principal: Principal,
    q: ComplianceQuery,
    format: 'csv' | 'html',
  ): Promise<{ input: ComplianceInput; now: Date }> {
    const now = this.maintenance.now();
    const records = await this.devices.list();
    const [views, events, orders] = await Promise.all([
      this.maintenance.views(records, now),
      this.devices.events(
        { kinds: [...COMPLIANCE_EVENT_KINDS], ...(q.from ? { from: q.from } : {}), ...(q.to ? { to: q.to } : {}) },
        EXPORT_HISTORY_MAX,
      ),
      this.orders.list({}, EXPORT_HISTORY_MAX),
    ]);
    const devices: DeviceView[] = records.map((d) => {
      const m = views.get(d.id);
      return m ? { ...toDeviceView(d), maintenance: m } : toDeviceView(d);
    });
    const period = { from: q.from?.toISOString(), to: q.to?.toISOString() };
    await this.audit.record({
      principal,
      action: 'devices.compliance-export',
      targetType: 'device',
      detail: { format, devices: devices.length, at: now.toISOString(), ...period },
    });
    return {
      now,
      input: {
        devices,
        events: events.map(toDeviceEventView),
        workOrders: orders.map(toWorkOrderView),
        alerts: [...views.values()].flatMap((v) => v.alerts),
        period: {
          ...(period.from !== undefined ? { from: period.from } : {}),
          ...(period.to !== undefined ? { to: period.to } : {}),
        },
      },
    };
  }
}
