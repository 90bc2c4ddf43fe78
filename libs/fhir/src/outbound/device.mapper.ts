import type { CodeableConcept, Device } from 'fhir/r4';
import { fhirIdOf } from './fhir.ids';
import { roomReference } from './fhir.references';
import { CIRCULATOR_SYSTEMS, DEVICE_STATUS_REASON } from './fhir.systems';

/**
 * What the façade reads of a registered device (a subset of the registry's record). Credentials,
 * network details and an RTLS tag's binding (which can name a patient) are never part of it.
 */
export interface DeviceFacts {
  id: string;
  type: string;
  label: string | null;
  vendor: string | null;
  model: string | null;
  serial: string | null;
  firmware: string | null;
  roomId: string | null;
  lifecycle: string;
  connectivity: string;
}

/** Device.status (R4 device-status, required): in use is `active`; out for service or retired is `inactive`. */
export function deviceStatus(lifecycle: string): Device['status'] {
  switch (lifecycle) {
    case 'active':
      return 'active';
    case 'maintenance':
    case 'retired':
      return 'inactive';
    default:
      return 'unknown';
  }
}

/**
 * Device.statusReason (R4 device-status-reason) of what the device last said of itself: online,
 * offline (also when the watchdog found it silent), and an error state as `not-ready`.
 */
const STATUS_REASONS: ReadonlyMap<string, { code: string; display: string }> = new Map([
  ['online', { code: 'online', display: 'Online' }],
  ['offline', { code: 'offline', display: 'Offline' }],
  ['error', { code: 'not-ready', display: 'Not Ready' }],
]);

function statusReason(connectivity: string): CodeableConcept[] | undefined {
  const reason = STATUS_REASONS.get(connectivity);
  if (!reason) return undefined;
  return [{ coding: [{ system: DEVICE_STATUS_REASON, ...reason }], text: connectivity }];
}

/**
 * A registered device as an R4 Device (http://hl7.org/fhir/R4/device.html): our id as its
 * identifier, its type as a code of ours, vendor, model, serial and firmware as R4 names them,
 * its room as `location`.
 */
export function deviceFromRecord(device: DeviceFacts): Device {
  const out: Device = {
    resourceType: 'Device',
    id: fhirIdOf(device.id),
    identifier: [{ system: CIRCULATOR_SYSTEMS.device, value: device.id }],
    status: deviceStatus(device.lifecycle),
    type: { coding: [{ system: CIRCULATOR_SYSTEMS.deviceType, code: device.type }], text: device.type },
  };
  const reason = statusReason(device.connectivity);
  if (reason) out.statusReason = reason;
  if (device.label) out.deviceName = [{ name: device.label, type: 'user-friendly-name' }];
  if (device.vendor) out.manufacturer = device.vendor;
  if (device.model) out.modelNumber = device.model;
  if (device.serial) out.serialNumber = device.serial;
  if (device.firmware) out.version = [{ value: device.firmware }];
  if (device.roomId) out.location = roomReference(device.roomId);
  return out;
}
