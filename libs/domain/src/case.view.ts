import type { CaseView } from '@circulator/contracts';
import type { CaseState } from './case.model';

/** How much of a patient's name a role may see (minimum necessary PHI). */
export type NameDisclosure = 'full' | 'initials';

/** "EVERYMAN, Adam" for clinicians; "A.E." for wall displays. */
export function patientName(patient: CaseState['patient'], disclosure: NameDisclosure): string {
  const family = patient.familyName?.trim() ?? '';
  const given = patient.givenName?.trim() ?? '';
  switch (disclosure) {
    case 'full':
      return [family.toUpperCase(), given].filter(Boolean).join(', ') || 'Unknown';
    case 'initials': {
      const initials = [given, family].map((part) => part.charAt(0).toUpperCase()).filter(Boolean);
      return initials.length ? `${initials.join('.')}.` : '?';
    }
  }
}

/** Reduces the engine's state to the public CaseView, with the patient name as the role allows. */
export function toCaseView(state: CaseState, disclosure: NameDisclosure): CaseView {
  const view: CaseView = {
    id: state.id,
    version: state.version,
    status: state.status,
    roomId: state.roomId,
    roomName: state.roomName,
    // The MRN is a direct identifier: a wall display does not need it (minimum necessary PHI).
    patient: { mrn: disclosure === 'full' ? state.patient.mrn : '', name: patientName(state.patient, disclosure) },
    procedure: { ...state.procedure },
    scheduledStart: state.scheduledStart,
    scheduledEnd: state.scheduledEnd,
    milestones: { ...state.milestones },
    vitals: { ...state.vitals },
    alerts: state.alerts.map((a) => ({ ...a })),
    identifiers: { ...state.identifiers },
  };
  if (disclosure === 'full' && state.patient.birthDate) view.patient.birthDate = state.patient.birthDate;
  if (state.surgeon) view.surgeon = { ...state.surgeon };
  if (state.anesthesiologist) view.anesthesiologist = { ...state.anesthesiologist };
  if (state.predictedEnd) view.predictedEnd = state.predictedEnd;
  return view;
}
