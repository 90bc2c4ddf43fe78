import {
  Body,
  ConflictException,
  Controller,
  Get,
  HttpCode,
  NotFoundException,
  Param,
  Post,
  Query,
  UnprocessableEntityException,
} from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { WorkOrderView } from '@circulator/contracts';
import { actorOf, AuditService, CurrentPrincipal, Roles, type Principal } from '@circulator/identity';
import { DeviceRepository, isWorkOrderId, WorkOrderRepository, type WorkOrderRecord } from '@circulator/persistence';
import { DeviceMaintenanceReader } from './device-maintenance.reader';
import { parseCloseWorkOrder, parseOpenWorkOrder, parseWorkOrderList } from './work-orders.schemas';

export function toWorkOrderView(w: WorkOrderRecord): WorkOrderView {
  const view: WorkOrderView = {
    id: w.id,
    deviceId: w.deviceId,
    status: w.status,
    note: w.note,
    openedAt: w.openedAt,
    openedBy: w.openedBy,
    serviced: w.serviced,
  };
  if (w.assignee !== null) view.assignee = w.assignee;
  if (w.closedAt !== null) view.closedAt = w.closedAt;
  if (w.closedBy !== null) view.closedBy = w.closedBy;
  if (w.closeNote !== null) view.closeNote = w.closeNote;
  return view;
}

/**
 * Biomed work orders (issue 5): opened on a device with a note (and whom it is for), closed with a
 * service record. Closing with `serviced` is the device's service: its last service becomes now and
 * its uses since service 0, in the same transaction, so the forecast starts again from there. Each
 * step is a line of the device's history and an audit row.
 */
@ApiTags('devices')
@ApiBearerAuth()
@Roles('biomed', 'admin')
@Controller('api/work-orders')
export class WorkOrdersController {
  constructor(
    private readonly orders: WorkOrderRepository,
    private readonly devices: DeviceRepository,
    private readonly maintenance: DeviceMaintenanceReader,
    private readonly audit: AuditService,
  ) {}

  @Get()
  @ApiOperation({ summary: 'Work orders, newest first (?deviceId=, ?status=open|closed)' })
  async list(@Query() query: unknown): Promise<{ workOrders: WorkOrderView[] }> {
    const filter = parseWorkOrderList(query);
    return { workOrders: (await this.orders.list(filter)).map(toWorkOrderView) };
  }

  @Post()
  @ApiOperation({ summary: 'Open a work order on a device' })
  async open(@CurrentPrincipal() principal: Principal, @Body() body: unknown): Promise<WorkOrderView> {
    const input = parseOpenWorkOrder(body);
    const at = this.maintenance.now();
    // The work order names people as biomed knows them; the audit row keeps the stable user id.
    const by = principal.username;
    const actor = actorOf(principal);
    const order = await this.orders.transaction(async (manager) => {
      if (!(await this.devices.get(input.deviceId, manager))) {
        throw new UnprocessableEntityException({
          type: 'urn:circulator:problem:unknown-device',
          title: 'Unknown device',
          detail: `no device ${input.deviceId}`,
        });
      }
      const opened = await this.orders.open({ ...input, at, by }, manager);
      await this.devices.addEvents(
        [
          {
            deviceId: input.deviceId,
            at,
            kind: 'work-order',
            message: `work order #${opened.id} opened: ${input.note}`,
            detail: { workOrderId: opened.id, assignee: input.assignee ?? null },
            actor,
          },
        ],
        manager,
      );
      return opened;
    });
    await this.audit.record({
      principal,
      action: 'work-order.open',
      targetType: 'work-order',
      targetId: order.id,
      detail: { deviceId: order.deviceId, assignee: order.assignee },
    });
    return toWorkOrderView(order);
  }

  @Post(':id/close')
  @HttpCode(200)
  @ApiOperation({ summary: 'Close a work order with its service record (serviced: the device was serviced)' })
  async close(
    @CurrentPrincipal() principal: Principal,
    @Param('id') id: string,
    @Body() body: unknown,
  ): Promise<WorkOrderView> {
    const input = parseCloseWorkOrder(body);
    if (!isWorkOrderId(id)) throw new NotFoundException(`no work order ${id.slice(0, 32)}`);
    const at = this.maintenance.now();
    const by = principal.username;
    const actor = actorOf(principal);
    const serviced = input.serviced ?? false;
    const closed = await this.orders.transaction(async (manager) => {
      const existing = await this.orders.get(id, manager);
      if (!existing) throw new NotFoundException(`no work order ${id}`);
      const order = await this.orders.close(id, { note: input.note, serviced, at, by }, manager);
      if (!order) {
        throw new ConflictException({
          type: 'urn:circulator:problem:work-order-closed',
          title: 'Work order closed',
          detail: `work order ${id} was closed at ${existing.closedAt ?? '?'}; open a new one`,
        });
      }
      if (serviced) {
        await this.devices.update(
          order.deviceId,
          { lastServiceAt: at.toISOString(), usesSinceService: 0 },
          at,
          manager,
        );
      }
      await this.devices.addEvents(
        [
          {
            deviceId: order.deviceId,
            at,
            kind: serviced ? 'service' : 'work-order',
            message: `work order #${id} closed${serviced ? ', device serviced' : ''}: ${input.note}`,
            detail: { workOrderId: id, serviced },
            actor,
          },
        ],
        manager,
      );
      return order;
    });
    await this.audit.record({
      principal,
      action: 'work-order.close',
      targetType: 'work-order',
      targetId: id,
      detail: { deviceId: closed.deviceId, serviced },
    });
    return toWorkOrderView(closed);
  }
}
