/** Percentiles and rates for the benchmark: pure, so that the figures themselves are tested. */

/** The p-th percentile (0–100) by nearest rank; undefined for no samples. */
export function percentile(samples: readonly number[], p: number): number | undefined {
  if (samples.length === 0) return undefined;
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length)));
  return sorted[rank - 1];
}

/** Rounded to two decimals (figures in ms), or null when there is nothing to report. */
export function ms(value: number | undefined): number | null {
  return value === undefined ? null : Math.round(value * 100) / 100;
}

export function perSecond(count: number, elapsedMs: number): number {
  return elapsedMs <= 0 ? 0 : Math.round((count * 1000) / elapsedMs);
}

/** CPU use of a process between two readings of its user+system time, in % of one core. */
export function cpuPercent(cpuMsBefore: number, cpuMsAfter: number, wallMs: number): number {
  return wallMs <= 0 ? 0 : Math.round(((cpuMsAfter - cpuMsBefore) / wallMs) * 1000) / 10;
}

/** user+system CPU ms and RSS MB of a Linux process, from /proc/<pid>/stat and status texts. */
export function parseProcStat(
  stat: string,
  status: string,
  clockTicksPerSecond = 100,
): { cpuMs: number; rssMB: number } {
  // Fields after the command name (which may contain spaces) start at ") ".
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  const rssKb = Number(/VmRSS:\s+(\d+)\s+kB/.exec(status)?.[1] ?? 0);
  return { cpuMs: ((utime + stime) * 1000) / clockTicksPerSecond, rssMB: Math.round(rssKb / 1024) };
}

/** A process's memory over a phase, from samples taken at a steady pace (MB). */
export interface MemorySummary {
  start: number;
  min: number;
  max: number;
  end: number;
  samples: number;
}

/** First, lowest, highest and last of the samples; null for none. */
export function memorySummary(samples: readonly number[]): MemorySummary | null {
  if (samples.length === 0) return null;
  let min = Infinity;
  let max = -Infinity;
  for (const s of samples) {
    if (s < min) min = s;
    if (s > max) max = s;
  }
  return { start: samples[0]!, min, max, end: samples[samples.length - 1]!, samples: samples.length };
}
