import { percentile } from '../bench/stats';

/** Issue 10's targets for a soak: memory growth under 10 %, event-loop lag p99 under 100 ms. */
export const SOAK_TARGETS = { memoryGrowthPct: 10, eventLoopLagP99Ms: 100 } as const;

/** One sample of the platform, read from its `/metrics` once a second. */
export interface SoakSample {
  /** Since the load started, ms. */
  atMs: number;
  rssBytes: number;
  /** `nodejs_eventloop_lag_p99_seconds` in ms: prom-client's p99 since the previous scrape. */
  lagP99Ms: number;
}

/** The two figures the soak needs from a Prometheus text exposition; undefined when either is absent. */
export function readSoakMetrics(text: string): { rssBytes: number; lagP99Ms: number } | undefined {
  const value = (name: string): number | undefined => {
    const m = new RegExp(`^${name}(?:\\{[^}]*\\})? ([0-9.eE+-]+|NaN)$`, 'm').exec(text);
    const n = m ? Number(m[1]) : NaN;
    return Number.isFinite(n) ? n : undefined;
  };
  const rss = value('process_resident_memory_bytes');
  const lag = value('nodejs_eventloop_lag_p99_seconds');
  return rss === undefined || lag === undefined ? undefined : { rssBytes: rss, lagP99Ms: lag * 1000 };
}

export interface SoakVerdict {
  pass: boolean;
  /** Samples after the warm-up (the ones judged). */
  samples: number;
  /** RSS at the end of the warm-up and at the end: medians of the first and last `window` samples after it. */
  rssAfterWarmupMB: number | null;
  rssEndMB: number | null;
  rssMaxMB: number | null;
  memoryGrowthPct: number | null;
  /** p99 of the per-second p99s after the warm-up (and their maximum). */
  eventLoopLagP99Ms: number | null;
  eventLoopLagMaxP99Ms: number | null;
  targets: typeof SOAK_TARGETS;
  /** Why it failed, one line each. */
  failures: string[];
}

const median = (xs: readonly number[]): number => percentile(xs, 50) ?? NaN;
const mb = (bytes: number): number => Math.round((bytes / 1024 / 1024) * 10) / 10;

/**
 * Judges a soak: memory growth is the median RSS of the last `window` samples against the median
 * of the first `window` after the warm-up (medians: one garbage collection does not decide it);
 * event-loop lag is the p99 of the per-second p99s after the warm-up. Too few samples fail.
 */
export function soakVerdict(samples: readonly SoakSample[], warmupMs: number, window = 10): SoakVerdict {
  const judged = samples.filter((s) => s.atMs >= warmupMs);
  const failures: string[] = [];
  if (judged.length < 2 * window) {
    failures.push(`only ${judged.length} samples after the warm-up (at least ${2 * window} are needed)`);
  }
  const rss = judged.map((s) => s.rssBytes);
  const lags = judged.map((s) => s.lagP99Ms);
  const start = rss.length ? median(rss.slice(0, window)) : NaN;
  const end = rss.length ? median(rss.slice(-window)) : NaN;
  const growth = Number.isFinite(start) && start > 0 ? ((end - start) / start) * 100 : NaN;
  const lagP99 = percentile(lags, 99);
  if (Number.isFinite(growth) && growth >= SOAK_TARGETS.memoryGrowthPct) {
    failures.push(`memory grew ${growth.toFixed(1)} % (target < ${SOAK_TARGETS.memoryGrowthPct} %)`);
  }
  if (lagP99 !== undefined && lagP99 >= SOAK_TARGETS.eventLoopLagP99Ms) {
    failures.push(`event-loop lag p99 ${lagP99.toFixed(1)} ms (target < ${SOAK_TARGETS.eventLoopLagP99Ms} ms)`);
  }
  const round = (n: number) => Math.round(n * 10) / 10;
  return {
    pass: failures.length === 0,
    samples: judged.length,
    rssAfterWarmupMB: Number.isFinite(start) ? mb(start) : null,
    rssEndMB: Number.isFinite(end) ? mb(end) : null,
    rssMaxMB: rss.length ? mb(Math.max(...rss)) : null,
    memoryGrowthPct: Number.isFinite(growth) ? round(growth) : null,
    eventLoopLagP99Ms: lagP99 === undefined ? null : round(lagP99),
    eventLoopLagMaxP99Ms: lags.length ? round(Math.max(...lags)) : null,
    targets: SOAK_TARGETS,
    failures,
  };
}
