import { VitalsThrottle, type ThrottleTimers, type VitalsSample } from './vitals.throttle';

/** Timers the test moves by hand. */
function manualTimers(): ThrottleTimers & { advance(ms: number): void } {
  let now = 0;
  let queue: { at: number; fn: () => void; id: number }[] = [];
  let next = 0;
  return {
    now: () => now,
    schedule(fn, ms) {
      const id = next++;
      queue.push({ at: now + ms, fn, id });
      return id;
    },
    cancel(h) {
      queue = queue.filter((q) => q.id !== h);
    },
    advance(ms) {
      now += ms;
      const due = queue.filter((q) => q.at <= now).sort((a, b) => a.at - b.at);
      queue = queue.filter((q) => q.at > now);
      for (const q of due) q.fn();
    },
  };
}

const sample = (roomId: string, spo2: number, at: string, caseId = `case-${roomId}`): VitalsSample => ({
  roomId,
  caseId,
  values: { spo2: { value: spo2, unit: '%', at } },
});

describe('VitalsThrottle', () => {
  it('sends the first change at once and coalesces the rest of the second into its latest', () => {
    const timers = manualTimers();
    const sent: VitalsSample[] = [];
    const throttle = new VitalsThrottle((s) => sent.push(s), 1_000, timers);
    throttle.offer(sample('or1', 97, '2026-11-23T08:00:00Z'));
    expect(sent.map((s) => s.values.spo2?.value)).toEqual([97]);
    timers.advance(200);
    throttle.offer(sample('or1', 96, '2026-11-23T08:00:01Z'));
    timers.advance(300);
    throttle.offer(sample('or1', 95, '2026-11-23T08:00:02Z'));
    expect(sent).toHaveLength(1);
    timers.advance(499);
    expect(sent).toHaveLength(1);
    timers.advance(1);
    expect(sent.map((s) => s.values.spo2?.value)).toEqual([97, 95]);
  });

  it('throttles each room on its own', () => {
    const timers = manualTimers();
    const sent: string[] = [];
    const throttle = new VitalsThrottle((s) => sent.push(s.roomId), 1_000, timers);
    throttle.offer(sample('or1', 97, '2026-11-23T08:00:00Z'));
    throttle.offer(sample('or2', 97, '2026-11-23T08:00:00Z'));
    throttle.offer(sample('or1', 96, '2026-11-23T08:00:01Z'));
    expect(sent).toEqual(['or1', 'or2']);
    timers.advance(1_000);
    expect(sent).toEqual(['or1', 'or2', 'or1']);
  });

  it('does not send readings already sent (a case update that is not about vitals)', () => {
    const timers = manualTimers();
    const sent: VitalsSample[] = [];
    const throttle = new VitalsThrottle((s) => sent.push(s), 1_000, timers);
    throttle.offer(sample('or1', 97, '2026-11-23T08:00:00Z'));
    timers.advance(5_000);
    throttle.offer(sample('or1', 97, '2026-11-23T08:00:00Z'));
    timers.advance(5_000);
    expect(sent).toHaveLength(1);
    throttle.offer(sample('or1', 98, '2026-11-23T08:00:05Z'));
    expect(sent).toHaveLength(2);
  });

  it('stop cancels what is pending', () => {
    const timers = manualTimers();
    const sent: VitalsSample[] = [];
    const throttle = new VitalsThrottle((s) => sent.push(s), 1_000, timers);
    throttle.offer(sample('or1', 97, '2026-11-23T08:00:00Z'));
    throttle.offer(sample('or1', 96, '2026-11-23T08:00:01Z'));
    throttle.stop();
    timers.advance(2_000);
    expect(sent).toHaveLength(1);
  });
});
