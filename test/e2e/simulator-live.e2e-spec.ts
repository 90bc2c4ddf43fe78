import type { CaseView } from '@circulator/contracts';
import { ManualClock } from '@circulator/domain';
import { MllpClient } from '@circulator/hl7';
import { planCourses, type CaseCourse } from '../../apps/simulator/src/course/case.course';
import { ApiSession, LiveOutputs } from '../../apps/simulator/src/course/live.outputs';
import { monitorReadings } from '../../apps/simulator/src/course/physiology';
import { finalSchedule, planOrDay } from '../../apps/simulator/src/or-day.plan';
import { buildPlanMessages } from '../../apps/simulator/src/siu.builder';
import { ADMIN_PASSWORD, requestAs, startTestPlatform, tokenFor, type TestPlatform } from '../support/platform';
import { waitFor } from '../support/services';

const NURSE = { username: 'sim-nurse', password: 'simulated-circulating-nurse' };

/**
 * The simulator's live course against a started platform (issue 9): ADT A02 over MLLP, the
 * nurse's milestones and checklist over REST, a room monitor registered through the API and
 * publishing over the embedded MQTT broker; the case then shows all of it.
 */
describe("the simulator's live course on a real platform", () => {
  let t: TestPlatform;
  let mllp: MllpClient;
  let outputs: LiveOutputs;
  let course: CaseCourse;
  const plan = planOrDay({
    date: '2026-11-23',
    timeZone: 'Europe/Paris',
    seed: 11,
    rooms: 1,
    now: '2026-11-23T06:00:00+01:00',
  });

  beforeAll(async () => {
    course = planCourses(finalSchedule(plan), 11)[0] as CaseCourse;
    // The platform's now is just after the first case's incision.
    t = await startTestPlatform({ clock: new ManualClock(new Date(course.incision + 60_000)) });
    const admin = await tokenFor(t.url, 'admin', ADMIN_PASSWORD);
    await requestAs(t.url, () => admin)
      .post('/api/users', { ...NURSE, displayName: 'Sim Nurse', roles: ['nurse'] })
      .expect(201);
    mllp = new MllpClient({ ackTimeoutMs: 10_000 });
    await mllp.connect('127.0.0.1', t.platform.mllpPort!);
    for (const m of buildPlanMessages(plan).filter((m) => m.trigger === 'S12')) {
      expect(await mllp.send(m.text)).toMatch(/MSA\|AA\|/);
    }
    outputs = new LiveOutputs({
      mllp,
      admin: new ApiSession(t.url, { username: 'admin', password: ADMIN_PASSWORD }),
      nurse: new ApiSession(t.url, NURSE),
      mqttUrl: `mqtt://127.0.0.1:${t.platform.mqttPort}`,
      controlPrefix: 'SIMLIVE',
      log: (line) => {
        throw new Error(`unexpected: ${line}`);
      },
    });
  }, 60_000);

  afterAll(async () => {
    await outputs?.close();
    await mllp?.close();
    await t?.stop();
  });

  it('records the transfer, the checklist, the milestones and the monitor readings on the case', async () => {
    const room = course.case.roomCode;
    // Rooms come from the bookings: wait until the platform has applied them.
    const nurse = await tokenFor(t.url, NURSE.username, NURSE.password);
    const asNurse = requestAs(t.url, () => nurse);
    const day = course.case.start.slice(0, 10);
    const mine = async () =>
      ((await asNurse.get(`/api/cases?date=${day}`).expect(200)).body as CaseView[]).find(
        (c) => c.identifiers.placerAppointmentId === course.case.placerId,
      );
    await waitFor(mine, { timeoutMs: 15_000, what: 'the booked case' });

    await outputs.connectMonitors([room]);
    await outputs.transfer(course, room, course.inRoom);
    await outputs.checklist(course, 'signIn', course.inRoom + 60_000);
    await outputs.milestone(course, 'anesthesiaStart', course.anesthesiaStart);
    await outputs.checklist(course, 'timeOut', course.incision - 120_000);
    await outputs.milestone(course, 'procedureStart', course.incision);
    await outputs.readings(room, monitorReadings(course, course.incision), course.incision);

    const shown = await waitFor(
      async () => {
        const c = await mine();
        return c?.milestones.procedureStart && c.milestones.inRoom && c.vitals.hr ? c : undefined;
      },
      { timeoutMs: 15_000, what: 'the course on the case' },
    );
    expect(shown.status).toBe('in-procedure');
    // Compared as instants: the ADT path spells them without milliseconds, the REST path with.
    const instants = (m: CaseView['milestones']) =>
      Object.fromEntries(Object.entries(m).map(([k, v]) => [k, typeof v === 'string' ? Date.parse(v) : v]));
    expect(instants(shown.milestones)).toMatchObject({
      inRoom: course.inRoom,
      anesthesiaStart: course.anesthesiaStart,
      procedureStart: course.incision,
    });
    expect(Object.keys(shown.checklist ?? {}).sort()).toEqual(['signIn', 'timeOut']);
    const hr = monitorReadings(course, course.incision).find((r) => r.code === 'MDC_ECG_HEART_RATE')?.value;
    expect(shown.vitals.hr?.value).toBe(hr);
  }, 60_000);
});
