import { resolve } from 'node:path';
import type { SitePolicy } from '@circulator/pipeline';
import { configSchema, VARIABLES, type ProcessRole, type RawConfig, type VariableName } from './config.schema';

/** The validated configuration, read once at start and passed to the modules that need it. */
export interface AppConfig {
  http: {
    port: number;
    host: string;
    /** HTTPS on HTTP_PORT (HTTP_TLS_CERT/HTTP_TLS_KEY); undefined = plain HTTP. */
    tls?: { certFile: string; keyFile: string };
    /** Express `trust proxy`: whose X-Forwarded-For names the client (HTTP_TRUST_PROXY). */
    trustProxy: readonly string[];
    /** Web origins other than our own whose pages may call the API (CORS_ORIGINS). */
    corsOrigins: readonly string[];
  };
  /** Requests per minute; 0 turns a limit off. Counted in Redis, so shared by every gateway. */
  rateLimits: { loginPerMinute: number; apiPerMinute: number };
  /** The scraper's bearer secret for GET /metrics (METRICS_TOKEN); without it, admin/integration tokens only. */
  metrics: { token?: string };
  mllp: {
    port: number;
    tlsCertFile?: string;
    tlsKeyFile?: string;
    /** Per listening port (MLLP_MAX_CONNECTIONS…); timeouts in ms, 0 idle = never. */
    limits: { maxConnections: number; maxConnectionsPerAddress: number; idleTimeoutMs: number; frameTimeoutMs: number };
  };
  /** HL7 interfaces from a file (HL7_INTERFACES_FILE), beside the ones managed by REST. */
  hl7: { interfacesFile?: string };
  mqtt: { url?: string; port: number; tls?: { certFile: string; keyFile: string; port: number } };
  database: { url?: string };
  redis: { url: string; urlIsDefault: boolean; prefix: string };
  dataDir: string;
  facilityTz: string;
  /** FACILITY_NAME: how printed reports name the facility; undefined = not configured. */
  facilityName?: string;
  /** Failed sign-ins in a row that lock a user name, and for how long (LOGIN_LOCKOUT_*). */
  lockout: { attempts: number; seconds: number };
  /** What wall displays show of the patient (DISPLAY_PATIENT). */
  displayPatient: { initials: boolean; age: boolean; sex: boolean };
  adminPassword?: string;
  roles: ReadonlySet<ProcessRole>;
  /** WORKER_THREAD: the worker role in a thread of its own (main.ts starts it; PostgreSQL only). */
  workerThread: boolean;
  /** The EHR (CONTRACT §5): where to sync from, the hook's secret, how to sign in, how often to sync. */
  fhir: {
    baseUrl?: string;
    hookSecret?: string;
    auth: FhirAuthConfig;
    syncIntervalSeconds: number;
    syncSince?: string;
    pageSize: number;
    /** Write-back of milestones to the EHR (FHIR_WRITEBACK…); undefined = off, the default. */
    writeback?: WritebackConfig;
  };
  /** Sign-in through the hospital's OpenID Provider (OIDC_*); undefined = off. */
  oidc?: OidcConfig;
  logLevel: 'trace' | 'debug' | 'info' | 'warn' | 'error';
  /** NODE_ENV=production: start-up checks that only warn elsewhere refuse to start (e.g. Redis eviction). */
  production: boolean;
  /** The site's rules for cases: milestone precedence, staffed hours, KPI definitions. */
  site: SitePolicy;
  /** The queue lock of a worker's jobs, and how often stalled jobs are looked for (WORKER_LOCK_SECONDS). */
  worker: { lockMs: number };
  /** How long vital-sign readings and their minute aggregates are kept. */
  vitals: { retentionDays: number; aggregateRetentionDays: number };
}

/** FHIR_WRITEBACK and its companions. */
export type WritebackConfig = {
  sources: ('manual' | 'device' | 'rtls')[];
  intervalSeconds: number;
} & (
  | { mode: 'fhir' }
  | {
      mode: 'hl7';
      host: string;
      port: number;
      sendingApplication: string;
      sendingFacility?: string;
      receivingApplication?: string;
      receivingFacility?: string;
    }
);

/** FHIR_AUTH and its companions; the SMART key is read at start (apps/server/src/config/fhir-settings.ts). */
export type FhirAuthConfig =
  | { kind: 'none' }
  | { kind: 'bearer'; token: string }
  | { kind: 'smart-backend'; clientId: string; keyFile: string; keyId?: string; tokenUrl?: string; scope: string };

/** OIDC_ISSUER and its companions. */
export interface OidcConfig {
  issuer: string;
  clientId: string;
  clientSecret?: string;
  redirectUri: string;
  scopes: readonly string[];
  rolesClaim: string;
  /** An http: issuer on a loopback address (development, tests); never anything else. */
  allowInsecureRequests: boolean;
}

export const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379';

/** A configuration problem, said in one line that names the variable and how to fix it. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/** Validates the environment; throws a ConfigError naming the first bad variable. */
export function loadConfig(env: Record<string, string | undefined>): AppConfig {
  // An empty variable means "not set", as shells and compose files often leave them.
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v.trim() !== ''));
  const parsed = configSchema.safeParse(cleaned);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const name = String(issue?.path[0] ?? 'configuration') as VariableName;
    const doc = VARIABLES[name];
    const message = issue?.message ?? 'is invalid';
    const value = cleaned[name];
    // Not twice: a list's message already quotes the bad entry, which may be the whole value.
    const shown =
      doc && !doc.sensitive && value !== undefined && !message.includes(`"${value}"`) ? ` (got "${value}")` : '';
    throw new ConfigError(`${name} ${message}${shown}: ${doc?.fix ?? 'see README.md'}`);
  }
  const c = parsed.data;
  if (c.VITALS_MINUTE_RETENTION_DAYS < c.VITALS_RETENTION_DAYS) {
    throw new ConfigError(
      'VITALS_MINUTE_RETENTION_DAYS is shorter than VITALS_RETENTION_DAYS: the minute aggregates are the longer record; raise it',
    );
  }
  if (c.WORKER_THREAD && !c.DATABASE_URL) {
    throw new ConfigError(
      'WORKER_THREAD=on needs DATABASE_URL: the embedded database has one connection, which one thread holds',
    );
  }
  if (c.WORKER_THREAD && !(c.ROLES.includes('worker') && c.ROLES.length > 1)) {
    throw new ConfigError(
      'WORKER_THREAD=on moves the worker role out of the main thread: ROLES must include worker and another role',
    );
  }
  if (Boolean(c.MQTT_TLS_CERT) !== Boolean(c.MQTT_TLS_KEY)) {
    throw new ConfigError('MQTT_TLS_CERT and MQTT_TLS_KEY go together: set both to turn on MQTT over TLS, or neither');
  }
  if (Boolean(c.HTTP_TLS_CERT) !== Boolean(c.HTTP_TLS_KEY)) {
    throw new ConfigError('HTTP_TLS_CERT and HTTP_TLS_KEY go together: set both to turn on HTTPS, or neither');
  }
  if (Boolean(c.MLLP_TLS_CERT) !== Boolean(c.MLLP_TLS_KEY)) {
    throw new ConfigError('MLLP_TLS_CERT and MLLP_TLS_KEY go together: set both to turn on TLS, or neither');
  }
  const fhirAuth = fhirAuthOf(c);
  const writeback = writebackOf(c);
  const oidc = oidcOf(c);
  return {
    http: {
      port: c.HTTP_PORT,
      host: c.HTTP_HOST,
      tls:
        c.HTTP_TLS_CERT && c.HTTP_TLS_KEY
          ? { certFile: resolve(c.HTTP_TLS_CERT), keyFile: resolve(c.HTTP_TLS_KEY) }
          : undefined,
      trustProxy: c.HTTP_TRUST_PROXY,
      corsOrigins: c.CORS_ORIGINS,
    },
    rateLimits: { loginPerMinute: c.RATE_LIMIT_LOGIN_PER_MINUTE, apiPerMinute: c.RATE_LIMIT_API_PER_MINUTE },
    metrics: { token: c.METRICS_TOKEN },
    mllp: {
      port: c.MLLP_PORT,
      tlsCertFile: c.MLLP_TLS_CERT,
      tlsKeyFile: c.MLLP_TLS_KEY,
      limits: {
        maxConnections: c.MLLP_MAX_CONNECTIONS,
        maxConnectionsPerAddress: c.MLLP_MAX_CONNECTIONS_PER_ADDRESS,
        idleTimeoutMs: c.MLLP_IDLE_TIMEOUT_SECONDS * 1_000,
        frameTimeoutMs: c.MLLP_FRAME_TIMEOUT_SECONDS * 1_000,
      },
    },
    hl7: { interfacesFile: c.HL7_INTERFACES_FILE && resolve(c.HL7_INTERFACES_FILE) },
    mqtt: {
      url: c.MQTT_URL,
      port: c.MQTT_PORT,
      tls:
        c.MQTT_TLS_CERT && c.MQTT_TLS_KEY
          ? { certFile: resolve(c.MQTT_TLS_CERT), keyFile: resolve(c.MQTT_TLS_KEY), port: c.MQTT_TLS_PORT }
          : undefined,
    },
    database: { url: c.DATABASE_URL },
    worker: { lockMs: c.WORKER_LOCK_SECONDS * 1_000 },
    vitals: { retentionDays: c.VITALS_RETENTION_DAYS, aggregateRetentionDays: c.VITALS_MINUTE_RETENTION_DAYS },
    redis: { url: c.REDIS_URL ?? DEFAULT_REDIS_URL, urlIsDefault: c.REDIS_URL === undefined, prefix: c.REDIS_PREFIX },
    dataDir: resolve(c.DATA_DIR),
    facilityTz: c.FACILITY_TZ,
    facilityName: c.FACILITY_NAME,
    lockout: { attempts: c.LOGIN_LOCKOUT_ATTEMPTS, seconds: c.LOGIN_LOCKOUT_MINUTES * 60 },
    displayPatient: {
      initials: c.DISPLAY_PATIENT.includes('initials'),
      age: c.DISPLAY_PATIENT.includes('age'),
      sex: c.DISPLAY_PATIENT.includes('sex'),
    },
    adminPassword: c.ADMIN_PASSWORD,
    roles: new Set(c.ROLES),
    workerThread: c.WORKER_THREAD,
    fhir: {
      baseUrl: c.FHIR_BASE_URL,
      hookSecret: c.FHIR_HOOK_SECRET,
      auth: fhirAuth,
      syncIntervalSeconds: c.FHIR_SYNC_INTERVAL_SECONDS,
      syncSince: c.FHIR_SYNC_SINCE,
      pageSize: c.FHIR_SYNC_PAGE_SIZE,
      ...(writeback ? { writeback } : {}),
    },
    ...(oidc ? { oidc } : {}),
    logLevel: c.LOG_LEVEL,
    production: c.NODE_ENV === 'production',
    site: {
      policy: {
        ...(c.MILESTONE_PRECEDENCE ? { milestonePrecedence: c.MILESTONE_PRECEDENCE } : {}),
        ...(c.ROOM_ZONES ? { roomZones: c.ROOM_ZONES } : {}),
      },
      orHours: c.OR_HOURS,
      predictions: c.PREDICTIONS,
      ruleTick: c.RULE_TICK,
      pacuRooms: c.PACU_ROOMS,
      kpi: { firstCaseGraceMinutes: c.KPI_FIRST_CASE_GRACE_MINUTES, turnoverMaxMinutes: c.KPI_TURNOVER_MAX_MINUTES },
    },
  };
}

const LOOPBACK_HOSTS = ['localhost', '127.0.0.1', '[::1]'];

/** OIDC_ISSUER with the variables it needs; plain HTTP only on this machine. */
function oidcOf(c: RawConfig): OidcConfig | undefined {
  if (!c.OIDC_ISSUER) {
    if (c.OIDC_CLIENT_ID || c.OIDC_REDIRECT_URI || c.OIDC_CLIENT_SECRET) {
      throw new ConfigError(
        "OIDC_CLIENT_ID, OIDC_CLIENT_SECRET and OIDC_REDIRECT_URI need OIDC_ISSUER: set the provider's issuer, or unset them",
      );
    }
    return undefined;
  }
  if (!c.OIDC_CLIENT_ID || !c.OIDC_REDIRECT_URI) {
    throw new ConfigError(
      'OIDC_ISSUER needs OIDC_CLIENT_ID and OIDC_REDIRECT_URI: set the client id and our callback URL registered at the provider',
    );
  }
  const issuer = new URL(c.OIDC_ISSUER);
  const redirect = new URL(c.OIDC_REDIRECT_URI);
  const insecureIssuer = issuer.protocol === 'http:';
  if (insecureIssuer && !LOOPBACK_HOSTS.includes(issuer.hostname)) {
    throw new ConfigError('OIDC_ISSUER must be an https:// URL (http:// only on localhost)');
  }
  if (redirect.protocol === 'http:' && !LOOPBACK_HOSTS.includes(redirect.hostname)) {
    throw new ConfigError('OIDC_REDIRECT_URI must be an https:// URL (http:// only on localhost)');
  }
  if (!redirect.pathname.endsWith('/api/auth/oidc/callback') || redirect.search !== '' || redirect.hash !== '') {
    throw new ConfigError(
      'OIDC_REDIRECT_URI must end in /api/auth/oidc/callback, without a query: e.g. https://circulator.hospital.example/api/auth/oidc/callback',
    );
  }
  return {
    issuer: c.OIDC_ISSUER,
    clientId: c.OIDC_CLIENT_ID,
    ...(c.OIDC_CLIENT_SECRET ? { clientSecret: c.OIDC_CLIENT_SECRET } : {}),
    redirectUri: c.OIDC_REDIRECT_URI,
    scopes: c.OIDC_SCOPES,
    rolesClaim: c.OIDC_ROLES_CLAIM,
    allowInsecureRequests: insecureIssuer,
  };
}

/** FHIR_WRITEBACK with the variables it needs, each checked to be there. */
function writebackOf(c: RawConfig): WritebackConfig | undefined {
  const common = { sources: c.FHIR_WRITEBACK_SOURCES, intervalSeconds: c.FHIR_WRITEBACK_INTERVAL_SECONDS };
  switch (c.FHIR_WRITEBACK) {
    case 'off':
      return undefined;
    case 'fhir':
      if (!c.FHIR_BASE_URL) {
        throw new ConfigError(
          "FHIR_WRITEBACK=fhir needs FHIR_BASE_URL: name the EHR's FHIR base (with FHIR_AUTH and write scopes), or use hl7 or off",
        );
      }
      return { ...common, mode: 'fhir' };
    case 'hl7': {
      if (!c.FHIR_WRITEBACK_MLLP) {
        throw new ConfigError(
          'FHIR_WRITEBACK=hl7 needs FHIR_WRITEBACK_MLLP: set host:port of the EHR interface engine',
        );
      }
      const at = c.FHIR_WRITEBACK_MLLP.lastIndexOf(':');
      const [sendingApplication, sendingFacility] = c.FHIR_WRITEBACK_HL7_APPLICATION.split('^');
      const [receivingApplication, receivingFacility] = (c.FHIR_WRITEBACK_HL7_RECEIVER ?? '').split('^');
      return {
        ...common,
        mode: 'hl7',
        host: c.FHIR_WRITEBACK_MLLP.slice(0, at).replace(/^\[|\]$/g, ''),
        port: Number(c.FHIR_WRITEBACK_MLLP.slice(at + 1)),
        sendingApplication: sendingApplication!,
        ...(sendingFacility ? { sendingFacility } : {}),
        ...(receivingApplication ? { receivingApplication } : {}),
        ...(receivingFacility ? { receivingFacility } : {}),
      };
    }
  }
}

/** FHIR_AUTH with the variables it needs, each checked to be there. */
function fhirAuthOf(c: RawConfig): FhirAuthConfig {
  if (c.FHIR_AUTH !== 'none' && !c.FHIR_BASE_URL) {
    throw new ConfigError(
      `FHIR_AUTH is ${c.FHIR_AUTH} but FHIR_BASE_URL is not set: name the EHR's FHIR base, or unset FHIR_AUTH`,
    );
  }
  switch (c.FHIR_AUTH) {
    case 'none':
      return { kind: 'none' };
    case 'bearer':
      if (!c.FHIR_AUTH_TOKEN)
        throw new ConfigError('FHIR_AUTH=bearer needs FHIR_AUTH_TOKEN: set the token the EHR issued');
      return { kind: 'bearer', token: c.FHIR_AUTH_TOKEN };
    case 'smart-backend': {
      if (!c.FHIR_SMART_CLIENT_ID || !c.FHIR_SMART_KEY_FILE) {
        throw new ConfigError(
          'FHIR_AUTH=smart-backend needs FHIR_SMART_CLIENT_ID and FHIR_SMART_KEY_FILE: set the registered client id and its private key file',
        );
      }
      return {
        kind: 'smart-backend',
        clientId: c.FHIR_SMART_CLIENT_ID,
        keyFile: resolve(c.FHIR_SMART_KEY_FILE),
        scope: c.FHIR_SMART_SCOPE,
        ...(c.FHIR_SMART_KEY_ID ? { keyId: c.FHIR_SMART_KEY_ID } : {}),
        ...(c.FHIR_SMART_TOKEN_URL ? { tokenUrl: c.FHIR_SMART_TOKEN_URL } : {}),
      };
    }
  }
}

/** The settings as safe to log: secrets masked. */
export function describeConfig(config: AppConfig): Record<string, unknown> {
  const mask = (url?: string) => {
    if (!url) return undefined;
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  };
  return {
    http: {
      port: config.http.port,
      host: config.http.host,
      tls: Boolean(config.http.tls),
      trustProxy: config.http.trustProxy,
      corsOrigins: config.http.corsOrigins,
    },
    rateLimits: config.rateLimits,
    mllp: { port: config.mllp.port, tls: Boolean(config.mllp.tlsCertFile) },
    mqtt: { url: mask(config.mqtt.url), port: config.mqtt.port },
    database: config.database.url ? mask(config.database.url) : 'embedded',
    redis: { url: mask(config.redis.url), prefix: config.redis.prefix },
    dataDir: config.dataDir,
    facilityTz: config.facilityTz,
    facilityName: config.facilityName,
    roles: [...config.roles],
    workerThread: config.workerThread,
    fhir: {
      baseUrl: mask(config.fhir.baseUrl),
      hook: Boolean(config.fhir.hookSecret),
      auth: config.fhir.auth.kind,
      syncIntervalSeconds: config.fhir.syncIntervalSeconds,
      writeback: config.fhir.writeback?.mode ?? 'off',
    },
  };
}
