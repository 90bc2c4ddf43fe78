import { parseBenchOptions } from './bench.options';

describe('bench options', () => {
  it('has the defaults of CONTRACT §8, both phases and 20 readings per room per second', () => {
    expect(parseBenchOptions([])).toEqual({
      rooms: 3,
      seconds: 10,
      displays: 10,
      out: 'bench.json',
      mix: 'interfaces',
      readingsPerRoom: 20,
      phases: ['hl7', 'sensors'],
      boards: 0,
    });
  });

  it('takes the HL7 mix, and refuses one it does not know', () => {
    expect(parseBenchOptions(['--mix', 'bookings']).mix).toBe('bookings');
    expect(() => parseBenchOptions(['--mix', 'adt'])).toThrow('--mix takes interfaces or bookings (got "adt")');
  });

  it('adds board clients to the sensors phase on request', () => {
    expect(parseBenchOptions(['--boards', '50']).boards).toBe(50);
    expect(() => parseBenchOptions(['--boards', 'many'])).toThrow(/--boards/);
  });

  it('reads a target platform, its broker on the default port of CONTRACT §1 unless --mqtt names one', () => {
    const target = ['--url', 'http://10.0.0.1:3000/', '--mllp', '10.0.0.1:2575', '--user', 'admin', '--password', 'x'];
    const o = parseBenchOptions(['--rooms', '5', ...target]);
    expect(o.rooms).toBe(5);
    expect(o.target).toEqual({
      url: 'http://10.0.0.1:3000',
      mllpHost: '10.0.0.1',
      mllpPort: 2575,
      mqttHost: '10.0.0.1',
      mqttPort: 1884,
      username: 'admin',
      password: 'x',
    });
    expect(parseBenchOptions([...target, '--mqtt', 'broker:8883']).target).toMatchObject({
      mqttHost: 'broker',
      mqttPort: 8883,
    });
    expect(
      parseBenchOptions(['--url', 'http://[::1]:3000', '--mllp', 'h:2575', '--user', 'a', '--password', 'x']).target
        ?.mqttHost,
    ).toBe('::1');
  });

  it('paces the senders to --rate messages per second, or not at all', () => {
    expect(parseBenchOptions(['--rate', '1000']).rate).toBe(1000);
    expect(parseBenchOptions([]).rate).toBeUndefined();
  });

  it('takes the readings per room and the phases to run (always in bench order)', () => {
    expect(parseBenchOptions(['--readings-per-room', '5']).readingsPerRoom).toBe(5);
    expect(parseBenchOptions(['--phases', 'sensors']).phases).toEqual(['sensors']);
    expect(parseBenchOptions(['--phases', 'sensors,hl7']).phases).toEqual(['hl7', 'sensors']);
    expect(parseBenchOptions(['--profile', '/tmp/prof']).profileDir).toBe('/tmp/prof');
    expect(parseBenchOptions(['--embedded']).embedded).toBe(true);
    expect(parseBenchOptions([]).embedded).toBeUndefined();
  });

  it.each([
    [['--rate', '0'], /--rate must be a whole number from 1/],
    [['--rooms', '0'], /--rooms must be a whole number from 1/],
    [['--seconds', 'ten'], /--seconds must be/],
    [['--readings-per-room', '0'], /--readings-per-room must be a whole number from 1/],
    [['--phases', 'hl7,fhir'], /--phases takes hl7, sensors/],
    [['--url', 'http://x:3000'], /--url needs --mllp/],
    [['--url', 'http://x:3000', '--mllp', 'x', '--user', 'a', '--password', 'b'], /--mllp must be HOST:PORT/],
    [['--mqtt', 'x:1884'], /go with --url/],
    [['--profile', '/tmp/p', '--url', 'http://x:1', '--mllp', 'x:1', '--user', 'a', '--password', 'b'], /--profile/],
    [['--embedded', '--url', 'http://x:1', '--mllp', 'x:1', '--user', 'a', '--password', 'b'], /--embedded/],
    [['--bogus'], /Unknown option/],
  ])('refuses %j', (argv, message) => {
    expect(() => parseBenchOptions(argv)).toThrow(message);
  });
});
