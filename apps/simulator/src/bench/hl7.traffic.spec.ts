import { mapHl7, type Hl7Mapping } from '@circulator/hl7';
import { benchMessage, CYCLE, SLOTS_PER_ROOM, type BenchMessageKind } from './hl7.traffic';

const OPTIONS = { facilityTz: 'UTC', receivedAt: '2099-12-30T12:00:00Z' };

function mapped(text: string): Hl7Mapping {
  const r = mapHl7(text, OPTIONS);
  if (!r.ok) throw new Error(`${r.problem.kind}: ${r.problem.text}`);
  return r.mapping;
}

describe('bench HL7 traffic', () => {
  it('makes each interfaces cycle 1 booking, 16 device observations, 2 patient updates and 1 lab result', () => {
    const kinds = new Map<BenchMessageKind, number>();
    for (let seq = 0; seq < CYCLE; seq++) {
      const kind = benchMessage('interfaces', 3, seq, 'r1').kind;
      kinds.set(kind, (kinds.get(kind) ?? 0) + 1);
    }
    expect(Object.fromEntries(kinds)).toEqual({ booking: 1, device: 16, adt: 2, lab: 1 });
    expect(benchMessage('interfaces', 3, 0, 'r1').kind).toBe('booking');
    expect(benchMessage('interfaces', 3, CYCLE, 'r1').kind).toBe('booking');
  });

  it('gives every message of a run its own control id', () => {
    const ids = new Set<string>();
    for (const mix of ['interfaces', 'bookings'] as const) {
      for (let conn = 1; conn <= 3; conn++) {
        for (let seq = 0; seq < 3 * CYCLE; seq++) ids.add(`${mix}:${benchMessage(mix, conn, seq, 'r1').controlId}`);
      }
    }
    expect(ids.size).toBe(2 * 3 * 3 * CYCLE);
  });

  it('maps every kind without a warning, each about the case its cycle booked', () => {
    const booking = mapped(benchMessage('interfaces', 7, CYCLE, 'r1').text);
    expect(booking.facts.map((f) => f.kind)).toEqual(['schedule']);
    const schedule = booking.facts[0]!;
    if (schedule.kind !== 'schedule') throw new Error('not a schedule');
    expect(schedule.location?.code).toBe('Br1C7L0^^^HOSP');
    const slotStart = Date.parse(schedule.scheduledStart!);
    expect(new Date(slotStart).toISOString()).toBe('2099-12-31T10:30:00.000Z');

    for (let seq = CYCLE + 1; seq < 2 * CYCLE; seq++) {
      const message = benchMessage('interfaces', 7, seq, 'r1');
      const m = mapped(message.text);
      expect({ seq, warnings: m.warnings }).toEqual({ seq, warnings: [] });
      expect(m.mrn).toBe(booking.mrn);
      const [fact] = m.facts;
      if (message.kind === 'adt') {
        expect(m.facts.map((f) => f.kind)).toEqual(['patient']);
        continue;
      }
      expect(m.facts.map((f) => f.kind)).toEqual(['observations']);
      if (fact?.kind !== 'observations') throw new Error('not observations');
      // Taken inside the booked half hour, in the booked room.
      const at = Date.parse(fact.at);
      expect(at).toBeGreaterThan(slotStart);
      expect(at).toBeLessThan(slotStart + 30 * 60_000);
      expect(fact.subject.location?.code).toBe(schedule.location?.code);
      if (message.kind === 'device') {
        expect(fact.vitals.map((v) => v.name).sort()).toEqual(['hr', 'rr', 'spo2']);
      } else {
        expect(fact.results.map((r) => r.code)).toEqual(['2823-3']);
      }
    }
  });

  it('books a room full, then a fresh room, in either mix', () => {
    const room = (mix: 'interfaces' | 'bookings', seq: number) => {
      const f = mapped(benchMessage(mix, 2, seq, 'r1').text).facts[0];
      return f?.kind === 'schedule' ? f.location?.code : undefined;
    };
    expect(room('bookings', 0)).toBe('Br1C2L0^^^HOSP');
    expect(room('bookings', SLOTS_PER_ROOM - 1)).toBe('Br1C2L0^^^HOSP');
    expect(room('bookings', SLOTS_PER_ROOM)).toBe('Br1C2L1^^^HOSP');
    expect(room('interfaces', SLOTS_PER_ROOM * CYCLE)).toBe('Br1C2L1^^^HOSP');
  });
});
