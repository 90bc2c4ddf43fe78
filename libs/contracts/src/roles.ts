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

/**
 * Answer of `POST /api/auth/token` (CONTRACT §2) and of `POST /api/auth/refresh`. The refresh
 * members are added by the sign-in and refresh routes (RFC 6749 §5.1 names).
 */
export interface TokenResponse {
  access_token: string;
  token_type: 'Bearer';
  /** Seconds the access token lives (at most 900). */
  expires_in: number;
  /** Opaque, single-use: exchange it at `POST /api/auth/refresh` for the next pair. */
  refresh_token?: string;
  /** Seconds until the sign-in ends for good (its refresh tokens stop working); then sign in again. */
  refresh_expires_in?: number;
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
