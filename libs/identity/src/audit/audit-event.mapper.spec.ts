import { type AuditContent, type ChainedRow, GENESIS_HASH, chainHash } from './audit.chain';
import {
  AUDIT_ACTION_SYSTEM,
  AUDIT_CHAIN_EXTENSION,
  type AuditEvent,
  actionCodeOf,
  toAuditBundle,
  toAuditEvent,
} from './audit-event.mapper';

function row(over: Partial<AuditContent> & { id?: string } = {}): ChainedRow {
  const { id = '41', ...rest } = over;
  const c: AuditContent = {
    at: '2026-11-23T07:31:00.000Z',
    actor: 'user:7d1f0e4c',
    roles: ['nurse'],
    action: 'cases.read',
    targetType: 'case',
    targetId: '0b7e2c1a-5a9e-4c3e-9f1e-3c2b1a0d9e8f',
    detail: {},
    source: '10.0.0.7',
    ...rest,
  };
  return { ...c, id, prevHash: GENESIS_HASH, hash: chainHash(GENESIS_HASH, c) };
}

// FHIR R4 value sets and datatypes (http://hl7.org/fhir/R4/auditevent.html, datatypes.html).
const ACTIONS = ['C', 'R', 'U', 'D', 'E'];
const OUTCOMES = ['0', '4', '8', '12'];
const NETWORK_TYPES = ['1', '2', '3', '4', '5'];
const ID = /^[A-Za-z0-9\-.]{1,64}$/;
const INSTANT =
  /^([0-9]{4})-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])T([01][0-9]|2[0-3]):[0-5][0-9]:([0-5][0-9]|60)(\.[0-9]+)?(Z|[+-]((0[0-9]|1[0-3]):[0-5][0-9]|14:00))$/;
const URI = /^\S+:\S*$/;

/**
 * The constraints of the FHIR R4 AuditEvent resource that apply to what we write, checked by hand:
 * cardinalities (type 1..1, recorded 1..1, agent 1..*, agent.requestor 1..1, source 1..1,
 * source.observer 1..1), value sets of the required bindings (action, outcome, network.type),
 * datatypes (id, instant, Coding, Reference), invariant sev-1 (entity: name or query, not both),
 * and no empty arrays or strings (R4 ele-1: every element has a value or children).
 */
function r4Problems(resource: unknown): string[] {
  const problems: string[] = [];
  const e = resource as Record<string, unknown>;
  const coding = (value: unknown, path: string): void => {
    const c = value as { system?: unknown; code?: unknown } | undefined;
    if (typeof c?.system !== 'string' || !URI.test(c.system)) problems.push(`${path}.system must be a uri`);
    if (typeof c?.code !== 'string' || c.code.trim() === '') problems.push(`${path}.code must be a code`);
  };
  const reference = (value: unknown, path: string): void => {
    const r = value as { reference?: unknown; identifier?: { system?: unknown; value?: unknown }; display?: unknown };
    if (r === undefined || (r.reference === undefined && r.identifier === undefined && r.display === undefined)) {
      problems.push(`${path} must have a reference, identifier or display`);
    }
    if (r?.identifier && (typeof r.identifier.value !== 'string' || typeof r.identifier.system !== 'string')) {
      problems.push(`${path}.identifier needs system and value`);
    }
  };
  const noEmpty = (value: unknown, path: string): void => {
    if (value === '' || value === null) problems.push(`${path} is empty`);
    else if (Array.isArray(value)) {
      if (value.length === 0) problems.push(`${path} is an empty array`);
      value.forEach((v, i) => noEmpty(v, `${path}[${i}]`));
    } else if (typeof value === 'object') {
      if (Object.keys(value).length === 0) problems.push(`${path} is an empty object`);
      for (const [k, v] of Object.entries(value)) noEmpty(v, `${path}.${k}`);
    }
  };

  if (e['resourceType'] !== 'AuditEvent') problems.push('resourceType must be AuditEvent');
  if (typeof e['id'] !== 'string' || !ID.test(e['id'])) problems.push('id must be a FHIR id');
  coding(e['type'], 'type');
  for (const [i, s] of ((e['subtype'] as unknown[] | undefined) ?? []).entries()) coding(s, `subtype[${i}]`);
  if (e['action'] !== undefined && !ACTIONS.includes(e['action'] as string)) problems.push('action not in value set');
  if (typeof e['recorded'] !== 'string' || !INSTANT.test(e['recorded'])) problems.push('recorded must be an instant');
  if (e['outcome'] !== undefined && !OUTCOMES.includes(e['outcome'] as string))
    problems.push('outcome not in value set');
  const agents = e['agent'];
  if (!Array.isArray(agents) || agents.length === 0) problems.push('agent is 1..*');
  for (const [i, a] of ((agents as Record<string, unknown>[] | undefined) ?? []).entries()) {
    if (typeof a['requestor'] !== 'boolean') problems.push(`agent[${i}].requestor is 1..1 boolean`);
    if (a['who'] !== undefined) reference(a['who'], `agent[${i}].who`);
    const network = a['network'] as { address?: unknown; type?: unknown } | undefined;
    if (network && !NETWORK_TYPES.includes(network.type as string)) problems.push(`agent[${i}].network.type`);
    if (network && typeof network.address !== 'string') problems.push(`agent[${i}].network.address`);
    for (const [j, r] of ((a['role'] as { coding: unknown[] }[] | undefined) ?? []).entries()) {
      r.coding.forEach((c, k) => coding(c, `agent[${i}].role[${j}].coding[${k}]`));
    }
  }
  const source = e['source'] as { observer?: unknown; type?: unknown[] } | undefined;
  if (!source) problems.push('source is 1..1');
  else reference(source.observer, 'source.observer');
  for (const [i, t] of (source?.type ?? []).entries()) coding(t, `source.type[${i}]`);
  for (const [i, en] of ((e['entity'] as Record<string, unknown>[] | undefined) ?? []).entries()) {
    if (en['name'] !== undefined && en['query'] !== undefined) problems.push(`entity[${i}] breaks sev-1`);
    if (en['what'] !== undefined) reference(en['what'], `entity[${i}].what`);
    if (en['type'] !== undefined) coding(en['type'], `entity[${i}].type`);
    if (en['role'] !== undefined) coding(en['role'], `entity[${i}].role`);
    for (const d of (en['detail'] as { type?: unknown; valueString?: unknown }[] | undefined) ?? []) {
      if (typeof d.type !== 'string' || typeof d.valueString !== 'string') problems.push(`entity[${i}].detail`);
    }
  }
  for (const x of (e['extension'] as { url?: unknown }[] | undefined) ?? []) {
    if (typeof x.url !== 'string' || !URI.test(x.url)) problems.push('extension.url must be a uri');
  }
  noEmpty(resource, 'AuditEvent');
  return problems;
}

describe('audit rows as FHIR R4 AuditEvents', () => {
  it('checks what it should: an event without type, recorded, requestor or observer is refused', () => {
    const good = toAuditEvent(row());
    expect(r4Problems(good)).toEqual([]);
    const { type: _t, recorded: _r, ...bare } = good;
    expect(r4Problems({ ...bare, agent: [{ who: { display: 'x' } }], source: { site: 'x' } })).toEqual(
      expect.arrayContaining([
        'type.system must be a uri',
        'recorded must be an instant',
        'agent[0].requestor is 1..1 boolean',
        'source.observer must have a reference, identifier or display',
      ]),
    );
  });

  it('maps a case read: REST read, the nurse with her role and address, the case as an Appointment', () => {
    const event = toAuditEvent(row());
    expect(event).toEqual<AuditEvent>({
      resourceType: 'AuditEvent',
      id: '41',
      extension: [
        {
          url: AUDIT_CHAIN_EXTENSION,
          extension: [
            { url: 'prevHash', valueString: GENESIS_HASH },
            { url: 'hash', valueString: expect.stringMatching(/^[0-9a-f]{64}$/) },
          ],
        },
      ],
      type: {
        system: 'http://terminology.hl7.org/CodeSystem/audit-event-type',
        code: 'rest',
        display: 'RESTful Operation',
      },
      subtype: [
        { system: 'http://hl7.org/fhir/restful-interaction', code: 'read' },
        { system: AUDIT_ACTION_SYSTEM, code: 'cases.read' },
      ],
      action: 'R',
      recorded: '2026-11-23T07:31:00.000Z',
      outcome: '0',
      agent: [
        {
          requestor: true,
          who: { identifier: { system: 'urn:circulator:user', value: '7d1f0e4c' } },
          type: {
            coding: [{ system: 'http://terminology.hl7.org/CodeSystem/extra-security-role-type', code: 'humanuser' }],
          },
          role: [{ coding: [{ system: 'urn:circulator:role', code: 'nurse' }], text: 'nurse' }],
          network: { address: '10.0.0.7', type: '2' },
        },
      ],
      source: {
        site: 'Circulator',
        observer: { display: 'Circulator' },
        type: [
          {
            system: 'http://terminology.hl7.org/CodeSystem/security-source-type',
            code: '4',
            display: 'Application Server',
          },
        ],
      },
      entity: [
        {
          type: { system: 'http://hl7.org/fhir/resource-types', code: 'Appointment', display: 'Appointment' },
          description: 'case',
          what: {
            type: 'Appointment',
            identifier: { system: 'urn:circulator:case', value: '0b7e2c1a-5a9e-4c3e-9f1e-3c2b1a0d9e8f' },
          },
          role: { system: 'http://terminology.hl7.org/CodeSystem/object-role', code: '4', display: 'Domain Resource' },
        },
      ],
    });
  });

  it('maps a failed sign-in: DICOM user authentication / login, execute, minor failure, no who but a name', () => {
    const event = toAuditEvent(
      row({
        actor: 'anonymous',
        roles: [],
        action: 'auth.token',
        targetType: 'user',
        targetId: null,
        detail: { outcome: 'failure', username: 'admin' },
      }),
    );
    expect(r4Problems(event)).toEqual([]);
    expect(event).toMatchObject({
      type: { system: 'http://dicom.nema.org/resources/ontology/DCM', code: '110114' },
      subtype: [{ code: '110122' }, { code: 'auth.token' }],
      action: 'E',
      outcome: '4',
      agent: [{ requestor: true, who: { display: 'anonymous' } }],
      entity: [{ detail: [{ type: 'detail', valueString: '{"outcome":"failure","username":"admin"}' }] }],
    });
    expect(event.agent[0]?.role).toBeUndefined();
  });

  it('maps searches to DICOM Query, work of the platform to Application Activity, audit reads to Audit Log Used', () => {
    const list = toAuditEvent(row({ action: 'cases.list', targetId: null, detail: { date: '2026-11-23' } }));
    expect(list).toMatchObject({ type: { code: '110112' }, action: 'E', entity: [{ role: { code: '24' } }] });
    const subscribe = toAuditEvent(
      row({ action: 'live.subscribe', targetType: 'topic', targetId: 'board:2026-11-23' }),
    );
    expect(subscribe).toMatchObject({ type: { code: '110112' }, action: 'R' });
    const system = toAuditEvent(row({ actor: 'system', roles: [], action: 'user.ensure-admin', source: null }));
    expect(system).toMatchObject({ type: { code: '110100' }, agent: [{ who: { display: 'Circulator' } }] });
    expect(system.agent[0]?.network).toBeUndefined();
    const audit = toAuditEvent(row({ action: 'audit.read', targetType: 'audit_log', targetId: null }));
    expect(audit).toMatchObject({ type: { code: '110101' } });
    for (const e of [list, subscribe, system, audit]) expect(r4Problems(e)).toEqual([]);
  });

  it('files every action of the platform under C, R, U, D or E', () => {
    expect(
      [
        'user.create',
        'devices.register',
        'message.upload',
        'message.read',
        'cases.events',
        'devices.update',
        'cases.milestone.correct',
        'alerts.ack',
        'display.revoke',
        'interface.delete',
        'kpis.read',
        'something.new',
      ].map(actionCodeOf),
    ).toEqual(['C', 'C', 'C', 'R', 'R', 'U', 'U', 'U', 'D', 'D', 'R', 'E']);
  });

  it('bundles a page as a searchset with self and next links', () => {
    const bundle = toAuditBundle([row({ id: '9' }), row({ id: '8' })], {
      self: '/api/audit/export?limit=2',
      next: '/api/audit/export?limit=2&before=8',
      timestamp: '2026-11-23T08:00:00.000Z',
    });
    expect(bundle).toMatchObject({
      resourceType: 'Bundle',
      type: 'searchset',
      timestamp: '2026-11-23T08:00:00.000Z',
      link: [
        { relation: 'self', url: '/api/audit/export?limit=2' },
        { relation: 'next', url: '/api/audit/export?limit=2&before=8' },
      ],
    });
    expect(bundle.entry.map((e) => [e.resource.id, e.search.mode])).toEqual([
      ['9', 'match'],
      ['8', 'match'],
    ]);
    expect(toAuditBundle([], { self: '/x', timestamp: '2026-11-23T08:00:00.000Z' }).link).toEqual([
      { relation: 'self', url: '/x' },
    ]);
  });
});
