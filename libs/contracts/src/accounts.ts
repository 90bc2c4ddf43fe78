import type { Role } from './roles';

/** A user account as the administration routes show it (`GET /api/users`): never a password hash. */
export interface UserAccountView {
  id: string;
  username: string;
  displayName: string;
  roles: Role[];
  disabled: boolean;
  /** ISO 8601; set while sign-ins for this name are refused after repeated failures. */
  lockedUntil: string | null;
  /** ISO 8601. */
  createdAt: string;
}

/** A wall-display credential as `GET /api/displays` lists it: never its token. */
export interface DisplayCredentialView {
  id: string;
  roomId: string;
  createdAt: string;
  /** Audit actor who created it, e.g. `user:<id>`. */
  createdBy: string;
  revokedAt: string | null;
}

/** A remote consultation of a case as `GET /api/cases/{caseId}/consultations` lists it: never its token. */
export interface ConsultationView {
  id: string;
  caseId: string;
  consultant: string;
  createdAt: string;
  /** Audit actor who granted it, e.g. `user:<id>`. */
  createdBy: string;
  expiresAt: string;
  revokedAt: string | null;
  /** Neither revoked nor expired at the time of the answer. */
  active: boolean;
}

/** Answer of `POST /api/cases/{caseId}/consultations`: the only copy of the token. */
export interface CreatedConsultation {
  id: string;
  /** A bearer token that may read only this case, until `expiresAt`. */
  token: string;
  caseId: string;
  consultant: string;
  expiresAt: string;
}
