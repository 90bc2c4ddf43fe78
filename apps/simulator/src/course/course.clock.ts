import type { PlayerClock } from './course.player';

/** The real time the course clock runs on: epoch ms and a way to wait. */
export interface RealTime {
  now(): number;
  sleep(ms: number): Promise<void>;
}

/**
 * The clock of the live course with time acceleration. The platform judges every time it is sent
 * against its own clock (a reading dated in the future is refused), so the simulated time may run
 * faster than real time only while it is behind it: from `start` (epoch ms, in the past) it runs
 * `speed` times faster until it meets the real time, then at 1×. `speed` 0 jumps to the real time
 * at once (the past is sent at once, each step with its own time). Deterministic: the simulated
 * time is a function of the real clock it is given.
 */
export function acceleratedClock(real: RealTime, start: number, speed: number): PlayerClock {
  if (!(speed === 0 || speed >= 1) || !Number.isFinite(speed)) throw new RangeError('speed must be 0 or >= 1');
  const realStart = real.now();
  const simulated = (): number => {
    const now = real.now();
    if (speed === 0 || start >= realStart) return now;
    return Math.min(now, start + (now - realStart) * speed);
  };
  return {
    now: simulated,
    sleep(ms: number): Promise<void> {
      // Behind the real time, simulated ms pass `speed` times faster (the caller looks again after
      // each sleep, so a sleep that ends past the meeting point costs nothing).
      const behind = speed > 1 && simulated() < real.now();
      return real.sleep(behind ? ms / speed : ms);
    },
  };
}
