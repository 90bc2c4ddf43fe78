import type { FactDraft } from '@circulator/domain';
import { FhirContext } from './fhir.context';
import type { FhirResource } from './fhir.json';
import { mapFhirResource, type FhirMapping } from './fhir.mapper';
import { corpusResource } from './testing/corpus';

const RECEIVED = '2026-11-23T06:00:00Z';

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

function schedule(mapping: FhirMapping): Extract<FactDraft, { kind: 'schedule' }> {
  const [fact] = mapping.facts;
  if (fact?.kind !== 'schedule') throw new Error(`not a schedule fact: ${JSON.stringify(mapping.facts)}`);
  return fact;
}

/** A small surgical Appointment, one rule at a time. */
function appointment(extra: Partial<FhirResource> = {}): FhirResource {
  return {
    resourceType: 'Appointment',
    id: 'apt-1',
    meta: { versionId: '1', lastUpdated: '2026-11-20T10:00:00Z' },
    status: 'booked',
    start: '2026-11-23T08:30:00+01:00',
    end: '2026-11-23T10:00:00+01:00',
    serviceType: [
      { coding: [{ system: 'http://snomed.info/sct', code: '45595009', display: 'Laparoscopic cholecystectomy' }] },
    ],
    participant: [
      { actor: { reference: 'Patient/p1' }, status: 'accepted' },
      { actor: { reference: 'Location/or3', display: 'OR 3' }, status: 'accepted' },
    ],
    ...extra,
  };
}

const PATIENT: FhirResource = {
  resourceType: 'Patient',
  id: 'p1',
  identifier: [
    { use: 'official', system: 'urn:oid:1.2.3', value: 'NHS-99' },
    {
      type: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v2-0203', code: 'MR' }] },
      system: 'urn:oid:9',
      value: 'MRN-1',
      assigner: { display: 'GENHOSP' },
    },
  ],
  name: [{ use: 'official', family: 'Everyman', given: ['Adam', 'A'] }],
  gender: 'male',
  birthDate: '1980-01-02',
};

describe('Appointment → schedule fact', () => {
  it('maps the corpus Appointment "example" with its Patient, Practitioner and Location', () => {
    const m = map(corpusResource('appointment/fr-appointment-example.json'), [
      corpusResource('patient/fr-patient-example.json'),
      corpusResource('patient/fm-practitioner-example.json'),
      corpusResource('encounter/fm-location-example.json'),
    ]);
    expect(m.facts).toEqual([
      {
        kind: 'schedule',
        action: 'booked',
        // The corpus file has no meta: the receive time stands in, with a warning.
        at: RECEIVED,
        identifiers: { fhirAppointmentId: 'example' },
        patient: {
          mrn: '12345',
          assigningAuthority: 'Acme Healthcare',
          familyName: 'Chalmers',
          givenName: 'Peter James',
          birthDate: '1974-12-25',
          sex: 'M',
        },
        location: { code: 'Location/1', name: 'South Wing, second floor' },
        // ATND (attender) with no primary performer: the surgeon.
        surgeon: { id: '23', name: 'Adam Careful' },
        procedure: { code: '52', text: 'General Discussion' },
        scheduledStart: '2013-12-10T09:00:00Z',
        scheduledEnd: '2013-12-10T11:00:00Z',
      },
    ]);
    expect(m.mrn).toBe('12345');
    expect(m.label).toBe('Appointment/example');
    expect(m.warnings).toEqual(['Appointment has no meta.lastUpdated: the receive time is its time']);
  });

  it('maps it without its context from what the references say, and says so', () => {
    const fact = schedule(map(corpusResource('appointment/fr-appointment-example.json')));
    expect(fact.patient).toEqual({ mrn: 'example' });
    expect(fact.location).toEqual({ code: 'Location/1', name: 'South Wing, second floor' });
    expect(fact.surgeon).toEqual({ id: 'example', name: 'Dr Adam Careful' });
    const m = map(corpusResource('appointment/fr-appointment-example.json'));
    expect(m.warnings).toContain('Patient/example did not come with the message: the patient is named by its FHIR id');
  });

  it('leaves the 2docs Appointment without room or roles (no Location, no participant types)', () => {
    const m = map(corpusResource('appointment/fr-appointment-2docs.json'));
    const fact = schedule(m);
    expect(fact.location).toBeUndefined();
    expect(fact.surgeon).toBeUndefined();
    expect(m.warnings).toEqual(
      expect.arrayContaining([
        'Appointment names no Location: no room',
        'practitioner example has no role we recognise',
        'practitioner f202 has no role we recognise',
      ]),
    );
  });

  it('puts nothing on the schedule for a proposed Appointment (corpus examplereq)', () => {
    const m = map(corpusResource('appointment/fr-appointment-examplereq.json'));
    expect(m.facts).toEqual([]);
    expect(m.warnings).toEqual(['Appointment is proposed: not on the schedule yet']);
  });

  it('reads the MR identifier as the MRN, and the patient demographics', () => {
    expect(schedule(map(appointment(), [PATIENT])).patient).toEqual({
      mrn: 'MRN-1',
      assigningAuthority: 'GENHOSP',
      familyName: 'Everyman',
      givenName: 'Adam A',
      birthDate: '1980-01-02',
      sex: 'M',
    });
  });

  it.each([
    ['booked', '1', 'booked'],
    ['pending', '1', 'booked'],
    ['booked', '2', 'rescheduled'],
    ['arrived', '3', 'rescheduled'],
    ['checked-in', '3', 'rescheduled'],
    ['fulfilled', '4', 'rescheduled'],
    ['cancelled', '2', 'cancelled'],
    ['noshow', '2', 'no-show'],
    ['entered-in-error', '2', 'deleted'],
  ])('status %s (version %s) is %s', (status, versionId, action) => {
    const fact = schedule(map(appointment({ status, meta: { versionId, lastUpdated: '2026-11-20T10:00:00Z' } })));
    expect(fact.action).toBe(action);
    expect(fact.at).toBe('2026-11-20T10:00:00Z');
  });

  it('refuses a status FHIR R4 does not have', () => {
    expect(map(appointment({ status: 'done' }))).toMatchObject({
      facts: [],
      warnings: [expect.stringContaining("'done'")],
    });
  });

  it('reads PLAC and FILL identifiers as the placer and filler appointment ids (one case with SIU)', () => {
    const fact = schedule(
      map(
        appointment({
          identifier: [
            {
              type: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v2-0203', code: 'PLAC' }] },
              value: 'PL-1001',
            },
            {
              type: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v2-0203', code: 'FILL' }] },
              value: 'FL-1001',
            },
            { value: 'other' },
          ],
        }),
      ),
    );
    expect(fact.identifiers).toEqual({
      fhirAppointmentId: 'apt-1',
      placerAppointmentId: 'PL-1001',
      fillerAppointmentId: 'FL-1001',
    });
  });

  const typed = (code: string) => [
    { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ParticipationType', code }] },
  ];
  const practitioner = (id: string, family: string): FhirResource => ({
    resourceType: 'Practitioner',
    id,
    identifier: [{ system: 'http://hl7.org/fhir/sid/us-npi', value: `NPI-${id}` }],
    name: [{ family, given: ['Dr'], prefix: ['Prof.'] }],
  });

  it('makes the primary performer (PPRF) the surgeon, before an attender (ATND)', () => {
    const fact = schedule(
      map(
        appointment({
          participant: [
            ...(appointment()['participant'] as unknown[]),
            { type: typed('ATND'), actor: { reference: 'Practitioner/att' }, status: 'accepted' },
            { type: typed('PPRF'), actor: { reference: 'Practitioner/sur' }, status: 'accepted' },
          ],
        }),
        [practitioner('att', 'Attending'), practitioner('sur', 'Cutter')],
      ),
    );
    expect(fact.surgeon).toEqual({ id: 'NPI-sur', name: 'Dr Cutter' });
    expect(fact.anesthesiologist).toBeUndefined();
  });

  it('makes a secondary performer (SPRF) the anesthesiologist only when the PractitionerRole says so', () => {
    const role: FhirResource = {
      resourceType: 'PractitionerRole',
      id: 'role-an',
      practitioner: { reference: 'Practitioner/an' },
      code: [{ coding: [{ system: 'http://snomed.info/sct', code: '88189002', display: 'Anesthesiologist' }] }],
    };
    const m = map(
      appointment({
        participant: [
          ...(appointment()['participant'] as unknown[]),
          { type: typed('SPRF'), actor: { reference: 'PractitionerRole/role-an' }, status: 'accepted' },
          {
            type: typed('SPRF'),
            actor: { reference: 'Practitioner/assist', display: 'Dr Assistant' },
            status: 'accepted',
          },
        ],
      }),
      [role, practitioner('an', 'Sleep')],
    );
    expect(schedule(m).anesthesiologist).toEqual({ id: 'NPI-an', name: 'Dr Sleep' });
    expect(schedule(m).surgeon).toBeUndefined();
    expect(m.warnings).toContain('practitioner assist has no role we recognise (SPRF)');
  });

  it('recognises the HL7 v2 role codes a v2-to-FHIR conversion carries, and leaves out who declined', () => {
    const fact = schedule(
      map(
        appointment({
          participant: [
            ...(appointment()['participant'] as unknown[]),
            { type: [{ coding: [{ code: 'SURGEON' }] }], actor: { reference: 'Practitioner/no' }, status: 'declined' },
            {
              type: [{ text: 'anesthesiologist' }],
              actor: { reference: 'Practitioner/an', display: 'Michaela Quinn' },
              status: 'accepted',
            },
            {
              type: [{ coding: [{ code: 'SUR' }] }],
              actor: { reference: 'Practitioner/yes', display: 'Gregory House' },
              status: 'tentative',
            },
          ],
        }),
      ),
    );
    expect(fact.surgeon).toEqual({ id: 'yes', name: 'Gregory House' });
    expect(fact.anesthesiologist).toEqual({ id: 'an', name: 'Michaela Quinn' });
  });

  it('takes the procedure and order number from the ServiceRequest it is based on', () => {
    const request: FhirResource = {
      resourceType: 'ServiceRequest',
      id: 'sr-1',
      identifier: [{ type: { coding: [{ code: 'PLAC' }] }, value: 'ORD-77' }],
      code: {
        coding: [{ system: 'http://www.ama-assn.org/go/cpt', code: '47562', display: 'Laparoscopic cholecystectomy' }],
      },
    };
    const fact = schedule(map(appointment({ basedOn: [{ reference: 'ServiceRequest/sr-1' }] }), [request]));
    expect(fact.procedure).toEqual({ code: '47562', text: 'Laparoscopic cholecystectomy' });
    expect(fact.identifiers.orderNumber).toBe('ORD-77');
  });

  it('ends a booking minutesDuration after its start when it gives no end', () => {
    const fact = schedule(map(appointment({ end: undefined, minutesDuration: 90 })));
    expect(fact.scheduledStart).toBe('2026-11-23T08:30:00+01:00');
    expect(fact.scheduledEnd).toBe('2026-11-23T09:00:00.000Z');
  });

  it('does not read a start without a zone', () => {
    const m = map(appointment({ start: '2026-11-23T08:30:00', end: undefined }));
    expect(schedule(m).scheduledStart).toBeUndefined();
    expect(m.warnings).toContain('Appointment start is not an instant with a zone');
  });

  it('is refused without an id', () => {
    const resource = appointment({ id: undefined });
    expect(mapFhirResource(resource, new FhirContext(resource), { receivedAt: RECEIVED })).toEqual({
      ok: false,
      problem: 'Appointment without an id',
      label: 'Appointment',
    });
  });
});
