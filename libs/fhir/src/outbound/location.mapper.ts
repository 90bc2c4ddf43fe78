import type { Identifier, Location } from 'fhir/r4';
import type { RoomView } from '@circulator/contracts';
import { fhirIdOf } from './fhir.ids';
import { CIRCULATOR_SYSTEMS, LOCATION_PHYSICAL_TYPE } from './fhir.systems';

/**
 * A room as an R4 Location (http://hl7.org/fhir/R4/location.html): one operating room, a physical
 * `ro` (room) instance. Its identifiers are our room id and every source location code mapped to
 * it (HL7 AIL-3 / PV1-3 joined with `^`, EHR Location ids), so that an interface engineer can find
 * the room a feed's location lands in. A room the platform created from an unknown location says
 * so in `description` until someone maps it (CONTRACT §3 `unmapped`).
 */
export function locationFromRoom(room: RoomView): Location {
  const identifier: Identifier[] = [
    { system: CIRCULATOR_SYSTEMS.room, value: room.id },
    ...room.locations.map((code) => ({ system: CIRCULATOR_SYSTEMS.sourceLocation, value: code })),
  ];
  const location: Location = {
    resourceType: 'Location',
    id: fhirIdOf(room.id),
    identifier,
    status: 'active',
    name: room.name,
    mode: 'instance',
    physicalType: { coding: [{ system: LOCATION_PHYSICAL_TYPE, code: 'ro', display: 'Room' }] },
  };
  if (room.unmapped) {
    location.description = 'Created from a source location that no interface maps yet (unmapped)';
  }
  return location;
}
