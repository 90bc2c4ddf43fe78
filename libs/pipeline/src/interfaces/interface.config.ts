import { isIP } from 'node:net';
import { z } from 'zod';
import { DEFAULT_ANESTHESIOLOGIST_ROLES, DEFAULT_SURGEON_ROLES, HL7_OVERRIDE_KEYS } from '@circulator/hl7';

/**
 * One inbound HL7 v2 interface: a sender (or a family of senders) with its own port or a route on
 * the shared MLLP_PORT, its transport security, and the site variants its mappers must know.
 * Pure: validation and defaults only, no I/O.
 */

/** The interface that catches everything on the shared MLLP_PORT; always exists (implicitly or stored). */
export const DEFAULT_INTERFACE_NAME = 'default';

/** Slug: lower-case letters, digits and inner hyphens, 1–63 characters (fits a DNS label and a log line). */
export const INTERFACE_NAME_PATTERN = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

/**
 * An HL7 field path: `SEG[-n]-field[.component[.subcomponent]]`, e.g. `PID-2.1`, `OBX-2-5` (the
 * second OBX, field 5), `ZPI-1.2.1`. All positions are 1-based (HL7 v2.5.1 §2.5.3).
 */
export const HL7_PATH_PATTERN =
  /^([A-Z][A-Z0-9]{2})(?:-([1-9]\d{0,2}))?-([1-9]\d{0,2})(?:\.([1-9]\d{0,2})(?:\.([1-9]\d{0,2}))?)?$/;

/** Room ids as the REST API and topics use them (see RoomRepository.roomIdFor). */
const ROOM_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;

export const LOCATION_POLICIES = ['create-unmapped', 'require-mapping'] as const;
/**
 * What a mapper does with a source location that `locations` does not map: `create-unmapped`
 * (CONTRACT §3: a room flagged unmapped is created on first sight) or `require-mapping` (the
 * message fails with the unknown location named, for sites that must not grow rooms by accident).
 */
export type LocationPolicy = (typeof LOCATION_POLICIES)[number];

/** Where an interface's configuration comes from. `implicit`: the built-in `default`, stored nowhere. */
export type InterfaceOrigin = 'api' | 'file' | 'implicit';

/** A parsed HL7 field path (see {@link HL7_PATH_PATTERN}). */
export interface Hl7Path {
  segment: string;
  /** 1-based occurrence of the segment; 1 when the path does not say. */
  occurrence: number;
  field: number;
  component?: number;
  subcomponent?: number;
}

/** Parses `PID-2.1`-style paths; `undefined` when the syntax is wrong. */
export function parseHl7Path(path: string): Hl7Path | undefined {
  const m = HL7_PATH_PATTERN.exec(path);
  if (m === null || m[1] === undefined || m[3] === undefined) return undefined;
  const parsed: Hl7Path = { segment: m[1], occurrence: m[2] === undefined ? 1 : Number(m[2]), field: Number(m[3]) };
  if (m[4] !== undefined) parsed.component = Number(m[4]);
  if (m[5] !== undefined) parsed.subcomponent = Number(m[5]);
  return parsed;
}

/** One entry of `allowedSources`, parsed: an address or a CIDR block. */
export interface SourceRule {
  family: 'ipv4' | 'ipv6';
  /** The network address as written (IPv4-mapped IPv6 rules are turned into IPv4 ones). */
  address: string;
  prefix: number;
}

const IPV4_MAPPED = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i;

/**
 * Parses an `allowedSources` entry: `10.1.2.3`, `10.1.0.0/16`, `fd00::/8`, `::1`. An IPv4-mapped
 * IPv6 rule (`::ffff:10.0.0.0/104`) is the IPv4 rule it means, because a dual-stack listener
 * reports IPv4 senders as `::ffff:a.b.c.d` (RFC 4291 §2.5.5.2) and we compare them as IPv4.
 * @returns the rule, or a sentence saying what is wrong
 */
export function parseSourceRule(entry: string): SourceRule | string {
  const [rawAddress = '', rawPrefix, ...rest] = entry.trim().split('/');
  if (rest.length > 0) return 'must be an IP address or a CIDR block such as 10.1.0.0/16';
  let address = rawAddress;
  let family = isIP(address);
  if (family === 0) return `${JSON.stringify(entry)} is not an IPv4 or IPv6 address (nor a CIDR block)`;
  const max = family === 4 ? 32 : 128;
  let prefix = max;
  if (rawPrefix !== undefined) {
    if (!/^\d{1,3}$/.test(rawPrefix) || Number(rawPrefix) > max) {
      return `${JSON.stringify(entry)} has a prefix length outside 0–${max}`;
    }
    prefix = Number(rawPrefix);
  }
  const mapped = family === 6 ? IPV4_MAPPED.exec(address) : null;
  if (mapped?.[1] !== undefined && prefix >= 96) {
    address = mapped[1];
    family = 4;
    prefix -= 96;
  }
  return { family: family === 4 ? 'ipv4' : 'ipv6', address, prefix };
}

const isZone = (zone: string): boolean => {
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
};

/** An HD value as the sender writes it in MSH-3/MSH-4: `EPIC`, or `EPIC^1.2.840.1^ISO`. */
const hierarchicDesignator = z
  .string()
  .trim()
  .min(1, 'must not be empty')
  .max(227, 'must be at most 227 characters (HD in HL7 v2.5.1)');

const roleCodes = z
  .array(z.string().trim().min(1, 'a role code must not be empty').max(64, 'a role code is at most 64 characters'))
  .min(1, 'must list at least one code (leave the key out to keep the defaults)')
  .max(50, 'at most 50 codes');

const filePath = z.string().trim().min(1, 'must be a file path').max(4096, 'is too long for a file path');

export const interfaceConfigSchema = z
  .strictObject({
    name: z.string().regex(INTERFACE_NAME_PATTERN, {
      error: 'must be a slug: 1–63 lower-case letters, digits and hyphens, starting and ending with a letter or digit',
    }),
    enabled: z.boolean({ error: 'must be true or false' }).default(true),
    port: z
      .number({ error: 'must be a TCP port number (leave it out for the shared MLLP_PORT)' })
      .int('must be a whole number')
      .min(1, 'must be 1–65535')
      .max(65535, 'must be 1–65535')
      .optional(),
    route: z
      .strictObject({
        sendingApplication: hierarchicDesignator.optional(),
        sendingFacility: hierarchicDesignator.optional(),
      })
      .refine((r) => r.sendingApplication !== undefined || r.sendingFacility !== undefined, {
        error: 'must name sendingApplication (MSH-3), sendingFacility (MSH-4) or both; leave route out for a catch-all',
      })
      .optional(),
    tls: z
      .strictObject({
        certFile: filePath,
        keyFile: filePath,
        caFile: filePath.optional(),
        requireClientCert: z.boolean({ error: 'must be true or false' }).default(false),
      })
      .refine((t) => !t.requireClientCert || t.caFile !== undefined, {
        error: "requireClientCert needs caFile: the CA that signs the senders' client certificates",
        path: ['caFile'],
      })
      .optional(),
    allowedSources: z
      .array(
        z
          .string({ error: 'must be an IP address or a CIDR block' })
          .trim()
          .superRefine((entry, ctx) => {
            const rule = parseSourceRule(entry);
            if (typeof rule === 'string') ctx.addIssue({ code: 'custom', message: rule });
          }),
      )
      .max(256, 'at most 256 entries')
      .optional(),
    facilityTz: z
      .string({ error: 'must be an IANA time zone such as Europe/Paris' })
      .trim()
      .refine(isZone, { error: 'is not an IANA time zone (e.g. Europe/Paris, America/Chicago)' })
      .optional(),
    roles: z.strictObject({ surgeon: roleCodes.optional(), anesthesiologist: roleCodes.optional() }).optional(),
    locations: z
      .record(
        z
          .string()
          .trim()
          .min(1, 'a source location code must not be empty')
          .max(200, 'a source location code is at most 200 characters'),
        z.string().regex(ROOM_ID_PATTERN, { error: 'must be a room id (letters, digits, . _ : -)' }),
      )
      .optional(),
    locationPolicy: z
      .enum(LOCATION_POLICIES, { error: 'must be create-unmapped or require-mapping' })
      .default('create-unmapped'),
    overrides: z
      .record(
        // Only the fields the mappers read: a typo would otherwise be ignored on every message.
        z.string().refine((key) => (HL7_OVERRIDE_KEYS as readonly string[]).includes(key), {
          error: `must be one of ${HL7_OVERRIDE_KEYS.join(', ')}`,
        }),
        z.string().regex(HL7_PATH_PATTERN, {
          error: 'must be an HL7 path SEG[-n]-field[.component[.subcomponent]], e.g. PID-2.1 or OBX-2-5',
        }),
      )
      .optional(),
  })
  .superRefine((c, ctx) => {
    if (c.name !== DEFAULT_INTERFACE_NAME) return;
    // `default` is the catch-all of the shared port by definition: anything else would need a
    // second implicit catch-all to keep that promise.
    if (c.port !== undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['port'],
        message: 'the default interface always uses the shared MLLP_PORT',
      });
    }
    if (c.route !== undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['route'],
        message: 'the default interface is the catch-all: it has no route',
      });
    }
  });

/** A validated interface configuration, with `enabled` and `locationPolicy` defaults filled in. */
export type InterfaceConfig = z.output<typeof interfaceConfigSchema>;
/** What a caller may send: the defaulted members optional. */
export type InterfaceConfigInput = z.input<typeof interfaceConfigSchema>;
export type InterfaceRoute = NonNullable<InterfaceConfig['route']>;
export type InterfaceTls = NonNullable<InterfaceConfig['tls']>;

/** One field-level problem, addressed with an RFC 6901 JSON pointer into the configuration. */
export interface InterfaceFieldError {
  pointer: string;
  detail: string;
}

export type InterfaceValidation = { ok: true; config: InterfaceConfig } | { ok: false; errors: InterfaceFieldError[] };

/** Validates one interface configuration; every problem is reported, each with where it is. */
export function validateInterfaceConfig(input: unknown): InterfaceValidation {
  const result = interfaceConfigSchema.safeParse(input);
  if (result.success) return { ok: true, config: result.data };
  const errors: InterfaceFieldError[] = [];
  for (const issue of result.error.issues) {
    if (issue.code === 'unrecognized_keys') {
      // One error per unknown member: a typo in a security setting must not pass silently.
      for (const key of issue.keys) {
        errors.push({ pointer: toPointer([...issue.path, key]), detail: 'is not a known setting' });
      }
    } else if (issue.code === 'invalid_key') {
      // zod nests what is wrong with a record's key; its own message only says "Invalid key".
      errors.push({ pointer: toPointer(issue.path), detail: issue.issues.map((i) => i.message).join('; ') });
    } else {
      errors.push({ pointer: toPointer(issue.path), detail: issue.message });
    }
  }
  return { ok: false, errors };
}

/** The errors as one line, e.g. for a log or a problem's `detail`. */
export function describeFieldErrors(errors: readonly InterfaceFieldError[]): string {
  return errors.map((e) => `${e.pointer === '' ? 'configuration' : e.pointer.slice(1)}: ${e.detail}`).join('; ');
}

// RFC 6901 §3: `~` and `/` inside a reference token are escaped as `~0` and `~1`.
function toPointer(path: readonly PropertyKey[]): string {
  return path.map((key) => '/' + String(key).replaceAll('~', '~0').replaceAll('/', '~1')).join('');
}

/** The platform settings interfaces fall back on. */
export interface InterfaceDefaults {
  /** MLLP_PORT: where interfaces without a `port` listen (0 in tests: a free port). */
  sharedPort: number;
  /** FACILITY_TZ. */
  facilityTz: string;
}

/** An interface as listeners and mappers use it: every default applied. */
export interface ResolvedInterface {
  readonly name: string;
  readonly enabled: boolean;
  /** The configured port it listens on: its own, or the shared MLLP_PORT. */
  readonly port: number;
  /** True when it listens on the shared MLLP_PORT (and so uses MLLP_TLS_CERT/KEY). */
  readonly sharedPort: boolean;
  readonly route?: InterfaceRoute;
  readonly tls?: InterfaceTls;
  /** Empty: any source. */
  readonly allowedSources: readonly string[];
  readonly facilityTz: string;
  /** AIP-4 codes per role; a role left out of the configuration keeps CONTRACT §4's defaults. */
  readonly roles: { readonly surgeon: readonly string[]; readonly anesthesiologist: readonly string[] };
  /** Source location code (e.g. `OR^OR3^^GENHOSP`) → room id. */
  readonly locations: Readonly<Record<string, string>>;
  readonly locationPolicy: LocationPolicy;
  /** Logical field (e.g. `patient.mrn`) → HL7 path (e.g. `PID-2.1`). */
  readonly overrides: Readonly<Record<string, string>>;
  readonly origin: InterfaceOrigin;
  /** Stored version; 0 for the implicit default. */
  readonly version: number;
}

/** Applies the defaults to a validated configuration. */
export function resolveInterface(
  config: InterfaceConfig,
  defaults: InterfaceDefaults,
  meta: { origin: InterfaceOrigin; version: number },
): ResolvedInterface {
  const port = config.port ?? defaults.sharedPort;
  return {
    name: config.name,
    enabled: config.enabled,
    port,
    sharedPort: port === defaults.sharedPort,
    ...(config.route === undefined ? {} : { route: config.route }),
    ...(config.tls === undefined ? {} : { tls: config.tls }),
    allowedSources: config.allowedSources ?? [],
    facilityTz: config.facilityTz ?? defaults.facilityTz,
    roles: {
      surgeon: config.roles?.surgeon ?? DEFAULT_SURGEON_ROLES,
      anesthesiologist: config.roles?.anesthesiologist ?? DEFAULT_ANESTHESIOLOGIST_ROLES,
    },
    locations: config.locations ?? {},
    locationPolicy: config.locationPolicy,
    overrides: config.overrides ?? {},
    origin: meta.origin,
    version: meta.version,
  };
}

/** The built-in `default`: the catch-all of the shared port when no stored interface is. */
export function implicitDefaultConfig(): InterfaceConfig {
  return { name: DEFAULT_INTERFACE_NAME, enabled: true, locationPolicy: 'create-unmapped' };
}

/** What a route claims on its port, for conflict detection: `*` is the catch-all. */
export function routeKey(route: InterfaceRoute | undefined): string {
  if (route === undefined) return '*';
  const norm = (v: string | undefined): string => (v === undefined ? '' : v.trim().toUpperCase());
  return `${norm(route.sendingApplication)}|${norm(route.sendingFacility)}`;
}

/**
 * Problems between interfaces that are each valid alone: duplicate names, two enabled interfaces
 * claiming the same route on one port (a message would have two homes), TLS on the shared port
 * (whose TLS is MLLP_TLS_CERT/KEY, one listener for all), and interfaces on one port that disagree
 * about TLS (one listener speaks one protocol).
 * @returns sentences naming the interfaces; empty when the set is consistent
 */
export function interfaceSetProblems(configs: readonly InterfaceConfig[], sharedPort: number): string[] {
  const problems: string[] = [];
  const names = new Set<string>();
  for (const c of configs) {
    if (names.has(c.name)) problems.push(`interface ${c.name} is defined twice`);
    names.add(c.name);
  }
  const byPort = new Map<number, InterfaceConfig[]>();
  for (const c of configs) {
    if (!c.enabled) continue;
    const port = c.port ?? sharedPort;
    byPort.set(port, [...(byPort.get(port) ?? []), c]);
  }
  for (const [port, group] of byPort) {
    const shared = port === sharedPort;
    const where = shared ? `the shared MLLP_PORT (${port})` : `port ${port}`;
    const claims = new Map<string, string>();
    for (const c of group) {
      const key = routeKey(c.route);
      const other = claims.get(key);
      if (other !== undefined) {
        const what = key === '*' ? 'are both catch-alls (no route)' : 'have the same route';
        problems.push(`interfaces ${other} and ${c.name} ${what} on ${where}: give one a route or its own port`);
      } else claims.set(key, c.name);
    }
    if (shared) {
      for (const c of group.filter((g) => g.tls !== undefined)) {
        problems.push(
          `interface ${c.name}: tls cannot be set on ${where}, whose TLS is MLLP_TLS_CERT/MLLP_TLS_KEY; give it its own port`,
        );
      }
    } else {
      const first = group[0];
      // Member by member: jsonb does not keep key order, so JSON text would not compare.
      const tlsOf = (c: InterfaceConfig): string =>
        c.tls === undefined
          ? 'none'
          : JSON.stringify([c.tls.certFile, c.tls.keyFile, c.tls.caFile ?? null, c.tls.requireClientCert]);
      const odd = group.find((c) => first !== undefined && tlsOf(c) !== tlsOf(first));
      if (first !== undefined && odd !== undefined) {
        problems.push(`interfaces ${first.name} and ${odd.name} share ${where} but not the same tls settings`);
      }
    }
  }
  return problems;
}

/**
 * Reads HL7_INTERFACES_FILE: `{"interfaces": [ {name, …}, … ]}` (or the array alone).
 * @returns the validated configurations, or one line saying everything that is wrong
 */
export function parseInterfacesFile(
  text: string,
): { ok: true; configs: InterfaceConfig[] } | { ok: false; error: string } {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    return { ok: false, error: `not valid JSON: ${err instanceof Error ? err.message : String(err)}` };
  }
  const list: unknown = Array.isArray(json) ? json : (json as { interfaces?: unknown } | null)?.interfaces;
  if (!Array.isArray(list)) return { ok: false, error: 'expected {"interfaces": [ … ]}' };
  const configs: InterfaceConfig[] = [];
  const errors: string[] = [];
  list.forEach((entry: unknown, i) => {
    const v = validateInterfaceConfig(entry);
    if (v.ok) configs.push(v.config);
    else {
      const name = (entry as { name?: unknown } | null)?.name;
      errors.push(`interfaces[${i}]${typeof name === 'string' ? ` (${name})` : ''}: ${describeFieldErrors(v.errors)}`);
    }
  });
  if (errors.length > 0) return { ok: false, error: errors.join(' | ') };
  return { ok: true, configs };
}
