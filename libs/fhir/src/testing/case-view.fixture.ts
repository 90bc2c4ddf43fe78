import type { CaseView } from '@circulator/contracts';

/** A case as a clinician's CaseView, booked and not started; tests override what they need. */
export function caseView(overrides: Partial<CaseView> = {}): CaseView {
  return {
    id: '1b4e28ba-2fa1-4d2b-883f-0016d3cca427',
    version: 3,
    status: 'scheduled',
    roomId: 'or7-genhosp',
    roomName: 'OR 7',
    patient: { mrn: 'M-1001', name: 'EVERYMAN, Adam', birthDate: '1960-02-14' },
    procedure: { code: '47562', text: 'Laparoscopic cholecystectomy' },
    surgeon: { id: '1001', name: 'House, Gregory' },
    anesthesiologist: { id: '2002', name: 'Quinn, Michaela' },
    scheduledStart: '2026-11-23T08:30:00.000Z',
    scheduledEnd: '2026-11-23T10:00:00.000Z',
    milestones: {},
    vitals: {},
    alerts: [],
    identifiers: { placerAppointmentId: 'PL-1', fillerAppointmentId: 'FL-1', visitNumber: 'VM-1001' },
    ...overrides,
  };
}
