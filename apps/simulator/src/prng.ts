/**
 * A small seeded pseudo-random generator, so that a simulated OR day is reproducible from its seed.
 * Not for anything security related.
 */
export interface Rng {
  /** Uniform in [0, 1). */
  next(): number;
  /** Integer in [min, max], both inclusive. */
  int(min: number, max: number): number;
  /** One element of a non-empty list. */
  pick<T>(items: readonly T[]): T;
  /** Standard normal deviate (Box–Muller). */
  normal(): number;
}

/**
 * mulberry32 (Tommy Ettinger, public domain): 32-bit state, passes the usual quick statistical
 * checks and is plenty for picking names and durations.
 */
export function mulberry32(seed: number): Rng {
  let state = seed >>> 0;
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int(min, max) {
      return min + Math.floor(next() * (max - min + 1));
    },
    pick<T>(items: readonly T[]): T {
      if (items.length === 0) throw new Error('pick from an empty list');
      return items[Math.floor(next() * items.length)] as T;
    },
    normal() {
      // 1 - next() is in (0, 1], so the logarithm is finite.
      const u = 1 - next();
      const v = next();
      return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
    },
  };
}

/**
 * A duration drawn from a log-normal distribution whose mean is `meanMin`: surgical case durations
 * are right-skewed (a long tail of difficult cases), which a log-normal models well
 * (Strum et al., Anesthesiology 2000;92:1160-7).
 */
export function logNormalMinutes(rng: Rng, meanMin: number, sigma = 0.25): number {
  const mu = Math.log(meanMin) - (sigma * sigma) / 2;
  return Math.exp(mu + sigma * rng.normal());
}
