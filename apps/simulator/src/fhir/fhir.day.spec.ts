import type { Appointment } from 'fhir/r4';
import { checkEventCounter, FHIR_SYNC_TYPES, FhirContext, mapFhirResource, parseNotification } from '@circulator/fhir';
import { SERVED_TYPES } from './fhir.server';
import { planCourses } from '../course/case.course';
import { caseEnd, finalSchedule, planOrDay } from '../or-day.plan';
import { applyFhirChanges, planFhirDay } from './fhir.day';
import { fhirTimeline } from './fhir.player';

const NOW = '2026-11-23T06:00:00+01:00';
const BASE = 'http://127.0.0.1:9/fhir';
const plan = planOrDay({ date: '2026-11-23', timeZone: 'Europe/Paris', seed: 42, rooms: 3, now: NOW });
const MIN = 60_000;

describe("the EHR's FHIR side of the day", () => {
  const day = planFhirDay(plan);

  it('keeps only booked cases that are no room’s first and that HL7 never changes', () => {
    const changedBySiu = new Set(plan.events.filter((e) => e.trigger !== 'S12').map((e) => e.case.placerId));
    const firsts = new Set(plan.rooms.map((r) => plan.cases.find((c) => c.roomCode === r.code)!.placerId));
    expect(day.cases.length).toBeGreaterThanOrEqual(2);
    for (const { case: c, bookedAt } of day.cases) {
      expect(changedBySiu.has(c.placerId)).toBe(false);
      expect(firsts.has(c.placerId)).toBe(false);
      // Version 1 is as old as the case's SIU booking.
      expect(bookedAt).toBe(plan.events.find((e) => e.trigger === 'S12' && e.case.placerId === c.placerId)!.at);
    }
  });

  it('reschedules the latest kept case after the bookings, then cancels one in another room', () => {
    const bookingsEnd = Math.max(...plan.events.filter((e) => e.trigger === 'S12').map((e) => e.offsetMs));
    const [moved, cancelled, ...rest] = day.changes;
    expect(rest).toEqual([]);
    expect(moved!.kind).toBe('rescheduled');
    expect(moved!.delivery).toBe('full-resource');
    const before = day.cases.find((k) => k.case.placerId === moved!.case.placerId)!.case;
    const latestStart = Math.max(...day.cases.map((k) => Date.parse(k.case.start)));
    expect(Date.parse(before.start)).toBe(latestStart);
    const slip = (Date.parse(moved!.case.start) - Date.parse(before.start)) / MIN;
    expect([15, 30, 45]).toContain(slip);
    expect(moved!.case.durationMin).toBe(before.durationMin);
    expect(moved!.offsetMs).toBeGreaterThan(bookingsEnd);

    expect(cancelled!.kind).toBe('cancelled');
    expect(cancelled!.delivery).toBe('id-only');
    expect(cancelled!.case.status).toBe('Cancelled');
    expect(cancelled!.case.roomCode).not.toBe(moved!.case.roomCode);
    expect(cancelled!.offsetMs).toBeGreaterThanOrEqual(moved!.offsetMs + 6 * MIN);
    // Each change is dated in simulated time, on the SIU messages' clock.
    for (const change of day.changes) {
      expect(Date.parse(change.at) - Date.parse(NOW)).toBe(change.offsetMs);
      expect(change.at).toMatch(/\+01:00$/);
    }
  });

  it('is the same day for the same seed, another for another seed', () => {
    expect(planFhirDay(plan)).toEqual(day);
    const other = planOrDay({ date: '2026-11-23', timeZone: 'Europe/Paris', seed: 43, rooms: 3, now: NOW });
    expect(planFhirDay(other).changes.map((c) => c.case.placerId)).not.toEqual(day.changes.map((c) => c.case.placerId));
  });

  it('gives the live course the changed schedule: the moved case later, the cancelled one not played', () => {
    const schedule = applyFhirChanges(finalSchedule(plan), day);
    const [moved, cancelled] = day.changes;
    expect(schedule.find((c) => c.placerId === moved!.case.placerId)!.start).toBe(moved!.case.start);
    const courses = planCourses(schedule, plan.seed);
    expect(courses.some((c) => c.case.placerId === cancelled!.case.placerId)).toBe(false);
    expect(courses.some((c) => c.case.placerId === moved!.case.placerId)).toBe(true);
  });

  it('makes fewer changes when a single small room leaves too few cases', () => {
    const small = planOrDay({ date: '2026-11-23', timeZone: 'Europe/Paris', seed: 7, rooms: 1, now: NOW });
    const fhir = planFhirDay(small);
    expect(fhir.changes.length).toBeLessThanOrEqual(Math.min(2, fhir.cases.length));
  });
});

describe('the notifications, read by the platform', () => {
  const day = planFhirDay(plan);
  const steps = fhirTimeline(day, BASE);
  const receivedAt = '2026-11-23T05:30:00Z';
  const roles = { surgeon: ['SURGEON'], anesthesiologist: ['ANESTHESIOLOGIST'] };

  it('starts with a handshake, with version 1 of every kept Patient, Appointment and Encounter', () => {
    const [handshake] = steps;
    expect(handshake!.offsetMs).toBe(0);
    expect(handshake!.resources.map((r) => `${r.resourceType}/${r.meta?.versionId}`)).toEqual(
      day.cases.flatMap(() => ['Patient/1', 'Appointment/1', 'Encounter/1']),
    );
    const parsed = parseNotification(handshake!.notification);
    expect(parsed).toMatchObject({
      ok: true,
      notification: {
        kind: 'notification',
        status: { type: 'handshake', eventsSinceStart: 0, subscription: `${BASE}/Subscription/circulator-or-board` },
        entries: [],
      },
    });
  });

  it('numbers the events 1, 2 with no gap the platform would take for dropped notifications', () => {
    let highest: number | undefined;
    for (const step of steps) {
      const parsed = parseNotification(step.notification);
      if (!parsed.ok || parsed.notification.kind !== 'notification') throw new Error('not a notification');
      const verdict = checkEventCounter(highest, parsed.notification.status);
      expect(verdict.missed).toBe(false);
      highest = verdict.highest;
    }
    expect(highest).toBe(2);
  });

  it('sends the reschedule in full: the platform maps it to the SIU-booked case, moved, room kept', () => {
    const step = steps[1]!;
    const change = day.changes[0]!;
    expect(step.offsetMs).toBe(change.offsetMs);
    const parsed = parseNotification(step.notification);
    if (!parsed.ok || parsed.notification.kind !== 'notification') throw new Error('not a notification');
    expect(parsed.notification.status).toMatchObject({ type: 'event-notification', eventNumbers: [1] });
    const entries = parsed.notification.entries;
    expect(entries.map((e) => e.fullUrl)).toEqual([
      `${BASE}/Appointment/${change.case.placerId}`,
      `${BASE}/Patient/${change.case.patient.mrn}`,
    ]);
    const appointment = entries[0]!.resource as unknown as Appointment;
    expect(appointment.meta).toEqual({ versionId: '2', lastUpdated: change.at });
    const ctx = new FhirContext(appointment as never, entries as never, BASE);
    const mapped = mapFhirResource(appointment as never, ctx, { receivedAt, roles });
    if (!mapped.ok) throw new Error(mapped.problem);
    expect(mapped.mapping.facts).toEqual([
      expect.objectContaining({
        kind: 'schedule',
        action: 'rescheduled',
        at: change.at,
        identifiers: {
          fhirAppointmentId: change.case.placerId,
          placerAppointmentId: change.case.placerId,
          fillerAppointmentId: change.case.fillerId,
        },
        patient: expect.objectContaining({ mrn: change.case.patient.mrn, assigningAuthority: 'SIMHOSP' }),
        procedure: { code: change.case.procedure.code, text: change.case.procedure.text },
        scheduledStart: change.case.start,
        scheduledEnd: caseEnd(change.case),
      }),
    ]);
    // No Location: the room stays the one the SIU booking gave.
    expect(mapped.mapping.facts[0]).not.toHaveProperty('location');
  });

  it('sends the cancellation id-only: the platform reads the Appointment from the EHR, cancelled', () => {
    const step = steps[2]!;
    const change = day.changes[1]!;
    const parsed = parseNotification(step.notification);
    if (!parsed.ok || parsed.notification.kind !== 'notification') throw new Error('not a notification');
    expect(parsed.notification.entries).toEqual([]);
    expect(parsed.notification.status.focus).toEqual([`${BASE}/Appointment/${change.case.placerId}`]);
    const appointment = step.resources.find((r) => r.resourceType === 'Appointment')!;
    expect(step.resources.map((r) => `${r.resourceType}/${r.meta?.versionId}`)).toEqual([
      'Appointment/2',
      'Encounter/2',
    ]);
    const mapped = mapFhirResource(appointment as never, new FhirContext(appointment as never, [], BASE), {
      receivedAt,
      roles,
    });
    if (!mapped.ok) throw new Error(mapped.problem);
    expect(mapped.mapping.facts).toEqual([
      expect.objectContaining({ kind: 'schedule', action: 'cancelled', at: change.at }),
    ]);
  });
});

describe('the simulated EHR serves', () => {
  it('every resource type the platform synchronises, and only those', () => {
    expect([...SERVED_TYPES].sort()).toEqual([...FHIR_SYNC_TYPES].sort());
  });
});
