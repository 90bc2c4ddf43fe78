import type { CaseView } from '@circulator/contracts';
import { ManualClock } from '@circulator/domain';
import { MllpClient } from '@circulator/hl7';
import { planFhirDay } from '../../apps/simulator/src/fhir/fhir.day';
import { fhirTimeline, httpHookSender, playFhirDay } from '../../apps/simulator/src/fhir/fhir.player';
import { SimFhirServer } from '../../apps/simulator/src/fhir/fhir.server';
import { planOrDay } from '../../apps/simulator/src/or-day.plan';
import { buildPlanMessages } from '../../apps/simulator/src/siu.builder';
import { ADMIN_PASSWORD, requestAs, startTestPlatform, tokenFor, type TestPlatform } from '../support/platform';
import { waitFor } from '../support/services';

/**
 * The simulator as the EHR's FHIR side (issue 9), against a started platform whose FHIR_BASE_URL
 * is the simulator's FHIR server: the cases are booked over HL7 (SIU S12), then the EHR reschedules
 * one appointment (a full-resource subscription notification) and cancels another (an id-only one,
 * which the platform reads back from the simulator's server); both reach the cases on the board.
 */
describe("the simulator's FHIR side on a real platform", () => {
  const SECRET = 'simulated-ehr-hook-secret';
  const plan = planOrDay({
    date: '2026-11-23',
    timeZone: 'Europe/Paris',
    seed: 42,
    rooms: 3,
    now: '2026-11-23T06:00:00+01:00',
  });
  const day = planFhirDay(plan);
  const [moved, cancelled] = day.changes;
  let ehr: SimFhirServer;
  let t: TestPlatform;
  let mllp: MllpClient;

  beforeAll(async () => {
    ehr = new SimFhirServer();
    const base = await ehr.listen(0);
    // The platform's now is just after the EHR's last change.
    t = await startTestPlatform({
      clock: new ManualClock(new Date(Date.parse(day.changes.at(-1)!.at) + 60_000)),
      env: { FHIR_BASE_URL: base, FHIR_HOOK_SECRET: SECRET, FHIR_SYNC_INTERVAL_SECONDS: '0' },
    });
    mllp = new MllpClient({ ackTimeoutMs: 10_000 });
    await mllp.connect('127.0.0.1', t.platform.mllpPort!);
    for (const m of buildPlanMessages(plan).filter((m) => m.trigger === 'S12')) {
      expect(await mllp.send(m.text)).toMatch(/MSA\|AA\|/);
    }
  }, 60_000);

  afterAll(async () => {
    await mllp?.close();
    await t?.stop();
    t?.dataDir.remove();
    await ehr?.close();
  });

  it('moves one case and cancels another from FHIR notifications, each keeping its HL7 room', async () => {
    expect(moved?.kind).toBe('rescheduled');
    expect(cancelled?.kind).toBe('cancelled');
    const admin = await tokenFor(t.url, 'admin', ADMIN_PASSWORD);
    const api = requestAs(t.url, () => admin);
    const board = async () => (await api.get('/api/cases?date=2026-11-23').expect(200)).body as CaseView[];
    const byPlacer = (cases: CaseView[], placerId: string) =>
      cases.find((c) => c.identifiers.placerAppointmentId === placerId);
    const booked = await waitFor(
      async () => {
        const cases = await board();
        return byPlacer(cases, moved!.case.placerId) && byPlacer(cases, cancelled!.case.placerId) ? cases : undefined;
      },
      { timeoutMs: 15_000, what: 'the SIU bookings on the board' },
    );
    const before = byPlacer(booked, moved!.case.placerId)!;
    const cancelledBefore = byPlacer(booked, cancelled!.case.placerId)!;

    const played = await playFhirDay(
      fhirTimeline(day, ehr.base),
      ehr,
      httpHookSender(`${t.url}/fhir/subscription-hook`, SECRET),
      { speed: 0 },
    );
    expect(played).toEqual({ sent: 3, accepted: 3, failed: [] });

    const after = await waitFor(
      async () => {
        const cases = await board();
        const m = byPlacer(cases, moved!.case.placerId);
        const c = byPlacer(cases, cancelled!.case.placerId);
        return m?.identifiers.fhirAppointmentId && c?.status === 'cancelled' ? { m, c } : undefined;
      },
      { timeoutMs: 15_000, what: 'the FHIR changes on the cases' },
    );
    expect(Date.parse(after.m.scheduledStart)).toBe(Date.parse(moved!.case.start));
    expect(Date.parse(after.m.scheduledStart) - Date.parse(before.scheduledStart)).toBeGreaterThanOrEqual(15 * 60_000);
    expect(after.m).toMatchObject({ id: before.id, roomId: before.roomId, status: 'scheduled' });
    expect(after.m.identifiers.fhirAppointmentId).toBe(moved!.case.placerId);
    expect(after.c).toMatchObject({ id: cancelledBefore.id, roomId: cancelledBefore.roomId });
    // The id-only notification named the Appointment: the platform read it from FHIR_BASE_URL.
    expect(ehr.requests).toContain(`GET /fhir/Appointment/${cancelled!.case.placerId}`);
    // The case's log says where the move came from.
    const events = (await api.get(`/api/cases/${before.id}/events`).expect(200)).body as {
      kind: string;
      source: { kind: string };
    }[];
    expect(events.at(-1)?.source.kind).toBe('fhir');
  }, 60_000);
});
