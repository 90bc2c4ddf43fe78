/** Roles of CONTRACT §2. */
export const ROLES = [
  'admin',
  'surgeon',
  'anesthesiologist',
  'nurse',
  'scheduler',
  'integration',
  'biomed',
  'display',
] as const;
export type Role = (typeof ROLES)[number];

export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (ROLES as readonly string[]).includes(value);
}

/** Roles that may see patient data about cases (names reduced per role, CONTRACT §3). */
export const CASE_READER_ROLES: readonly Role[] = [
  'admin',
  'surgeon',
  'anesthesiologist',
  'nurse',
  'scheduler',
  'integration',
];

export interface TokenResponse {
  access_token: string;
  token_type: 'Bearer';
  expires_in: number;
}

/** The clinicians of a case: they record its milestones and checklist and act on its clinical alerts. */
export const CLINICAL_ROLES: readonly Role[] = ['nurse', 'anesthesiologist', 'surgeon'];

/**
 * Who may acknowledge an alert, by its kind: the people who act on it. Clinical alerts (vital
 * limits, device alarms, checklist, stale data) by the case's clinicians; room and equipment alerts
 * by clinicians and biomedical engineers; schedule alerts (delays, equipment double-booked) by the
 * scheduling desk.
 */
export function alertAckRoles(kind: string): readonly Role[] {
  switch (kind) {
    case 'environment':
    case 'device-offline':
    case 'maintenance-due':
      return [...CLINICAL_ROLES, 'biomed'];
    case 'delay':
    case 'equipment-conflict':
      return ['scheduler', ...CLINICAL_ROLES];
    default:
      return CLINICAL_ROLES;
  }
}
