import { Body, Controller, Delete, Get, HttpCode, HttpException, NotFoundException, Param, Put } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal, type Principal, Roles } from '@circulator/identity';
import {
  type InterfaceConfig,
  InterfaceError,
  type InterfaceErrorCode,
  type InterfaceOrigin,
  type InterfaceRecord,
  InterfaceRegistry,
} from '@circulator/pipeline';

/** An interface as the API shows it; `config` is exactly what `PUT` takes back. */
export interface InterfaceView {
  name: string;
  /** `api` (managed here), `file` (HL7_INTERFACES_FILE: read-only here) or `implicit` (the built-in default). */
  origin: InterfaceOrigin;
  version: number;
  updatedAt: string | null;
  updatedBy: string | null;
  config: Omit<InterfaceConfig, 'name'>;
}

/**
 * Inbound HL7 interfaces (the integration console): listed, read, created or replaced, deleted.
 * Changes apply without a restart, in every process, and are audited by the registry (actor,
 * before and after). Interfaces from HL7_INTERFACES_FILE are read-only here.
 */
@ApiTags('interfaces')
@ApiBearerAuth()
@Roles('integration', 'admin')
@Controller('api/interfaces')
export class InterfacesController {
  constructor(private readonly registry: InterfaceRegistry) {}

  @Get()
  @ApiOperation({ summary: 'Every inbound HL7 interface, the implicit default included' })
  list(): InterfaceView[] {
    return this.registry.records().map(toView);
  }

  @Get(':name')
  @ApiOperation({ summary: 'One inbound HL7 interface' })
  get(@Param('name') name: string): InterfaceView {
    const record = this.registry.record(name);
    if (record === undefined) throw new NotFoundException(`no interface ${name}`);
    return toView(record);
  }

  @Put(':name')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Creates or replaces an interface (the body is its configuration, without the name)',
  })
  async put(
    @CurrentPrincipal() principal: Principal,
    @Param('name') name: string,
    @Body() body: unknown,
  ): Promise<InterfaceView> {
    if (body === null || typeof body !== 'object' || Array.isArray(body)) {
      throw asProblem(
        new InterfaceError('invalid', 'the body must be a JSON object', [
          { pointer: '', detail: 'must be a JSON object' },
        ]),
      );
    }
    const given = (body as { name?: unknown }).name;
    if (given !== undefined && given !== name) {
      const detail = `must be left out or equal the name in the path (${name})`;
      throw asProblem(new InterfaceError('invalid', `name: ${detail}`, [{ pointer: '/name', detail }]));
    }
    try {
      return toView(await this.registry.upsert({ ...body, name }, principal));
    } catch (err) {
      throw asProblem(err);
    }
  }

  @Delete(':name')
  @HttpCode(204)
  @ApiOperation({ summary: 'Deletes an interface (not the default, not one from HL7_INTERFACES_FILE)' })
  async remove(@CurrentPrincipal() principal: Principal, @Param('name') name: string): Promise<void> {
    try {
      await this.registry.remove(name, principal);
    } catch (err) {
      throw asProblem(err);
    }
  }
}

function toView(record: InterfaceRecord): InterfaceView {
  const { name: _name, ...config } = record.config;
  return {
    name: record.name,
    origin: record.origin,
    version: record.version,
    updatedAt: record.updatedAt,
    updatedBy: record.updatedBy,
    config,
  };
}

/** RFC 9457 problem of each interface error; exhaustive, so a new code does not compile without one. */
function problemFor(code: InterfaceErrorCode): { title: string; status: number } {
  switch (code) {
    case 'invalid':
      return { title: 'Invalid interface configuration', status: 400 };
    case 'not_found':
      return { title: 'Not found', status: 404 };
    case 'read_only':
      return { title: 'Interface managed by HL7_INTERFACES_FILE', status: 409 };
    case 'conflict':
      return { title: 'Interface conflicts with another', status: 409 };
    case 'reserved':
      return { title: 'Interface cannot be deleted', status: 409 };
    default:
      return assertUnreachable(code);
  }
}

function assertUnreachable(value: never): never {
  throw new Error(`unhandled interface error code: ${String(value)}`);
}

/**
 * An InterfaceError as an HttpException whose body already is the problem: ProblemDetailsFilter
 * keeps a body's own `type` and `title` and its extension members (`errors`). Anything else is
 * passed on untouched (a 500 with an error id).
 */
function asProblem(err: unknown): unknown {
  if (!(err instanceof InterfaceError)) return err;
  const { title, status } = problemFor(err.code);
  const body: Record<string, unknown> = {
    type: `urn:circulator:problem:interface-${err.code.replaceAll('_', '-')}`,
    title,
    status,
    detail: err.message,
  };
  if (err.errors.length > 0) body['errors'] = err.errors;
  return new HttpException(body, status, { cause: err });
}
