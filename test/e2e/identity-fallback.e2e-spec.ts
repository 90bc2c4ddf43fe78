import request from 'supertest';
import type { CaseEventView, CaseView } from '@circulator/contracts';
import { MllpClient } from '@circulator/hl7';
import { siu } from '../support/hl7-messages';
import { ADMIN_PASSWORD, startTestPlatform, tokenFor, type TestPlatform } from '../support/platform';
import { waitFor } from '../support/services';

const PASSWORD = 'identity-e2e-password';
const DAY = '2026-11-25';

interface Summary {
  id: string;
  status: string;
}
interface Detail {
  attempts: { outcome: string; error: string | null; warnings?: string[] }[];
  events: { caseId: string; kind: string }[];
}

/**
 * Issue 4, the identity fallback over MLLP: an SIU^S14 that carries none of the identifiers its case
 * was booked with (only the filler id the EHR assigned later) finds the case by patient + day +
 * room, with a confidence, instead of creating a second case; the case's log and the message log
 * both say so. A booking of the same patient that day in that room under another placer id stays a
 * case of its own.
 */
describe('identity fallback: patient + day + room over MLLP', () => {
  let t: TestPlatform;
  let engineer: string;
  const api = (path: string) => request(t.url).get(path).set('Authorization', `Bearer ${engineer}`);
  const casesOfDay = async () => (await api(`/api/cases?date=${DAY}`).expect(200)).body as CaseView[];
  async function message(controlId: string): Promise<Summary> {
    return waitFor(
      async () => {
        const item = ((await api(`/api/messages?controlId=${controlId}`).expect(200)).body as { items: Summary[] })
          .items[0];
        return item && item.status !== 'received' ? item : undefined;
      },
      { timeoutMs: 20_000, what: `message ${controlId} processed` },
    );
  }
  async function send(hl7: string): Promise<void> {
    const mllp = new MllpClient({ ackTimeoutMs: 10_000 });
    await mllp.connect('127.0.0.1', t.platform.mllpPort!);
    expect(await mllp.send(hl7)).toMatch(/MSA\|AA\|/);
    await mllp.close();
  }
  const base = { minutes: 90, room: 'OR31', mrn: 'M-ID1', family: 'Fallback', given: 'Fay' } as const;

  beforeAll(async () => {
    t = await startTestPlatform();
    const admin = await tokenFor(t.url, 'admin', ADMIN_PASSWORD);
    await request(t.url)
      .post('/api/users')
      .set('Authorization', `Bearer ${admin}`)
      .send({ username: 'ie-identity', password: PASSWORD, displayName: 'IE', roles: ['integration', 'nurse'] })
      .expect(201);
    engineer = await tokenFor(t.url, 'ie-identity', PASSWORD);
  }, 60_000);

  afterAll(async () => {
    await t?.stop();
  });

  it('an S14 with only a new filler id updates the case booked under the placer id, confidence high', async () => {
    await send(
      siu({ ...base, trigger: 'S12', controlId: 'ID-1', placerId: 'PL-ID1', fillerId: '', start: '20261125080000' }),
    );
    await message('ID-1');
    const [booked] = await casesOfDay();
    expect(booked?.identifiers).toEqual({ placerAppointmentId: 'PL-ID1', visitNumber: 'VM-ID1' });

    // 08:00 → 08:15 Paris, same patient, room and procedure: the same slot.
    await send(
      siu({
        ...base,
        trigger: 'S14',
        controlId: 'ID-2',
        placerId: '',
        fillerId: 'FL-ID9',
        start: '20261125081500',
        sent: '20261121100000',
      }),
    );
    const s14 = await message('ID-2');
    expect(s14.status).toBe('applied');
    const cases = await casesOfDay();
    expect(cases.map((c) => c.id)).toEqual([booked!.id]);
    expect(cases[0]).toMatchObject({
      identifiers: { placerAppointmentId: 'PL-ID1', fillerAppointmentId: 'FL-ID9', visitNumber: 'VM-ID1' },
      scheduledStart: '2026-11-25T08:15:00+01:00',
    });

    // The case's log: the change, and how the case was found.
    const events = (await api(`/api/cases/${booked!.id}/events`).expect(200)).body as CaseEventView[];
    const last = events.at(-1)!;
    expect(last.kind).toBe('schedule-changed');
    expect(last.change.identity).toEqual({
      caseId: booked!.id,
      by: 'patient-day-room',
      confidence: 'high',
      reasons: [
        'same patient M-ID1',
        'same room OR31',
        'same day 2026-11-25',
        'starts 15 min apart',
        'same procedure 47562',
      ],
    });
    // The message log: the integration warning on the attempt.
    const detail = (await api(`/api/messages/${s14.id}`).expect(200)).body as Detail;
    expect(detail.attempts.map((a) => a.outcome)).toEqual(['applied']);
    expect(detail.attempts[0]?.error).toMatch(
      /^identity-fallback: no identifier of modified matched; case .* found by patient \+ day \+ room \(confidence high/,
    );
    expect(detail.events).toEqual([expect.objectContaining({ caseId: booked!.id, kind: 'schedule-changed' })]);

    // The new filler id now finds the case directly: a later S14 by it is no fallback.
    await send(
      siu({
        ...base,
        trigger: 'S14',
        controlId: 'ID-3',
        placerId: '',
        fillerId: 'FL-ID9',
        start: '20261125083000',
        sent: '20261121110000',
      }),
    );
    const direct = (await api(`/api/messages/${(await message('ID-3')).id}`).expect(200)).body as Detail;
    expect(direct.attempts[0]?.error).toBeNull();
    expect((await casesOfDay()).map((c) => c.scheduledStart)).toEqual(['2026-11-25T08:30:00+01:00']);
  });

  it('another placer id the same day in the same room is another appointment: a second case, no fallback', async () => {
    await send(
      siu({ ...base, trigger: 'S12', controlId: 'ID-4', placerId: 'PL-ID2', fillerId: '', start: '20261125140000' }),
    );
    const detail = (await api(`/api/messages/${(await message('ID-4')).id}`).expect(200)).body as Detail;
    expect(detail.attempts[0]?.error).toBeNull();
    expect((await casesOfDay()).map((c) => c.identifiers.placerAppointmentId).sort()).toEqual(['PL-ID1', 'PL-ID2']);
  });

  it('two cases of the patient in that room that day could each be the one: ambiguous, warned, none chosen', async () => {
    await send(
      siu({ ...base, trigger: 'S12', controlId: 'ID-5', placerId: 'PL-ID3', fillerId: '', start: '20261125160000' }),
    );
    await message('ID-5');
    // FL-ID7 is not the first case's filler id (FL-ID9): only PL-ID2 and PL-ID3 remain, and both fit.
    await send(
      siu({
        ...base,
        trigger: 'S14',
        controlId: 'ID-6',
        placerId: '',
        fillerId: 'FL-ID7',
        start: '20261125150000',
        sent: '20261121120000',
      }),
    );
    const detail = (await api(`/api/messages/${(await message('ID-6')).id}`).expect(200)).body as Detail;
    expect(detail.attempts[0]?.error).toMatch(
      /^identity-ambiguous: no identifier matched and cases .*, .* of the patient that day in that room could each be the one; none was chosen/,
    );
    // A modification complete enough to book is then a case of its own (a wrong merge is worse than a duplicate).
    expect(
      (await casesOfDay()).map((c) => c.identifiers.fillerAppointmentId ?? c.identifiers.placerAppointmentId).sort(),
    ).toEqual(['FL-ID7', 'FL-ID9', 'PL-ID2', 'PL-ID3']);
  });
});
