import {
  DEFAULT_RATE_CONFIG,
  emptyFeedAnomalyState,
  evaluateAddress,
  evaluateFeedEvent,
  evaluateFirmware,
  evaluateRate,
  evaluateRoom,
  matchApproval,
  normaliseAddress,
  resetRateBaseline,
  type AnomalyOutcome,
  type ApprovedUpdate,
  type FeedAnomalyState,
  type SecurityAlert,
} from './anomaly.rules';

const T0 = Date.parse('2026-11-21T08:00:00.000Z');
/** An instant `minute` minutes and `second` seconds after T0. */
const at = (minute: number, second = 0): string => new Date(T0 + minute * 60_000 + second * 1000).toISOString();

/** Feeds `perMinute` messages in each of `minutes` minutes from `fromMinute`, through a JSON round trip each time. */
function feed(state: FeedAnomalyState, fromMinute: number, minutes: number, perMinute: number) {
  const alerts: SecurityAlert[] = [];
  let s = state;
  for (let m = fromMinute; m < fromMinute + minutes; m += 1) {
    for (let i = 0; i < perMinute; i += 1) {
      const out: AnomalyOutcome = evaluateRate(s, { at: at(m, (i * 60) / perMinute) });
      // The state is plain JSON: persisting and reloading it between messages changes nothing.
      s = JSON.parse(JSON.stringify(out.state)) as FeedAnomalyState;
      alerts.push(...out.alerts);
    }
  }
  return { state: s, alerts };
}

describe('rate rule', () => {
  it('learns the usual rate silently during the warm-up, even a burst', () => {
    // A burst of 500 in the first minute raises nothing: the device has no usual rate yet.
    const burst = feed(emptyFeedAnomalyState('mon-1'), 0, 1, 500);
    const warm = feed(burst.state, 1, 29, 10);
    expect([...burst.alerts, ...warm.alerts]).toEqual([]);
  });

  it('has the plain mean of the warm-up minutes as its baseline', () => {
    // 30 closed minutes of 10, then one message opens minute 30: baseline 10, 30 minutes learnt.
    const { state } = feed(emptyFeedAnomalyState('mon-1'), 0, 31, 10);
    expect(state.rate).toMatchObject({ baseline: 10, learntMinutes: 30, count: 10, minuteMs: Date.parse(at(30)) });
  });

  it('alerts once the current minute is above 5 × baseline and above the floor of 120', () => {
    // Baseline 30 a minute (a monitor at 0.5 Hz): the threshold is max(5 × 30, 120) = 150.
    const warm = feed(emptyFeedAnomalyState('mon-1'), 0, 30, 30);
    expect(warm.state.rate.baseline).toBe(30);
    const flood = feed(warm.state, 30, 1, 151);
    expect(flood.alerts).toEqual([
      {
        id: `sec:feed-rate:mon-1:${at(30)}`,
        kind: 'feed-rate',
        priority: 'medium',
        message: `Device mon-1 is publishing far above its usual rate: 151 messages in the minute from ${at(30)}, usually 30.0 a minute`,
        at: at(30),
        deviceId: 'mon-1',
        detail: { count: 151, baselinePerMinute: 30, threshold: 150 },
      },
    ]);
    // At the threshold itself nothing is raised.
    expect(feed(warm.state, 30, 1, 150).alerts).toEqual([]);
  });

  it('needs the floor too: a quiet device sending 5 × its few messages is no flood', () => {
    const warm = feed(emptyFeedAnomalyState('env-1'), 0, 30, 6); // environment sensor every 10 s
    expect(feed(warm.state, 30, 1, 100).alerts).toEqual([]); // 100 > 30 but not > 120
    expect(feed(warm.state, 30, 1, 121).alerts).toHaveLength(1);
  });

  it('raises one alert per run of anomalous minutes, and does not learn them', () => {
    const warm = feed(emptyFeedAnomalyState('mon-1'), 0, 30, 10);
    const flood = feed(warm.state, 30, 3, 400);
    expect(flood.alerts.map((a) => a.id)).toEqual([`sec:feed-rate:mon-1:${at(30)}`]);
    // The flood minutes were not learnt: the baseline is still 10.
    expect(flood.state.rate.baseline).toBe(10);
    // Back to normal for a minute, then a new flood: a new run, a new alert.
    const calm = feed(flood.state, 33, 1, 10);
    const again = feed(calm.state, 34, 1, 400);
    expect(again.alerts.map((a) => a.id)).toEqual([`sec:feed-rate:mon-1:${at(34)}`]);
  });

  it('learns short silences as zeros but not a long absence (a device unplugged overnight)', () => {
    const warm = feed(emptyFeedAnomalyState('mon-1'), 0, 30, 60);
    // Minutes 0–29 at 60; a message in minute 35 closes minute 29 (baseline 60) and learns the 5
    // silent minutes 30–34 as zeros, each with weight α = 1/30: 60 · (1 − 1/30)^5.
    const short = evaluateRate(warm.state, { at: at(35) });
    expect(short.state.rate.baseline).toBeCloseTo(60 * (29 / 30) ** 5, 10);
    // 8 hours off: the baseline stays at 60, and the device's normal rate on its return is no flood.
    const back = feed(warm.state, 30 + 480, 2, 60);
    expect(back.state.rate.baseline).toBe(60);
    expect(back.alerts).toEqual([]);
  });

  it('counts a message received out of order in the current minute, and ignores a time that does not parse', () => {
    const s1 = evaluateRate(emptyFeedAnomalyState('x'), { at: at(5) }).state;
    const s2 = evaluateRate(s1, { at: at(3) }).state;
    expect(s2.rate).toMatchObject({ minuteMs: Date.parse(at(5)), count: 2 });
    const bad = evaluateRate(s2, { at: 'soon' });
    expect(bad.state).toBe(s2);
  });

  it('relearns after resetRateBaseline (a lasting change biomed accepted)', () => {
    const warm = feed(emptyFeedAnomalyState('mon-1'), 0, 30, 10);
    const reset = resetRateBaseline(warm.state);
    expect(reset.rate).toEqual({ count: 0, learntMinutes: 0, alerting: false });
    expect(feed(reset, 30, 5, 400).alerts).toEqual([]);
  });

  it('takes its factor, floor and warm-up from the configuration', () => {
    let s = emptyFeedAnomalyState('x');
    const config = { warmupMinutes: 2, factor: 2, floorPerMinute: 5 };
    for (const [minute, n] of [
      [0, 4],
      [1, 4],
      [2, 9],
    ] as const) {
      for (let i = 0; i < n; i += 1) {
        const out = evaluateRate(s, { at: at(minute, i) }, config);
        s = out.state;
        if (minute < 2 || i < 8) expect(out.alerts).toEqual([]);
        else expect(out.alerts).toHaveLength(1); // the 9th message: 9 > 2 × 4 and > 5
      }
    }
    expect(DEFAULT_RATE_CONFIG).toMatchObject({ warmupMinutes: 30, factor: 5, floorPerMinute: 120 });
  });

  it('does not change the state it is given', () => {
    const warm = feed(emptyFeedAnomalyState('mon-1'), 0, 30, 10).state;
    const copy = JSON.parse(JSON.stringify(warm));
    evaluateRate(warm, { at: at(31) });
    expect(warm).toEqual(copy);
  });
});

describe('new client address rule', () => {
  it('learns the first address silently, then alerts once per new address', () => {
    const s0 = emptyFeedAnomalyState('pump-7');
    const first = evaluateAddress(s0, { at: at(0), address: '10.20.0.5' });
    expect(first.alerts).toEqual([]);
    expect(first.state.addresses.known).toEqual(['10.20.0.5']);
    expect(evaluateAddress(first.state, { at: at(1), address: '10.20.0.5' }).alerts).toEqual([]);

    const moved = evaluateAddress(first.state, { at: at(2), address: '10.99.0.7' });
    expect(moved.alerts).toEqual([
      {
        id: `sec:new-address:pump-7:${at(2)}`,
        kind: 'new-address',
        priority: 'medium',
        message: 'Device pump-7 connected from a new address 10.99.0.7 (known: 10.20.0.5)',
        at: at(2),
        deviceId: 'pump-7',
        detail: { address: '10.99.0.7', known: '10.20.0.5' },
      },
    ]);
    // Learnt: the next connection from it is quiet.
    expect(evaluateAddress(moved.state, { at: at(3), address: '10.99.0.7' }).alerts).toEqual([]);
  });

  it('compares IPv4-mapped IPv6 addresses as IPv4, and ignores an empty address', () => {
    const s = evaluateAddress(emptyFeedAnomalyState('x'), { at: at(0), address: '::ffff:10.0.0.1' }).state;
    expect(evaluateAddress(s, { at: at(1), address: '10.0.0.1' }).alerts).toEqual([]);
    expect(normaliseAddress(' FE80::1 ')).toBe('fe80::1');
    expect(evaluateAddress(s, { at: at(1), address: '  ' }).state).toBe(s);
  });

  it('remembers a bounded set, least recently used forgotten first', () => {
    let s = emptyFeedAnomalyState('x');
    for (const address of ['a1', 'a2', 'a3', 'a1', 'a4']) {
      s = evaluateAddress(s, { at: at(0), address }, { maxKnown: 3 }).state;
    }
    // a2 was the least recently used when a4 came.
    expect(s.addresses.known).toEqual(['a3', 'a1', 'a4']);
    expect(evaluateAddress(s, { at: at(1), address: 'a2' }, { maxKnown: 3 }).alerts).toHaveLength(1);
  });

  it('gives the same alert id for the same connection handled twice', () => {
    const s = evaluateAddress(emptyFeedAnomalyState('x'), { at: at(0), address: 'a1' }).state;
    const once = evaluateAddress(s, { at: '2026-11-21T09:02:00+01:00', address: 'a2' });
    const twice = evaluateAddress(s, { at: at(2), address: 'a2' });
    expect(once.alerts[0]?.id).toBe(twice.alerts[0]?.id);
  });
});

describe('wrong room rule', () => {
  it('alerts on data for another room, once until the device is back in its own room', () => {
    const s0 = emptyFeedAnomalyState('env-3');
    const wrong = evaluateRoom(s0, { at: at(0), roomId: 'or-5', registeredRoomId: 'or-2' });
    expect(wrong.alerts).toEqual([
      {
        id: `sec:wrong-room:env-3:${at(0)}`,
        kind: 'wrong-room',
        priority: 'medium',
        message: 'Device env-3 published data for room or-5 but is registered in or-2',
        at: at(0),
        deviceId: 'env-3',
        detail: { roomId: 'or-5', registeredRoomId: 'or-2' },
      },
    ]);
    expect(evaluateRoom(wrong.state, { at: at(1), roomId: 'or-5', registeredRoomId: 'or-2' }).alerts).toEqual([]);
    // Another wrong room is another incident.
    expect(evaluateRoom(wrong.state, { at: at(1), roomId: 'or-6', registeredRoomId: 'or-2' }).alerts).toHaveLength(1);
    // Back in its room: the episode ends, the next mismatch alerts again.
    const right = evaluateRoom(wrong.state, { at: at(2), roomId: 'or-2', registeredRoomId: 'or-2' });
    expect(right.alerts).toEqual([]);
    expect(right.state.room).toEqual({});
    expect(evaluateRoom(right.state, { at: at(3), roomId: 'or-5', registeredRoomId: 'or-2' }).alerts).toHaveLength(1);
  });

  it('alerts on a device registered in no room, and leaves a correct state untouched', () => {
    const s0 = emptyFeedAnomalyState('env-3');
    expect(evaluateRoom(s0, { at: at(0), roomId: 'or-5' }).alerts[0]?.message).toBe(
      'Device env-3 published data for room or-5 but is registered in no room',
    );
    expect(evaluateRoom(s0, { at: at(0), roomId: 'or-2', registeredRoomId: 'or-2' }).state).toBe(s0);
  });
});

describe('firmware rule', () => {
  const approved: ApprovedUpdate[] = [
    { deviceId: 'pump-7', fromVersion: '4.2.0', toVersion: '4.3.0', approvedAt: '2026-11-20T10:00:00Z' },
    { deviceId: 'pump-7', toVersion: '5.0.0', approvedAt: '2026-11-20T10:00:00Z' },
    { deviceId: 'pump-8', toVersion: '4.4.0', approvedAt: '2026-11-01T10:00:00Z' },
    { deviceId: 'pump-7', toVersion: '4.5.0', approvedAt: '2026-11-22T10:00:00Z' },
  ];

  it('learns the first version silently and accepts an approved update', () => {
    const first = evaluateFirmware(emptyFeedAnomalyState('pump-7'), { at: at(0), firmware: '4.2.0' }, approved);
    expect(first.alerts).toEqual([]);
    expect(first.state.firmware.version).toBe('4.2.0');
    const updated = evaluateFirmware(first.state, { at: at(1), firmware: ' 4.3.0 ' }, approved);
    expect(updated.alerts).toEqual([]);
    expect(updated.state.firmware.version).toBe('4.3.0');
    // An approval without a source version covers any.
    expect(evaluateFirmware(updated.state, { at: at(2), firmware: '5.0.0' }, approved).alerts).toEqual([]);
  });

  it('alerts on a change without a matching approval, once, and says why', () => {
    const s = emptyFeedAnomalyState('pump-7', '4.2.0');
    const changed = evaluateFirmware(s, { at: at(0), firmware: '4.4.0' }, approved);
    expect(changed.alerts).toEqual([
      {
        id: `sec:firmware-unapproved:pump-7:${at(0)}`,
        kind: 'firmware-unapproved',
        priority: 'high',
        message: 'Device pump-7 firmware changed 4.2.0 → 4.4.0 without an approved update record',
        at: at(0),
        deviceId: 'pump-7',
        detail: { fromVersion: '4.2.0', toVersion: '4.4.0', reason: 'no-approval' },
      },
    ]);
    expect(evaluateFirmware(changed.state, { at: at(1), firmware: '4.4.0' }, approved).alerts).toEqual([]);
  });

  it('refuses an approval for another source version, an approval dated after the change, and a rollback', () => {
    const from41 = evaluateFirmware(
      emptyFeedAnomalyState('pump-7', '4.1.0'),
      { at: at(0), firmware: '4.3.0' },
      approved,
    );
    expect(from41.alerts[0]?.detail.reason).toBe('other-from-version');
    const early = evaluateFirmware(
      emptyFeedAnomalyState('pump-7', '4.3.0'),
      { at: at(0), firmware: '4.5.0' },
      approved,
    );
    expect(early.alerts[0]?.detail.reason).toBe('approved-after-change');
    expect(early.alerts[0]?.message).toBe(
      'Device pump-7 firmware changed 4.3.0 → 4.5.0 before its update was approved',
    );
    const rollback = evaluateFirmware(
      emptyFeedAnomalyState('pump-7', '4.3.0'),
      { at: at(0), firmware: '4.2.0' },
      approved,
    );
    expect(rollback.alerts).toHaveLength(1);
  });

  it('compares with the previous version given (the registry) over the one remembered', () => {
    const s = emptyFeedAnomalyState('pump-7', '4.3.0');
    const out = evaluateFirmware(s, { at: at(0), firmware: '4.3.0', previous: '4.2.0' }, approved);
    expect(out.alerts).toEqual([]); // 4.2.0 → 4.3.0 is approved
    expect(evaluateFirmware(s, { at: at(0), firmware: '4.3.0', previous: '4.0.0' }, approved).alerts).toHaveLength(1);
  });

  it('matchApproval gives the approval that covers a change', () => {
    expect(matchApproval('pump-7', '4.2.0', '4.3.0', at(0), approved)).toEqual({ approval: approved[0] });
    expect(matchApproval('pump-8', '4.3.0', '5.0.0', at(0), approved)).toEqual({ refusal: 'no-approval' });
  });

  it('ignores an empty version', () => {
    const s = emptyFeedAnomalyState('pump-7', '4.2.0');
    expect(evaluateFirmware(s, { at: at(0), firmware: ' ' }, approved).state).toBe(s);
  });
});

describe('evaluateFeedEvent', () => {
  it('runs the rules that apply to a connection or a message, threading the state', () => {
    let s = emptyFeedAnomalyState('env-3', '1.0.0');
    s = evaluateFeedEvent(s, { type: 'connect', at: at(0), address: '10.0.0.1' }).state;
    const out = evaluateFeedEvent(s, {
      type: 'message',
      at: at(0, 10),
      roomId: 'or-5',
      registeredRoomId: 'or-2',
      firmware: '1.1.0',
    });
    expect(out.alerts.map((a) => a.kind)).toEqual(['wrong-room', 'firmware-unapproved']);
    expect(out.state).toMatchObject({
      addresses: { known: ['10.0.0.1'] },
      rate: { count: 1 },
      room: { reported: 'or-2>or-5' },
      firmware: { version: '1.1.0' },
    });
    const connect = evaluateFeedEvent(out.state, { type: 'connect', at: at(1), address: '10.0.0.2' });
    expect(connect.alerts.map((a) => a.kind)).toEqual(['new-address']);
  });
});
