import type { AlertView } from '@circulator/contracts';
import type { ApplyContext, ApplyResult } from '../case.engine';
import type { AlarmTrack, CaseEventKind, CaseState, Stamp } from '../case.model';
import type { AlarmFact } from '../fact';
import { CaseDraft } from './case.draft';
import { deepEqual } from './equal';
import { compareStamps, sameStamp, stampOf, withStamp } from './stamp';
import { invalid, invalidTime, noCase } from './warnings';

/** The alert kind of device alarms. */
export const DEVICE_ALARM_KIND = 'device-alarm';

/** How many start times an alarm keeps (one per episode; only those after the last end matter). */
const MAX_STARTS = 8;

/** The alert id of a device alarm: derived from its `alarmId`, the same for every message about it. */
export function alarmAlertId(alarmId: string): string {
  return `alarm:${alarmId}`;
}

/**
 * Device alarms (IHE PCD ACM, MQTT). An alarm is active while its newest start or continue is
 * newer than its newest end (by source time). The end is kept as a tombstone: a start or continue
 * older than it, arriving late, does not bring the alarm back; a newer one does (a new episode).
 * The alert's priority and text are the newest start's or continue's; it was raised at the first
 * start after the last end. An acknowledgement (a person's) is kept while the alert stays active.
 */
export function applyAlarm(current: CaseState | undefined, fact: AlarmFact, ctx: ApplyContext): ApplyResult {
  const stamp = stampOf(fact);
  if (Number.isNaN(stamp.ms)) return invalidTime(current, fact);
  if (!current) return noCase(fact);
  if (!fact.alarmId) return invalid(current, fact, 'alarm without an alarm id; not applied');

  const d = new CaseDraft(current, fact, stamp, ctx.policy);
  const known = d.track.alarms?.[fact.alarmId];
  const track = record(known ?? {}, fact, stamp);
  if (!deepEqual(known, track)) d.alarms()[fact.alarmId] = track;

  const id = alarmAlertId(fact.alarmId);
  const shown = d.next.alerts.find((a) => a.id === id);
  const alert = alertOf(id, track);
  if (alert ? !deepEqual(shown, alert) : shown) d.replaceAlerts((a) => a.id === id, alert ? [alert] : []);
  return d.commit(alarmEventKind, { alarmId: fact.alarmId, phase: fact.phase }, ctx.receivedAt);
}

function alarmEventKind(change: Record<string, unknown>): CaseEventKind {
  const alerts = change.alerts as { raised?: unknown; cleared?: unknown } | undefined;
  return alerts?.raised ? 'alert-raised' : alerts?.cleared ? 'alert-cleared' : 'alert-updated';
}

/** The alarm's track with this fact in it (a new object; `known` is not changed). */
function record(known: AlarmTrack, fact: AlarmFact, stamp: Stamp): AlarmTrack {
  const track: AlarmTrack = { ...known };
  const at = fact.at;
  if (fact.phase === 'end') {
    if (!track.end || compareStamps(stamp, track.end) >= 0) track.end = withStamp(stamp, { at });
    // The earliest continue after the end is no longer known (only the newest end is kept).
    if (track.firstContinue && track.end && compareStamps(track.firstContinue, track.end) <= 0) {
      delete track.firstContinue;
    }
    return track;
  }
  if (!track.last || compareStamps(stamp, track.last) >= 0) {
    const last: NonNullable<AlarmTrack['last']> = withStamp(stamp, {
      at,
      priority: fact.priority,
      message: fact.message,
    });
    if (fact.code) last.code = fact.code;
    track.last = last;
  }
  if (fact.phase === 'start') {
    const starts = track.starts ?? [];
    if (!starts.some((s) => sameStamp(s, stamp))) {
      const next = [...starts, withStamp(stamp, { at })].sort(compareStamps);
      track.starts = next.length > MAX_STARTS ? next.slice(next.length - MAX_STARTS) : next;
    }
  } else if (
    (!track.end || compareStamps(stamp, track.end) > 0) &&
    (!track.firstContinue || compareStamps(stamp, track.firstContinue) < 0)
  ) {
    track.firstContinue = withStamp(stamp, { at });
  }
  return track;
}

/** The alert an alarm track shows; undefined when the alarm is not active. */
function alertOf(id: string, track: AlarmTrack): AlertView | undefined {
  const { last, end } = track;
  if (!last || (end && compareStamps(last, end) <= 0)) return undefined;
  let first: Stamp & { at: string } = last;
  for (const s of track.starts ?? []) {
    if ((!end || compareStamps(s, end) > 0) && compareStamps(s, first) < 0) first = s;
  }
  const c = track.firstContinue;
  if (c && (!end || compareStamps(c, end) > 0) && compareStamps(c, first) < 0) first = c;
  const alert: AlertView = {
    id,
    kind: DEVICE_ALARM_KIND,
    priority: last.priority,
    message: last.message,
    raisedAt: first.at,
  };
  return alert;
}
