import { acceleratedClock, type RealTime } from './course.clock';

/** Real time that passes only when slept. */
function realTime(start: number): RealTime & { slept: number[] } {
  let now = start;
  const slept: number[] = [];
  return {
    slept,
    now: () => now,
    sleep: (ms) => {
      slept.push(ms);
      now += ms;
      return Promise.resolve();
    },
  };
}

const T = Date.parse('2026-11-23T12:00:00Z');
const HOUR = 3_600_000;

describe('acceleratedClock', () => {
  it('runs `speed` times faster from a past start until it meets the present, then in real time', async () => {
    const real = realTime(T);
    const clock = acceleratedClock(real, T - 2 * HOUR, 120);
    expect(clock.now()).toBe(T - 2 * HOUR);
    await clock.sleep(60_000);
    // A simulated minute took half a real second.
    expect(real.slept).toEqual([500]);
    expect(clock.now()).toBe(T - 2 * HOUR + 60_000);
    // Two simulated hours take about a real minute; then it keeps to real time, never ahead.
    while (clock.now() < real.now()) await clock.sleep(60_000);
    expect(real.now() - T).toBeLessThan(62_000);
    await clock.sleep(10_000);
    expect(real.slept.at(-1)).toBe(10_000);
    expect(clock.now()).toBe(real.now());
  });

  it('is the real clock at speed 0, and refuses a speed between 0 and 1', () => {
    const real = realTime(T);
    const clock = acceleratedClock(real, T - HOUR, 0);
    expect(clock.now()).toBe(T);
    expect(() => acceleratedClock(real, T, 0.5)).toThrow(RangeError);
  });

  it('at 1x replays the past in real time, shifted', async () => {
    const real = realTime(T);
    const clock = acceleratedClock(real, T - HOUR, 1);
    await clock.sleep(60_000);
    expect(clock.now()).toBe(T - HOUR + 60_000);
    expect(real.slept).toEqual([60_000]);
  });
});
