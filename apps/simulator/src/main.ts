import { MllpClient } from '@circulator/hl7';
import { parseCli, USAGE, type SimulatorOptions } from './cli.options';
import { clockText, formatProgress, playMessages } from './day.player';
import { finalSchedule, planOrDay } from './or-day.plan';
import { buildPlanMessages } from './siu.builder';

/**
 * CLI entry: plays a simulated OR day into an MLLP listener. The edge of the app: it alone reads
 * the clock, the system zone and stdout; the plan, the messages and the pacing are pure/injected.
 */
async function main(argv: readonly string[]): Promise<number> {
  const parsed = parseCli(argv, {
    now: new Date().toISOString(),
    systemTimeZone: Intl.DateTimeFormat().resolvedOptions().timeZone,
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
  });
  const messages = buildPlanMessages(plan);
  const cases = finalSchedule(plan);
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
    return 0;
  }

  const { host, port } = options.mllp;
  const sender = new MllpClient({ ackTimeoutMs: options.ackTimeoutMs, connectTimeoutMs: 5_000 });
  try {
    await sender.connect(host, port);
  } catch (error: unknown) {
    console.error(`simulator: ${error instanceof Error ? error.message : String(error)} (is the platform running?)`);
    return 1;
  }
  console.log(`Sending to ${host}:${port}`);
  const result = await playMessages(messages, sender, {
    speed: options.speed,
    onProgress: (p) => console.log(formatProgress(p)),
  }).finally(() => sender.close());

  const cancelled = cases.filter((c) => c.status === 'Cancelled').length;
  console.log(
    `Done in ${clockText(result.elapsedMs)}: ${result.sent}/${messages.length} sent, ${result.accepted} accepted, ` +
      `${result.rejected.length} rejected; ${cases.length - cancelled} cases booked, ${cancelled} cancelled.`,
  );
  for (const r of result.rejected) {
    console.error(`  rejected ${r.controlId} (${r.placerId}): ${r.ack.code}${r.ack.text ? ` ${r.ack.text}` : ''}`);
  }
  if (result.aborted !== undefined) console.error(`simulator: stopped early: ${result.aborted}`);
  return result.aborted === undefined && result.rejected.length === 0 && result.sent === messages.length ? 0 : 1;
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
