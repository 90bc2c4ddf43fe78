import { ConfigError, loadConfig } from './app-config';
import { configSchema, VARIABLES } from './config.schema';

describe('HL7_INTERFACES_FILE', () => {
  it('is optional', () => {
    expect(configSchema.parse({}).HL7_INTERFACES_FILE).toBeUndefined();
  });

  it('takes a JSON file path, trimmed', () => {
    expect(configSchema.parse({ HL7_INTERFACES_FILE: ' /etc/circulator/interfaces.json ' }).HL7_INTERFACES_FILE).toBe(
      '/etc/circulator/interfaces.json',
    );
  });

  it('refuses another format with one line naming the variable and the fix', () => {
    expect(() => loadConfig({ HL7_INTERFACES_FILE: '/etc/interfaces.yaml' })).toThrow(ConfigError);
    expect(() => loadConfig({ HL7_INTERFACES_FILE: '/etc/interfaces.yaml' })).toThrow(
      /^HL7_INTERFACES_FILE must name a \.json file \(got "\/etc\/interfaces\.yaml"\): point it at a JSON file/,
    );
  });

  it('is described and not a secret', () => {
    expect(VARIABLES.HL7_INTERFACES_FILE).toMatchObject({
      sensitive: false,
      description: expect.stringMatching(/HL7/),
    });
  });
});

describe('HTTP hardening settings', () => {
  it('defaults: plain HTTP, proxies on loopback only, same origin only, limits on', () => {
    const c = loadConfig({});
    expect(c.http).toMatchObject({ tls: undefined, trustProxy: ['loopback'], corsOrigins: [] });
    expect(c.rateLimits).toEqual({ loginPerMinute: 30, apiPerMinute: 1200 });
  });

  it('reads them', () => {
    const c = loadConfig({
      HTTP_TLS_CERT: 'certs/http.pem',
      HTTP_TLS_KEY: '/etc/circulator/http.key',
      HTTP_TRUST_PROXY: 'loopback, 10.0.8.0/24,fd00::/8 ,192.168.1.10',
      CORS_ORIGINS: 'https://desk.hospital.example, http://10.0.8.20:8080',
      RATE_LIMIT_LOGIN_PER_MINUTE: '5',
      RATE_LIMIT_API_PER_MINUTE: '0',
    });
    expect(c.http.tls).toEqual({
      certFile: expect.stringMatching(/^\/.*\/certs\/http\.pem$/),
      keyFile: '/etc/circulator/http.key',
    });
    expect(c.http.trustProxy).toEqual(['loopback', '10.0.8.0/24', 'fd00::/8', '192.168.1.10']);
    expect(c.http.corsOrigins).toEqual(['https://desk.hospital.example', 'http://10.0.8.20:8080']);
    expect(c.rateLimits).toEqual({ loginPerMinute: 5, apiPerMinute: 0 });
  });

  it.each([
    [{ HTTP_TLS_CERT: '/tmp/c.pem' }, /^HTTP_TLS_CERT and HTTP_TLS_KEY go together/],
    [{ HTTP_TLS_KEY: '/tmp/k.pem' }, /^HTTP_TLS_CERT and HTTP_TLS_KEY go together/],
    [{ CORS_ORIGINS: '*' }, /^CORS_ORIGINS has "\*", which is not an exact origin: a comma list of exact origins/],
    [{ CORS_ORIGINS: 'https://desk.hospital.example/' }, /^CORS_ORIGINS has "https:\/\/desk.hospital.example\/"/],
    [{ CORS_ORIGINS: 'https://desk.hospital.example/board' }, /^CORS_ORIGINS has .*not an exact origin/],
    [{ CORS_ORIGINS: 'https://desk.hospital.example:443' }, /^CORS_ORIGINS has .*not an exact origin/],
    [{ CORS_ORIGINS: 'desk.hospital.example' }, /^CORS_ORIGINS has .*not an exact origin/],
    [{ CORS_ORIGINS: 'ftp://desk.hospital.example' }, /^CORS_ORIGINS has .*not an exact origin/],
    [{ CORS_ORIGINS: 'https://Desk.Hospital.Example' }, /^CORS_ORIGINS has .*not an exact origin/],
    [{ HTTP_TRUST_PROXY: 'true' }, /^HTTP_TRUST_PROXY has "true", which is not loopback/],
    [{ HTTP_TRUST_PROXY: '10.0.8.0/33' }, /^HTTP_TRUST_PROXY has "10.0.8.0\/33"/],
    [{ HTTP_TRUST_PROXY: '2' }, /^HTTP_TRUST_PROXY has "2"/],
    [
      { RATE_LIMIT_LOGIN_PER_MINUTE: '-1' },
      /^RATE_LIMIT_LOGIN_PER_MINUTE must be 0 \(off\) or more .*0 to turn the limit off/,
    ],
    [{ RATE_LIMIT_API_PER_MINUTE: '1.5' }, /^RATE_LIMIT_API_PER_MINUTE must be a whole number/],
    [{ RATE_LIMIT_API_PER_MINUTE: 'lots' }, /^RATE_LIMIT_API_PER_MINUTE must be a number/],
  ])('refuses %j with one line naming the variable and the fix', (env, message) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(message);
  });

  it('quotes a bad list entry once, and the whole list when it holds more', () => {
    expect(() => loadConfig({ CORS_ORIGINS: 'https://x.example/' })).toThrow(
      /^CORS_ORIGINS has "https:\/\/x\.example\/", which is not an exact origin: a comma list/,
    );
    expect(() => loadConfig({ CORS_ORIGINS: 'https://a.example,https://x.example/' })).toThrow(
      /^CORS_ORIGINS has "https:\/\/x\.example\/", which is not an exact origin \(got "https:\/\/a\.example,https:\/\/x\.example\/"\)/,
    );
  });

  it('describes every new variable; only the key is a secret', () => {
    for (const name of [
      'HTTP_TLS_CERT',
      'HTTP_TRUST_PROXY',
      'CORS_ORIGINS',
      'RATE_LIMIT_LOGIN_PER_MINUTE',
      'RATE_LIMIT_API_PER_MINUTE',
    ] as const) {
      expect(VARIABLES[name]).toMatchObject({ sensitive: false, description: expect.any(String) });
    }
    expect(VARIABLES.HTTP_TLS_KEY.sensitive).toBe(true);
  });
});

describe('DISPLAY_PATIENT', () => {
  it('shows initials, age and sex on wall displays by default', () => {
    expect(loadConfig({}).displayPatient).toEqual({ initials: true, age: true, sex: true });
  });

  it('takes a comma list, or none', () => {
    expect(loadConfig({ DISPLAY_PATIENT: 'initials, age' }).displayPatient).toEqual({
      initials: true,
      age: true,
      sex: false,
    });
    expect(loadConfig({ DISPLAY_PATIENT: 'none' }).displayPatient).toEqual({ initials: false, age: false, sex: false });
  });

  it('refuses anything else, naming the variable', () => {
    expect(() => loadConfig({ DISPLAY_PATIENT: 'initials,name' })).toThrow(/^DISPLAY_PATIENT /);
    expect(() => loadConfig({ DISPLAY_PATIENT: 'none,age' })).toThrow(/^DISPLAY_PATIENT .*none stands alone/);
  });
});

describe('LOGIN_LOCKOUT_ATTEMPTS and LOGIN_LOCKOUT_MINUTES', () => {
  it('lock a user name after 5 failures for 15 minutes by default', () => {
    expect(loadConfig({}).lockout).toEqual({ attempts: 5, seconds: 900 });
  });

  it("read a site's own policy", () => {
    expect(loadConfig({ LOGIN_LOCKOUT_ATTEMPTS: '10', LOGIN_LOCKOUT_MINUTES: '30' }).lockout).toEqual({
      attempts: 10,
      seconds: 1_800,
    });
  });

  it('refuse what is not a sensible policy, naming the variable', () => {
    expect(() => loadConfig({ LOGIN_LOCKOUT_ATTEMPTS: '0' })).toThrow(/^LOGIN_LOCKOUT_ATTEMPTS /);
    expect(() => loadConfig({ LOGIN_LOCKOUT_MINUTES: '2000' })).toThrow(/^LOGIN_LOCKOUT_MINUTES .*1440/);
    expect(() => loadConfig({ LOGIN_LOCKOUT_MINUTES: 'soon' })).toThrow(/^LOGIN_LOCKOUT_MINUTES /);
  });
});

describe('WORKER_LOCK_SECONDS', () => {
  it("is BullMQ's 30 s by default and reads a whole number of seconds", () => {
    expect(loadConfig({}).worker).toEqual({ lockMs: 30_000 });
    expect(loadConfig({ WORKER_LOCK_SECONDS: '5' }).worker).toEqual({ lockMs: 5_000 });
  });

  it('refuses a lock too short to renew or not a number, naming the variable', () => {
    expect(() => loadConfig({ WORKER_LOCK_SECONDS: '1' })).toThrow(/^WORKER_LOCK_SECONDS .*at least 2/);
    expect(() => loadConfig({ WORKER_LOCK_SECONDS: 'soon' })).toThrow(/^WORKER_LOCK_SECONDS /);
  });
});
