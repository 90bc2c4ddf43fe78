import { Client } from 'pg';
import request from 'supertest';
import type { CaseView } from '@circulator/contracts';
import { MllpClient } from '@circulator/hl7';
import { adt, pcdAlarm, pcdVitals, siu } from '../support/hl7-messages';
import { ADMIN_PASSWORD, startTestPlatform, tokenFor, type TestPlatform } from '../support/platform';
import { waitFor } from '../support/services';

const DAY = '2026-11-23';
const PATIENTS = 20;

/** HL7 TS on the case day, `minutes` after midnight facility time (Europe/Paris in tests). */
function ts(minutes: number): string {
  const h = String(Math.floor(minutes / 60)).padStart(2, '0');
  const m = String(minutes % 60).padStart(2, '0');
  return `20261123${h}${m}00`;
}

/** Ten messages about one patient's case, each with its own source time. */
function messagesFor(p: number): string[] {
  const room = `OR${(p % 4) + 1}`;
  const location = `${room}^^^GENHOSP`;
  const start = 8 * 60 + Math.floor(p / 4) * 120;
  const mrn = `MRN-ORD-${p}`;
  const ids = { placerId: `PL-ORD-${p}`, fillerId: `FL-ORD-${p}` };
  const person = { mrn, family: 'Order', given: `Patient${p}` };
  const booking = { ...ids, ...person, start: ts(start), room };
  // From the A08 on, the EHR sends the patient's new name in every message.
  const renamed = { ...person, family: 'Order-Updated' };
  return [
    siu({ trigger: 'S12', controlId: `ORD-${p}-01`, ...booking, minutes: 60, sent: ts(6 * 60) }),
    p % 5 === 4
      ? siu({ trigger: 'S15', controlId: `ORD-${p}-02`, ...booking, minutes: 60, sent: ts(6 * 60 + 1) })
      : siu({ trigger: 'S14', controlId: `ORD-${p}-02`, ...booking, minutes: 90, sent: ts(6 * 60 + 1) }),
    adt({ trigger: 'A08', controlId: `ORD-${p}-03`, at: ts(6 * 60 + 2), ...renamed }),
    adt({
      trigger: 'A02',
      controlId: `ORD-${p}-04`,
      at: ts(start + 5),
      ...renamed,
      location,
      priorLocation: 'PREOP^^^GENHOSP',
    }),
    pcdVitals({ controlId: `ORD-${p}-05`, at: ts(start + 10), location, mrn, spo2: 97, hr: 70 + p }),
    pcdVitals({ controlId: `ORD-${p}-06`, at: ts(start + 20), location, mrn, spo2: 95, hr: 80 + p }),
    pcdVitals({ controlId: `ORD-${p}-07`, at: ts(start + 30), location, mrn, spo2: 99, hr: 60 + p }),
    pcdAlarm({
      controlId: `ORD-${p}-08`,
      at: ts(start + 15),
      location,
      mrn,
      phase: 'start',
      priority: 'PM',
      value: 88,
    }),
    pcdAlarm({ controlId: `ORD-${p}-09`, at: ts(start + 25), location, mrn, phase: 'end', priority: 'PM', value: 94 }),
    adt({
      trigger: 'A02',
      controlId: `ORD-${p}-10`,
      at: ts(start + 95),
      ...renamed,
      location: 'PACU^^^GENHOSP',
      priorLocation: location,
    }),
  ];
}

/** A seeded Fisher–Yates shuffle (mulberry32), so a failure replays. */
function shuffled<T>(items: readonly T[], seed: number): T[] {
  let a = seed >>> 0;
  const random = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

function msa1(ack: string): string {
  return (
    ack
      .split('\r')
      .find((s) => s.startsWith('MSA|'))
      ?.split('|')[1] ?? '?'
  );
}

/** Sends messages one by one, each must be accepted; waits until the worker has applied them all. */
async function play(t: TestPlatform, messages: readonly string[]): Promise<void> {
  const sender = new MllpClient();
  await sender.connect('127.0.0.1', t.platform.mllpPort!);
  try {
    for (const m of messages) expect(msa1(await sender.send(m))).toBe('AA');
  } finally {
    await sender.close();
  }
  const db = new Client({ connectionString: t.database!.url });
  await db.connect();
  try {
    await waitFor(
      async () => {
        const { rows } = await db.query<{ pending: string; applied: string }>(
          `SELECT count(*) FILTER (WHERE status = 'received')::text AS pending,
                  count(*) FILTER (WHERE status = 'applied')::text AS applied FROM inbox`,
        );
        return rows[0]?.pending === '0' && rows[0]?.applied === String(messages.length) ? true : undefined;
      },
      { timeoutMs: 60_000, what: `${messages.length} messages applied` },
    );
  } finally {
    await db.end();
  }
}

/** The day's cases as a client sees them, without what differs by construction (ids, change counts). */
async function cases(t: TestPlatform, token: string): Promise<Omit<CaseView, 'id' | 'version'>[]> {
  const res = await request(t.url).get(`/api/cases?date=${DAY}`).set('Authorization', `Bearer ${token}`).expect(200);
  return (res.body as CaseView[])
    .map(({ id: _id, version: _version, ...rest }) => rest)
    .sort((a, b) => (a.identifiers.placerAppointmentId ?? '').localeCompare(b.identifiers.placerAppointmentId ?? ''));
}

/**
 * Issue 3: "a set of 200 messages for 20 patients applied in shuffled order gives the same cases
 * as in order", and a duplicate resent after a newer message changes nothing. Bookings, changes,
 * cancellations, ADT updates and transfers, device readings and alarms, each with its own time.
 */
describe('HL7 message order', () => {
  const all = Array.from({ length: PATIENTS }, (_, p) => messagesFor(p)).flat();
  let inOrder: TestPlatform;
  let outOfOrder: TestPlatform;

  afterAll(async () => {
    for (const t of [inOrder, outOfOrder]) {
      await t?.stop();
      t?.dataDir.remove();
    }
  });

  it('gives the same cases whatever order the messages arrive in', async () => {
    expect(all).toHaveLength(200);
    inOrder = await startTestPlatform();
    await play(inOrder, all);
    const expected = await cases(inOrder, await tokenFor(inOrder.url, 'admin', ADMIN_PASSWORD));

    outOfOrder = await startTestPlatform();
    await play(outOfOrder, shuffled(all, 20261123));
    const actual = await cases(outOfOrder, await tokenFor(outOfOrder.url, 'admin', ADMIN_PASSWORD));

    expect(expected).toHaveLength(PATIENTS);
    // What the in-order run must show, so that "the same" is not "the same nothing".
    const first = expected.find((c) => c.identifiers.placerAppointmentId === 'PL-ORD-0');
    expect(first).toMatchObject({
      status: 'recovery',
      patient: { name: 'ORDER-UPDATED, Patient0' },
      scheduledStart: '2026-11-23T08:00:00+01:00',
      milestones: { inRoom: '2026-11-23T08:05:00+01:00', outOfRoom: '2026-11-23T09:35:00+01:00' },
      vitals: { spo2: { value: 99 }, hr: { value: 60 } },
      alerts: [],
    });
    expect(expected.filter((c) => c.status === 'cancelled')).toHaveLength(PATIENTS / 5);
    expect(actual).toEqual(expected);
  }, 180_000);

  it('changes nothing when a message is resent after a newer one, or an older one arrives late', async () => {
    const token = await tokenFor(outOfOrder.url, 'admin', ADMIN_PASSWORD);
    const before = await cases(outOfOrder, token);
    const sender = new MllpClient();
    await sender.connect('127.0.0.1', outOfOrder.platform.mllpPort!);
    try {
      // The same booking again (same MSH-10): accepted, not applied.
      expect(msa1(await sender.send(all[0]!))).toBe('AA');
      // A new message id with an older schedule time than the S14 the case reflects.
      const stale = siu({
        trigger: 'S14',
        controlId: 'ORD-0-STALE',
        placerId: 'PL-ORD-0',
        fillerId: 'FL-ORD-0',
        start: ts(7 * 60),
        minutes: 30,
        room: 'OR4',
        mrn: 'MRN-ORD-0',
        family: 'Order',
        given: 'Patient0',
        sent: ts(5 * 60),
      });
      expect(msa1(await sender.send(stale))).toBe('AA');
    } finally {
      await sender.close();
    }
    const db = new Client({ connectionString: outOfOrder.database!.url });
    await db.connect();
    try {
      const stale = await waitFor(
        async () => {
          const { rows } = await db.query<{ status: string; error: string | null }>(
            `SELECT status, error FROM inbox WHERE control_id = 'ORD-0-STALE' AND status <> 'received'`,
          );
          return rows[0];
        },
        { timeoutMs: 30_000, what: 'the late message applied' },
      );
      expect(stale.status).toBe('applied');
      const { rows } = await db.query<{ duplicates: number }>(
        `SELECT duplicates FROM inbox WHERE control_id = 'ORD-0-01'`,
      );
      expect(rows).toEqual([{ duplicates: 1 }]);
    } finally {
      await db.end();
    }
    expect(await cases(outOfOrder, token)).toEqual(before);
  }, 60_000);
});
