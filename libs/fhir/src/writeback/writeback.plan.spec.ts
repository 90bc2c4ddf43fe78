import type { CaseEvent, CaseState } from '@circulator/domain';
import { buildSiuS14, fillerStatus } from './siu-s14.builder';
import { backoffMs, writebackRows } from './writeback.sender';
import { planWriteback, type WritebackPayload } from './writeback.plan';

const state = {
  id: '7b0e2c1e-1111-4222-8333-444455556666',
  version: 4,
  status: 'in-room',
  roomId: 'OR3',
  roomName: 'OR 3',
  patient: { mrn: 'M-1', name: { family: 'Everyman', given: ['Adam'] } },
  procedure: { code: '47562', text: 'Lap chole & drain' },
  scheduledStart: '2026-11-23T07:30:00Z',
  scheduledEnd: '2026-11-23T09:00:00Z',
  milestones: { inRoom: '2026-11-23T07:31:00Z' },
  vitals: {},
  alerts: [],
  identifiers: { placerAppointmentId: 'PL-1', fillerAppointmentId: 'FL|1' },
  scheduleAt: '2026-11-20T12:00:00Z',
} as unknown as CaseState;

function milestoneEvent(via: string, changes: { milestone: string; value: string | null; via?: string }[]): CaseEvent {
  return {
    caseId: state.id,
    version: 4,
    kind: 'milestone-recorded',
    at: '2026-11-23T07:32:00Z',
    receivedAt: '2026-11-23T07:32:00Z',
    source: { kind: via === 'manual' ? 'manual' : via === 'fhir' ? 'fhir' : 'device', id: 'x' },
    change: { milestone: changes[0]?.milestone, via, milestones: changes.map((c) => ({ from: null, ...c })) },
  };
}

describe('planWriteback', () => {
  it('takes milestones a person recorded, as the case now is', () => {
    const [p] = planWriteback(
      [
        {
          state,
          events: [milestoneEvent('manual', [{ milestone: 'inRoom', value: state.milestones.inRoom!, via: 'manual' }])],
        },
      ],
      ['manual'],
    );
    expect(p).toMatchObject({
      caseId: state.id,
      version: 4,
      changed: ['inRoom'],
      milestones: { inRoom: '2026-11-23T07:31:00Z' },
      mrn: 'M-1',
      at: '2026-11-23T07:32:00Z',
    });
    expect(JSON.stringify(p)).not.toContain('Everyman'); // no name leaves with the payload
  });

  it('leaves out what the EHR said itself, and device or RTLS unless the site asks', () => {
    const fromEhr = milestoneEvent('fhir', [{ milestone: 'inRoom', value: '2026-11-23T07:31:00Z', via: 'fhir' }]);
    const fromRtls = milestoneEvent('rtls', [{ milestone: 'inRoom', value: '2026-11-23T07:31:00Z', via: 'rtls' }]);
    expect(planWriteback([{ state, events: [fromEhr, fromRtls] }], ['manual'])).toEqual([]);
    expect(planWriteback([{ state, events: [fromRtls] }], ['manual', 'rtls'])).toHaveLength(1);
    const other = { ...milestoneEvent('manual', []), kind: 'schedule-changed' as const };
    expect(planWriteback([{ state, events: [other] }], ['manual'])).toEqual([]);
  });

  it('counts a withdrawal by the source that withdrew it', () => {
    const withdrawn = milestoneEvent('manual', [{ milestone: 'procedureStart', value: null }]);
    const [p] = planWriteback([{ state, events: [withdrawn] }], ['manual']);
    expect(p?.changed).toEqual(['procedureStart']);
    const rows = writebackRows([{ state, events: [withdrawn] }], {
      mode: 'hl7',
      sources: ['manual'],
      intervalMs: 0,
      hl7: { destination: { host: 'x', port: 1 }, identity: { sendingApplication: 'C', facilityTz: 'UTC' } },
    });
    expect(rows).toEqual([{ target: 'hl7', caseId: state.id, caseVersion: 4, payload: p }]);
  });
});

describe('buildSiuS14', () => {
  const payload: WritebackPayload = {
    ...planWriteback(
      [{ state, events: [milestoneEvent('manual', [{ milestone: 'procedureStart', value: null }])] }],
      ['manual'],
    )[0]!,
  };

  it('is an SIU^S14 with escaped ids, the filler status, and an OBX per milestone (D for a withdrawn one)', () => {
    const text = buildSiuS14(
      payload,
      { id: '42', createdAt: '2026-11-23T07:32:05Z' },
      {
        sendingApplication: 'CIRCULATOR',
        receivingApplication: 'OPTIME',
        receivingFacility: 'GENHOSP',
        facilityTz: 'Europe/Paris',
      },
    );
    const segments = text.split('\r');
    expect(segments[0]).toBe(
      'MSH|^~\\&|CIRCULATOR||OPTIME|GENHOSP|20261123083205+0100||SIU^S14^SIU_S12|CIRCWB42|P|2.5.1',
    );
    expect(segments.map((s) => s.slice(0, 3))).toEqual(['MSH', 'SCH', 'PID', 'PV1', 'OBX', 'OBX', 'RGS', 'AIS', 'AIL']);
    expect(segments[1]).toBe('SCH|PL-1|FL\\F\\1|||||||||||||||||||||||Started');
    expect(segments[4]).toBe(
      'OBX|1|TS|inRoom^Patient in room^99CIRC||20261123083100+0100||||||F|||20261123083200+0100',
    );
    expect(segments[5]).toBe(
      'OBX|2|TS|procedureStart^Procedure start (incision)^99CIRC||||||||D|||20261123083200+0100',
    );
    expect(segments[7]).toBe('AIS|1||47562^Lap chole \\T\\ drain|20261123083000+0100');
  });

  it('says the filler status of every case status (HL7 table 0278)', () => {
    expect(
      (
        ['scheduled', 'pre-op', 'in-room', 'in-procedure', 'recovery', 'completed', 'cancelled', 'no-show'] as const
      ).map(fillerStatus),
    ).toEqual(['Booked', 'Booked', 'Started', 'Started', 'Started', 'Complete', 'Cancelled', 'Noshow']);
  });
});

describe('backoffMs', () => {
  it('doubles from 10 s up to 10 min', () => {
    expect([1, 2, 3, 6, 7, 12].map((n) => backoffMs(n) / 1000)).toEqual([10, 20, 40, 320, 600, 600]);
  });
});
