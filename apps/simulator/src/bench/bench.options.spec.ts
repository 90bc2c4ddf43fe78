import { parseBenchOptions } from './bench.options';

describe('bench options', () => {
  it('has the defaults of CONTRACT §8', () => {
    expect(parseBenchOptions([])).toEqual({ rooms: 3, seconds: 10, displays: 10, out: 'bench.json' });
  });

  it('reads a target platform', () => {
    const o = parseBenchOptions([
      '--rooms',
      '5',
      '--url',
      'http://10.0.0.1:3000/',
      '--mllp',
      '10.0.0.1:2575',
      '--user',
      'admin',
      '--password',
      'x',
    ]);
    expect(o.rooms).toBe(5);
    expect(o.target).toEqual({
      url: 'http://10.0.0.1:3000',
      mllpHost: '10.0.0.1',
      mllpPort: 2575,
      username: 'admin',
      password: 'x',
    });
  });

  it('paces the senders to --rate messages per second, or not at all', () => {
    expect(parseBenchOptions(['--rate', '1000']).rate).toBe(1000);
    expect(parseBenchOptions([]).rate).toBeUndefined();
  });

  it.each([
    [['--rate', '0'], /--rate must be a whole number from 1/],
    [['--rooms', '0'], /--rooms must be a whole number from 1/],
    [['--seconds', 'ten'], /--seconds must be/],
    [['--url', 'http://x:3000'], /--url needs --mllp/],
    [['--bogus'], /Unknown option/],
  ])('refuses %j', (argv, message) => {
    expect(() => parseBenchOptions(argv)).toThrow(message);
  });
});
