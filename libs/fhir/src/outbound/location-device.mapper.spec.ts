import { expectValidFhir } from '../../../../test/support/fhir-validator';
import { type DeviceFacts, deviceFromRecord } from './device.mapper';
import { fhirIdOf, HASHED_ID, isFhirId, ourIdCandidate } from './fhir.ids';
import { CIRCULATOR_SYSTEMS } from './fhir.systems';
import { locationFromRoom } from './location.mapper';

describe('locationFromRoom', () => {
  it('a room: our id, its source locations as identifiers, a physical room', () => {
    const l = locationFromRoom({ id: 'or7-genhosp', name: 'OR 7', locations: ['OR7^^^GENHOSP'] });
    expectValidFhir(l);
    expect(l).toEqual({
      resourceType: 'Location',
      id: 'or7-genhosp',
      identifier: [
        { system: CIRCULATOR_SYSTEMS.room, value: 'or7-genhosp' },
        { system: CIRCULATOR_SYSTEMS.sourceLocation, value: 'OR7^^^GENHOSP' },
      ],
      status: 'active',
      name: 'OR 7',
      mode: 'instance',
      physicalType: { coding: [expect.objectContaining({ code: 'ro' })] },
    });
  });

  it('says when a room came from a location nobody mapped; a room id that is no FHIR id is hashed', () => {
    const l = locationFromRoom({ id: 'or_7:east', name: 'OR7', locations: [], unmapped: true });
    expectValidFhir(l);
    expect(l.id).toMatch(HASHED_ID);
    expect(l.description).toMatch(/unmapped/);
  });
});

describe('deviceFromRecord', () => {
  const monitor: DeviceFacts = {
    id: 'mon_7',
    type: 'monitor',
    label: 'Monitor OR 7',
    vendor: 'Philips',
    model: 'MX800',
    serial: 'SN-1',
    firmware: '2.1',
    roomId: 'or7-genhosp',
    lifecycle: 'active',
    connectivity: 'online',
  };

  it('a registered device: identifier, type, vendor, model, serial, firmware, room', () => {
    const d = deviceFromRecord(monitor);
    expectValidFhir(d);
    expect(d).toMatchObject({
      resourceType: 'Device',
      id: fhirIdOf('mon_7'),
      identifier: [{ system: CIRCULATOR_SYSTEMS.device, value: 'mon_7' }],
      status: 'active',
      statusReason: [{ coding: [expect.objectContaining({ code: 'online' })] }],
      type: { coding: [{ system: CIRCULATOR_SYSTEMS.deviceType, code: 'monitor' }], text: 'monitor' },
      deviceName: [{ name: 'Monitor OR 7', type: 'user-friendly-name' }],
      manufacturer: 'Philips',
      modelNumber: 'MX800',
      serialNumber: 'SN-1',
      version: [{ value: '2.1' }],
      location: { reference: 'Location/or7-genhosp' },
    });
  });

  it.each([
    ['maintenance', 'error', 'inactive', 'not-ready'],
    ['retired', 'offline', 'inactive', 'offline'],
    ['active', 'unknown', 'active', undefined],
  ])('lifecycle %s and connectivity %s: %s, %s', (lifecycle, connectivity, status, reason) => {
    const d = deviceFromRecord({ ...monitor, lifecycle, connectivity, label: null, vendor: null, roomId: null });
    expectValidFhir(d);
    expect(d.status).toBe(status);
    expect(d.statusReason?.[0]?.coding?.[0]?.code).toBe(reason);
    expect(d).not.toHaveProperty('location');
  });
});

describe('FHIR ids of our ids', () => {
  it('keeps an id that is a FHIR id, and reads it back', () => {
    expect(fhirIdOf('or7-genhosp')).toBe('or7-genhosp');
    expect(ourIdCandidate('or7-genhosp')).toBe('or7-genhosp');
  });

  it('hashes one that is not (or that looks hashed), stably; a hashed id is looked up, not read', () => {
    for (const id of ['mon_7', 'or:7', 'x'.repeat(65), `x-${'0'.repeat(32)}`]) {
      const fhirId = fhirIdOf(id);
      expect(fhirId).toMatch(HASHED_ID);
      expect(isFhirId(fhirId)).toBe(true);
      expect(fhirIdOf(id)).toBe(fhirId);
      expect(ourIdCandidate(fhirId)).toBeUndefined();
    }
    expect(fhirIdOf('mon_7')).not.toBe(fhirIdOf('mon_8'));
    expect(ourIdCandidate('not/an id')).toBeUndefined();
  });
});
