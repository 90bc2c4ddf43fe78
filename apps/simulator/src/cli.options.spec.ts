import { parseCli, type CliEnvironment } from './cli.options';

const env: CliEnvironment = { now: '2026-11-21T04:30:00Z', systemTimeZone: 'UTC' };

describe('parseCli', () => {
  it('parses the documented options', () => {
    const parsed = parseCli(
      [
        '--mllp',
        '10.0.0.5:2576',
        '--rooms',
        '4',
        '--seed',
        '7',
        '--date',
        '2026-12-01',
        '--tz',
        'Europe/Paris',
        '--speed',
        '0',
      ],
      env,
    );
    expect(parsed).toEqual({
      kind: 'run',
      options: {
        mllp: { host: '10.0.0.5', port: 2576 },
        rooms: 4,
        seed: 7,
        date: '2026-12-01',
        timeZone: 'Europe/Paris',
        speed: 0,
        now: env.now,
        ackTimeoutMs: 10_000,
        dryRun: false,
      },
    });
  });

  it('defaults the date to today in the facility zone', () => {
    const paris = parseCli(['--tz', 'Europe/Paris'], env);
    const honolulu = parseCli(['--tz', 'Pacific/Honolulu'], env);
    expect(paris.kind === 'run' && paris.options.date).toBe('2026-11-21');
    expect(honolulu.kind === 'run' && honolulu.options.date).toBe('2026-11-20');
  });

  it('accepts a bracketed IPv6 host and a dry run without a target', () => {
    const v6 = parseCli(['--mllp', '[::1]:2575'], env);
    expect(v6.kind === 'run' && v6.options.mllp).toEqual({ host: '::1', port: 2575 });
    const dry = parseCli(['--dry-run'], env);
    expect(dry.kind === 'run' && dry.options.mllp).toBeUndefined();
  });

  it.each([
    [['--rooms', '0'], /--rooms/],
    [['--rooms', 'three'], /--rooms/],
    [['--seed', '-3'], /--seed/],
    [['--speed', '-1'], /--speed/],
    [['--speed', ''], /--speed/],
    [['--tz', 'Nowhere/Town'], /--tz/],
    [['--date', '2026-13-01'], /--date/],
    [['--mllp', 'localhost'], /--mllp/],
    [['--mllp', 'localhost:99999'], /--mllp/],
    [['--now', 'soon'], /--now/],
    [['--bogus'], /bogus/],
  ])('rejects %j', (argv, message) => {
    const parsed = parseCli(argv, env);
    expect(parsed.kind).toBe('error');
    expect(parsed.kind === 'error' && parsed.error).toMatch(message);
  });

  it('plays the course live with both accounts, from a given first-case time', () => {
    const parsed = parseCli(
      [
        ...['--first-case', '06:45', '--live', '--api', 'http://127.0.0.1:3999/', '--mqtt', 'mqtt://127.0.0.1:1999'],
        ...['--user', 'admin', '--password', 'pw', '--nurse-user', 'nurse', '--nurse-password', 'npw'],
      ],
      env,
    );
    expect(parsed.kind === 'run' && parsed.options).toMatchObject({
      firstCase: { hour: 6, minute: 45 },
      live: {
        api: 'http://127.0.0.1:3999',
        mqtt: 'mqtt://127.0.0.1:1999',
        admin: { username: 'admin', password: 'pw' },
        nurse: { username: 'nurse', password: 'npw' },
      },
    });
  });

  it('refuses a live play without its accounts, and a bad first-case time', () => {
    expect(parseCli(['--live', '--user', 'admin', '--password', 'pw'], env)).toEqual({
      kind: 'error',
      error: '--live needs --user, --password, --nurse-user and --nurse-password',
    });
    expect(parseCli(['--first-case', '7:30'], env)).toEqual({
      kind: 'error',
      error: '--first-case must be HH:MM, got "7:30"',
    });
  });

  it('takes the course speed and the drills with --live, and refuses them without it', () => {
    const accounts = ['--user', 'admin', '--password', 'pw', '--nurse-user', 'nurse', '--nurse-password', 'npw'];
    const parsed = parseCli(
      ['--live', ...accounts, '--course-speed', '120', '--drill', 'device-outage, late-first-case,device-outage'],
      env,
    );
    expect(parsed.kind === 'run' && parsed.options.live).toMatchObject({
      speed: 120,
      drills: ['device-outage', 'late-first-case'],
    });
    const plain = parseCli(['--live', ...accounts], env);
    expect(plain.kind === 'run' && plain.options.live).toMatchObject({ speed: 0, drills: [] });
    for (const [argv, message] of [
      [['--course-speed', '0.5'], /--course-speed must be 0 or a number from 1 to 120/],
      [['--course-speed', '121'], /--course-speed/],
      [['--drill', 'fire'], /unknown drill "fire"/],
    ] as const) {
      const bad = parseCli(['--live', ...accounts, ...argv], env);
      expect(bad.kind === 'error' && bad.error).toMatch(message);
    }
    expect(parseCli(['--drill', 'device-outage'], env)).toEqual({
      kind: 'error',
      error: '--drill and --course-speed need --live',
    });
  });

  it("takes the EHR's FHIR side with --fhir: port, hook (from --api by default) and secret (or FHIR_HOOK_SECRET)", () => {
    const parsed = parseCli(['--fhir', '--fhir-secret', 's3cret', '--api', 'http://10.0.0.5:3100/'], env);
    expect(parsed.kind === 'run' && parsed.options.fhir).toEqual({
      port: 0,
      hook: 'http://10.0.0.5:3100/fhir/subscription-hook',
      secret: 's3cret',
    });
    const fromEnv = parseCli(['--fhir', '--fhir-port', '8090', '--fhir-hook', 'https://p.example/hook'], {
      ...env,
      fhirHookSecret: 'from-env',
    });
    expect(fromEnv.kind === 'run' && fromEnv.options.fhir).toEqual({
      port: 8090,
      hook: 'https://p.example/hook',
      secret: 'from-env',
    });
    for (const [argv, message] of [
      [['--fhir'], /--fhir needs --fhir-secret or FHIR_HOOK_SECRET/],
      [['--fhir', '--fhir-secret', 's', '--fhir-port', '70000'], /--fhir-port must be a port number/],
      [['--fhir', '--fhir-secret', 's', '--fhir-hook', 'not a url'], /--fhir-hook must be a URL/],
      [['--fhir-port', '8090'], /need --fhir/],
    ] as const) {
      const bad = parseCli([...argv], env);
      expect(bad.kind === 'error' && bad.error).toMatch(message);
    }
    const without = parseCli([], { ...env, fhirHookSecret: 'ignored' });
    expect(without.kind === 'run' && without.options.fhir).toBeUndefined();
  });

  it('asks for help', () => {
    expect(parseCli(['-h'], env)).toEqual({ kind: 'help' });
  });
});
