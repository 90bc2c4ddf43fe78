import { Message } from 'node-hl7-client';
import { planOrDay, type PlanEvent } from './or-day.plan';
import { buildPlanMessages, buildSiu, components, hl7Escape, hl7Timestamp } from './siu.builder';

const plan = planOrDay({
  date: '2026-11-21',
  timeZone: 'America/New_York',
  seed: 7,
  rooms: 3,
  now: '2026-11-21T06:00:00-05:00',
});
const messages = buildPlanMessages(plan);

describe('buildPlanMessages', () => {
  it('builds one message per event, with unique control ids of at most 20 characters', () => {
    expect(messages).toHaveLength(plan.events.length);
    const ids = messages.map((m) => m.controlId);
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) expect(id.length).toBeLessThanOrEqual(20);
  });

  it.each(plan.events.map((event, i) => [i, event] as const))('message %i parses with the right fields', (i, event) => {
    const text = messages[i]?.text ?? '';
    const parsed = new Message({ text });
    const c = event.case;
    expect(text.split('\r').map((s) => s.slice(0, 3))).toEqual([
      'MSH',
      'SCH',
      'PID',
      'PV1',
      'RGS',
      'AIS',
      'AIL',
      'AIP',
      'AIP',
    ]);
    expect(parsed.get('MSH.3').toString()).toBe('CIRCSIM');
    expect(parsed.get('MSH.4').toString()).toBe('SIMHOSP');
    expect(parsed.get('MSH.9').toRaw()).toBe(`SIU^${event.trigger}^SIU_S12`);
    expect(parsed.get('MSH.10').toString()).toBe(messages[i]?.controlId);
    expect(parsed.get('MSH.12').toString()).toBe('2.5.1');
    expect(parsed.get('MSH.7').toString()).toMatch(/^\d{14}-0500$/);
    expect(parsed.get('SCH.1.1').toString()).toBe(c.placerId);
    expect(parsed.get('SCH.2.1').toString()).toBe(c.fillerId);
    expect(parsed.get('SCH.25').toString()).toBe(event.trigger === 'S15' ? 'Cancelled' : 'Booked');
    expect(parsed.get('PID.3').toRaw()).toBe(`${c.patient.mrn}^^^SIMHOSP^MR`);
    expect(parsed.get('PID.5.1').toString()).toBe(c.patient.family);
    expect(parsed.get('PID.7').toString()).toBe(c.patient.birthDate.replaceAll('-', ''));
    expect(parsed.get('AIS.3').toRaw()).toBe(`${c.procedure.code}^${c.procedure.text}^CPT`);
    expect(parsed.get('AIS.4').toString()).toBe(hl7Timestamp(c.start));
    expect(parsed.get('AIS.7').toString()).toBe(String(c.durationMin));
    expect(parsed.get('AIS.8').toString()).toBe('min');
    expect(parsed.get('AIL.3.1').toString()).toBe(c.roomCode);
    expect(parsed.get('AIL.3').toRaw()).toBe(`${c.roomCode}^^^MAIN`);
    const aip = text.split('\r').filter((s) => s.startsWith('AIP|'));
    expect(aip.map((s) => s.split('|')[4])).toEqual(['SURGEON', 'ANESTHESIOLOGIST']);
    expect(aip[0]?.split('|')[3]).toBe(`${c.surgeon.id}^${c.surgeon.family}^${c.surgeon.given}`);
  });

  it('starts the first case of the day at 07:30 local with the zone offset', () => {
    const first = new Message({ text: messages[0]?.text ?? '' });
    expect(first.get('AIS.4').toString()).toBe('20261121073000-0500');
  });
});

describe('buildSiu', () => {
  it('escapes HL7 delimiters in data, and they parse back', () => {
    const event = plan.events[0] as PlanEvent;
    const tricky: PlanEvent = {
      ...event,
      case: { ...event.case, patient: { ...event.case.patient, family: 'Smith|Jones^Jr & Co~\\' } },
    };
    const text = buildSiu(tricky, 'CTRL1');
    expect(text.split('\r')).toHaveLength(9);
    const pid = text.split('\r')[2] ?? '';
    expect(pid).toContain('Smith\\F\\Jones\\S\\Jr \\T\\ Co\\R\\\\E\\');
    expect(new Message({ text }).get('PID.5.1').toString()).toBe('Smith|Jones^Jr & Co~\\');
  });
});

describe('HL7 helpers', () => {
  it('formats a timestamp with its offset', () => {
    expect(hl7Timestamp('2026-11-21T07:30:00-05:00')).toBe('20261121073000-0500');
    expect(hl7Timestamp('2026-07-01T09:05:00+02:00')).toBe('20260701090500+0200');
    expect(() => hl7Timestamp('not a time')).toThrow(RangeError);
  });

  it('escapes the escape character first', () => {
    expect(hl7Escape('a\\F\\b')).toBe('a\\E\\F\\E\\b');
    expect(hl7Escape('line\r\nbreak')).toBe('line break');
  });

  it('joins components and drops trailing empty ones', () => {
    expect(components('OR1', '', '', 'MAIN')).toBe('OR1^^^MAIN');
    expect(components('A', undefined, '')).toBe('A');
  });
});
