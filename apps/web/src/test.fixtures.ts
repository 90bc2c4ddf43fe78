import type { CaseView } from '@circulator/contracts';

/** A minimal valid case for tests; override what the test is about. */
export function aCase(overrides: Partial<CaseView> & Pick<CaseView, 'id'>): CaseView {
  return {
    version: 1,
    status: 'scheduled',
    roomId: 'or1',
    roomName: 'OR1',
    patient: { mrn: 'MRN1', name: 'Doe, Jane' },
    procedure: { code: '47562', text: 'Laparoscopic cholecystectomy' },
    surgeon: { id: 'S1', name: 'Marchetti, Elena' },
    scheduledStart: '2026-11-21T07:30:00-05:00',
    scheduledEnd: '2026-11-21T09:00:00-05:00',
    milestones: {},
    vitals: {},
    alerts: [],
    identifiers: {},
    ...overrides,
  };
}
