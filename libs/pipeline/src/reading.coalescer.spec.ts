import {
  applyFact,
  toCaseView,
  type CaseState,
  type Fact,
  type ObservationFact,
  type ScheduleFact,
  type VitalReading,
} from '@circulator/domain';
import { coalescible, mergeReadings, ReadingCoalescer } from './reading.coalescer';

const OR1 = { id: 'or-1', name: 'OR 1' };
const at = (seconds: number) => new Date(Date.UTC(2026, 10, 23, 8, 0, 0) + seconds * 1000).toISOString();
const receivedAt = '2026-11-23T08:05:00.000Z';

function reading(
  rowId: number,
  seconds: number,
  vitals: Omit<VitalReading, 'at'>[],
  device = 'mon-1',
): ObservationFact {
  return {
    kind: 'observations',
    at: at(seconds),
    source: { kind: 'device', id: String(rowId), label: `MQTT ${device} observations`, sequence: rowId },
    subject: { room: OR1, device: { id: device } },
    vitals: vitals.map((v) => ({ ...v, at: at(seconds) })),
    results: [],
  };
}

const hr = (value: number) => ({ name: 'hr' as const, value, unit: '/min' });
const spo2 = (value: number) => ({ name: 'spo2' as const, value, unit: '%' });

function bookedCase(): CaseState {
  const booking: ScheduleFact = {
    kind: 'schedule',
    action: 'booked',
    at: '2026-11-20T11:00:00.000Z',
    source: { kind: 'hl7', id: '1', label: 'SIU^S12', sequence: 1 },
    identifiers: { placerAppointmentId: 'P1' },
    patient: { mrn: 'M1', familyName: 'Everyman', givenName: 'Adam' },
    procedure: { text: 'Laparoscopic cholecystectomy' },
    room: OR1,
    scheduledStart: '2026-11-23T07:30:00.000Z',
    scheduledEnd: '2026-11-23T09:00:00.000Z',
  };
  return applyFact(undefined, booking, { newCaseId: 'case-1', receivedAt }).state!;
}

function applyEach(state: CaseState, facts: readonly Fact[]): { state: CaseState; events: number } {
  let events = 0;
  for (const fact of facts) {
    const result = applyFact(state, fact, { newCaseId: 'unused', receivedAt });
    state = result.state ?? state;
    events += result.events.length;
  }
  return { state, events };
}

describe('coalescing a batch of device readings', () => {
  it('takes only plain device vital-sign readings', () => {
    const plain = reading(10, 0, [hr(70)]);
    expect(coalescible(plain)).toBe(true);
    expect(coalescible({ ...plain, vitals: [] })).toBe(false);
    expect(coalescible({ ...plain, source: { ...plain.source, kind: 'hl7' } })).toBe(false);
    expect(coalescible({ ...plain, results: [{ code: 'X', text: 'x', value: '1', at: at(0) }] })).toBe(false);
  });

  it('groups by case and device, in the order each group began, each message once', () => {
    const c = new ReadingCoalescer<string>();
    c.add('case-1', 'row-10', reading(10, 0, [hr(70)]));
    c.add('case-2', 'row-10', reading(10, 0, [hr(90)], 'mon-2'));
    c.add('case-1', 'row-10', reading(10, 1, [hr(71)]));
    c.add('case-1', 'row-11', reading(11, 2, [hr(72), spo2(97)]));
    c.add('case-1', 'row-11', reading(11, 2, [spo2(96)], 'mon-9'));
    expect(c.size).toBe(3);
    const groups = c.drain();
    expect(c.size).toBe(0);
    expect(groups.map((g) => [g.caseId, g.fact.source.label, g.items])).toEqual([
      ['case-1', 'MQTT mon-1 observations', ['row-10', 'row-11']],
      ['case-2', 'MQTT mon-2 observations', ['row-10']],
      ['case-1', 'MQTT mon-9 observations', ['row-11']],
    ]);
    expect(groups[0]?.fact).toMatchObject({
      at: at(2),
      source: { id: '11', sequence: 11 },
      vitals: [
        { name: 'hr', value: 70, at: at(0) },
        { name: 'hr', value: 71, at: at(1) },
        { name: 'hr', value: 72, at: at(2) },
        { name: 'spo2', value: 97, at: at(2) },
      ],
    });
  });

  it('dates a group by its newest reading, whatever order the readings came in', () => {
    const merged = mergeReadings([reading(10, 5, [hr(70)]), reading(11, 3, [hr(71)])]);
    expect(merged.at).toBe(at(5));
    expect(merged.source.id).toBe('11');
    const one = reading(12, 1, [hr(60)]);
    expect(mergeReadings([one])).toBe(one);
    expect(() => mergeReadings([])).toThrow(/nothing/);
  });

  it('comes to the same vitals and alerts as applying every reading on its own, in fewer versions', () => {
    // Twenty seconds of a monitor at 2 readings/s: SpO2 falls below 90 % for longer than the
    // 15 s the rule needs, heart rate climbs; one message (row) per second, a late reading among them.
    const facts: ObservationFact[] = [];
    for (let s = 0; s < 20; s++) {
      facts.push(reading(100 + s, s, [hr(80 + s), spo2(s < 2 ? 97 : 88)]));
      facts.push(reading(100 + s, s + 0.5, [hr(80 + s), spo2(s < 2 ? 97 : 87)]));
    }
    facts.splice(10, 0, reading(104, 1.5, [hr(60)])); // late: older than what came before it

    const oneByOne = applyEach(bookedCase(), facts);
    const together = applyEach(bookedCase(), [mergeReadings(facts)]);
    const view = (s: CaseState) => toCaseView(s, 'full');
    expect(view(together.state).vitals).toEqual(view(oneByOne.state).vitals);
    expect(view(together.state).alerts).toEqual(view(oneByOne.state).alerts);
    expect(view(together.state).alerts).toEqual([expect.objectContaining({ priority: 'medium' })]);
    expect(together.events).toBe(1);
    expect(oneByOne.events).toBeGreaterThan(30);
  });
});
