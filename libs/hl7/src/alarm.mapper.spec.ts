import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ACM_EVENT_PHASES, mapAlarms, type AlarmFactDraft, type AlarmMapperOptions } from './alarm.mapper';
import { decodeHl7, type DecodedHl7 } from './hl7.decoder';

const ALARMS = path.resolve(__dirname, '../../../../shared/corpus/hl7v2/alarms');
const OPTIONS: AlarmMapperOptions = { facilityTz: 'America/Chicago' };

function decoded(payload: string | Buffer): DecodedHl7 {
  const r = decodeHl7(payload);
  if (!r.ok) throw new Error(r.problem.text);
  return r.decoded;
}
const corpus = (file: string): DecodedHl7 => decoded(readFileSync(path.join(ALARMS, file)));

function mapped(d: DecodedHl7): { facts: AlarmFactDraft[]; warnings: string[] } {
  const r = mapAlarms(d, OPTIONS);
  if (!r.ok) throw new Error(`${r.problem.kind}: ${r.problem.text}`);
  return r;
}

/** A PCD-04 alarm in the TF-2 E.3.1 shape: event (facet 1), source (2), phase (3), state (4). */
function r40(
  event: { code?: string; value?: string; flags?: string; type?: string; device?: string },
  extra: string[] = [],
  facets = true,
): string {
  const f = (n: number): string => (facets ? `1.3.1.150456.${n}` : '');
  return [
    'MSH|^~\\&|MONITOR^00A037EB2175780F^EUI-64|MINDRAY|AM|PHILIPS|20240715101500-0500||ORU^R40^ORU_R40|A1|P|2.6|||AL|NE||UNICODE UTF-8|||IHE_PCD_ACM_001^IHE PCD^1.3.6.1.4.1.19376.1.6.4.4.1^ISO',
    'PID|||M-1^^^H^MR||Doe^Jane',
    'PV1||I|OR3^^^MAIN',
    'OBR|1|1^MON|1^MON|196616^MDC_EVT_ALARM^MDC|||20240715101500-0500',
    `OBX|1|${event.type ?? 'ST'}|${event.code ?? '196670^MDC_EVT_LO^MDC'}|${f(1)}|${event.value ?? 'Low SpO2'}|||${event.flags ?? 'L~PH~SP'}|||F|||20240715101455-0500||||${event.device ?? 'BED3^MON^mindray.com^DNS'}`,
    `OBX|2|NM|150456^MDC_PULS_OXIM_SAT_O2^MDC|${f(2)}|85|262688^MDC_DIM_PERCENT^MDC|90-100||||F`,
    ...extra,
  ].join('\r');
}
const phaseObx = (value: string): string => `OBX|3|ST|68481^MDC_ATTR_EVENT_PHASE^MDC|1.3.1.150456.3|${value}||||||F`;
const stateObx = (value: string): string => `OBX|4|ST|68482^MDC_ATTR_ALARM_STATE^MDC|1.3.1.150456.4|${value}||||||F`;

describe('mapAlarms on the IHE PCD TF-2 examples', () => {
  it('maps the Mindray numeric-limit alarm (E.3.1): medium priority, value in the message', () => {
    expect(mapped(corpus('ihe-pcd04-mindray-low-spo2-start.hl7'))).toMatchObject({
      facts: [
        {
          kind: 'alarm',
          at: '2012-01-11T15:04:57-06:00',
          alarmId: 'F1519EFX/196670/1.3.1.150456',
          phase: 'start',
          priority: 'medium',
          code: '196670^MDC_EVT_LO^MDC',
          message: 'Low SpO2 88 %',
          subject: {
            patient: { mrn: 'HO2009001', assigningAuthority: 'Hospital' },
            location: { code: 'HO Surgery^OR^1', name: 'OR' },
            device: { id: 'F1519EFX', name: 'SHENZHEN_DEVICE' },
          },
        },
      ],
      warnings: [],
    });
  });

  it('gives the start and the end of the B.Braun occlusion (E.3.2) the same alarm id', () => {
    const start = mapped(corpus('ihe-pcd04-bbraun-occlusion-start.hl7')).facts[0];
    const end = mapped(corpus('ihe-pcd04-bbraun-occlusion-end.hl7')).facts[0];
    expect(start).toMatchObject({
      alarmId: 'P6013/196940/1.0.0.0',
      phase: 'start',
      code: '196940^MDC_EVT_FLUID_LINE_OCCL^MDC',
      message: 'Occlusion',
      at: '2012-01-09T17:54:17-06:00',
      subject: { patient: { mrn: 'HO2009003' }, device: { id: 'P6013' } },
    });
    expect(end).toMatchObject({ alarmId: start?.alarmId, phase: 'end', at: '2012-01-09T17:54:26-06:00' });
  });

  it('reads the LiveData advisory (SA~PM, no OBX-18): the sending application is the device', () => {
    expect(mapped(corpus('ihe-pcd04-livedata-or-timeout-advisory.hl7')).facts).toEqual([
      {
        kind: 'alarm',
        at: '2012-01-09T17:54:26-06:00',
        alarmId: 'CONTENT_CONSUMER_LIVEDATA/MDCX_DOCUMENTATION_ERROR/2.1.2.1',
        phase: 'start',
        priority: 'medium',
        code: '0^MDCX_DOCUMENTATION_ERROR^MDC',
        message: 'Timeout not documented',
        subject: {
          patient: { mrn: 'HO2009003', assigningAuthority: 'AA1' },
          location: { code: 'HO 3 West ICU^10^1', name: '10' },
        },
      },
    ]);
  });
});

describe('mapAlarms rules', () => {
  it.each([
    ['start', 'start'],
    ['_START', 'start'],
    ['start_only', 'start'],
    ['tpoint', 'start'],
    ['continue', 'continue'],
    ['present', 'continue'],
    ['update', 'continue'],
    ['_CHANGED', 'continue'],
    ['escalate', 'continue'],
    ['deescalate', 'continue'],
    ['inactivate', 'continue'],
    ['acknowledged', 'continue'],
    ['end', 'end'],
    ['_END', 'end'],
    ['stop', 'end'],
    ['reset', 'end'],
    ['stop_COMPL', 'end'],
  ])('reads event phase %s as %s', (value, phase) => {
    expect(mapped(decoded(r40({}, [phaseObx(value), stateObx('active')]))).facts[0]?.phase).toBe(phase);
  });

  it('covers every phase of IHE PCD TF-2 Table B.8.5-4', () => {
    for (const phase of [
      'tpoint',
      'start',
      'start_only',
      'continue',
      'end',
      'present',
      'update',
      'escalate',
      'inactivate',
      'acknowledged',
      'deescalate',
      'reset',
      'stop',
    ]) {
      expect(ACM_EVENT_PHASES[phase]).toBeDefined();
    }
  });

  it('falls back on the alarm state for a missing or unknown phase, with a warning', () => {
    expect(mapped(decoded(r40({}, [stateObx('inactive')])))).toMatchObject({
      facts: [{ phase: 'end' }],
      warnings: ["No MDC_ATTR_EVENT_PHASE; 'end' taken from the alarm state"],
    });
    expect(mapped(decoded(r40({}, [phaseObx('blinking'), stateObx('latched')])))).toMatchObject({
      facts: [{ phase: 'continue' }],
      warnings: ["Unknown event phase 'blinking'; 'continue' taken from the alarm state"],
    });
    expect(mapped(decoded(r40({}, [])))).toMatchObject({
      facts: [{ phase: 'start' }],
      warnings: ["No MDC_ATTR_EVENT_PHASE; 'start' assumed"],
    });
  });

  it.each([
    ['L~PH~SP', 'high'],
    ['PM', 'medium'],
    ['PL~ST', 'low'],
    ['PN', 'low'],
    ['L~PM~SP', 'medium'],
    ['H', 'high'],
    ['M~SP', 'medium'],
    ['L', 'low'],
  ])('reads OBX-8 %s as %s priority', (flags, priority) => {
    expect(mapped(decoded(r40({ flags }, [phaseObx('start')]))).facts[0]?.priority).toBe(priority);
  });

  it('prefers a separate MDC_ATTR_ALARM_PRIORITY OBX to OBX-8 (TF-2 B.8.5), and assumes low without either', () => {
    const separate = 'OBX|6|ST|68484^MDC_ATTR_ALARM_PRIORITY^MDC|1.3.1.150456.6|PL||||||F';
    expect(mapped(decoded(r40({ flags: 'PH~SP' }, [phaseObx('start'), separate]))).facts[0]?.priority).toBe('low');
    expect(mapped(decoded(r40({ flags: 'SP' }, [phaseObx('start')])))).toMatchObject({
      facts: [{ priority: 'low' }],
      warnings: ['No alarm priority (OBX-8 PH/PM/PL or MDC_ATTR_ALARM_PRIORITY); low assumed'],
    });
  });

  it('writes the message from CWE-9 or the value text, with the source value and an annotation', () => {
    const annotation = 'OBX|7|ST|0^MDCX_ATTR_ALERT_ANNOTATION^MDC|1.3.1.150456.7|check probe||||||F';
    expect(mapped(decoded(r40({}, [phaseObx('start'), annotation]))).facts[0]?.message).toBe(
      'Low SpO2 85 % – check probe',
    );
    const technical = r40(
      {
        code: '196616^MDC_EVT_ALARM^MDC',
        type: 'CWE',
        value: '196940^MDC_EVT_FLUID_LINE_OCCL^MDC^^^^^^Occlusion',
        flags: 'PH~ST',
      },
      [phaseObx('start')],
    );
    expect(mapped(decoded(technical)).facts[0]).toMatchObject({
      alarmId: 'BED3/196940/1.3.1.150456',
      code: '196940^MDC_EVT_FLUID_LINE_OCCL^MDC',
      message: 'Occlusion 85 %',
      priority: 'high',
    });
    const noText = r40({ code: '196648^MDC_EVT_HI^MDC', value: '', flags: 'H~PM' }, [phaseObx('start')]);
    expect(mapped(decoded(noText)).facts[0]?.message).toBe('MDC_EVT_HI 85 %');
  });

  it('leaves a special value out of the message', () => {
    const text = r40({}, [phaseObx('start')]).replace('|85|262688', '|8388607|262688');
    expect(mapped(decoded(text)).facts[0]?.message).toBe('Low SpO2');
  });

  it('identifies the device by OBX-18, else MSH-3 (its universal id), and the alarm without facets by order', () => {
    const noDevice = r40({ device: '' }, [phaseObx('start')]);
    expect(mapped(decoded(noDevice)).facts[0]).toMatchObject({ alarmId: '00A037EB2175780F/196670/1.3.1.150456' });
    expect(mapped(decoded(noDevice)).facts[0]?.subject.device).toBeUndefined();
    const flat = r40({}, ['OBX|3|ST|68481^MDC_ATTR_EVENT_PHASE^MDC||end||||||F'], false);
    expect(mapped(decoded(flat)).facts[0]).toMatchObject({
      alarmId: 'BED3/196670',
      phase: 'end',
      message: 'Low SpO2 85 %',
    });
  });

  it('maps one alarm per OBR group, and refuses a group without an event OBX', () => {
    const two = [
      r40({}, [phaseObx('start')]),
      'OBR|2|2^MON|2^MON|196616^MDC_EVT_ALARM^MDC|||20240715101600-0500',
      'OBX|1|CWE|196616^MDC_EVT_ALARM^MDC|1.1.0.0.1|196704^MDC_EVT_LEAD_OFF^MDC^^^^^^Leads off|||PM~ST|||F',
      'OBX|3|ST|68481^MDC_ATTR_EVENT_PHASE^MDC|1.1.0.0.3|start||||||F',
    ].join('\r');
    expect(mapped(decoded(two)).facts.map((f) => [f.alarmId, f.message, f.priority, f.at])).toEqual([
      ['BED3/196670/1.3.1.150456', 'Low SpO2 85 %', 'high', '2024-07-15T10:14:55-05:00'],
      // No OBX-18 in the second group: the sending device (MSH-3), not the first group's.
      ['00A037EB2175780F/196704/1.1.0.0', 'Leads off', 'medium', '2024-07-15T10:16:00-05:00'],
    ]);
    const empty = [r40({}, [phaseObx('start')]), 'OBR|2|2^MON|2^MON|196616^MDC_EVT_ALARM^MDC', phaseObx('end')].join(
      '\r',
    );
    expect(mapAlarms(decoded(empty), OPTIONS)).toMatchObject({
      ok: false,
      problem: { code: 101, disposition: 'error', location: { segment: 'OBR', sequence: 2 } },
    });
    // An OBR without OBX is an alarm without identification (101); no OBR nor OBX, no alarm at all (100).
    expect(mapAlarms(decoded(r40({}).split('\r').slice(0, 4).join('\r')), OPTIONS)).toMatchObject({
      ok: false,
      problem: { code: 101, location: { segment: 'OBR', sequence: 1 } },
    });
    expect(mapAlarms(decoded(r40({}).split('\r').slice(0, 3).join('\r')), OPTIONS)).toMatchObject({
      ok: false,
      problem: { code: 100, location: { segment: 'OBX' } },
    });
  });
});
