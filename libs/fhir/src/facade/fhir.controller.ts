import { All, Controller, Get, Header, Param, Req, UseFilters } from '@nestjs/common';
import { ApiBearerAuth, ApiExcludeEndpoint, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Bundle, CapabilityStatement, FhirResource } from 'fhir/r4';
import { CASE_READER_ROLES, type Role, ROLES } from '@circulator/contracts';
import { type AuthenticatedRequest, CurrentPrincipal, type Principal, Roles } from '@circulator/identity';
import { FhirFacadeService, type RequestContext } from './fhir-facade.service';
import { FhirError } from './fhir.error';
import { FHIR_JSON, OperationOutcomeFilter } from './operation-outcome.filter';
import { checkFormat, FACADE_TYPES, type FacadeType, isFacadeType } from './search.definitions';
import { readQuery } from './search.query';

/**
 * Who reads what (CONTRACT §2 roles; minimum necessary): resources made of cases by the roles that
 * read cases (`CASE_READER_ROLES`); vital signs by the clinicians and integration engineers, not
 * the scheduling desk, which has no need for them; rooms also by biomedical engineers; devices by
 * biomedical and integration engineers. Wall displays and remote consultations read nothing here.
 * `admin` passes every check (AccessGuard).
 */
export const FHIR_READ_ROLES = {
  cases: CASE_READER_ROLES,
  vitals: ['surgeon', 'anesthesiologist', 'nurse', 'integration', 'admin'],
  rooms: [...CASE_READER_ROLES, 'biomed'],
  devices: ['biomed', 'integration', 'admin'],
  /** Patients: who may read cases (birth date and gender only for some, see `patientDisclosure`). */
  patients: CASE_READER_ROLES,
  /** The people of the schedule: who may read cases. */
  practitioners: CASE_READER_ROLES,
  /** The CapabilityStatement holds no patient data: every role but a wall display. */
  metadata: ROLES.filter((r) => r !== 'display'),
} as const satisfies Record<string, readonly Role[]>;

/** The parts of an Express request the controller reads. */
interface FhirRequest extends AuthenticatedRequest {
  protocol: string;
  get(name: string): string | undefined;
}

/**
 * `GET /fhir/metadata`, `GET /fhir/{type}/{id}` and `GET /fhir/{type}?…` (CONTRACT §5). Every
 * route needs a bearer token (CONTRACT §2 names no exception for the façade, the CapabilityStatement
 * included) and answers `application/fhir+json`; errors are OperationOutcomes
 * ({@link OperationOutcomeFilter}). One handler per type and interaction, so that each route
 * states its roles where the access guard reads them.
 */
@ApiTags('fhir')
@ApiBearerAuth()
@Controller('fhir')
@UseFilters(OperationOutcomeFilter)
export class FhirController {
  constructor(private readonly facade: FhirFacadeService) {}

  @Get('metadata')
  @Roles(...FHIR_READ_ROLES.metadata)
  @Header('Content-Type', FHIR_JSON)
  @ApiOperation({ summary: 'FHIR R4 CapabilityStatement of the read façade' })
  metadata(@Req() req: FhirRequest): CapabilityStatement {
    this.negotiate(req);
    return this.facade.metadata(baseOf(req));
  }

  @Get('Appointment')
  @Roles(...FHIR_READ_ROLES.cases)
  @Header('Content-Type', FHIR_JSON)
  @ApiOperation({ summary: 'Search Appointments (cases as room bookings)' })
  searchAppointments(@CurrentPrincipal() principal: Principal, @Req() req: FhirRequest): Promise<Bundle> {
    return this.search('Appointment', principal, req);
  }

  @Get('Appointment/:id')
  @Roles(...FHIR_READ_ROLES.cases)
  @Header('Content-Type', FHIR_JSON)
  @ApiOperation({ summary: 'Read an Appointment (id = case id)' })
  readAppointment(
    @CurrentPrincipal() principal: Principal,
    @Req() req: FhirRequest,
    @Param('id') id: string,
  ): Promise<FhirResource> {
    return this.read('Appointment', id, principal, req);
  }

  @Get('Encounter')
  @Roles(...FHIR_READ_ROLES.cases)
  @Header('Content-Type', FHIR_JSON)
  @ApiOperation({ summary: 'Search Encounters (perioperative courses)' })
  searchEncounters(@CurrentPrincipal() principal: Principal, @Req() req: FhirRequest): Promise<Bundle> {
    return this.search('Encounter', principal, req);
  }

  @Get('Encounter/:id')
  @Roles(...FHIR_READ_ROLES.cases)
  @Header('Content-Type', FHIR_JSON)
  @ApiOperation({ summary: 'Read an Encounter (id = case id)' })
  readEncounter(
    @CurrentPrincipal() principal: Principal,
    @Req() req: FhirRequest,
    @Param('id') id: string,
  ): Promise<FhirResource> {
    return this.read('Encounter', id, principal, req);
  }

  @Get('Procedure')
  @Roles(...FHIR_READ_ROLES.cases)
  @Header('Content-Type', FHIR_JSON)
  @ApiOperation({ summary: 'Search Procedures' })
  searchProcedures(@CurrentPrincipal() principal: Principal, @Req() req: FhirRequest): Promise<Bundle> {
    return this.search('Procedure', principal, req);
  }

  @Get('Procedure/:id')
  @Roles(...FHIR_READ_ROLES.cases)
  @Header('Content-Type', FHIR_JSON)
  @ApiOperation({ summary: 'Read a Procedure (id = case id)' })
  readProcedure(
    @CurrentPrincipal() principal: Principal,
    @Req() req: FhirRequest,
    @Param('id') id: string,
  ): Promise<FhirResource> {
    return this.read('Procedure', id, principal, req);
  }

  @Get('Observation')
  @Roles(...FHIR_READ_ROLES.vitals)
  @Header('Content-Type', FHIR_JSON)
  @ApiOperation({ summary: 'Search Observations (the newest vital signs of cases)' })
  searchObservations(@CurrentPrincipal() principal: Principal, @Req() req: FhirRequest): Promise<Bundle> {
    return this.search('Observation', principal, req);
  }

  @Get('Observation/:id')
  @Roles(...FHIR_READ_ROLES.vitals)
  @Header('Content-Type', FHIR_JSON)
  @ApiOperation({ summary: 'Read an Observation (<case id>-<kind>)' })
  readObservation(
    @CurrentPrincipal() principal: Principal,
    @Req() req: FhirRequest,
    @Param('id') id: string,
  ): Promise<FhirResource> {
    return this.read('Observation', id, principal, req);
  }

  @Get('Location')
  @Roles(...FHIR_READ_ROLES.rooms)
  @Header('Content-Type', FHIR_JSON)
  @ApiOperation({ summary: 'Search Locations (operating rooms)' })
  searchLocations(@CurrentPrincipal() principal: Principal, @Req() req: FhirRequest): Promise<Bundle> {
    return this.search('Location', principal, req);
  }

  @Get('Location/:id')
  @Roles(...FHIR_READ_ROLES.rooms)
  @Header('Content-Type', FHIR_JSON)
  @ApiOperation({ summary: 'Read a Location (id = room id)' })
  readLocation(
    @CurrentPrincipal() principal: Principal,
    @Req() req: FhirRequest,
    @Param('id') id: string,
  ): Promise<FhirResource> {
    return this.read('Location', id, principal, req);
  }

  @Get('Device')
  @Roles(...FHIR_READ_ROLES.devices)
  @Header('Content-Type', FHIR_JSON)
  @ApiOperation({ summary: 'Search Devices (the device registry)' })
  searchDevices(@CurrentPrincipal() principal: Principal, @Req() req: FhirRequest): Promise<Bundle> {
    return this.search('Device', principal, req);
  }

  @Get('Device/:id')
  @Roles(...FHIR_READ_ROLES.devices)
  @Header('Content-Type', FHIR_JSON)
  @ApiOperation({ summary: 'Read a Device (id = device id)' })
  readDevice(
    @CurrentPrincipal() principal: Principal,
    @Req() req: FhirRequest,
    @Param('id') id: string,
  ): Promise<FhirResource> {
    return this.read('Device', id, principal, req);
  }

  @Get('Patient')
  @Roles(...FHIR_READ_ROLES.patients)
  @Header('Content-Type', FHIR_JSON)
  @ApiOperation({ summary: 'Search Patients (the patients of the cases)' })
  searchPatients(@CurrentPrincipal() principal: Principal, @Req() req: FhirRequest): Promise<Bundle> {
    return this.search('Patient', principal, req);
  }

  @Get('Patient/:id')
  @Roles(...FHIR_READ_ROLES.patients)
  @Header('Content-Type', FHIR_JSON)
  @ApiOperation({ summary: 'Read a Patient (id = MRN)' })
  readPatient(
    @CurrentPrincipal() principal: Principal,
    @Req() req: FhirRequest,
    @Param('id') id: string,
  ): Promise<FhirResource> {
    return this.read('Patient', id, principal, req);
  }

  @Get('Practitioner')
  @Roles(...FHIR_READ_ROLES.practitioners)
  @Header('Content-Type', FHIR_JSON)
  @ApiOperation({ summary: 'Search Practitioners (surgeons and anesthesiologists of the schedule)' })
  searchPractitioners(@CurrentPrincipal() principal: Principal, @Req() req: FhirRequest): Promise<Bundle> {
    return this.search('Practitioner', principal, req);
  }

  @Get('Practitioner/:id')
  @Roles(...FHIR_READ_ROLES.practitioners)
  @Header('Content-Type', FHIR_JSON)
  @ApiOperation({ summary: 'Read a Practitioner (id = the id the schedule gave)' })
  readPractitioner(
    @CurrentPrincipal() principal: Principal,
    @Req() req: FhirRequest,
    @Param('id') id: string,
  ): Promise<FhirResource> {
    return this.read('Practitioner', id, principal, req);
  }

  /**
   * Writes: the façade is read-only (CONTRACT §5), so any other method on its paths is a 405
   * OperationOutcome. Only the façade's own paths: `POST /fhir/subscription-hook` is another
   * controller's. (GET and HEAD were routed to the handlers above, declared first.)
   */
  @All(['metadata', ...FACADE_TYPES, ...FACADE_TYPES.map((t) => `${t}/:id`)])
  @Roles(...FHIR_READ_ROLES.metadata)
  @Header('Content-Type', FHIR_JSON)
  @ApiExcludeEndpoint()
  readOnly(@Req() req: FhirRequest): never {
    throw new FhirError('method-not-allowed', `${req.method ?? 'this method'}: the FHIR façade is read-only (GET)`);
  }

  /** Any other type: 404 with an OperationOutcome, after authentication like every route here. */
  @Get(':type')
  @Roles(...FHIR_READ_ROLES.metadata)
  @Header('Content-Type', FHIR_JSON)
  @ApiOperation({ summary: 'Types the façade does not serve: 404 OperationOutcome' })
  unknownSearch(@Param('type') type: string): never {
    throw unknownType(type);
  }

  @Get(':type/:id')
  @Roles(...FHIR_READ_ROLES.metadata)
  @Header('Content-Type', FHIR_JSON)
  @ApiOperation({ summary: 'Types the façade does not serve: 404 OperationOutcome' })
  unknownRead(@Param('type') type: string): never {
    throw unknownType(type);
  }

  private search(type: FacadeType, principal: Principal, req: FhirRequest): Promise<Bundle> {
    this.negotiate(req);
    const url = req.originalUrl ?? req.url ?? '';
    const query = url.includes('?') ? url.slice(url.indexOf('?') + 1) : '';
    return this.facade.search(type, readQuery(query), this.context(principal, req));
  }

  private read(type: FacadeType, id: string, principal: Principal, req: FhirRequest): Promise<FhirResource> {
    this.negotiate(req);
    return this.facade.read(type, id, this.context(principal, req));
  }

  private context(principal: Principal, req: FhirRequest): RequestContext {
    return { principal, base: baseOf(req), lenient: /\bhandling\s*=\s*lenient\b/i.test(req.get('prefer') ?? '') };
  }

  /** The answer is FHIR JSON: a client that accepts only something else (XML) gets 406. */
  private negotiate(req: FhirRequest): void {
    const accept = req.get('accept');
    if (accept !== undefined && !acceptsJson(accept)) {
      throw new FhirError('not-acceptable', `Accept: ${accept}: this server answers application/fhir+json only`);
    }
    const format = /[?&]_format=([^&]*)/.exec(req.originalUrl ?? '')?.[1];
    if (format !== undefined) checkFormat(decodeURIComponent(format));
  }
}

function unknownType(type: string): FhirError {
  return new FhirError(
    'unknown-type',
    isFacadeType(type)
      ? `${type} is served at /fhir/${type}`
      : `this server does not serve ${type} (it serves ${FACADE_TYPES.join(', ')})`,
  );
}

/** Whether an Accept header admits JSON (any `*\/*`, `application/*`, `…json` range without q=0). */
export function acceptsJson(accept: string): boolean {
  return accept.split(',').some((range) => {
    const [type = '', ...params] = range.split(';').map((s) => s.trim().toLowerCase());
    if (params.some((p) => /^q=0(\.0*)?$/.test(p))) return false;
    return type === '*/*' || type === 'application/*' || type === 'application/json' || type.endsWith('+json');
  });
}

/** The façade's base URL as the client reached it (Express honours HTTP_TRUST_PROXY for the scheme). */
function baseOf(req: FhirRequest): string {
  return `${req.protocol}://${req.get('host') ?? 'localhost'}/fhir`;
}
