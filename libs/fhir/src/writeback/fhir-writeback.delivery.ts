import type { CaseView } from '@circulator/contracts';
import type { WritebackRow } from '@circulator/persistence';
import { isResource, metaOf, obj, objects, str, type FhirResource, type JsonObject } from '../inbound/fhir.json';
import { phaseOf } from '../inbound/procedure.mapper';
import { encounterStatus, stayPeriod } from '../outbound/encounter.mapper';
import { fhirPeriod } from '../outbound/fhir.references';
import { CIRCULATOR_SYSTEMS, SNOMED_CT } from '../outbound/fhir.systems';
import { procedureStatus } from '../outbound/procedure.mapper';
import { FhirRequestError } from '../sync/fhir.request';
import type { FhirSource } from '../sync/fhir.source';
import { WritebackError, type WritebackDelivery } from './writeback.delivery';
import type { WritebackPayload } from './writeback.plan';

/** The identifier our Procedure carries when we had to create it: one per case. */
export const CASE_IDENTIFIER_SYSTEM = 'urn:circulator:case';

type Resource = FhirResource & { id: string };

const withId = (r: unknown): r is Resource => isResource(r) && typeof r.id === 'string';

function matches(bundle: FhirResource, type: string): Resource[] {
  return objects(bundle['entry'])
    .map((e) => e['resource'])
    .filter(withId)
    .filter((r) => r.resourceType === type && r['status'] !== 'entered-in-error');
}

/**
 * Milestones as FHIR updates to the EHR (FHIR_WRITEBACK=fhir), with fhir-kit-client on
 * FHIR_BASE_URL. The case names the EHR's Appointment (`fhirAppointmentId`); from it:
 * - the Encounter whose `appointment` is it: status (the façade's mapping of the case status),
 *   `period` in room → PACU out, and the OR's `location` entry (the Appointment's Location) with
 *   in room → out of room. An Encounter is never created here: the EHR owns visits.
 * - the surgical Procedure of that Encounter (not its anesthesia or PACU ones): status and
 *   `performedPeriod` incision → closure. When the EHR has none, one is created with a
 *   conditional create on our case identifier, so that a retried create makes no second one.
 * Every update is a PUT of the resource as just read, changed only in those elements, with
 * `If-Match` on the version read: a 412 (someone changed it meanwhile) is retried from a fresh read.
 */
export class FhirWritebackDelivery implements WritebackDelivery {
  constructor(private readonly source: FhirSource) {}

  async deliver(row: WritebackRow): Promise<string> {
    const p = row.payload as WritebackPayload;
    const appointmentId = p.identifiers.fhirAppointmentId;
    if (!appointmentId) {
      throw new WritebackError(
        'the case has no FHIR Appointment id (it was not booked through FHIR): nothing on FHIR_BASE_URL names it',
        true,
      );
    }
    try {
      const appointment = await this.source.read(`Appointment/${appointmentId}`);
      if (!appointment) throw new WritebackError(`Appointment/${appointmentId} is not on the EHR`, true);
      const actors = objects(appointment['participant'])
        .map((x) => obj(x['actor']))
        .filter((a) => a !== undefined);
      const refOf = (type: string) => actors.find((a) => str(a['reference'])?.startsWith(`${type}/`));
      const written: string[] = [];

      const encounter = pickEncounter(
        matches(
          await this.source.search('Encounter', { appointment: `Appointment/${appointmentId}`, _count: 50 }),
          'Encounter',
        ),
      );
      if (encounter) {
        const next = encounterUpdate(encounter, p, refOf('Location'));
        if (next) written.push(versionOf(await this.source.update(next, metaOf(encounter).versionId)));
      }

      const procedures = matches(
        await this.source.search(
          'Procedure',
          encounter
            ? { encounter: `Encounter/${encounter.id}`, _count: 50 }
            : { identifier: `${CASE_IDENTIFIER_SYSTEM}|${p.caseId}`, _count: 50 },
        ),
        'Procedure',
      ).filter((r) => phaseOf(r).name !== 'anesthesia' && phaseOf(r).name !== 'PACU care');
      const procedure = procedures[0];
      if (procedure) {
        const next = procedureUpdate(procedure, p);
        if (next) written.push(versionOf(await this.source.update(next, metaOf(procedure).versionId)));
      } else if (p.milestones.procedureStart) {
        const created = await this.source.create(
          newProcedure(p, refOf('Patient'), encounter, appointment),
          `identifier=${CASE_IDENTIFIER_SYSTEM}|${p.caseId}`,
        );
        written.push(versionOf(created));
      }
      return written.length ? written.join(', ') : 'nothing to change on the EHR';
    } catch (err) {
      if (err instanceof WritebackError) throw err;
      if (err instanceof FhirRequestError) {
        // 412: changed since read; 409: a conflict the server may resolve; both worth a new read.
        const again = err.retryable || err.status === 412 || err.status === 409 || err.status === 401;
        throw new WritebackError(err.message, !again);
      }
      throw new WritebackError((err as Error).message ?? String(err), false);
    }
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}

/** Encounter statuses of a visit that is not over (R4 encounter-status). */
const OPEN_ENCOUNTER = new Set(['planned', 'arrived', 'triaged', 'in-progress', 'onleave']);

/**
 * The perioperative Encounter among those naming the Appointment: one still open, else the most
 * recently updated; never a cancelled one. An EHR normally has one; an older, finished visit that
 * also names the appointment (a pre-admission) is not the one to move.
 */
export function pickEncounter(encounters: readonly Resource[]): Resource | undefined {
  const usable = encounters.filter((e) => e['status'] !== 'cancelled');
  const newest = (list: readonly Resource[]) =>
    [...list].sort((a, b) => Date.parse(metaOf(b).lastUpdated ?? '') - Date.parse(metaOf(a).lastUpdated ?? ''))[0];
  return newest(usable.filter((e) => OPEN_ENCOUNTER.has(String(e['status'])))) ?? newest(usable);
}

function versionOf(resource: FhirResource): string {
  const v = metaOf(resource).versionId;
  return `${resource.resourceType}/${resource.id ?? '?'}${v ? `/_history/${v}` : ''}`;
}

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/** The Encounter with our status, period and OR location period; undefined when nothing changes. */
export function encounterUpdate(
  encounter: Resource,
  p: WritebackPayload,
  location: JsonObject | undefined,
): Resource | undefined {
  const next: Resource = structuredClone(encounter);
  delete next['meta'];
  next['status'] = encounterStatus(p.status);
  const stay = stayPeriod({ milestones: p.milestones, status: p.status } as CaseView);
  const period = fhirPeriod(stay.start, stay.end);
  if (period) next['period'] = period;
  else delete next['period'];
  const reference = str(location?.['reference']);
  if (reference) {
    const entries = objects(next['location']);
    let entry = entries.find((e) => str(obj(e['location'])?.['reference']) === reference);
    if (!entry && p.milestones.inRoom) {
      entry = {
        location: { reference, ...(str(location?.['display']) ? { display: str(location?.['display']) } : {}) },
      };
      entries.push(entry);
    }
    if (entry) {
      const inRoom = fhirPeriod(p.milestones.inRoom, p.milestones.outOfRoom);
      entry['status'] = !p.milestones.inRoom ? 'planned' : p.milestones.outOfRoom ? 'completed' : 'active';
      if (inRoom && p.milestones.inRoom) entry['period'] = inRoom;
      else delete entry['period'];
      next['location'] = entries;
    }
  }
  return same({ ...encounter, meta: undefined }, { ...next, meta: undefined }) ? undefined : next;
}

/** The Procedure with our status and performed period; undefined when nothing changes. */
export function procedureUpdate(procedure: Resource, p: WritebackPayload): Resource | undefined {
  const next: Resource = structuredClone(procedure);
  delete next['meta'];
  applyProcedure(next, p);
  return same({ ...procedure, meta: undefined }, { ...next, meta: undefined }) ? undefined : next;
}

function applyProcedure(target: JsonObject, p: WritebackPayload): void {
  target['status'] = procedureStatus(p.status, p.milestones.procedureEnd !== undefined);
  delete target['performedDateTime'];
  const performed = fhirPeriod(p.milestones.procedureStart, p.milestones.procedureEnd);
  if (performed && p.milestones.procedureStart) target['performedPeriod'] = performed;
  else delete target['performedPeriod'];
}

function newProcedure(
  p: WritebackPayload,
  patient: JsonObject | undefined,
  encounter: Resource | undefined,
  appointment: FhirResource,
): FhirResource {
  const procedure: JsonObject = {
    resourceType: 'Procedure',
    identifier: [{ system: CASE_IDENTIFIER_SYSTEM, value: p.caseId }],
    category: { coding: [{ system: SNOMED_CT, code: '387713003', display: 'Surgical procedure' }] },
    code: {
      ...(p.procedure.code ? { coding: [{ code: p.procedure.code, display: p.procedure.text }] } : {}),
      text: p.procedure.text,
    },
    subject: patient
      ? { reference: str(patient['reference']) }
      : { identifier: { system: CIRCULATOR_SYSTEMS.mrn, value: p.mrn } },
  };
  if (encounter) procedure['encounter'] = { reference: `Encounter/${encounter.id}` };
  const basedOn = objects(appointment['basedOn']).filter((r) => str(r['reference']) !== undefined);
  if (basedOn.length) procedure['basedOn'] = basedOn.map((r) => ({ reference: str(r['reference']) }));
  applyProcedure(procedure, p);
  return procedure as FhirResource;
}
