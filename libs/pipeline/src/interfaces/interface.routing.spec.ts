import {
  type InterfaceConfigInput,
  resolveInterface,
  type ResolvedInterface,
  validateInterfaceConfig,
} from './interface.config';
import { addressAllowed, hdMatches, normalizeAddress, normalizeHd, routeInterface } from './interface.routing';

const SHARED = 2575;

function iface(input: InterfaceConfigInput): ResolvedInterface {
  const v = validateInterfaceConfig(input);
  if (!v.ok) throw new Error(JSON.stringify(v.errors));
  return resolveInterface(v.config, { sharedPort: SHARED, facilityTz: 'UTC' }, { origin: 'api', version: 1 });
}

describe('routeInterface', () => {
  const shared = [
    iface({ name: 'default' }),
    iface({ name: 'epic', route: { sendingApplication: 'EPIC' } }),
    iface({ name: 'epic-west', route: { sendingApplication: 'EPIC', sendingFacility: 'WEST' } }),
    iface({ name: 'west', route: { sendingFacility: 'WEST' } }),
    iface({ name: 'lab', port: 6000, route: { sendingApplication: 'LIS' } }),
  ];
  const route = (sendingApplication: string, sendingFacility: string, localPort = SHARED) =>
    routeInterface(shared, { localPort, sendingApplication, sendingFacility })?.name;

  it('prefers application and facility, then application, then facility, then the catch-all', () => {
    expect(route('EPIC', 'WEST')).toBe('epic-west');
    expect(route('EPIC', 'EAST')).toBe('epic');
    expect(route('CERNER', 'WEST')).toBe('west');
    expect(route('CERNER', 'EAST')).toBe('default');
    expect(route('', '')).toBe('default');
  });

  it('gives a port with one interface to that interface whatever its route says', () => {
    expect(route('ANYTHING', 'ELSE', 6000)).toBe('lab');
  });

  it('finds nothing on a port without interfaces, or on a shared port without a match and a catch-all', () => {
    expect(route('EPIC', 'WEST', 7000)).toBeUndefined();
    const noCatchAll = shared.filter((i) => i.name !== 'default');
    expect(
      routeInterface(noCatchAll, { localPort: SHARED, sendingApplication: 'X', sendingFacility: 'Y' }),
    ).toBeUndefined();
  });

  it('skips disabled interfaces', () => {
    const list = [
      iface({ name: 'default' }),
      iface({ name: 'epic', enabled: false, route: { sendingApplication: 'EPIC' } }),
    ];
    expect(routeInterface(list, { localPort: SHARED, sendingApplication: 'EPIC' })?.name).toBe('default');
    // …and a port whose only other interface is disabled has one interface left.
    const solo = [
      iface({ name: 'a', port: 7000, route: { sendingApplication: 'A' } }),
      iface({ name: 'b', port: 7000, enabled: false }),
    ];
    expect(routeInterface(solo, { localPort: 7000, sendingApplication: 'Z' })?.name).toBe('a');
  });

  it('answers the same way whatever the order of the list', () => {
    const reversed = [...shared].reverse();
    expect(
      routeInterface(reversed, { localPort: SHARED, sendingApplication: 'EPIC', sendingFacility: 'WEST' })?.name,
    ).toBe('epic-west');
  });
});

describe('hdMatches', () => {
  it.each([
    ['EPIC', 'EPIC', true],
    ['EPIC', 'epic ', true],
    ['EPIC', 'EPIC^1.2.840.114350^ISO', true],
    ['EPIC^1.2.840.114350^ISO', 'EPIC^1.2.840.114350^ISO', true],
    ['EPIC^1.2.840.114350^ISO', 'EPIC^1.2.840.114350^ISO^', true],
    ['EPIC^1.2.840.114350^ISO', 'EPIC^9.9^ISO', false],
    ['EPIC^1.2.840.114350', 'EPIC', false],
    ['EPIC', 'EPICCARE', false],
    ['EPIC', '', false],
  ])('%s against %s → %s', (configured, received, expected) => {
    expect(hdMatches(configured, received)).toBe(expected);
  });

  it("reads MSH-3 written with the sender's own component separator", () => {
    expect(normalizeHd('EPIC#1.2.3#ISO', '#')).toBe('EPIC^1.2.3^ISO');
    expect(hdMatches('EPIC^1.2.3^ISO', normalizeHd('EPIC#1.2.3#ISO', '#'))).toBe(true);
  });
});

describe('addressAllowed', () => {
  it('admits anyone when the list is empty or absent', () => {
    expect(addressAllowed(undefined, '203.0.113.9')).toBe(true);
    expect(addressAllowed([], '2001:db8::1')).toBe(true);
  });

  it('matches single addresses and CIDR blocks of both families', () => {
    const list = ['10.1.0.0/16', '192.168.4.7', 'fd00::/8', '::1'];
    expect(addressAllowed(list, '10.1.250.3')).toBe(true);
    expect(addressAllowed(list, '10.2.0.1')).toBe(false);
    expect(addressAllowed(list, '192.168.4.7')).toBe(true);
    expect(addressAllowed(list, '192.168.4.8')).toBe(false);
    expect(addressAllowed(list, 'fd12:3456::1')).toBe(true);
    expect(addressAllowed(list, 'fe80::1')).toBe(false);
    expect(addressAllowed(list, '::1')).toBe(true);
  });

  it('reads IPv4-mapped IPv6 senders (dual-stack listeners) as IPv4, and mapped rules likewise', () => {
    expect(addressAllowed(['127.0.0.1'], '::ffff:127.0.0.1')).toBe(true);
    expect(addressAllowed(['10.0.0.0/8'], '::FFFF:10.9.8.7')).toBe(true);
    expect(addressAllowed(['10.0.0.0/8'], '::ffff:11.0.0.1')).toBe(false);
    expect(addressAllowed(['::ffff:10.0.0.0/104'], '10.3.2.1')).toBe(true);
  });

  it('ignores an IPv6 zone id and refuses what is not an address', () => {
    expect(addressAllowed(['fe80::/10'], 'fe80::1%eth0')).toBe(true);
    expect(addressAllowed(['10.0.0.0/8'], 'unknown')).toBe(false);
    expect(normalizeAddress('::ffff:192.0.2.1')).toEqual({ address: '192.0.2.1', family: 'ipv4' });
  });

  it('matches the whole IPv4 space with 0.0.0.0/0 and nothing of IPv6 with an IPv4 rule', () => {
    expect(addressAllowed(['0.0.0.0/0'], '203.0.113.9')).toBe(true);
    expect(addressAllowed(['0.0.0.0/0'], '2001:db8::1')).toBe(false);
  });
});
