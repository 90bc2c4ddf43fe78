import { decodeFhirEnvelope, encodeFhirEnvelope, versionKeyOf } from './fhir.envelope';
import { mapFhirEnvelope } from './fhir.mapper';
import { corpusResource } from './testing/corpus';

describe('the inbox envelope of a FHIR resource', () => {
  const base = 'https://ehr.example.org/fhir';
  const appointment = {
    ...corpusResource('appointment/fr-appointment-example.json'),
    meta: { versionId: '2', lastUpdated: '2026-11-20T10:00:00Z' },
  };
  const patient = corpusResource('patient/fr-patient-example.json');

  it('keeps the resource first and its context after it, and maps the same after a round trip', () => {
    const raw = encodeFhirEnvelope({
      focus: { fullUrl: `${base}/Appointment/example`, resource: appointment },
      context: [{ fullUrl: `${base}/Patient/example`, resource: patient }],
    });
    const decoded = decodeFhirEnvelope(raw);
    expect(decoded).toEqual({
      ok: true,
      envelope: {
        focus: { fullUrl: `${base}/Appointment/example`, resource: appointment },
        context: [{ fullUrl: `${base}/Patient/example`, resource: patient }],
      },
    });
    const mapped = mapFhirEnvelope(raw, { receivedAt: '2026-11-23T06:00:00Z' });
    expect(mapped).toMatchObject({
      ok: true,
      mapping: {
        label: 'Appointment/example/_history/2',
        mrn: '12345',
        facts: [{ kind: 'schedule', action: 'rescheduled' }],
      },
    });
  });

  it("resolves absolute references under the resource's own base (a notification from another base URL form)", () => {
    const focus = {
      ...appointment,
      participant: [{ actor: { reference: `${base}/Patient/example` }, status: 'accepted' }],
    };
    const raw = encodeFhirEnvelope({
      focus: { fullUrl: `${base}/Appointment/example`, resource: focus },
      context: [{ resource: patient }],
    });
    expect(mapFhirEnvelope(raw, { receivedAt: '2026-11-23T06:00:00Z' })).toMatchObject({
      ok: true,
      mapping: { mrn: '12345' },
    });
  });

  it('refuses what is no FHIR', () => {
    expect(decodeFhirEnvelope('{"a":1}')).toEqual({ ok: false, problem: 'not a FHIR resource (no resourceType)' });
    expect(decodeFhirEnvelope('nope')).toMatchObject({ ok: false, problem: expect.stringMatching(/^not JSON/) });
    expect(decodeFhirEnvelope('{"resourceType":"Bundle","type":"collection","entry":[]}')).toEqual({
      ok: false,
      problem: 'the Bundle holds no resource',
    });
  });

  it('names a version by versionId, else lastUpdated, else content (whatever the key order)', () => {
    expect(versionKeyOf({ resourceType: 'Appointment', id: '123', meta: { versionId: '2' } })).toEqual({
      controlId: 'Appointment/123/_history/2',
      label: 'Appointment/123/_history/2',
    });
    expect(
      versionKeyOf({ resourceType: 'Appointment', id: '123', meta: { lastUpdated: '2026-11-20T10:00:00Z' } }),
    ).toEqual({
      controlId: 'Appointment/123@2026-11-20T10:00:00Z',
      label: 'Appointment/123 (lastUpdated 2026-11-20T10:00:00Z)',
    });
    const a = versionKeyOf({ resourceType: 'Appointment', id: '1', status: 'booked', start: 'x' });
    const b = versionKeyOf({ start: 'x', status: 'booked', id: '1', resourceType: 'Appointment' });
    const c = versionKeyOf({ resourceType: 'Appointment', id: '1', status: 'cancelled', start: 'x' });
    expect(a).toEqual(b);
    expect(a.controlId).toMatch(/^Appointment\/1#[0-9a-f]{32}$/);
    expect(c.controlId).not.toBe(a.controlId);
  });
});
