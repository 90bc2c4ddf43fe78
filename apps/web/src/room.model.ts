import {
  MILESTONE_KEYS,
  type AlertPriority,
  type AlertView,
  type CaseView,
  type MilestoneKey,
  type RoomDeviceView,
} from '@circulator/contracts';
import { timeOf } from './time.format';

/**
 * What a room's screens make of its day: which case is in the room, what comes next, its
 * timers, checklist and alerts. Pure: the time is passed in.
 */

/** The statuses of a case whose patient is in the room. */
const IN_ROOM: readonly string[] = ['in-room', 'in-procedure'];
/** The statuses of a case still to come. */
const TO_COME: readonly string[] = ['scheduled', 'pre-op'];

/** The case in the room now: in room or in procedure (the latest in, if the feeds show two). */
export function currentCase(cases: readonly CaseView[]): CaseView | undefined {
  return cases
    .filter((c) => IN_ROOM.includes(c.status))
    .sort((a, b) => (timeOf(b.milestones.inRoom) ?? 0) - (timeOf(a.milestones.inRoom) ?? 0) || byStart(a, b))[0];
}

/** The cases still to come, in the order they are expected (predicted start, else scheduled). */
export function upcomingCases(cases: readonly CaseView[]): CaseView[] {
  return cases.filter((c) => TO_COME.includes(c.status)).sort(byStart);
}

/** When a case is expected to start: its predicted start when the day has knocked on, else the schedule's. */
export function expectedStart(c: CaseView): string {
  return c.predictedStart ?? c.scheduledStart;
}

function byStart(a: CaseView, b: CaseView): number {
  return (timeOf(expectedStart(a)) ?? Infinity) - (timeOf(expectedStart(b)) ?? Infinity) || a.id.localeCompare(b.id);
}

export const MILESTONE_LABELS: Record<MilestoneKey, string> = {
  roomReady: 'Room ready',
  inRoom: 'In room',
  anesthesiaStart: 'Anesthesia start',
  induction: 'Induction',
  procedureStart: 'Incision',
  procedureEnd: 'Closure',
  anesthesiaEnd: 'Anesthesia end',
  outOfRoom: 'Out of room',
  pacuIn: 'PACU in',
  pacuOut: 'PACU out',
};

/** The milestones a wall display shows (PACU is not the room's business). */
export const ROOM_MILESTONES: readonly MilestoneKey[] = MILESTONE_KEYS.filter((k) => k !== 'pacuIn' && k !== 'pacuOut');

/** The milestones an anesthesiologist records. */
export const ANESTHESIA_MILESTONES: readonly MilestoneKey[] = ['anesthesiaStart', 'induction', 'anesthesiaEnd'];

export interface TimelineStep {
  key: MilestoneKey;
  label: string;
  at?: string;
  /** The first milestone not yet reached, after the last one reached. */
  next: boolean;
}

export function timeline(c: CaseView, keys: readonly MilestoneKey[] = ROOM_MILESTONES): TimelineStep[] {
  const lastDone = keys.reduce((last, key, i) => (c.milestones[key] !== undefined ? i : last), -1);
  return keys.map((key, i) => ({
    key,
    label: MILESTONE_LABELS[key],
    ...(c.milestones[key] !== undefined ? { at: c.milestones[key] } : {}),
    next: i === lastDone + 1,
  }));
}

export interface CaseTimers {
  /** Since the patient came in (until out of room). */
  inRoomMs?: number;
  /** Since incision (until closure). */
  sinceIncisionMs?: number;
  /** The incision-to-closure span is over: the timer shows the procedure's length. */
  procedureDone: boolean;
  outOfRoom: boolean;
}

export function caseTimers(c: CaseView, nowMs: number): CaseTimers {
  const m = c.milestones;
  const inRoom = timeOf(m.inRoom);
  const out = timeOf(m.outOfRoom);
  const incision = timeOf(m.procedureStart);
  const closure = timeOf(m.procedureEnd);
  return {
    ...(inRoom !== undefined ? { inRoomMs: (out ?? nowMs) - inRoom } : {}),
    ...(incision !== undefined ? { sinceIncisionMs: (closure ?? nowMs) - incision } : {}),
    procedureDone: closure !== undefined,
    outOfRoom: out !== undefined,
  };
}

export type ChecklistPhase = 'signIn' | 'timeOut' | 'signOut';

export interface ChecklistItem {
  phase: ChecklistPhase;
  label: string;
  at?: string;
  by?: string;
  /** The moment for it has come (WHO: sign in before induction, time out before incision, sign out before the patient leaves) and it is not recorded. */
  due: boolean;
}

/** The WHO Surgical Safety Checklist of a case, with what is due now. */
export function checklist(c: CaseView): ChecklistItem[] {
  const inRoom = IN_ROOM.includes(c.status) || c.milestones.inRoom !== undefined;
  const item = (phase: ChecklistPhase, label: string, due: boolean): ChecklistItem => {
    const done = c.checklist?.[phase];
    return {
      phase,
      label,
      ...(done?.at !== undefined ? { at: done.at } : {}),
      ...(done?.by !== undefined ? { by: done.by } : {}),
      due: done === undefined && due,
    };
  };
  return [
    item('signIn', 'Sign in', inRoom),
    item('timeOut', 'Time out', inRoom),
    item('signOut', 'Sign out', c.milestones.procedureEnd !== undefined),
  ];
}

const RANK: Record<AlertPriority, number> = { high: 0, medium: 1, low: 2 };

/** Alerts as a screen lists them: unacknowledged first, then by priority, then oldest first. */
export function sortAlerts(alerts: readonly AlertView[]): AlertView[] {
  return [...alerts].sort(
    (a, b) =>
      Number(a.acknowledgedAt !== undefined) - Number(b.acknowledgedAt !== undefined) ||
      RANK[a.priority] - RANK[b.priority] ||
      (timeOf(a.raisedAt) ?? 0) - (timeOf(b.raisedAt) ?? 0) ||
      a.id.localeCompare(b.id),
  );
}

/** IEC 60601-1-8 priority names. */
export function priorityLabel(priority: AlertPriority): string {
  switch (priority) {
    case 'high':
      return 'High priority';
    case 'medium':
      return 'Medium priority';
    case 'low':
      return 'Low priority';
  }
}

export interface DeviceState {
  device: RoomDeviceView;
  /** A `device-offline` alert on the room's case names it: fresher than the snapshot, and it names the backup. */
  alert?: AlertView;
  /** What to show: the alert makes a device offline whatever the (older) snapshot said. */
  connectivity: RoomDeviceView['connectivity'];
}

/** The alert id the device-offline rule gives a device (libs/domain device.rules.ts). */
export function deviceOfflineAlertId(deviceId: string): string {
  return `rule:device-offline:${deviceId}`;
}

/**
 * The room's devices as the snapshot listed them, each with the case's live `device-offline`
 * alert about it, if any. Updates carry cases, not devices: the alert is what arrives live.
 */
export function deviceStates(devices: readonly RoomDeviceView[], alerts: readonly AlertView[]): DeviceState[] {
  const byId = new Map(alerts.filter((a) => a.kind === 'device-offline').map((a) => [a.id, a]));
  return devices.map((device) => {
    const alert = byId.get(deviceOfflineAlertId(device.id));
    return alert
      ? { device, alert, connectivity: device.connectivity === 'error' ? 'error' : 'offline' }
      : { device, connectivity: device.connectivity };
  });
}
