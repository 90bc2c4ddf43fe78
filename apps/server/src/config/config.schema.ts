import { isIP } from 'node:net';
import { z } from 'zod';
import { MILESTONE_KEYS, type MilestoneKey } from '@circulator/contracts';
import { MILESTONE_SOURCES, type MilestoneSource } from '@circulator/domain';

/**
 * Every setting of CONTRACT §1 (plus a few of ours), validated once at start. Nothing else in the
 * code base reads process.env. Each variable says what it is for, how to fix a bad value, and
 * whether it is a secret (secrets are never logged).
 */
const port = (fallback: number) =>
  z.coerce
    .number({ error: 'must be a TCP port number' })
    .int('must be a whole number')
    .min(0, 'must be 0–65535')
    .max(65535, 'must be 0–65535')
    .default(fallback);

const optionalUrl = (protocols: string[]) =>
  z
    .string()
    .trim()
    .min(1)
    .refine((v) => URL.canParse(v) && protocols.includes(new URL(v).protocol), {
      message: `must be a URL starting with ${protocols.map((p) => `${p}//`).join(' or ')}`,
    })
    .optional();

/** An HL7 HD pair as MSH-3^MSH-4 or MSH-5^MSH-6 write it: no other delimiter, no control character. */
const HL7_HD_PAIR = /^[^|~\\&^\p{Cc}]{1,180}(\^[^|~\\&^\p{Cc}]{1,180})?$/u;

const isZone = (zone: string) => {
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
};

/** A comma-separated list, entries trimmed, empty entries dropped. */
const commaList = (fallback: string) =>
  z
    .string()
    .default(fallback)
    .transform((v) =>
      v
        .split(',')
        .map((x) => x.trim())
        .filter(Boolean),
    );

/**
 * An origin as browsers send it in the Origin header (RFC 6454 §6.1): scheme, host and a port
 * only when it is not the scheme's default. Anything else (a path, a trailing slash, `*`) never
 * equals a real Origin header, so it is refused rather than silently matching nothing.
 */
export function isExactOrigin(value: string): boolean {
  if (!URL.canParse(value)) return false;
  const url = new URL(value);
  return (url.protocol === 'http:' || url.protocol === 'https:') && url.origin === value;
}

const NAMED_PROXY_RANGES = ['loopback', 'linklocal', 'uniquelocal'];

/** An address or CIDR block in the forms Express's `trust proxy` takes (proxy-addr). */
function isProxyAddress(value: string): boolean {
  if (NAMED_PROXY_RANGES.includes(value)) return true;
  const [address = '', bits, ...rest] = value.split('/');
  const family = isIP(address);
  if (family === 0 || rest.length > 0) return false;
  if (bits === undefined) return true;
  const max = family === 4 ? 32 : 128;
  return /^\d{1,3}$/.test(bits) && Number(bits) <= max;
}

const wholeNumber = (min: number, max: number, fallback: number) =>
  z.coerce
    .number({ error: 'must be a whole number' })
    .int('must be a whole number')
    .min(min, `must be at least ${min}`)
    .max(max, `must be at most ${max}`)
    .default(fallback);

const perMinute = (fallback: number) =>
  z.coerce
    .number({ error: 'must be a number of requests per minute' })
    .int('must be a whole number of requests per minute')
    .min(0, 'must be 0 (off) or more')
    .max(1_000_000, 'must be at most 1000000')
    .default(fallback);

/**
 * Sign-in attempts per client address per minute. Not lower: a hospital's shared workstations and
 * VDI hosts put many people behind one address at a shift change. Passwords have 12 characters or
 * more and are checked with argon2, so 30 guesses a minute from one address gains an attacker
 * nothing useful, while a locked-out ward would be a real harm.
 */
export const DEFAULT_LOGIN_PER_MINUTE = 30;
/** API calls per principal (or address, before sign-in) per minute: 20 a second, sustained. */
export const DEFAULT_API_PER_MINUTE = 1200;

export const PROCESS_ROLES = ['gateway', 'ingest', 'worker'] as const;
export type ProcessRole = (typeof PROCESS_ROLES)[number];

export interface VariableDoc {
  description: string;
  fix: string;
  sensitive: boolean;
}

export const VARIABLES = {
  HTTP_PORT: {
    description: 'REST API, socket.io, FHIR façade and the web UI',
    fix: 'set it to a free TCP port (0 picks one)',
    sensitive: false,
  },
  HTTP_HOST: {
    description: 'address the HTTP server binds to [0.0.0.0]',
    fix: 'set it to an IP address of this machine',
    sensitive: false,
  },
  HTTP_TLS_CERT: {
    description: 'PEM certificate (chain) file: turns on HTTPS (TLS 1.2 or later) on HTTP_PORT, and HSTS',
    fix: 'point it at a readable PEM certificate file, with HTTP_TLS_KEY',
    sensitive: false,
  },
  HTTP_TLS_KEY: {
    description: 'PEM private key file for HTTP_TLS_CERT',
    fix: 'point it at a readable PEM key file, with HTTP_TLS_CERT',
    sensitive: true,
  },
  HTTP_TRUST_PROXY: {
    description:
      'reverse proxies or load balancers whose X-Forwarded-For is believed, for client addresses (rate limits, audit) [loopback]',
    fix: 'a comma list of loopback, linklocal, uniquelocal, IP addresses or CIDR blocks, e.g. loopback,10.0.8.0/24',
    sensitive: false,
  },
  CORS_ORIGINS: {
    description: 'other web origins whose browser pages may call the API, comma-separated [none: same origin only]',
    fix: 'a comma list of exact origins such as https://desk.hospital.example (scheme, host, port if not the default; no path, no *)',
    sensitive: false,
  },
  LOGIN_LOCKOUT_ATTEMPTS: {
    description: 'failed sign-ins in a row that lock a user name [5]',
    fix: 'a whole number from 1 to 100',
    sensitive: false,
  },
  LOGIN_LOCKOUT_MINUTES: {
    description: 'how long a locked user name stays locked, minutes [15]',
    fix: 'a whole number of minutes from 1 to 1440',
    sensitive: false,
  },
  RATE_LIMIT_LOGIN_PER_MINUTE: {
    description:
      'sign-in attempts (POST /api/auth/token) per client address per minute, shared by every gateway through Redis; 0 = off [30]',
    fix: 'a whole number, 0 to turn the limit off',
    sensitive: false,
  },
  RATE_LIMIT_API_PER_MINUTE: {
    description:
      'calls to /api/** and /fhir/** per signed-in principal (or client address) per minute, shared through Redis; 0 = off [1200]',
    fix: 'a whole number, 0 to turn the limit off',
    sensitive: false,
  },
  NODE_ENV: {
    description:
      'production makes unsafe dependencies a start failure instead of a warning (a Redis that may evict queued work)',
    fix: 'production, or anything else for development',
    sensitive: false,
  },
  MLLP_MAX_CONNECTIONS: {
    description: 'open MLLP connections per listening port; further ones are refused [1024]',
    fix: 'a whole number from 1 to 100000',
    sensitive: false,
  },
  MLLP_MAX_CONNECTIONS_PER_ADDRESS: {
    description: 'open MLLP connections from one source address per port; further ones are closed at once [64]',
    fix: 'a whole number from 1 to 100000',
    sensitive: false,
  },
  MLLP_IDLE_TIMEOUT_SECONDS: {
    description: 'close an MLLP connection after this long without a byte; 0 = never [0]',
    fix: 'a whole number of seconds, 0 to keep idle connections open',
    sensitive: false,
  },
  MLLP_FRAME_TIMEOUT_SECONDS: {
    description:
      'longest time one MLLP frame may take from start to end; a slower one is dropped and its connection closed [60]',
    fix: 'a whole number of seconds from 1 to 3600',
    sensitive: false,
  },
  METRICS_TOKEN: {
    description:
      'bearer secret of the Prometheus scraper for GET /metrics (32+ characters); without it only admin or integration tokens read it',
    fix: 'set a random value of 32 characters or more (e.g. openssl rand -hex 32), or unset it',
    sensitive: true,
  },
  MLLP_PORT: { description: 'HL7 v2 MLLP listener', fix: 'set it to a free TCP port (0 picks one)', sensitive: false },
  MLLP_TLS_CERT: {
    description: 'PEM certificate file: turns on TLS for MLLP',
    fix: 'point it at a readable PEM file, with MLLP_TLS_KEY',
    sensitive: false,
  },
  MLLP_TLS_KEY: {
    description: 'PEM private key file for MLLP TLS',
    fix: 'point it at a readable PEM key file, with MLLP_TLS_CERT',
    sensitive: true,
  },
  MQTT_URL: {
    description: 'external MQTT broker; unset = embedded broker',
    fix: 'use mqtt://host:port or mqtts://host:port',
    sensitive: true,
  },
  MQTT_PORT: { description: 'embedded MQTT broker port [1884]', fix: 'set it to a free TCP port', sensitive: false },
  MQTT_TLS_CERT: {
    description: 'PEM certificate: the embedded MQTT broker also listens for MQTT over TLS on MQTT_TLS_PORT',
    fix: 'point it at a readable PEM file, with MQTT_TLS_KEY',
    sensitive: false,
  },
  MQTT_TLS_KEY: {
    description: 'PEM private key for MQTT_TLS_CERT',
    fix: 'point it at a readable PEM key file, with MQTT_TLS_CERT',
    sensitive: true,
  },
  MQTT_TLS_PORT: {
    description: 'embedded MQTT broker TLS port [8884], used when MQTT_TLS_CERT is set',
    fix: 'set it to a free TCP port',
    sensitive: false,
  },
  DATABASE_URL: {
    description: 'PostgreSQL; unset = embedded database under DATA_DIR',
    fix: 'use postgres://user:password@host:5432/dbname',
    sensitive: true,
  },
  REDIS_URL: {
    description: 'Redis for queues and realtime fan-out [redis://127.0.0.1:6379]',
    fix: 'use redis://host:6379',
    sensitive: true,
  },
  REDIS_PREFIX: {
    description: 'prefix of every Redis key and channel [circulator]',
    fix: 'use letters, digits, - and _',
    sensitive: false,
  },
  DATA_DIR: {
    description: 'where embedded state lives [./data]',
    fix: 'point it at a writable folder',
    sensitive: false,
  },
  FACILITY_TZ: {
    description: 'IANA zone for HL7 times without an offset [system zone]',
    fix: 'use an IANA zone such as Europe/Paris or America/Chicago',
    sensitive: false,
  },
  FACILITY_NAME: {
    description: 'the facility as printed reports name it (the biomed compliance report) [none]',
    fix: 'a name of at most 200 characters',
    sensitive: false,
  },
  DISPLAY_PATIENT: {
    description:
      'what wall displays show of the patient: a comma list of initials, age, sex, or none [initials,age,sex]',
    fix: 'a comma list of initials, age and sex (e.g. initials,age), or none',
    sensitive: false,
  },
  ADMIN_PASSWORD: {
    description: 'ensures user admin exists with this password',
    fix: 'use at least 12 characters',
    sensitive: true,
  },
  ROLES: {
    description: 'parts this process runs [gateway,ingest,worker]',
    fix: 'a comma list of gateway, ingest, worker',
    sensitive: false,
  },
  WORKER_THREAD: {
    description:
      'on: the worker role runs in a thread of its own inside this process, beside the gateway and ingest (PostgreSQL only) [off]',
    fix: 'on or off (on needs DATABASE_URL and ROLES with worker and another role)',
    sensitive: false,
  },
  HL7_INTERFACES_FILE: {
    description:
      'JSON file of inbound HL7 interfaces ({"interfaces": [...]}); applied at start and whenever it changes, read-only through the API',
    fix: 'point it at a JSON file (it may be created later; a bad one is logged and the previous interfaces kept)',
    sensitive: false,
  },
  FHIR_BASE_URL: {
    description: 'EHR FHIR R4 server to synchronise from',
    fix: 'use an http(s):// URL',
    sensitive: false,
  },
  FHIR_HOOK_SECRET: {
    description:
      'secret the FHIR subscription hook requires (header X-Hook-Secret); unset: the hook refuses every call',
    fix: 'use at least 16 characters',
    sensitive: true,
  },
  FHIR_AUTH: {
    description:
      'how the platform signs in to FHIR_BASE_URL: none, bearer (FHIR_AUTH_TOKEN) or smart-backend (SMART Backend Services) [none]',
    fix: 'use none, bearer or smart-backend',
    sensitive: false,
  },
  FHIR_AUTH_TOKEN: {
    description: 'static bearer token sent to FHIR_BASE_URL (FHIR_AUTH=bearer)',
    fix: 'set the token the EHR issued for this platform',
    sensitive: true,
  },
  FHIR_SMART_CLIENT_ID: {
    description: 'client id registered at the EHR for SMART Backend Services (FHIR_AUTH=smart-backend)',
    fix: 'set the client id the EHR registered for this platform',
    sensitive: false,
  },
  FHIR_SMART_KEY_FILE: {
    description: 'PEM private key (RSA 2048+ for RS384, or EC P-384 for ES384) that signs the SMART client assertion',
    fix: 'point it at a readable unencrypted PEM private key whose public key the EHR has (JWKS)',
    sensitive: true,
  },
  FHIR_SMART_KEY_ID: {
    description: "kid of FHIR_SMART_KEY_FILE's key in the JWKS the EHR knows",
    fix: 'set the key id as registered at the EHR',
    sensitive: false,
  },
  FHIR_SMART_TOKEN_URL: {
    description: "the EHR's token endpoint [read from FHIR_BASE_URL/.well-known/smart-configuration]",
    fix: 'use an http(s):// URL',
    sensitive: false,
  },
  FHIR_SMART_SCOPE: {
    description: 'scopes asked for with SMART Backend Services [system/*.read]',
    fix: 'a space-separated list of SMART scopes, e.g. system/Appointment.read system/Patient.read',
    sensitive: false,
  },
  FHIR_SYNC_INTERVAL_SECONDS: {
    description:
      'seconds between incremental syncs from FHIR_BASE_URL (also one at start); 0 = only catch-ups after a missed notification [60]',
    fix: 'a whole number of seconds, 0–86400',
    sensitive: false,
  },
  FHIR_SYNC_SINCE: {
    description: 'the first sync of each resource type reads only what changed since this instant [everything]',
    fix: 'an ISO 8601 instant with its zone, e.g. 2026-11-01T00:00:00Z',
    sensitive: false,
  },
  FHIR_SYNC_PAGE_SIZE: {
    description: 'resources asked for per page (_count) when syncing [100]',
    fix: 'a whole number, 1–1000',
    sensitive: false,
  },
  FHIR_WRITEBACK: {
    description:
      'write milestones recorded here back to the EHR: fhir (Encounter and Procedure updates on FHIR_BASE_URL), hl7 (SIU^S14 over MLLP to FHIR_WRITEBACK_MLLP) or off [off]',
    fix: 'use off, fhir or hl7',
    sensitive: false,
  },
  FHIR_WRITEBACK_SOURCES: {
    description:
      "which milestone sources are written back, e.g. manual,rtls (never the EHR's own: fhir, adt, siu) [manual]",
    fix: 'a comma list of manual, device, rtls',
    sensitive: false,
  },
  FHIR_WRITEBACK_MLLP: {
    description: 'HL7 write-back destination as host:port (FHIR_WRITEBACK=hl7)',
    fix: 'host:port of the EHR interface engine, e.g. 10.1.2.3:6661',
    sensitive: false,
  },
  FHIR_WRITEBACK_HL7_APPLICATION: {
    description: 'MSH-3^MSH-4 of HL7 write-back messages (sending application^facility) [CIRCULATOR]',
    fix: 'application or application^facility, as the interface agreement names them',
    sensitive: false,
  },
  FHIR_WRITEBACK_HL7_RECEIVER: {
    description: 'MSH-5^MSH-6 of HL7 write-back messages (receiving application^facility) [empty]',
    fix: 'application or application^facility, as the interface agreement names them',
    sensitive: false,
  },
  FHIR_WRITEBACK_INTERVAL_SECONDS: {
    description: 'seconds between sends of the write-back outbox; 0 = never by itself (tests) [5]',
    fix: 'a whole number of seconds, 0–3600',
    sensitive: false,
  },
  OIDC_ISSUER: {
    description:
      "issuer of the hospital's OpenID Provider: turns on 'Sign in with your hospital account' (authorization code + PKCE) [off]",
    fix: 'use the https:// issuer URL the provider publishes (http:// only on localhost), with OIDC_CLIENT_ID and OIDC_REDIRECT_URI',
    sensitive: false,
  },
  OIDC_CLIENT_ID: {
    description: 'our client id registered at the OpenID Provider (OIDC_ISSUER)',
    fix: 'set the client id the provider issued',
    sensitive: false,
  },
  OIDC_CLIENT_SECRET: {
    description: 'our client secret at the OpenID Provider [none: a public client, PKCE only]',
    fix: 'set the client secret the provider issued',
    sensitive: true,
  },
  OIDC_REDIRECT_URI: {
    description:
      'our callback as registered at the provider, ending in /api/auth/oidc/callback (e.g. https://circulator.hospital.example/api/auth/oidc/callback)',
    fix: 'use the public https:// address of this platform followed by /api/auth/oidc/callback',
    sensitive: false,
  },
  OIDC_SCOPES: {
    description: 'scopes asked of the provider, space-separated; must include openid [openid profile email]',
    fix: 'list scopes separated by spaces, including openid',
    sensitive: false,
  },
  OIDC_ROLES_CLAIM: {
    description:
      "the claim holding the user's role names (array or space-separated; a dotted name such as realm_access.roles walks into objects); only roles of ours count [roles]",
    fix: 'name the claim your provider puts the role names in',
    sensitive: false,
  },
  OR_HOURS: {
    description: 'staffed hours of every operating room, facility-local, for KPIs and delay alerts [07:00-17:00]',
    fix: 'use HH:MM-HH:MM with the opening before the closing, e.g. 07:30-18:00',
    sensitive: false,
  },
  KPI_FIRST_CASE_GRACE_MINUTES: {
    description: 'minutes after its scheduled start a first case still counts as on time [5]',
    fix: 'a whole number of minutes, 0–120',
    sensitive: false,
  },
  KPI_TURNOVER_MAX_MINUTES: {
    description: 'gaps between cases longer than this are idle time, not turnovers [120]',
    fix: 'a whole number of minutes, 10–1440',
    sensitive: false,
  },
  WORKER_LOCK_SECONDS: {
    description:
      'how long a worker may go silent (stopped, event loop blocked) before its queue jobs go to another worker; also how often workers look for such jobs [30]',
    fix: 'a whole number of seconds from 2 to 600',
    sensitive: false,
  },
  VITALS_RETENTION_DAYS: {
    description: 'days every vital-sign reading is kept (daily partitions, dropped whole) [7]',
    fix: 'a whole number of days, 1–3650',
    sensitive: false,
  },
  VITALS_MINUTE_RETENTION_DAYS: {
    description: 'days the one-minute vital-sign aggregates (min, max, mean, count) are kept [400]',
    fix: 'a whole number of days, 1–36500, at least VITALS_RETENTION_DAYS',
    sensitive: false,
  },
  PACU_ROOMS: {
    description:
      "RTLS room ids that are PACU locations, comma-separated: a patient's tag entering one gives pacuIn, leaving it pacuOut [none]",
    fix: 'list room ids as RTLS tags publish them, e.g. PACU-1,PACU-2',
    sensitive: false,
  },
  PREDICTIONS: {
    description: "on: keep every case's predicted start and end, and delay alerts, up to date [on]",
    fix: 'on or off',
    sensitive: false,
  },
  RULE_TICK: {
    description:
      "on: the worker's tick raises and clears stale-data, room-environment, maintenance-due and equipment-conflict alerts [on]",
    fix: 'on or off',
    sensitive: false,
  },
  MILESTONE_PRECEDENCE: {
    description:
      'which sources win per milestone, most trusted first, e.g. inRoom=rtls,manual;procedureStart=manual [manual,device,rtls,fhir,adt,siu]',
    fix: 'milestone=source,source;… with milestones of CONTRACT §3 and sources manual, device, rtls, fhir, adt, siu',
    sensitive: false,
  },
  ROOM_ZONES: {
    description:
      'zones of rooms and RTLS locations, for the nearest backup device, e.g. suite-a=or21,or22;suite-b=or31,store-b [none]',
    fix: 'zone=room,room;… with room ids (letters, digits, . _ : -), each room in one zone',
    sensitive: false,
  },
  LOG_LEVEL: {
    description: 'trace, debug, info, warn, error [info]',
    fix: 'use one of trace, debug, info, warn, error',
    sensitive: false,
  },
} as const satisfies Record<string, VariableDoc>;

export type VariableName = keyof typeof VARIABLES;

export const configSchema = z.object({
  HTTP_PORT: port(3000),
  HTTP_HOST: z.string().trim().min(1).default('0.0.0.0'),
  HTTP_TLS_CERT: z.string().trim().min(1).optional(),
  HTTP_TLS_KEY: z.string().trim().min(1).optional(),
  HTTP_TRUST_PROXY: commaList('loopback').pipe(
    z
      .array(
        z.string().refine(isProxyAddress, {
          error: (issue) =>
            `has "${String(issue.input)}", which is not loopback, linklocal, uniquelocal, an IP address or a CIDR block`,
        }),
      )
      .min(1, 'needs at least one entry'),
  ),
  CORS_ORIGINS: commaList('').pipe(
    z.array(
      z.string().refine(isExactOrigin, {
        error: (issue) => `has "${String(issue.input)}", which is not an exact origin`,
      }),
    ),
  ),
  LOGIN_LOCKOUT_ATTEMPTS: z.coerce
    .number({ error: 'must be a number of attempts' })
    .int('must be a whole number')
    .min(1, 'must be at least 1')
    .max(100, 'must be at most 100')
    .default(5),
  LOGIN_LOCKOUT_MINUTES: z.coerce
    .number({ error: 'must be a number of minutes' })
    .int('must be a whole number of minutes')
    .min(1, 'must be at least 1')
    .max(1_440, 'must be at most 1440 (a day)')
    .default(15),
  RATE_LIMIT_LOGIN_PER_MINUTE: perMinute(DEFAULT_LOGIN_PER_MINUTE),
  RATE_LIMIT_API_PER_MINUTE: perMinute(DEFAULT_API_PER_MINUTE),
  NODE_ENV: z.string().trim().optional(),
  MLLP_MAX_CONNECTIONS: wholeNumber(1, 100_000, 1024),
  MLLP_MAX_CONNECTIONS_PER_ADDRESS: wholeNumber(1, 100_000, 64),
  MLLP_IDLE_TIMEOUT_SECONDS: wholeNumber(0, 86_400, 0),
  MLLP_FRAME_TIMEOUT_SECONDS: wholeNumber(1, 3_600, 60),
  METRICS_TOKEN: z.string().min(32, 'must be at least 32 characters').optional(),
  MLLP_PORT: port(2575),
  MLLP_TLS_CERT: z.string().trim().min(1).optional(),
  MLLP_TLS_KEY: z.string().trim().min(1).optional(),
  MQTT_URL: optionalUrl(['mqtt:', 'mqtts:', 'ws:', 'wss:']),
  MQTT_PORT: port(1884),
  MQTT_TLS_CERT: z.string().trim().min(1).optional(),
  MQTT_TLS_KEY: z.string().trim().min(1).optional(),
  MQTT_TLS_PORT: port(8884),
  DATABASE_URL: optionalUrl(['postgres:', 'postgresql:']),
  REDIS_URL: optionalUrl(['redis:', 'rediss:']),
  REDIS_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be 1–64 letters, digits, - or _')
    .default('circulator'),
  DATA_DIR: z.string().trim().min(1).default('./data'),
  FACILITY_TZ: z
    .string()
    .trim()
    .refine(isZone, 'is not an IANA time zone')
    .default(() => Intl.DateTimeFormat().resolvedOptions().timeZone),
  FACILITY_NAME: z.string().trim().min(1).max(200).optional(),
  DISPLAY_PATIENT: commaList('initials,age,sex').pipe(
    z
      .array(
        z.enum(['initials', 'age', 'sex', 'none'], { error: 'has an entry other than initials, age, sex or none' }),
      )
      .refine((fields) => !fields.includes('none') || fields.length === 1, 'none stands alone'),
  ),
  ADMIN_PASSWORD: z.string().min(12, 'must be at least 12 characters').optional(),
  ROLES: z
    .string()
    .default('gateway,ingest,worker')
    .transform((v) =>
      v
        .split(',')
        .map((r) => r.trim())
        .filter(Boolean),
    )
    .pipe(
      z
        .array(z.enum(PROCESS_ROLES, { error: 'each role must be gateway, ingest or worker' }))
        .min(1, 'needs at least one role'),
    ),
  WORKER_THREAD: z
    .enum(['on', 'off'], { error: 'must be on or off' })
    .default('off')
    .transform((v) => v === 'on'),
  HL7_INTERFACES_FILE: z
    .string()
    .trim()
    .min(1)
    .refine((v) => v.toLowerCase().endsWith('.json'), { message: 'must name a .json file' })
    .optional(),
  FHIR_BASE_URL: optionalUrl(['http:', 'https:']),
  FHIR_HOOK_SECRET: z.string().min(16, 'must be at least 16 characters').optional(),
  FHIR_AUTH: z
    .enum(['none', 'bearer', 'smart-backend'], { error: 'must be none, bearer or smart-backend' })
    .default('none'),
  FHIR_AUTH_TOKEN: z.string().trim().min(1).optional(),
  FHIR_SMART_CLIENT_ID: z.string().trim().min(1).optional(),
  FHIR_SMART_KEY_FILE: z.string().trim().min(1).optional(),
  FHIR_SMART_KEY_ID: z.string().trim().min(1).optional(),
  FHIR_SMART_TOKEN_URL: optionalUrl(['http:', 'https:']),
  FHIR_SMART_SCOPE: z.string().trim().min(1).default('system/*.read'),
  FHIR_WRITEBACK: z.enum(['off', 'fhir', 'hl7'], { error: 'must be off, fhir or hl7' }).default('off'),
  FHIR_WRITEBACK_SOURCES: z
    .string()
    .default('manual')
    .transform((v) =>
      v
        .split(',')
        .map((x) => x.trim())
        .filter(Boolean),
    )
    .pipe(
      z
        .array(z.enum(['manual', 'device', 'rtls'], { error: 'each source must be manual, device or rtls' }))
        .min(1, 'needs at least one source'),
    ),
  FHIR_WRITEBACK_MLLP: z
    .string()
    .trim()
    .regex(/^[A-Za-z0-9.-]+:\d{1,5}$|^\[[0-9A-Fa-f:.]+\]:\d{1,5}$/, 'must be host:port')
    .refine((v) => {
      const port = Number(v.slice(v.lastIndexOf(':') + 1));
      return port >= 1 && port <= 65535;
    }, 'must be host:port with a port 1–65535')
    .optional(),
  FHIR_WRITEBACK_HL7_APPLICATION: z
    .string()
    .trim()
    .regex(HL7_HD_PAIR, 'must be application or application^facility')
    .default('CIRCULATOR'),
  FHIR_WRITEBACK_HL7_RECEIVER: z
    .string()
    .trim()
    .regex(HL7_HD_PAIR, 'must be application or application^facility')
    .optional(),
  FHIR_WRITEBACK_INTERVAL_SECONDS: z.coerce
    .number({ error: 'must be a number of seconds' })
    .int('must be a whole number of seconds')
    .min(0, 'must be 0 (off) or more')
    .max(3600, 'must be at most 3600')
    .default(5),
  OIDC_ISSUER: optionalUrl(['http:', 'https:']),
  OIDC_CLIENT_ID: z.string().trim().min(1).optional(),
  OIDC_CLIENT_SECRET: z.string().min(1).optional(),
  OIDC_REDIRECT_URI: optionalUrl(['http:', 'https:']),
  OIDC_SCOPES: z
    .string()
    .default('openid profile email')
    .transform((v) => v.split(/\s+/).filter(Boolean))
    .refine((scopes) => scopes.includes('openid'), 'must include openid'),
  OIDC_ROLES_CLAIM: z
    .string()
    .trim()
    .regex(/^[A-Za-z0-9_:/.-]{1,128}$/, 'must be a claim name')
    .default('roles'),
  FHIR_SYNC_INTERVAL_SECONDS: z.coerce
    .number({ error: 'must be a number of seconds' })
    .int('must be a whole number of seconds')
    .min(0, 'must be 0 (off) or more')
    .max(86_400, 'must be at most 86400')
    .default(60),
  FHIR_SYNC_SINCE: z
    .string()
    .trim()
    .regex(
      /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/,
      'must be an ISO 8601 instant with its zone',
    )
    .refine((v) => !Number.isNaN(Date.parse(v)), 'must be an ISO 8601 instant with its zone')
    .optional(),
  FHIR_SYNC_PAGE_SIZE: z.coerce
    .number()
    .int('must be a whole number')
    .min(1, 'must be 1–1000')
    .max(1000, 'must be 1–1000')
    .default(100),
  OR_HOURS: z
    .string()
    .trim()
    .regex(/^([01]\d|2[0-3]):[0-5]\d-([01]\d|2[0-3]):[0-5]\d$/, 'must be HH:MM-HH:MM')
    .refine((v) => v.slice(0, 5) < v.slice(6), 'must open before it closes')
    .default('07:00-17:00')
    .transform((v) => ({ open: v.slice(0, 5), close: v.slice(6) })),
  KPI_FIRST_CASE_GRACE_MINUTES: z.coerce.number().int().min(0).max(120).default(5),
  KPI_TURNOVER_MAX_MINUTES: z.coerce.number().int().min(10).max(1440).default(120),
  WORKER_LOCK_SECONDS: wholeNumber(2, 600, 30),
  VITALS_RETENTION_DAYS: z.coerce
    .number({ error: 'must be a number of days' })
    .int('must be a whole number of days')
    .min(1, 'must be 1–3650')
    .max(3650, 'must be 1–3650')
    .default(7),
  VITALS_MINUTE_RETENTION_DAYS: z.coerce
    .number({ error: 'must be a number of days' })
    .int('must be a whole number of days')
    .min(1, 'must be 1–36500')
    .max(36500, 'must be 1–36500')
    .default(400),
  PACU_ROOMS: commaList(''),
  PREDICTIONS: z
    .enum(['on', 'off'], { error: 'must be on or off' })
    .default('on')
    .transform((v) => v === 'on'),
  RULE_TICK: z
    .enum(['on', 'off'], { error: 'must be on or off' })
    .default('on')
    .transform((v) => v === 'on'),
  MILESTONE_PRECEDENCE: z
    .string()
    .trim()
    .optional()
    .transform((v, ctx) => {
      if (!v) return undefined;
      const out: Partial<Record<MilestoneKey, MilestoneSource[]>> = {};
      for (const part of v.split(';').filter((p) => p.trim())) {
        const [key, list] = part.split('=').map((x) => x.trim());
        const sources = (list ?? '').split(',').map((x) => x.trim());
        if (!(MILESTONE_KEYS as readonly string[]).includes(key ?? '') || !sources.length) {
          ctx.addIssue({ code: 'custom', message: `has an unknown milestone "${key ?? ''}"` });
          return z.NEVER;
        }
        const bad = sources.find((x) => !(MILESTONE_SOURCES as readonly string[]).includes(x));
        if (bad !== undefined) {
          ctx.addIssue({ code: 'custom', message: `has an unknown source "${bad}"` });
          return z.NEVER;
        }
        out[key as MilestoneKey] = sources as MilestoneSource[];
      }
      return out;
    }),
  ROOM_ZONES: z
    .string()
    .trim()
    .optional()
    .transform((v, ctx) => {
      if (!v) return undefined;
      const out: Record<string, string[]> = {};
      const seen = new Set<string>();
      for (const part of v.split(';').filter((p) => p.trim())) {
        const [zone, list, extra] = part.split('=').map((x) => x.trim());
        const rooms = (list ?? '').split(',').map((x) => x.trim());
        if (!zone || extra !== undefined || out[zone] || !rooms.every((r) => ZONE_PLACE.test(r))) {
          ctx.addIssue({ code: 'custom', message: `has a bad zone "${part.trim().slice(0, 64)}"` });
          return z.NEVER;
        }
        const twice = rooms.find((r) => seen.has(r));
        if (twice !== undefined) {
          ctx.addIssue({ code: 'custom', message: `puts room "${twice}" in two zones` });
          return z.NEVER;
        }
        rooms.forEach((r) => seen.add(r));
        out[zone] = rooms;
      }
      return out;
    }),
  LOG_LEVEL: z.enum(['trace', 'debug', 'info', 'warn', 'error']).default('info'),
});

/** A room id or RTLS location in `ROOM_ZONES` (as room ids are made: letters, digits, `.`, `_`, `:`, `-`). */
const ZONE_PLACE = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;

export type RawConfig = z.infer<typeof configSchema>;
