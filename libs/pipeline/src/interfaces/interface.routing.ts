import { BlockList, isIP } from 'node:net';
import { type InterfaceRoute, parseSourceRule, type ResolvedInterface } from './interface.config';

/**
 * Which interface a message belongs to, and whether a sender's address may use it. Pure: no I/O,
 * no clock; the listener manager calls it per connection and per frame with the current interfaces.
 */

/** What routing looks at: the port the frame arrived on and the sender's MSH-3/MSH-4. */
export interface RouteQuery {
  /** The configured port of the listener (the shared MLLP_PORT value for the shared listener). */
  localPort: number;
  /** MSH-3 as received, components separated by `^` (see {@link normalizeHd}). */
  sendingApplication?: string;
  /** MSH-4 as received, components separated by `^`. */
  sendingFacility?: string;
}

/**
 * The interface a message belongs to, among the enabled interfaces listening on its port:
 * - one interface on the port: that one, whatever its route says (a dedicated port needs no routing);
 * - several (a shared port): the most specific route that matches — application and facility, then
 *   application alone, then facility alone, then the catch-all without a route;
 * - none matches: `undefined` (the caller decides: fall back to `default` or refuse).
 *
 * Two interfaces with the same route on one port are refused when configured
 * (`interfaceSetProblems`); should it happen anyway, the first by name wins, so the answer is stable.
 */
export function routeInterface(
  interfaces: readonly ResolvedInterface[],
  query: RouteQuery,
): ResolvedInterface | undefined {
  const onPort = interfaces
    .filter((i) => i.enabled && i.port === query.localPort)
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  if (onPort.length <= 1) return onPort[0];
  let best: ResolvedInterface | undefined;
  let bestScore = -1;
  for (const candidate of onPort) {
    const score = routeScore(candidate.route, query);
    if (score > bestScore) {
      best = candidate;
      bestScore = score;
    }
  }
  return best;
}

/** How specifically a route matches: 3 application+facility, 2 application, 1 facility, 0 catch-all, -1 no match. */
export function routeScore(route: InterfaceRoute | undefined, query: Omit<RouteQuery, 'localPort'>): number {
  if (route === undefined) return 0;
  const { sendingApplication: app, sendingFacility: facility } = route;
  if (app !== undefined && !hdMatches(app, query.sendingApplication ?? '')) return -1;
  if (facility !== undefined && !hdMatches(facility, query.sendingFacility ?? '')) return -1;
  return (app !== undefined ? 2 : 0) + (facility !== undefined ? 1 : 0);
}

/**
 * Compares a configured HD (HL7 v2.5.1 §2.A.33: namespace ID ^ universal ID ^ universal ID type)
 * with MSH-3/MSH-4 as received. A configured value of one component matches the namespace ID alone,
 * so `EPIC` matches `EPIC^1.2.840.1^ISO`; a configured value with components must match each of
 * them (trailing empty ones ignored). Case and surrounding blanks are ignored: senders are not
 * consistent about either, and no two real applications differ only by case.
 */
export function hdMatches(configured: string, received: string): boolean {
  const want = trimTrailingEmpty(configured.split('^').map(norm));
  const got = trimTrailingEmpty(received.split('^').map(norm));
  if (want.length === 0) return false;
  if (want.length === 1) return got[0] === want[0];
  return want.length === got.length && want.every((part, i) => part === got[i]);
}

/** An HD field written with the message's own component separator, rewritten with `^`. */
export function normalizeHd(raw: string, componentSeparator: string): string {
  return componentSeparator === '^' ? raw : raw.split(componentSeparator).join('^');
}

const norm = (v: string): string => v.trim().toUpperCase();

function trimTrailingEmpty(parts: string[]): string[] {
  let end = parts.length;
  while (end > 0 && parts[end - 1] === '') end--;
  return parts.slice(0, end);
}

/** A remote address as compared: zone id dropped, IPv4-mapped IPv6 turned into IPv4. */
export function normalizeAddress(address: string): { address: string; family: 'ipv4' | 'ipv6' } | undefined {
  const bare = address.trim().replace(/%.*$/, '');
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(bare);
  const candidate = mapped?.[1] ?? bare;
  const family = isIP(candidate);
  if (family === 0) return undefined;
  return { address: candidate, family: family === 4 ? 'ipv4' : 'ipv6' };
}

/**
 * Compiles an allow-list once (the listener manager keeps the result per interface version).
 * An empty or absent list admits every address; an entry that does not parse admits nothing (the
 * configuration is validated before it gets here, so this only fails closed on a bug).
 */
export function compileSources(allowedSources: readonly string[] | undefined): (remoteAddress: string) => boolean {
  if (allowedSources === undefined || allowedSources.length === 0) return () => true;
  const list = new BlockList();
  for (const entry of allowedSources) {
    const rule = parseSourceRule(entry);
    if (typeof rule === 'string') continue;
    list.addSubnet(rule.address, rule.prefix, rule.family);
  }
  return (remoteAddress) => {
    const remote = normalizeAddress(remoteAddress);
    return remote !== undefined && list.check(remote.address, remote.family);
  };
}

/** True when `remoteAddress` may use an interface with these `allowedSources` (empty: anyone). */
export function addressAllowed(allowedSources: readonly string[] | undefined, remoteAddress: string): boolean {
  return compileSources(allowedSources)(remoteAddress);
}
