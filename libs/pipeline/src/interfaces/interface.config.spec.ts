import { DEFAULT_ANESTHESIOLOGIST_ROLES, DEFAULT_SURGEON_ROLES } from '@circulator/hl7';
import {
  type InterfaceConfig,
  interfaceSetProblems,
  parseHl7Path,
  parseInterfacesFile,
  parseSourceRule,
  resolveInterface,
  validateInterfaceConfig,
} from './interface.config';

const valid = (input: unknown): InterfaceConfig => {
  const v = validateInterfaceConfig(input);
  if (!v.ok) throw new Error(JSON.stringify(v.errors));
  return v.config;
};
const errorsOf = (input: unknown) => {
  const v = validateInterfaceConfig(input);
  if (v.ok) throw new Error('expected the configuration to be refused');
  return v.errors;
};

describe('validateInterfaceConfig', () => {
  it('accepts the smallest interface and fills in the defaults', () => {
    expect(valid({ name: 'epic' })).toEqual({ name: 'epic', enabled: true, locationPolicy: 'create-unmapped' });
  });

  it('accepts every setting of a real site variant', () => {
    const config = valid({
      name: 'cerner-west',
      enabled: false,
      port: 6661,
      tls: { certFile: '/etc/c.pem', keyFile: '/etc/k.pem', caFile: '/etc/ca.pem', requireClientCert: true },
      allowedSources: ['10.1.0.0/16', '192.168.4.7', 'fd00::/8', '::1'],
      facilityTz: 'America/Chicago',
      roles: { surgeon: ['SURG', 'PRIMARY'], anesthesiologist: ['ANESTH'] },
      locations: { 'OR^OR3^^GENHOSP': 'or-3' },
      locationPolicy: 'require-mapping',
      overrides: { 'patient.mrn': 'PID-2.1', 'schedule.room': 'AIL-2-3.1.2' },
    });
    expect(config.tls?.requireClientCert).toBe(true);
    expect(config.overrides).toEqual({ 'patient.mrn': 'PID-2.1', 'schedule.room': 'AIL-2-3.1.2' });
  });

  it.each([
    [{ name: 'Epic' }, '/name', /slug/],
    [{ name: '-epic' }, '/name', /slug/],
    [{ name: 'epic', port: 0 }, '/port', /1–65535/],
    [{ name: 'epic', port: 70000 }, '/port', /1–65535/],
    [{ name: 'epic', port: '6661' }, '/port', /TCP port/],
    [{ name: 'epic', route: {} }, '/route', /sendingApplication \(MSH-3\), sendingFacility \(MSH-4\) or both/],
    [{ name: 'epic', route: { sendingApplication: ' ' } }, '/route/sendingApplication', /must not be empty/],
    [
      { name: 'epic', tls: { certFile: 'c', keyFile: 'k', requireClientCert: true } },
      '/tls/caFile',
      /requireClientCert needs caFile/,
    ],
    [{ name: 'epic', tls: { certFile: 'c' } }, '/tls/keyFile', /.+/],
    [{ name: 'epic', allowedSources: ['10.0.0.300'] }, '/allowedSources/0', /not an IPv4 or IPv6 address/],
    [{ name: 'epic', allowedSources: ['10.0.0.0/33'] }, '/allowedSources/0', /prefix length outside 0–32/],
    [{ name: 'epic', allowedSources: ['any'] }, '/allowedSources/0', /not an IPv4 or IPv6/],
    [{ name: 'epic', facilityTz: 'Mars/Olympus' }, '/facilityTz', /not an IANA time zone/],
    [{ name: 'epic', roles: { surgeon: [] } }, '/roles/surgeon', /at least one code/],
    [{ name: 'epic', locations: { OR3: 'OR 3' } }, '/locations/OR3', /room id/],
    [{ name: 'epic', locationPolicy: 'drop' }, '/locationPolicy', /create-unmapped or require-mapping/],
    [{ name: 'epic', overrides: { 'patient.mrn': 'PID.2' } }, '/overrides/patient.mrn', /SEG\[-n\]-field/],
    [{ name: 'epic', overrides: { 'patient.mrn': 'pid-2' } }, '/overrides/patient.mrn', /HL7 path/],
    [{ name: 'epic', overrides: { 'patient.mrn': 'PID-0' } }, '/overrides/patient.mrn', /HL7 path/],
    [{ name: 'epic', overrides: { 'Patient MRN': 'PID-2' } }, '/overrides/Patient MRN', /must be one of patient\.mrn/],
    // Well formed but read by no mapper: a typo must not be ignored on every message.
    [{ name: 'epic', overrides: { 'case.room': 'AIL-3' } }, '/overrides/case.room', /must be one of/],
    [{ name: 'default', port: 6661 }, '/port', /shared MLLP_PORT/],
    [{ name: 'default', route: { sendingApplication: 'EPIC' } }, '/route', /catch-all/],
  ])('refuses %j at %s', (input, pointer, detail) => {
    const errors = errorsOf(input);
    expect(errors).toContainEqual({ pointer, detail: expect.stringMatching(detail) });
  });

  it('names every unknown setting instead of ignoring a typo', () => {
    expect(
      errorsOf({ name: 'epic', alowedSources: ['10.0.0.1'], tls: { certFile: 'c', keyFile: 'k', ca: 'x' } }),
    ).toEqual(
      expect.arrayContaining([
        { pointer: '/alowedSources', detail: 'is not a known setting' },
        { pointer: '/tls/ca', detail: 'is not a known setting' },
      ]),
    );
  });

  it('reports every problem at once', () => {
    expect(errorsOf({ name: 'x', port: -1, facilityTz: 'Nowhere' }).map((e) => e.pointer)).toEqual([
      '/port',
      '/facilityTz',
    ]);
  });
});

describe('parseHl7Path', () => {
  it.each([
    ['PID-2', { segment: 'PID', occurrence: 1, field: 2 }],
    ['PID-2.1', { segment: 'PID', occurrence: 1, field: 2, component: 1 }],
    ['PID-3.4.2', { segment: 'PID', occurrence: 1, field: 3, component: 4, subcomponent: 2 }],
    ['OBX-2-5', { segment: 'OBX', occurrence: 2, field: 5 }],
    ['ZP1-1.2', { segment: 'ZP1', occurrence: 1, field: 1, component: 2 }],
  ])('%s', (path, parsed) => {
    expect(parseHl7Path(path)).toEqual(parsed);
  });

  it.each(['PID', 'PID-', 'PID-2.', 'PID-2.1.1.1', 'PI-2', 'PID_2', '1ID-2', 'PID-02'])('refuses %s', (path) => {
    expect(parseHl7Path(path)).toBeUndefined();
  });
});

describe('parseSourceRule', () => {
  it.each([
    ['10.1.2.3', { family: 'ipv4', address: '10.1.2.3', prefix: 32 }],
    ['10.1.0.0/16', { family: 'ipv4', address: '10.1.0.0', prefix: 16 }],
    ['fd00::/8', { family: 'ipv6', address: 'fd00::', prefix: 8 }],
    ['::ffff:10.0.0.0/104', { family: 'ipv4', address: '10.0.0.0', prefix: 8 }],
    ['::ffff:10.0.0.1', { family: 'ipv4', address: '10.0.0.1', prefix: 32 }],
  ])('%s', (entry, rule) => {
    expect(parseSourceRule(entry)).toEqual(rule);
  });

  it.each(['10.0.0.0/8/8', '10.0.0.0/x', 'fd00::/129', 'localhost', ''])('refuses %j', (entry) => {
    expect(typeof parseSourceRule(entry)).toBe('string');
  });
});

describe('resolveInterface', () => {
  const defaults = { sharedPort: 2575, facilityTz: 'Europe/Paris' };

  it("falls back on the platform's port and zone, and on CONTRACT §4's role codes", () => {
    const r = resolveInterface(valid({ name: 'epic' }), defaults, { origin: 'api', version: 3 });
    expect(r).toMatchObject({
      name: 'epic',
      port: 2575,
      sharedPort: true,
      facilityTz: 'Europe/Paris',
      allowedSources: [],
      locations: {},
      overrides: {},
      locationPolicy: 'create-unmapped',
      origin: 'api',
      version: 3,
    });
    expect(r.roles).toEqual({ surgeon: DEFAULT_SURGEON_ROLES, anesthesiologist: DEFAULT_ANESTHESIOLOGIST_ROLES });
  });

  it("keeps the interface's own settings, and the default codes of a role it leaves out", () => {
    const r = resolveInterface(
      valid({ name: 'lab', port: 6000, facilityTz: 'America/Chicago', roles: { surgeon: ['SURG'] } }),
      defaults,
      { origin: 'file', version: 1 },
    );
    expect(r).toMatchObject({ port: 6000, sharedPort: false, facilityTz: 'America/Chicago' });
    expect(r.roles).toEqual({ surgeon: ['SURG'], anesthesiologist: DEFAULT_ANESTHESIOLOGIST_ROLES });
  });

  it('counts an explicit port equal to MLLP_PORT as the shared port', () => {
    expect(resolveInterface(valid({ name: 'x', port: 2575 }), defaults, { origin: 'api', version: 1 }).sharedPort).toBe(
      true,
    );
  });
});

describe('interfaceSetProblems', () => {
  const tls = { certFile: '/c.pem', keyFile: '/k.pem' };

  it('accepts routed interfaces and one catch-all sharing a port, and separate ports', () => {
    const set = [
      valid({ name: 'main' }),
      valid({ name: 'epic', route: { sendingApplication: 'EPIC' } }),
      valid({ name: 'epic-west', route: { sendingApplication: 'EPIC', sendingFacility: 'WEST' } }),
      valid({ name: 'lab', port: 6000, tls }),
      valid({ name: 'lab-b', port: 6000, tls, route: { sendingFacility: 'B' } }),
    ];
    expect(interfaceSetProblems(set, 2575)).toEqual([]);
  });

  it('refuses two catch-alls, or two equal routes (case aside), on one port', () => {
    expect(interfaceSetProblems([valid({ name: 'a' }), valid({ name: 'b', port: 2575 })], 2575)).toEqual([
      expect.stringMatching(/a and b are both catch-alls.*shared MLLP_PORT \(2575\)/),
    ]);
    expect(
      interfaceSetProblems(
        [
          valid({ name: 'a', port: 7000, route: { sendingApplication: 'Epic' } }),
          valid({ name: 'b', port: 7000, route: { sendingApplication: 'EPIC ' } }),
        ],
        2575,
      ),
    ).toEqual([expect.stringMatching(/a and b have the same route on port 7000/)]);
  });

  it('ignores disabled interfaces when looking for clashes', () => {
    expect(interfaceSetProblems([valid({ name: 'a' }), valid({ name: 'b', enabled: false })], 2575)).toEqual([]);
  });

  it('refuses TLS on the shared port and disagreeing TLS on one port', () => {
    expect(interfaceSetProblems([valid({ name: 'a', tls })], 2575)).toEqual([
      expect.stringMatching(/a: tls cannot be set on the shared MLLP_PORT.*MLLP_TLS_CERT/),
    ]);
    expect(
      interfaceSetProblems(
        [valid({ name: 'a', port: 7000, tls }), valid({ name: 'b', port: 7000, route: { sendingFacility: 'B' } })],
        2575,
      ),
    ).toEqual([expect.stringMatching(/a and b share port 7000 but not the same tls settings/)]);
  });

  it('refuses a name defined twice', () => {
    expect(interfaceSetProblems([valid({ name: 'a', port: 1 }), valid({ name: 'a', port: 2 })], 2575)).toEqual([
      'interface a is defined twice',
    ]);
  });
});

describe('parseInterfacesFile', () => {
  it('reads {"interfaces": [...]} and a bare array', () => {
    const text = JSON.stringify({ interfaces: [{ name: 'epic', port: 6661 }] });
    expect(parseInterfacesFile(text)).toEqual({
      ok: true,
      configs: [{ name: 'epic', port: 6661, enabled: true, locationPolicy: 'create-unmapped' }],
    });
    expect(parseInterfacesFile('[]')).toEqual({ ok: true, configs: [] });
  });

  it('says what is wrong, naming each bad entry', () => {
    expect(parseInterfacesFile('{"interfaces": [')).toEqual({
      ok: false,
      error: expect.stringMatching(/^not valid JSON/),
    });
    expect(parseInterfacesFile('{"interface": []}')).toEqual({ ok: false, error: 'expected {"interfaces": [ … ]}' });
    const bad = parseInterfacesFile(JSON.stringify({ interfaces: [{ name: 'ok' }, { name: 'epic', port: 'x' }] }));
    expect(bad).toEqual({
      ok: false,
      error: expect.stringMatching(/^interfaces\[1\] \(epic\): port: must be a TCP port/),
    });
  });
});
