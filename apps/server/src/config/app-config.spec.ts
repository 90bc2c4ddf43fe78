import { ConfigError, loadConfig } from './app-config';

describe('loadConfig', () => {
  it('applies the defaults of CONTRACT §1 to an empty environment', () => {
    const c = loadConfig({});
    expect(c.http.port).toBe(3000);
    expect(c.mllp.port).toBe(2575);
    expect(c.mqtt.port).toBe(1884);
    expect(c.redis).toEqual({ url: 'redis://127.0.0.1:6379', urlIsDefault: true, prefix: 'circulator' });
    expect(c.database.url).toBeUndefined();
    expect([...c.roles]).toEqual(['gateway', 'ingest', 'worker']);
    expect(c.dataDir).toMatch(/\/data$/);
  });

  it('reads every variable', () => {
    const c = loadConfig({
      HTTP_PORT: '0',
      MLLP_PORT: '6661',
      DATABASE_URL: 'postgres://u:p@db:5432/circ',
      REDIS_URL: 'redis://cache:6380',
      FACILITY_TZ: 'America/Chicago',
      ROLES: 'worker, ingest',
      ADMIN_PASSWORD: 'a-long-enough-secret',
      FHIR_BASE_URL: 'https://ehr.example/fhir',
    });
    expect(c.http.port).toBe(0);
    expect(c.mllp.port).toBe(6661);
    expect(c.database.url).toBe('postgres://u:p@db:5432/circ');
    expect(c.redis.urlIsDefault).toBe(false);
    expect(c.facilityTz).toBe('America/Chicago');
    expect([...c.roles]).toEqual(['worker', 'ingest']);
    expect(c.fhir.baseUrl).toBe('https://ehr.example/fhir');
  });

  it.each([
    [{ HTTP_PORT: 'abc' }, /^HTTP_PORT .*got "abc".*free TCP port/],
    [{ MLLP_PORT: '70000' }, /^MLLP_PORT must be 0–65535/],
    [{ FACILITY_TZ: 'Mars/Olympus' }, /^FACILITY_TZ is not an IANA time zone.*Europe\/Paris/],
    [{ ROLES: 'gateway,cook' }, /^ROLES each role must be gateway, ingest or worker/],
    [{ DATABASE_URL: 'mysql://x' }, /^DATABASE_URL must be a URL starting with postgres:/],
    [{ MLLP_TLS_CERT: '/tmp/c.pem' }, /MLLP_TLS_CERT and MLLP_TLS_KEY go together/],
    [{ OR_HOURS: '18:00-07:00' }, /^OR_HOURS must open before it closes/],
    [{ OR_HOURS: '7-17' }, /^OR_HOURS must be HH:MM-HH:MM/],
    [{ MILESTONE_PRECEDENCE: 'lunch=manual' }, /^MILESTONE_PRECEDENCE has an unknown milestone "lunch"/],
    [{ MILESTONE_PRECEDENCE: 'inRoom=gps' }, /^MILESTONE_PRECEDENCE has an unknown source "gps"/],
    [{ ROOM_ZONES: 'suite-a=or21,or 22' }, /^ROOM_ZONES has a bad zone "suite-a=or21,or 22"/],
    [{ ROOM_ZONES: 'suite-a=or21;suite-b=or31,or21' }, /^ROOM_ZONES puts room "or21" in two zones/],
    [{ WORKER_THREAD: 'yes' }, /^WORKER_THREAD must be on or off/],
    [{ WORKER_THREAD: 'on' }, /^WORKER_THREAD=on needs DATABASE_URL/],
    [
      { WORKER_THREAD: 'on', DATABASE_URL: 'postgres://h/db', ROLES: 'worker' },
      /ROLES must include worker and another/,
    ],
    [
      { WORKER_THREAD: 'on', DATABASE_URL: 'postgres://h/db', ROLES: 'gateway' },
      /ROLES must include worker and another/,
    ],
  ])('refuses %j with one line naming the variable and the fix', (env, message) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(message);
  });

  it('keeps the worker role in the main thread unless WORKER_THREAD=on (PostgreSQL only)', () => {
    expect(loadConfig({}).workerThread).toBe(false);
    expect(loadConfig({ WORKER_THREAD: 'on', DATABASE_URL: 'postgres://h/db' }).workerThread).toBe(true);
  });

  it('never echoes a secret back', () => {
    expect(() => loadConfig({ ADMIN_PASSWORD: 'short' })).toThrow(/^ADMIN_PASSWORD must be at least 12/);
    try {
      loadConfig({ ADMIN_PASSWORD: 'short' });
    } catch (err) {
      expect((err as Error).message).not.toContain('short"');
    }
  });

  it('treats empty variables as unset', () => {
    expect(loadConfig({ DATABASE_URL: '', HTTP_PORT: ' ' }).http.port).toBe(3000);
  });

  it('reads the site policy: staffed hours, KPI settings and milestone precedence', () => {
    const c = loadConfig({
      OR_HOURS: '07:30-18:00',
      KPI_FIRST_CASE_GRACE_MINUTES: '10',
      MILESTONE_PRECEDENCE: 'inRoom=rtls,manual; procedureStart=manual',
      ROOM_ZONES: 'suite-a=or21,or22; suite-b=or31,store-b',
    });
    expect(c.site).toEqual({
      policy: {
        milestonePrecedence: { inRoom: ['rtls', 'manual'], procedureStart: ['manual'] },
        roomZones: { 'suite-a': ['or21', 'or22'], 'suite-b': ['or31', 'store-b'] },
      },
      orHours: { open: '07:30', close: '18:00' },
      predictions: true,
      ruleTick: true,
      pacuRooms: [],
      kpi: { firstCaseGraceMinutes: 10, turnoverMaxMinutes: 120 },
    });
  });

  describe('write-back to the EHR (FHIR_WRITEBACK*)', () => {
    it('is off by default, even with an EHR configured', () => {
      expect(loadConfig({}).fhir.writeback).toBeUndefined();
      expect(loadConfig({ FHIR_BASE_URL: 'https://ehr.example/fhir' }).fhir.writeback).toBeUndefined();
    });

    it('reads hl7 with its destination and MSH names, fhir with the EHR base', () => {
      expect(
        loadConfig({
          FHIR_WRITEBACK: 'hl7',
          FHIR_WRITEBACK_MLLP: 'engine.hospital.example:6661',
          FHIR_WRITEBACK_HL7_RECEIVER: 'OPTIME^GENHOSP',
          FHIR_WRITEBACK_SOURCES: 'manual, rtls',
        }).fhir.writeback,
      ).toEqual({
        mode: 'hl7',
        host: 'engine.hospital.example',
        port: 6661,
        sendingApplication: 'CIRCULATOR',
        receivingApplication: 'OPTIME',
        receivingFacility: 'GENHOSP',
        sources: ['manual', 'rtls'],
        intervalSeconds: 5,
      });
      expect(loadConfig({ FHIR_WRITEBACK: 'fhir', FHIR_BASE_URL: 'https://ehr.example/fhir' }).fhir.writeback).toEqual({
        mode: 'fhir',
        sources: ['manual'],
        intervalSeconds: 5,
      });
    });

    it('refuses what cannot work, naming the variable', () => {
      expect(() => loadConfig({ FHIR_WRITEBACK: 'hl7' })).toThrow(/^FHIR_WRITEBACK=hl7 needs FHIR_WRITEBACK_MLLP/);
      expect(() => loadConfig({ FHIR_WRITEBACK: 'fhir' })).toThrow(/^FHIR_WRITEBACK=fhir needs FHIR_BASE_URL/);
      expect(() => loadConfig({ FHIR_WRITEBACK: 'yes' })).toThrow(/^FHIR_WRITEBACK must be off, fhir or hl7/);
      expect(() => loadConfig({ FHIR_WRITEBACK_MLLP: 'engine:99999' })).toThrow(
        /^FHIR_WRITEBACK_MLLP must be host:port/,
      );
      expect(() => loadConfig({ FHIR_WRITEBACK_SOURCES: 'manual,fhir' })).toThrow(
        /^FHIR_WRITEBACK_SOURCES each source must be manual, device or rtls/,
      );
      expect(() => loadConfig({ FHIR_WRITEBACK_HL7_RECEIVER: 'A|B' })).toThrow(/^FHIR_WRITEBACK_HL7_RECEIVER must be/);
    });
  });

  it('reads the vitals retention and the PACU rooms, refusing aggregates kept shorter than readings', () => {
    expect(loadConfig({}).vitals).toEqual({ retentionDays: 7, aggregateRetentionDays: 400 });
    const c = loadConfig({ VITALS_RETENTION_DAYS: '14', PACU_ROOMS: 'PACU-1, PACU-2' });
    expect(c.vitals).toEqual({ retentionDays: 14, aggregateRetentionDays: 400 });
    expect(c.site.pacuRooms).toEqual(['PACU-1', 'PACU-2']);
    expect(() => loadConfig({ VITALS_RETENTION_DAYS: '30', VITALS_MINUTE_RETENTION_DAYS: '10' })).toThrow(
      /VITALS_MINUTE_RETENTION_DAYS is shorter than VITALS_RETENTION_DAYS/,
    );
    expect(() => loadConfig({ VITALS_RETENTION_DAYS: '0' })).toThrow(/VITALS_RETENTION_DAYS/);
  });

  describe('OpenID Connect sign-in (OIDC_*)', () => {
    const oidc = {
      OIDC_ISSUER: 'https://idp.hospital.example/realms/staff',
      OIDC_CLIENT_ID: 'circulator',
      OIDC_CLIENT_SECRET: 'client-secret-value',
      OIDC_REDIRECT_URI: 'https://circulator.hospital.example/api/auth/oidc/callback',
    };

    it('is off by default', () => {
      expect(loadConfig({}).oidc).toBeUndefined();
    });

    it('reads the provider, with default scopes and roles claim', () => {
      expect(loadConfig(oidc).oidc).toEqual({
        issuer: oidc.OIDC_ISSUER,
        clientId: 'circulator',
        clientSecret: 'client-secret-value',
        redirectUri: oidc.OIDC_REDIRECT_URI,
        scopes: ['openid', 'profile', 'email'],
        rolesClaim: 'roles',
        allowInsecureRequests: false,
      });
      const custom = loadConfig({ ...oidc, OIDC_SCOPES: 'openid  groups', OIDC_ROLES_CLAIM: 'realm_access.roles' });
      expect(custom.oidc).toMatchObject({ scopes: ['openid', 'groups'], rolesClaim: 'realm_access.roles' });
    });

    it('allows plain HTTP on localhost only', () => {
      const local = {
        ...oidc,
        OIDC_ISSUER: 'http://127.0.0.1:8080',
        OIDC_REDIRECT_URI: 'http://localhost:3000/api/auth/oidc/callback',
      };
      expect(loadConfig(local).oidc?.allowInsecureRequests).toBe(true);
      expect(() => loadConfig({ ...oidc, OIDC_ISSUER: 'http://idp.hospital.example' })).toThrow(
        /^OIDC_ISSUER must be an https/,
      );
      expect(() => loadConfig({ ...oidc, OIDC_REDIRECT_URI: 'http://c.example/api/auth/oidc/callback' })).toThrow(
        /^OIDC_REDIRECT_URI must be an https/,
      );
    });

    it('refuses incomplete or wrong settings with a message naming the fix, never the secret', () => {
      expect(() => loadConfig({ OIDC_ISSUER: oidc.OIDC_ISSUER })).toThrow(
        /OIDC_ISSUER needs OIDC_CLIENT_ID and OIDC_REDIRECT_URI/,
      );
      expect(() => loadConfig({ OIDC_CLIENT_ID: 'x' })).toThrow(/need OIDC_ISSUER/);
      expect(() => loadConfig({ ...oidc, OIDC_REDIRECT_URI: 'https://c.example/callback' })).toThrow(
        /must end in \/api\/auth\/oidc\/callback/,
      );
      expect(() => loadConfig({ ...oidc, OIDC_SCOPES: 'profile email' })).toThrow(/^OIDC_SCOPES must include openid/);
      expect(() => loadConfig({ ...oidc, OIDC_ISSUER: 'idp' })).toThrow(/^OIDC_ISSUER must be a URL/);
      let message = '';
      try {
        loadConfig({ OIDC_CLIENT_SECRET: 'client-secret-value' });
      } catch (err) {
        message = String(err);
      }
      expect(message).toMatch(/OIDC_ISSUER/);
      expect(message).not.toContain('client-secret-value');
    });
  });
});
