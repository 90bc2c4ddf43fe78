import fc from 'fast-check';

/**
 * Seeds and run counts of the decoder fuzz specs (issue 10), from the environment:
 *
 * - `FUZZ_SEED` (an integer): moves every property's seed; unset, each spec uses its own fixed seed,
 *   so CI runs the same cases every time.
 * - `FUZZ_RUNS` (an integer): runs per property; unset, each spec's short CI figure. The long run is
 *   `FUZZ_RUNS=100000` (docs/reliability.md).
 *
 * A failure names the `FUZZ_SEED` and `FUZZ_RUNS` that reproduce it, besides fast-check's own
 * counterexample and shrink path.
 */
export interface FuzzRun {
  /** The seed of this property: `FUZZ_SEED` (or the default) plus the property's salt. */
  seed: number;
  numRuns: number;
  /** The base seed, as `FUZZ_SEED` takes it. */
  base: number;
}

/** The default base seed, when `FUZZ_SEED` is not set. */
export const DEFAULT_FUZZ_SEED = 20_261_110;

function envInt(name: string, env: NodeJS.ProcessEnv): number | undefined {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return undefined;
  const value = Number(raw);
  if (!Number.isSafeInteger(value)) throw new Error(`${name} must be an integer, not ${JSON.stringify(raw)}`);
  return value;
}

/**
 * This property's seed and run count. `salt` tells properties of one base seed apart; `ciRuns` is
 * the run count when `FUZZ_RUNS` is not set.
 */
export function fuzzRun(salt: number, ciRuns: number, env: NodeJS.ProcessEnv = process.env): FuzzRun {
  const base = envInt('FUZZ_SEED', env) ?? DEFAULT_FUZZ_SEED;
  const runs = envInt('FUZZ_RUNS', env);
  if (runs !== undefined && runs <= 0) throw new Error(`FUZZ_RUNS must be positive, not ${runs}`);
  return { seed: (base + salt) | 0, numRuns: runs ?? ciRuns, base };
}

/**
 * `fc.assert` with the seed and run count of {@link fuzzRun}; on failure, the error says how to
 * reproduce it (`FUZZ_SEED=… FUZZ_RUNS=…`) before fast-check's report.
 */
export function fuzz<Ts>(property: fc.IProperty<Ts>, salt: number, ciRuns: number): void {
  const run = fuzzRun(salt, ciRuns);
  report(run, fc.check(property, { seed: run.seed, numRuns: run.numRuns }));
}

/** {@link fuzz} for an asynchronous property. */
export async function fuzzAsync<Ts>(property: fc.IAsyncProperty<Ts>, salt: number, ciRuns: number): Promise<void> {
  const run = fuzzRun(salt, ciRuns);
  report(run, await fc.check(property, { seed: run.seed, numRuns: run.numRuns }));
}

function report<Ts>(run: FuzzRun, details: fc.RunDetails<Ts>): void {
  if (!details.failed) return;
  const cause = details.errorInstance instanceof Error ? details.errorInstance.message : String(details.errorInstance);
  throw new Error(
    `fuzz failure — reproduce with FUZZ_SEED=${run.base} FUZZ_RUNS=${run.numRuns} (property seed ${run.seed})\n` +
      `${fc.defaultReportMessage(details) ?? ''}\n${cause}`,
  );
}
