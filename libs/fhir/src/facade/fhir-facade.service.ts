import { Inject, Injectable } from '@nestjs/common';
import type {
  Bundle,
  BundleLink,
  CapabilityStatement,
  Device,
  FhirResource,
  Observation,
  Patient,
  Practitioner,
  Reference,
} from 'fhir/r4';
import { type CaseView, CLINICAL_ROLES, isCaseId, type Role, type RoomView } from '@circulator/contracts';
import { toCaseView } from '@circulator/domain';
import { AuditService, type Principal } from '@circulator/identity';
import { DeviceRepository, RoomRepository } from '@circulator/persistence';
import { disclosureFor } from '@circulator/realtime';
import { appointmentFromCase } from '../outbound/appointment.mapper';
import { searchsetBundle } from '../outbound/bundle.builder';
import { deviceFromRecord } from '../outbound/device.mapper';
import { encounterFromCase } from '../outbound/encounter.mapper';
import { fhirIdOf, HASHED_ID, ourIdCandidate } from '../outbound/fhir.ids';
import { locationFromRoom } from '../outbound/location.mapper';
import { observationFromCase, parseObservationId } from '../outbound/observation.mapper';
import {
  type PatientDisclosure,
  type PatientRecord,
  patientFromRecord,
  practitionerFromPerson,
} from '../outbound/patient.mapper';
import { procedureFromCase } from '../outbound/procedure.mapper';
import { capabilityStatement } from './capability.statement';
import { type CaseRow, CaseSearchRepository } from './case-search.repository';
import { FHIR_FACADE_OPTIONS, type FhirFacadeOptions } from './fhir-facade.options';
import { FhirError } from './fhir.error';
import { type CaseType, type FacadeType, type ParsedSearch, parseSearch } from './search.definitions';
import { keyOf, type QueryParam } from './search.query';

/** Where a request came from and how it asked: what links and leniency depend on. */
export interface RequestContext {
  principal: Principal;
  /** The façade's base URL as the client reached it, e.g. `https://or.example/fhir`. */
  base: string;
  /** `Prefer: handling=lenient` (R4 §3.1.1.5.8): unknown search parameters are ignored. */
  lenient: boolean;
}

type CaseMapper = (view: CaseView, record: { updatedAt?: string }) => FhirResource;

const CASE_MAPPERS: Readonly<Record<CaseType, CaseMapper>> = {
  Appointment: appointmentFromCase,
  Encounter: encounterFromCase,
  Procedure: procedureFromCase,
};

const isCaseType = (type: FacadeType): type is CaseType =>
  type === 'Appointment' || type === 'Encounter' || type === 'Procedure';

/** A page of matches, and the cases or devices they came from (for the audit trail). */
interface MatchPage {
  total: number;
  matches: FhirResource[];
  /** The case rows behind the matches (case-derived types and Observation). */
  rows: CaseRow[];
}

/**
 * The FHIR R4 read façade (CONTRACT §5): reads and searches of the live case model, the rooms and
 * the device registry, mapped by the pure mappers of `../outbound`. Patient names are reduced to
 * what the caller's role may see before any mapping (toCaseView), and every read or search that
 * serves patient data (or device records) is audited — one row per request, awaited before the
 * answer is sent, naming the cases served.
 */
@Injectable()
export class FhirFacadeService {
  private readonly startedAt: string;

  constructor(
    private readonly cases: CaseSearchRepository,
    private readonly rooms: RoomRepository,
    private readonly devices: DeviceRepository,
    private readonly audit: AuditService,
    @Inject(FHIR_FACADE_OPTIONS) private readonly options: FhirFacadeOptions,
  ) {
    this.startedAt = options.now().toISOString();
  }

  /** `GET /fhir/metadata`. */
  metadata(base: string): CapabilityStatement {
    return capabilityStatement(base, this.startedAt);
  }

  /** `GET /fhir/{type}/{id}`. */
  async read(type: FacadeType, id: string, ctx: RequestContext): Promise<FhirResource> {
    const notFound = (): FhirError => new FhirError('not-found', `${type}/${id} is not known`);
    switch (type) {
      case 'Appointment':
      case 'Encounter':
      case 'Procedure': {
        const row = isCaseId(id) ? (await this.cases.get([id]))[0] : undefined;
        if (!row) throw notFound();
        await this.auditRead(ctx, 'case', row.state.id, `${type}/${id}`);
        return CASE_MAPPERS[type](this.view(row, ctx), row);
      }
      case 'Observation': {
        const ref = parseObservationId(id);
        const row = ref ? (await this.cases.get([ref.caseId]))[0] : undefined;
        const obs = row && ref ? observationFromCase(this.view(row, ctx), ref.kind, row) : undefined;
        if (!row || !obs) throw notFound();
        await this.auditRead(ctx, 'case', row.state.id, `${type}/${id}`);
        return obs;
      }
      case 'Location': {
        // Rooms carry no patient data (like GET /api/rooms): not audited.
        const room = await this.findRoom(id);
        if (!room) throw notFound();
        return locationFromRoom(room);
      }
      case 'Device': {
        const candidate = ourIdCandidate(id);
        const device =
          (candidate !== undefined ? await this.devices.get(candidate) : undefined) ??
          (HASHED_ID.test(id) ? (await this.devices.list()).find((d) => fhirIdOf(d.id) === id) : undefined);
        if (!device) throw notFound();
        await this.auditRead(ctx, 'device', device.id, `${type}/${id}`);
        return deviceFromRecord(device);
      }
      case 'Patient': {
        const record = (await this.cases.patients()).find((p) => fhirIdOf(p.mrn) === id);
        if (!record) throw notFound();
        await this.auditRead(ctx, 'patient', record.mrn, `${type}/${id}`);
        return patientFromRecord(record, patientDisclosure(ctx.principal));
      }
      case 'Practitioner': {
        const person = (await this.practitioners()).find((p) => p.id === id);
        if (!person) throw notFound();
        await this.auditRead(ctx, 'practitioner', person.identifier?.[0]?.value ?? id, `${type}/${id}`);
        return person;
      }
    }
  }

  /** The people of the schedule as Practitioners. */
  private async practitioners(): Promise<Practitioner[]> {
    return (await this.cases.practitioners()).flatMap((p) => {
      const practitioner = practitionerFromPerson(p);
      return practitioner ? [practitioner] : [];
    });
  }

  private async patientResources(ctx: RequestContext): Promise<{ records: PatientRecord[]; resources: Patient[] }> {
    const records = await this.cases.patients();
    const disclosure = patientDisclosure(ctx.principal);
    return { records, resources: records.map((r) => patientFromRecord(r, disclosure)) };
  }

  /** `GET /fhir/{type}?…`: a searchset Bundle with paging links and `_include`d resources. */
  async search(type: FacadeType, params: readonly QueryParam[], ctx: RequestContext): Promise<Bundle> {
    const search = parseSearch(type, params, { zone: this.options.facilityTz, lenient: ctx.lenient });
    const page = await this.matches(search, ctx);
    const included = await this.included(search, page, ctx);
    const caseIds = [...new Set(page.rows.map((r) => r.state.id))];
    if (isCaseType(type) || type === 'Observation') {
      await this.audit.record({
        principal: ctx.principal,
        action: 'fhir.search',
        targetType: 'case',
        detail: { resourceType: type, query: queryText(search), caseIds, total: page.total },
      });
    } else if (type === 'Patient' || type === 'Practitioner') {
      await this.audit.record({
        principal: ctx.principal,
        action: 'fhir.search',
        targetType: type === 'Patient' ? 'patient' : 'practitioner',
        detail: {
          resourceType: type,
          query: queryText(search),
          ids: page.matches.map((r) => (r as Patient).identifier?.[0]?.value ?? r.id ?? ''),
          total: page.total,
        },
      });
    } else if (type === 'Device') {
      await this.audit.record({
        principal: ctx.principal,
        action: 'fhir.search',
        targetType: 'device',
        detail: {
          resourceType: type,
          query: queryText(search),
          ids: page.matches.map((d) => (d as Device).identifier?.[0]?.value ?? d.id ?? ''),
        },
      });
    }
    return searchsetBundle({
      base: ctx.base,
      total: page.total,
      matches: page.matches,
      included,
      links: pageLinks(ctx.base, search, page.total),
    });
  }

  private async matches(search: ParsedSearch, ctx: RequestContext): Promise<MatchPage> {
    const request = { offset: search.offset, limit: search.count };
    const { type } = search;
    if (isCaseType(type)) {
      const criteria = { ...search.cases, ...(await this.roomCriteria(search)) };
      const { total, rows } = await this.cases.searchCases(criteria, request);
      return { total, rows, matches: rows.map((row) => CASE_MAPPERS[type](this.view(row, ctx), row)) };
    }
    switch (type) {
      case 'Observation': {
        const { total, rows } = await this.cases.searchVitals(search.cases, search.vitals, request);
        const matches = rows.flatMap(({ row, kind }) => {
          const obs = observationFromCase(this.view(row, ctx), kind, row);
          return obs ? [obs] : [];
        });
        return { total, rows: rows.map((r) => r.row), matches };
      }
      case 'Location':
        return inMemoryPage((await this.rooms.list()).map(locationFromRoom), search);
      case 'Device':
        return inMemoryPage((await this.devices.list()).map(deviceFromRecord), search);
      case 'Patient':
        return inMemoryPage((await this.patientResources(ctx)).resources, search);
      case 'Practitioner':
        return inMemoryPage(await this.practitioners(), search);
    }
  }

  /** `location=` on a case type names Locations by FHIR id: the rooms they are. */
  private async roomCriteria(search: ParsedSearch): Promise<{ roomIds?: string[][] }> {
    if (!search.locationIds.length) return {};
    const rooms = await this.rooms.list();
    return {
      roomIds: search.locationIds.map((ids) => rooms.filter((r) => ids.includes(fhirIdOf(r.id))).map((r) => r.id)),
    };
  }

  /**
   * The resources `_include` names (R4 §3.1.1.5.4), once each and none already a match: the
   * Locations of the matches' rooms, or the Encounter / Appointment made of the same case.
   */
  private async included(search: ParsedSearch, page: MatchPage, ctx: RequestContext): Promise<FhirResource[]> {
    if (!search.includes.length || !page.matches.length) return [];
    const out = new Map<string, FhirResource>();
    const seen = new Set(page.matches.map((r) => `${r.resourceType}/${r.id ?? ''}`));
    const rowsById = new Map(page.rows.map((r) => [r.state.id, r]));
    let rooms: RoomView[] | undefined;
    let patients: Patient[] | undefined;
    let practitioners: Practitioner[] | undefined;
    for (const spec of search.includes) {
      const refs = page.matches.flatMap((r) => referencesOf(r, spec.param));
      for (const ref of refs) {
        const key = ref.reference;
        if (key === undefined || seen.has(key) || out.has(key)) continue;
        const [targetType, id = ''] = key.split('/');
        if (targetType !== spec.target) continue;
        if (spec.target === 'Location') {
          rooms ??= await this.rooms.list();
          const room = rooms.find((r) => fhirIdOf(r.id) === id);
          if (room) out.set(key, locationFromRoom(room));
        } else if (spec.target === 'Encounter' || spec.target === 'Appointment') {
          const row = rowsById.get(id);
          if (row) out.set(key, CASE_MAPPERS[spec.target](this.view(row, ctx), row));
        } else if (spec.target === 'Patient') {
          patients ??= (await this.patientResources(ctx)).resources;
          const patient = patients.find((p) => p.id === id);
          if (patient) out.set(key, patient);
        } else if (spec.target === 'Practitioner') {
          practitioners ??= await this.practitioners();
          const practitioner = practitioners.find((p) => p.id === id);
          if (practitioner) out.set(key, practitioner);
        }
      }
    }
    return [...out.values()];
  }

  /** The case as the caller's role may see it (patient name reduced: minimum necessary PHI). */
  private view(row: CaseRow, ctx: RequestContext): CaseView {
    return toCaseView(row.state, disclosureFor(ctx.principal));
  }

  private auditRead(
    ctx: RequestContext,
    targetType: 'case' | 'device' | 'patient' | 'practitioner',
    targetId: string,
    resource: string,
  ) {
    return this.audit.record({
      principal: ctx.principal,
      action: 'fhir.read',
      targetType,
      targetId,
      detail: { resource },
    });
  }

  private async findRoom(fhirId: string): Promise<RoomView | undefined> {
    const candidate = ourIdCandidate(fhirId);
    if (candidate !== undefined) return this.rooms.get(candidate);
    if (!HASHED_ID.test(fhirId)) return undefined;
    return (await this.rooms.list()).find((r) => fhirIdOf(r.id) === fhirId);
  }
}

/**
 * What of a patient the caller's role may see (minimum necessary): birth date and gender for
 * clinicians and the scheduling desk, who check identity; the MRN and the name for the others
 * (integration engineers), as the REST API shows them. `admin` sees what clinicians see.
 */
export function patientDisclosure(principal: Principal): PatientDisclosure {
  const demographic: readonly Role[] = [...CLINICAL_ROLES, 'scheduler', 'admin'];
  return principal.roles.some((r) => demographic.includes(r)) ? 'demographics' : 'name';
}

/** The references an `_include` parameter follows on a match. */
function referencesOf(resource: FhirResource, param: string): Reference[] {
  switch (`${resource.resourceType}:${param}`) {
    case 'Appointment:location':
    case 'Appointment:patient':
    case 'Appointment:practitioner':
      return (
        (resource as { participant?: { actor?: Reference }[] }).participant?.flatMap((p) =>
          p.actor ? [p.actor] : [],
        ) ?? []
      );
    case 'Encounter:location':
      return (resource as { location?: { location: Reference }[] }).location?.map((l) => l.location) ?? [];
    case 'Encounter:appointment':
      return (resource as { appointment?: Reference[] }).appointment ?? [];
    case 'Procedure:encounter':
    case 'Observation:encounter': {
      const encounter = (resource as Observation).encounter;
      return encounter ? [encounter] : [];
    }
    case 'Procedure:location':
    case 'Device:location': {
      const location = (resource as Device | { location?: Reference }).location;
      return location ? [location] : [];
    }
    default:
      return [];
  }
}

/** Location and Device: the registries are small, so they are filtered and paged in memory. */
function inMemoryPage(all: FhirResource[], search: ParsedSearch): MatchPage {
  const matching = all.filter((r) => search.filters.every((f) => f(r)));
  return {
    total: matching.length,
    matches: matching.slice(search.offset, search.offset + search.count),
    rows: [],
  };
}

/** The search as understood (parameters used, `_include`s), as a query string without paging. */
function queryText(search: ParsedSearch): string {
  const q = new URLSearchParams();
  for (const p of search.used) q.append(keyOf(p), p.value);
  for (const i of search.includes) q.append('_include', `${i.source}:${i.param}`);
  return q.toString();
}

/**
 * Bundle.link (R4 §3.1.1.6 paging): `self` as understood, and `first`, `previous`, `next` and
 * `last` by `_offset` with the same `_count`. Offsets page a live table: a case booked between
 * two pages can shift the later ones by one; the links themselves stay valid.
 */
function pageLinks(base: string, search: ParsedSearch, total: number): BundleLink[] {
  const query = queryText(search);
  const url = (offset: number): string =>
    `${base}/${search.type}?${query}${query ? '&' : ''}_count=${search.count}&_offset=${offset}`;
  const links: BundleLink[] = [{ relation: 'self', url: url(search.offset) }];
  if (search.count === 0) return links;
  const last = total === 0 ? 0 : Math.floor((total - 1) / search.count) * search.count;
  links.push({ relation: 'first', url: url(0) });
  if (search.offset > 0)
    links.push({
      relation: 'previous',
      url: url(Math.max(0, Math.min(search.offset, last + search.count) - search.count)),
    });
  if (search.offset + search.count < total) links.push({ relation: 'next', url: url(search.offset + search.count) });
  links.push({ relation: 'last', url: url(last) });
  return links;
}
