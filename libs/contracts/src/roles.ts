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
