import type { Bundle, FhirResource } from 'fhir/r4';
import { systemClock, type Clock } from '../day.player';
import { describeChange, type FhirDay } from './fhir.day';
import {
  appointmentResource,
  buildNotification,
  encounterResource,
  patientResource,
  type VersionMeta,
} from './fhir.resources';

/** One step of the EHR's FHIR side: new resource versions on its server, then a notification to the hook. */
export interface FhirStep {
  /** Milliseconds after the start of the play, in simulated time. */
  offsetMs: number;
  label: string;
  /** Versions the EHR's server holds from this step on (before the notification goes). */
  resources: FhirResource[];
  notification: Bundle;
}

/**
 * What the EHR's FHIR side does, in order: at the start its server holds version 1 of each kept
 * case's Patient, Appointment and Encounter and it sends the subscription's handshake (event count
 * 0); then, per change, the new versions and an event notification numbered 1, 2, … — a
 * reschedule with the Appointment and its Patient in full, a cancellation (Appointment and
 * Encounter cancelled) id-only, naming the Appointment for the platform to read from `base`. Pure.
 */
export function fhirTimeline(day: FhirDay, base: string): FhirStep[] {
  const versions = new Map<string, number>();
  const next = (r: { resourceType: string; id: string }, lastUpdated: string): VersionMeta => {
    const key = `${r.resourceType}/${r.id}`;
    const versionId = (versions.get(key) ?? 0) + 1;
    versions.set(key, versionId);
    return { versionId, lastUpdated };
  };
  const patients = new Map<string, FhirResource>();
  const initial: FhirResource[] = [];
  for (const { case: c, bookedAt } of day.cases) {
    const patient = patientResource(c, next({ resourceType: 'Patient', id: c.patient.mrn }, bookedAt));
    patients.set(c.placerId, patient);
    const appointment = appointmentResource(c, next({ resourceType: 'Appointment', id: c.placerId }, bookedAt));
    const encounter = encounterResource(c, next({ resourceType: 'Encounter', id: `enc-${c.placerId}` }, bookedAt));
    initial.push(patient, appointment, encounter);
  }
  const firstBooking = day.cases.map((k) => k.bookedAt).sort()[0] ?? day.changes[0]?.at ?? new Date(0).toISOString();
  const steps: FhirStep[] = [
    {
      offsetMs: 0,
      label: `handshake: ${day.cases.length} appointment${day.cases.length === 1 ? '' : 's'} on the EHR's FHIR server`,
      resources: initial,
      notification: buildNotification({
        base,
        type: 'handshake',
        eventsSinceStart: 0,
        events: [],
        content: 'id-only',
        at: firstBooking,
      }),
    },
  ];
  day.changes.forEach((change, i) => {
    const c = change.case;
    const appointment = appointmentResource(
      c,
      next({ resourceType: 'Appointment', id: c.placerId }, change.at),
      change.reason,
    );
    const resources: FhirResource[] = [appointment];
    if (change.kind === 'cancelled') {
      resources.push(encounterResource(c, next({ resourceType: 'Encounter', id: `enc-${c.placerId}` }, change.at)));
    }
    const patient = patients.get(c.placerId);
    steps.push({
      offsetMs: change.offsetMs,
      label: `event ${i + 1} (${change.delivery}): ${describeChange(change)}`,
      resources,
      notification: buildNotification({
        base,
        type: 'event-notification',
        eventsSinceStart: i + 1,
        events: [{ number: i + 1, focus: appointment }],
        content: change.delivery,
        ...(patient ? { included: [patient] } : {}),
        at: change.at,
      }),
    });
  });
  return steps;
}

/** Where the new versions go: the EHR's FHIR server. */
export interface FhirStore {
  put(resource: FhirResource): void;
}

/** Sends a notification to the platform's subscription hook; resolves with the HTTP status and body. */
export interface HookSender {
  send(notification: Bundle): Promise<{ status: number; body: string }>;
}

/** The real hook sender: `POST` with `X-Hook-Secret`, as an R4 server's rest-hook channel does. */
export function httpHookSender(url: string, secret: string, timeoutMs = 10_000): HookSender {
  return {
    async send(notification) {
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/fhir+json', 'x-hook-secret': secret },
        body: JSON.stringify(notification),
        signal: AbortSignal.timeout(timeoutMs),
      });
      return { status: res.status, body: await res.text() };
    },
  };
}

export interface FhirProgress {
  index: number;
  total: number;
  step: FhirStep;
  /** HTTP status of the hook's answer; 0 when it could not be reached. */
  status: number;
  /** Why it failed, when it did. */
  problem?: string;
  ms: number;
}

export interface FhirPlayOptions {
  /** Time acceleration, as the SIU messages' (0: no pauses). */
  speed: number;
  clock?: Clock;
  onProgress?: (progress: FhirProgress) => void;
  signal?: AbortSignal;
}

/**
 * Plays the steps: each at `start + offsetMs / speed` (absolute deadlines, like the SIU player),
 * its versions put on the server before its notification is sent. A refused or failed
 * notification is counted and the day goes on (the platform's catch-up sync reads what it missed).
 */
export async function playFhirDay(
  steps: readonly FhirStep[],
  store: FhirStore,
  hook: HookSender,
  options: FhirPlayOptions,
): Promise<{ sent: number; accepted: number; failed: string[] }> {
  if (!(options.speed >= 0) || !Number.isFinite(options.speed)) throw new RangeError('speed must be >= 0');
  const clock = options.clock ?? systemClock;
  const started = clock.now();
  const result = { sent: 0, accepted: 0, failed: [] as string[] };
  for (const [index, step] of steps.entries()) {
    if (options.signal?.aborted) break;
    if (options.speed > 0) {
      const wait = started + step.offsetMs / options.speed - clock.now();
      if (wait > 0) await clock.sleep(wait);
    }
    for (const resource of step.resources) store.put(resource);
    const sentAt = clock.now();
    let status = 0;
    let problem: string | undefined;
    try {
      const answer = await hook.send(step.notification);
      status = answer.status;
      if (status !== 200) problem = `HTTP ${status} ${answer.body.slice(0, 300)}`;
    } catch (error: unknown) {
      problem = error instanceof Error ? error.message : String(error);
    }
    result.sent += 1;
    if (problem === undefined) result.accepted += 1;
    else result.failed.push(`${step.label}: ${problem}`);
    options.onProgress?.({
      index,
      total: steps.length,
      step,
      status,
      ...(problem === undefined ? {} : { problem }),
      ms: clock.now() - sentAt,
    });
  }
  return result;
}

/** One progress line, e.g. `[FHIR 2/3] +00:03:00 event 1 (full-resource): … 200 4ms`. */
export function formatFhirProgress(p: FhirProgress, clockText: (ms: number) => string): string {
  return `[FHIR ${p.index + 1}/${p.total}] +${clockText(p.step.offsetMs)} ${p.step.label} ${p.status || 'unreachable'}${
    p.problem === undefined ? '' : ` FAILED ${p.problem}`
  } ${Math.round(p.ms)}ms`;
}
