import type { CaseView, DeviceView } from '@circulator/contracts';
import { ManualClock } from '@circulator/domain';
import { MllpClient } from '@circulator/hl7';
import { DeviceWatchdog } from '@circulator/pipeline';
import type { Socket } from 'socket.io-client';
import { planCourses, type CaseCourse } from '../../apps/simulator/src/course/case.course';
import { playCourses, type PlayerClock } from '../../apps/simulator/src/course/course.player';
import { deviceId, tagId } from '../../apps/simulator/src/course/devices';
import { DRILL_DELAY_MS, planDrills } from '../../apps/simulator/src/course/drills';
import { ApiSession, LiveOutputs } from '../../apps/simulator/src/course/live.outputs';
import { finalSchedule, planOrDay } from '../../apps/simulator/src/or-day.plan';
import { buildDayMessages } from '../../apps/simulator/src/order.builder';
import { orderNumbers } from '../../apps/simulator/src/siu.builder';
import {
  ADMIN_PASSWORD,
  connectLive,
  requestAs,
  startTestPlatform,
  tokenFor,
  type TestPlatform,
} from '../support/platform';
import { waitFor } from '../support/services';

const NURSE = { username: 'sim-nurse', password: 'simulated-circulating-nurse' };
const SECOND = 1_000;

/** The player's time: it passes only when the player sleeps (deterministic, instant). */
function playerClock(start: number): PlayerClock {
  let now = start;
  return {
    now: () => now,
    sleep: (ms) => {
      now += ms;
      return Promise.resolve();
    },
  };
}

/**
 * The simulator's orders, devices and drills against a started platform (issue 9): a surgical
 * order (ORM^O01) sent before its booking is linked to the case by its order number; the patient's
 * RTLS tag entering the room is the case's in-room milestone; the anaesthesia machine's BIS reaches
 * the case and the environment sensor the room; and the device-outage drill silences the room's
 * monitor mid-case until the watchdog puts it offline and the case gets its device-offline alert.
 */
describe("the simulator's orders, devices and drills on a real platform", () => {
  let t: TestPlatform;
  let mllp: MllpClient;
  let outputs: LiveOutputs;
  let live: Socket;
  let course: CaseCourse;
  let clock: ManualClock;
  const problems: string[] = [];
  const plan = planOrDay({
    date: '2026-11-23',
    timeZone: 'Europe/Paris',
    seed: 23,
    rooms: 1,
    now: '2026-11-23T06:00:00+01:00',
  });
  let token = '';
  const asAdmin = () => requestAs(t.url, () => token);
  const theCase = async () => {
    const list = (await asAdmin().get(`/api/cases?date=${plan.date}`).expect(200)).body as CaseView[];
    return list.find((c) => c.identifiers.placerAppointmentId === course.case.placerId);
  };
  const device = async (id: string) => (await asAdmin().get(`/api/devices/${id}`).expect(200)).body as DeviceView;

  beforeAll(async () => {
    course = planCourses(finalSchedule(plan), 23)[0] as CaseCourse;
    clock = new ManualClock(new Date(course.incision + 60 * SECOND));
    t = await startTestPlatform({ clock });
    token = await tokenFor(t.url, 'admin', ADMIN_PASSWORD);
    await asAdmin()
      .post('/api/users', { ...NURSE, displayName: 'Sim Nurse', roles: ['nurse'] })
      .expect(201);
    mllp = new MllpClient({ ackTimeoutMs: 10_000 });
    await mllp.connect('127.0.0.1', t.platform.mllpPort!);
    outputs = new LiveOutputs({
      mllp,
      admin: new ApiSession(t.url, { username: 'admin', password: ADMIN_PASSWORD }),
      nurse: new ApiSession(t.url, NURSE),
      mqttUrl: `mqtt://127.0.0.1:${t.platform.mqttPort}`,
      controlPrefix: 'SIMDEV',
      log: (line) => problems.push(line),
    });
  }, 60_000);

  afterAll(async () => {
    live?.close();
    await outputs?.close();
    await mllp?.close();
    await t?.stop();
    t?.dataDir.remove();
  });

  it('links each surgical order to its booked case by the order number', async () => {
    // The day's first messages: each order (ORM^O01 NW) goes just before its booking (SIU^S12).
    const first = buildDayMessages(plan).filter((m) => m.trigger === 'O01' || m.trigger === 'S12');
    expect(first[0]?.trigger).toBe('O01');
    for (const m of first) expect(await mllp.send(m.text)).toMatch(/MSA\|AA\|/);
    const numbers = orderNumbers(course.case);
    const shown = await waitFor(
      async () => {
        const c = await theCase();
        return c?.orders?.some((o) => o.number === numbers.placer) ? c : undefined;
      },
      { timeoutMs: 15_000, what: 'the order on its case' },
    );
    expect(shown.identifiers.orderNumber).toBe(numbers.placer);
    expect(shown.orders?.find((o) => o.number === numbers.placer)).toMatchObject({
      status: 'active',
      fillerNumber: numbers.filler,
      procedure: { code: course.case.procedure.code },
    });
  }, 30_000);

  it("records the patient's tag entering the room as the case's in-room milestone", async () => {
    const room = course.case.roomCode;
    await outputs.connectDevices([room], [course]);
    await outputs.rtls(course, room, course.inRoom);
    const c = await waitFor(
      async () => {
        const found = await theCase();
        return found?.milestones.inRoom ? found : undefined;
      },
      { timeoutMs: 15_000, what: 'the in-room milestone from RTLS' },
    );
    expect(Date.parse(c.milestones.inRoom!)).toBe(course.inRoom);
    expect((await device(tagId(course))).connectivity).toBe('online');
  }, 30_000);

  it("puts the anaesthesia machine's BIS on the case and the room's environment on the room topic", async () => {
    const room = course.case.roomCode;
    // The first minute after incision, every device reporting each 5 s.
    const played = await playCourses([course], outputs, playerClock(course.incision), {
      tickMs: 5 * SECOND,
      heartbeatEvery: 1,
      rooms: [room],
      from: course.incision,
      until: course.incision + 60 * SECOND,
    });
    expect(played.failed).toBe(0);
    const c = await waitFor(
      async () => {
        const found = await theCase();
        return found?.vitals.bis && found.vitals.hr && found.milestones.procedureStart ? found : undefined;
      },
      { timeoutMs: 15_000, what: 'monitor and anaesthesia machine readings on the case' },
    );
    expect(c.vitals.bis?.value).toBeGreaterThanOrEqual(30);
    expect(c.vitals.bis?.value).toBeLessThanOrEqual(70);

    live = await connectLive(t.url, token);
    const subscribe = () =>
      new Promise<{ ok: boolean; snapshot?: { environment?: Record<string, number> } }>((resolve) =>
        live.emit('subscribe', { topic: `room:${c.roomId}` }, resolve),
      );
    const snapshot = await waitFor(
      async () => {
        const ack = await subscribe();
        return ack.ok && ack.snapshot?.environment ? ack.snapshot : undefined;
      },
      { timeoutMs: 15_000, what: 'the environment on the room topic' },
    );
    expect(snapshot.environment?.temperatureC).toBeGreaterThan(18);
    expect(snapshot.environment?.pressurePa).toBeGreaterThan(0);

    const counter = await waitFor(
      async () => {
        const d = await device(deviceId('counter', room));
        return d.usageCount !== undefined ? d : undefined;
      },
      { what: "the instrument counter's usage" },
    );
    expect(counter.connectivity).toBe('online');
    expect(problems).toEqual([]);
  }, 60_000);

  it("device-outage drill: the monitor goes silent mid-case, goes offline, and the case's alert says so", async () => {
    const room = course.case.roomCode;
    const monitor = deviceId('monitor', room);
    const machine = deviceId('anesthesia', room);
    // The drill starts a minute after the incision; the monitor was last heard then.
    const drill = planDrills(['device-outage'], [course], course.incision + 60 * SECOND - DRILL_DELAY_MS);
    expect(drill.faults).toEqual([expect.objectContaining({ kind: 'silent', role: 'monitor', room })]);
    const lastHeard = (await device(monitor)).lastSeenAt;
    expect(lastHeard).toBe(clock.now().toISOString());

    // Two minutes later the other devices are still reporting; the monitor is not.
    const later = new Date(course.incision + 170 * SECOND);
    clock.set(later);
    await playCourses([course], outputs, playerClock(course.incision + 60 * SECOND), {
      tickMs: 5 * SECOND,
      heartbeatEvery: 1,
      rooms: [room],
      faults: drill.faults,
      from: course.incision + 60 * SECOND,
      until: later.getTime(),
    });
    await waitFor(async () => (await device(machine)).lastSeenAt === later.toISOString(), {
      timeoutMs: 15_000,
      what: 'the anaesthesia machine heard at the later time',
    });
    expect((await device(monitor)).lastSeenAt).toBe(lastHeard);

    const watchdog = t.platform.app.get(DeviceWatchdog);
    const alerted = await waitFor(
      async () => {
        await watchdog.tick();
        const c = await theCase();
        return c?.alerts.find((a) => a.kind === 'device-offline') ? c : undefined;
      },
      { timeoutMs: 15_000, what: 'the device-offline alert' },
    );
    expect(alerted.alerts.find((a) => a.kind === 'device-offline')?.id).toBe(`rule:device-offline:${monitor}`);
    expect((await device(monitor)).connectivity).toBe('offline');
    expect((await device(machine)).connectivity).toBe('online');
    expect(problems).toEqual([]);
  }, 60_000);

  it('implausible-feed drill: the monitor sends values no patient has; the platform refuses them and flags it', async () => {
    const room = course.case.roomCode;
    const monitor = deviceId('monitor', room);
    const from = course.incision + 170 * SECOND;
    const drill = planDrills(['implausible-feed'], [course], from - DRILL_DELAY_MS);
    expect(drill.faults).toEqual([expect.objectContaining({ kind: 'implausible', role: 'monitor', from })]);
    const before = (await theCase())!.vitals.hr;
    await playCourses([course], outputs, playerClock(from), {
      tickMs: 5 * SECOND,
      heartbeatEvery: 1,
      rooms: [room],
      faults: drill.faults,
      from,
      until: from + 30 * SECOND,
    });
    const flagged = await waitFor(
      async () => {
        const d = await device(monitor);
        return d.flagged ? d : undefined;
      },
      { timeoutMs: 15_000, what: 'the monitor flagged' },
    );
    expect(flagged.flagged?.reason).toMatch(/implausible/);
    const events = (await asAdmin().get(`/api/devices/${monitor}/events?kind=bad-reading`).expect(200)).body as {
      events: { message: string }[];
    };
    expect(events.events.length).toBeGreaterThan(0);
    // None of it reached the case: its heart rate is still the last plausible one.
    expect((await theCase())!.vitals.hr).toEqual(before);
    expect(problems).toEqual([]);
  }, 60_000);
});
