import { MllpClient } from '@circulator/hl7';
import { parseCli, USAGE, type SimulatorOptions } from './cli.options';
import { clockText, formatProgress, playMessages } from './day.player';
import { finalSchedule, planOrDay } from './or-day.plan';
import { buildDayMessages } from './order.builder';
import { planCourses } from './course/case.course';
import { acceleratedClock } from './course/course.clock';
import { courseSteps, playCourses } from './course/course.player';
import { planDeviceFaults } from './course/devices';
import { lateFirstCaseOf, planDrills } from './course/drills';
import { ApiSession, LiveOutputs } from './course/live.outputs';
import { applyFhirChanges, planFhirDay } from './fhir/fhir.day';
import { fhirTimeline, formatFhirProgress, httpHookSender, playFhirDay } from './fhir/fhir.player';
import { SimFhirServer } from './fhir/fhir.server';

/**
 * CLI entry: plays a simulated OR day into an MLLP listener. The edge of the app: it alone reads
 * the clock, the system zone and stdout; the plan, the messages and the pacing are pure/injected.
 */
async function main(argv: readonly string[]): Promise<number> {
  // eslint-disable-next-line no-restricted-properties -- the CLI's edge; a secret is better not on a command line
  const hookSecret = process.env['FHIR_HOOK_SECRET'];
  const parsed = parseCli(argv, {
    now: new Date().toISOString(),
    systemTimeZone: Intl.DateTimeFormat().resolvedOptions().timeZone,
    ...(hookSecret ? { fhirHookSecret: hookSecret } : {}),
  });
  switch (parsed.kind) {
    case 'help':
      console.log(USAGE);
      return 0;
    case 'error':
      console.error(`simulator: ${parsed.error}\nRun with --help for the options.`);
      return 2;
    case 'run':
      return run(parsed.options);
  }
}

async function run(options: SimulatorOptions): Promise<number> {
  const plan = planOrDay({
    date: options.date,
    timeZone: options.timeZone,
    seed: options.seed,
    rooms: options.rooms,
    now: options.now,
    ...(options.firstCase ? { firstCase: options.firstCase } : {}),
  });
  const messages = buildDayMessages(plan);
  const fhirDay = options.fhir ? planFhirDay(plan) : undefined;
  // The course plays the schedule as it ends up: after the HL7 changes and the EHR's FHIR ones.
  const cases = fhirDay ? applyFhirChanges(finalSchedule(plan), fhirDay) : finalSchedule(plan);
  const span = messages.at(-1)?.offsetMs ?? 0;
  console.log(
    `OR day ${plan.date} (${plan.timeZone}), seed ${plan.seed}: ${plan.rooms.length} rooms, ${plan.cases.length} cases, ` +
      `${messages.length} messages over ${clockText(span)} simulated` +
      (options.speed > 0
        ? ` (~${clockText(span / options.speed)} at speed ${options.speed})`
        : ' (speed 0: no pauses)'),
  );

  if (options.dryRun || options.mllp === undefined) {
    for (const m of messages)
      console.log(`\n# +${clockText(m.offsetMs)} ${m.controlId}\n${m.text.replaceAll('\r', '\n')}`);
    if (fhirDay) {
      for (const step of fhirTimeline(fhirDay, 'http://127.0.0.1:PORT/fhir')) {
        console.log(`\n# FHIR +${clockText(step.offsetMs)} ${step.label}\n${JSON.stringify(step.notification)}`);
      }
    }
    return 0;
  }

  // The EHR's FHIR side: its server first (the platform may read it as soon as it is notified).
  let ehr: SimFhirServer | undefined;
  if (options.fhir && fhirDay) {
    ehr = new SimFhirServer();
    try {
      await ehr.listen(options.fhir.port);
    } catch (error: unknown) {
      console.error(
        `simulator: cannot serve FHIR on port ${options.fhir.port}: ${error instanceof Error ? error.message : String(error)}`,
      );
      return 1;
    }
    console.log(
      `EHR FHIR R4 server at ${ehr.base}: ${fhirDay.cases.length} cases as Patient, Appointment and Encounter; ` +
        `${fhirDay.changes.length} changes notified to ${options.fhir.hook}`,
    );
  }

  const { host, port } = options.mllp;
  const sender = new MllpClient({ ackTimeoutMs: options.ackTimeoutMs, connectTimeoutMs: 5_000 });
  try {
    await sender.connect(host, port);
  } catch (error: unknown) {
    console.error(`simulator: ${error instanceof Error ? error.message : String(error)} (is the platform running?)`);
    await ehr?.close();
    return 1;
  }
  console.log(`Sending to ${host}:${port}`);
  // With --live the course starts once every booking is in (reschedules keep playing meanwhile).
  const bookings = messages.filter((m) => m.trigger === 'S12').length;
  let booked!: () => void;
  const bookingsIn = new Promise<void>((resolve) => (booked = resolve));
  const schedule = playMessages(messages, sender, {
    speed: options.speed,
    onProgress: (p) => {
      console.log(formatProgress(p));
      if (p.index + 1 >= bookings) booked();
    },
  }).finally(() => {
    booked();
    void sender.close();
  });
  const fhir =
    options.fhir && fhirDay && ehr
      ? playFhirDay(fhirTimeline(fhirDay, ehr.base), ehr, httpHookSender(options.fhir.hook, options.fhir.secret), {
          speed: options.speed,
          onProgress: (p) => console.log(formatFhirProgress(p, clockText)),
        })
      : Promise.resolve({ sent: 0, accepted: 0, failed: [] as string[] });
  const live = options.live;
  const course = live
    ? bookingsIn.then(() =>
        playLive(
          options,
          live,
          cases,
          plan.rooms.map((r) => r.code),
          plan.controlIdPrefix,
          ehr !== undefined,
        ),
      )
    : Promise.resolve(0);
  const result = await schedule;
  const fhirResult = await fhir;

  const cancelled = cases.filter((c) => c.status === 'Cancelled').length;
  console.log(
    `Done in ${clockText(result.elapsedMs)}: ${result.sent}/${messages.length} sent, ${result.accepted} accepted, ` +
      `${result.rejected.length} rejected; ${cases.length - cancelled} cases booked, ${cancelled} cancelled.`,
  );
  for (const r of result.rejected) {
    console.error(`  rejected ${r.controlId} (${r.placerId}): ${r.ack.code}${r.ack.text ? ` ${r.ack.text}` : ''}`);
  }
  if (result.aborted !== undefined) console.error(`simulator: stopped early: ${result.aborted}`);
  if (fhirDay) {
    console.log(`FHIR notifications: ${fhirResult.accepted}/${fhirResult.sent} taken by the hook.`);
    for (const failure of fhirResult.failed) console.error(`  FHIR ${failure}`);
  }
  const scheduled = result.aborted === undefined && result.rejected.length === 0 && result.sent === messages.length;
  // The EHR's server stays up while the course plays: the platform may read it at any time.
  const courseCode = await course;
  await ehr?.close();
  return scheduled && fhirResult.failed.length === 0 && courseCode === 0 ? 0 : 1;
}

/**
 * The day's course, after the schedule: what is already past is sent at once with its own times
 * (or, with a course speed, replayed from the day's first event that many times faster until it
 * meets the present), then each step at its time and the devices every 5 s. Runs until the day's
 * last event, or Ctrl-C.
 */
async function playLive(
  options: SimulatorOptions,
  live: NonNullable<SimulatorOptions['live']>,
  schedule: ReturnType<typeof finalSchedule>,
  rooms: string[],
  controlPrefix: string,
  fhir: boolean,
): Promise<number> {
  const late = lateFirstCaseOf(live.drills, rooms);
  const courses = planCourses(schedule, options.seed, late ? { lateFirstCase: late } : {});
  const sender = new MllpClient({ ackTimeoutMs: options.ackTimeoutMs, connectTimeoutMs: 5_000 });
  const mllp = options.mllp as NonNullable<SimulatorOptions['mllp']>;
  await sender.connect(mllp.host, mllp.port);
  const outputs = new LiveOutputs({
    mllp: sender,
    admin: new ApiSession(live.api, live.admin),
    nurse: new ApiSession(live.api, live.nurse),
    mqttUrl: live.mqtt,
    controlPrefix: `${controlPrefix.slice(0, 12)}L`,
    log: (line) => console.error(`simulator: ${line}`),
  });
  const stop = new AbortController();
  process.once('SIGINT', () => stop.abort());
  process.once('SIGTERM', () => stop.abort());
  const real = {
    now: () => Date.now(),
    sleep: (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, Math.min(ms, 5_000))),
  };
  const firstEvent = Math.min(...courseSteps(courses, outputs).map((s) => s.at));
  const clock = acceleratedClock(real, firstEvent, live.speed);
  const drills = planDrills(live.drills, courses, clock.now());
  const faults = [...planDeviceFaults(courses, options.seed), ...drills.faults];
  try {
    // The bookings are acknowledged once stored; the course needs them applied (rooms, cases).
    await outputs.awaitCases(courses);
    // The cases are in: the platform reads the EHR's FHIR server once (its own sync interval is the
    // demo's choice), which links them to their FHIR Appointments; meanwhile the devices connect.
    const sync = fhir
      ? new ApiSession(live.api, live.admin).request('POST', '/api/fhir/sync').then(
          (res) => (res.status < 300 ? undefined : `HTTP ${res.status}`),
          (error: unknown) => (error instanceof Error ? error.message : String(error)),
        )
      : undefined;
    await outputs.connectDevices(rooms, courses);
    const syncProblem = await sync;
    if (syncProblem !== undefined) console.error(`simulator: POST /api/fhir/sync: ${syncProblem}`);
    console.log(
      `Playing the day's course live: ${courses.length} cases; in each of ${rooms.length} rooms a monitor, an ` +
        `anaesthesia machine, an infusion pump, an environment sensor and an instrument counter; an RTLS tag per patient` +
        (live.speed > 0
          ? `; from ${new Date(firstEvent).toISOString()} at ${live.speed}x until it meets the present`
          : ''),
    );
    for (const note of drills.notes) console.log(`Drill ${note}`);
    const played = await playCourses(courses, outputs, clock, {
      tickMs: 5_000,
      rooms,
      faults,
      stops: drills.stops,
      signal: stop.signal,
    });
    console.log(
      `Course ${stop.signal.aborted ? 'stopped' : 'done'}: ${played.steps} steps (${played.failed} failed), ` +
        `${played.publishes} device publishes`,
    );
    return played.failed === 0 ? 0 : 1;
  } finally {
    await outputs.close();
    await sender.close();
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    console.error(`simulator: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 1;
  },
);
