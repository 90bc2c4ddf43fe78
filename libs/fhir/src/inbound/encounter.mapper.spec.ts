import { FhirContext } from './fhir.context';
import type { FhirResource } from './fhir.json';
import { mapFhirResource, type FhirMapping } from './fhir.mapper';
import { corpusResource } from './testing/corpus';

const RECEIVED = '2026-11-23T06:00:00Z';
const AT = '2026-11-23T11:00:00Z';

function map(resource: FhirResource, context: FhirResource[] = []): FhirMapping {
  const result = mapFhirResource(
    resource,
    new FhirContext(
      resource,
      context.map((r) => ({ resource: r })),
    ),
    {
      receivedAt: RECEIVED,
    },
  );
  if (!result.ok) throw new Error(result.problem);
  return result.mapping;
}

const APPOINTMENT: FhirResource = {
  resourceType: 'Appointment',
  id: 'apt-1',
  status: 'booked',
  participant: [
    { actor: { reference: 'Patient/p1' }, status: 'accepted' },
    { actor: { reference: 'Location/or3' }, status: 'accepted' },
  ],
};

/** An Encounter of the Appointment's patient: ward, the operating room, then PACU. */
function encounter(extra: Partial<FhirResource> = {}): FhirResource {
  return {
    resourceType: 'Encounter',
    id: 'enc-1',
    meta: { versionId: '3', lastUpdated: AT },
    status: 'in-progress',
    class: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'IMP' },
    subject: { reference: 'Patient/p1' },
    appointment: [{ reference: 'Appointment/apt-1' }],
    location: [
      {
        location: { reference: 'Location/ward-7' },
        status: 'completed',
        period: { start: '2026-11-23T06:00:00+01:00', end: '2026-11-23T08:10:00+01:00' },
      },
      {
        location: { reference: 'Location/or3' },
        status: 'completed',
        period: { start: '2026-11-23T08:12:00+01:00', end: '2026-11-23T10:05:00+01:00' },
      },
      { location: { reference: 'Location/pacu' }, status: 'active', period: { start: '2026-11-23T10:07:00+01:00' } },
    ],
    ...extra,
  };
}

const target = { identifiers: { fhirAppointmentId: 'apt-1' } };
const milestone = (key: string, value: string | null) => ({
  kind: 'milestone',
  at: AT,
  target,
  milestone: key,
  value,
  via: 'fhir',
  confidence: 'reported',
});

describe('Encounter location history → milestones', () => {
  it("reads in room and out of room from the stay at the Appointment's Location", () => {
    const m = map(encounter(), [APPOINTMENT]);
    expect(m.facts).toEqual([
      milestone('inRoom', '2026-11-23T08:12:00+01:00'),
      milestone('outOfRoom', '2026-11-23T10:05:00+01:00'),
    ]);
    expect(m.label).toBe('Encounter/enc-1/_history/3');
    expect(m.warnings).toEqual([]);
  });

  it('gives only in room while the patient is still in the operating room', () => {
    const m = map(
      encounter({
        location: [
          { location: { reference: 'Location/or3' }, status: 'active', period: { start: '2026-11-23T08:12:00+01:00' } },
        ],
      }),
      [APPOINTMENT],
    );
    expect(m.facts).toEqual([milestone('inRoom', '2026-11-23T08:12:00+01:00')]);
  });

  it('takes the first entry in and the last way out when the patient went back in, and skips planned stays', () => {
    const m = map(
      encounter({
        location: [
          {
            location: { reference: 'Location/or3' },
            status: 'planned',
            period: { start: '2026-11-23T07:00:00+01:00' },
          },
          {
            location: { reference: 'Location/or3' },
            status: 'completed',
            period: { start: '2026-11-23T08:12:00+01:00', end: '2026-11-23T09:00:00+01:00' },
          },
          {
            location: { reference: 'Location/or3' },
            status: 'completed',
            period: { start: '2026-11-23T09:10:00+01:00', end: '2026-11-23T10:05:00+01:00' },
          },
        ],
      }),
      [APPOINTMENT],
    );
    expect(m.facts).toEqual([
      milestone('inRoom', '2026-11-23T08:12:00+01:00'),
      milestone('outOfRoom', '2026-11-23T10:05:00+01:00'),
    ]);
  });

  it("withdraws FHIR's claims when the Encounter was entered in error", () => {
    expect(map(encounter({ status: 'entered-in-error' }), [APPOINTMENT]).facts).toEqual([
      milestone('inRoom', null),
      milestone('outOfRoom', null),
    ]);
  });

  it('reads nothing when the Appointment did not come along (which place is the OR?)', () => {
    const m = map(encounter());
    expect(m.facts).toEqual([]);
    expect(m.warnings).toContain("the Encounter's Appointment did not come along: its location history is not read");
  });

  it('reads nothing from an Encounter without Appointment (corpus emerg: an emergency stay)', () => {
    const m = map(corpusResource('encounter/fm-encounter-example-emerg.json'));
    expect(m.facts).toEqual([]);
    expect(m.warnings).toContain(
      'Encounter names no Appointment: its location history does not say which place is the operating room',
    );
  });

  it('links the corpus f203 Encounter to its Appointment "example", which has no stay in its room', () => {
    const m = map(corpusResource('encounter/fm-encounter-example-f203-20130311.json'), [
      corpusResource('appointment/fr-appointment-example.json'),
    ]);
    expect(m.facts).toEqual([]);
    expect(m.mrn).toBe('f201');
  });
});
