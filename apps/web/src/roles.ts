import { alertAckRoles, CASE_READER_ROLES, type Role } from '@circulator/contracts';

/**
 * Which screens and actions a person's roles offer. These only choose what to show: the server
 * checks every request and topic on its own (CONTRACT §2), whatever the page offers.
 */

/** The board and a room's wall display: everyone who may read cases. */
export function mayUseBoard(roles: readonly Role[]): boolean {
  return roles.some((r) => CASE_READER_ROLES.includes(r));
}

/** The anesthesia view: anesthesiologists (and admins). */
export function mayUseAnesthesiaView(roles: readonly Role[]): boolean {
  return roles.includes('anesthesiologist') || roles.includes('admin');
}

/** Whether these roles may acknowledge an alert of this kind (the rule the server applies). */
export function mayAcknowledge(roles: readonly Role[], kind: string): boolean {
  const allowed = alertAckRoles(kind);
  return roles.some((r) => allowed.includes(r));
}

/** Recording milestones: the case's clinicians. */
export function mayRecordMilestones(roles: readonly Role[]): boolean {
  return roles.some((r) => r === 'nurse' || r === 'anesthesiologist' || r === 'surgeon');
}

/** Moving cases on the desk (`PATCH /api/cases/{id}`, room suggestions): the scheduler (and admins). */
export function mayReschedule(roles: readonly Role[]): boolean {
  return roles.includes('scheduler') || roles.includes('admin');
}
