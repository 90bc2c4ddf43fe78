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

/** The integration console: integration engineers (and admins), as `/api/messages` and `/api/interfaces`. */
export function mayUseIntegrationConsole(roles: readonly Role[]): boolean {
  return roles.includes('integration') || roles.includes('admin');
}

/** The biomed console: biomedical engineers (and admins), as `/api/devices`. */
export function mayUseBiomedConsole(roles: readonly Role[]): boolean {
  return roles.includes('biomed') || roles.includes('admin');
}

/** Display credentials: admins only. */
export function mayAdministerDisplays(roles: readonly Role[]): boolean {
  return roles.includes('admin');
}

/** The screens a person's roles offer, for the navigation and for where to land after sign-in. */
export function screensFor(roles: readonly Role[]): { path: string; label: string }[] {
  const screens: { path: string; label: string; allowed: boolean }[] = [
    { path: '/board', label: 'Board', allowed: mayUseBoard(roles) },
    { path: '/integration', label: 'Integration', allowed: mayUseIntegrationConsole(roles) },
    { path: '/biomed', label: 'Biomed', allowed: mayUseBiomedConsole(roles) },
    { path: '/admin/displays', label: 'Displays', allowed: mayAdministerDisplays(roles) },
  ];
  return screens.filter((s) => s.allowed).map(({ path, label }) => ({ path, label }));
}
