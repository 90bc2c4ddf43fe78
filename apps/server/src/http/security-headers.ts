import type { IncomingMessage, ServerResponse } from 'node:http';
import helmet from 'helmet';

type Middleware = (req: IncomingMessage, res: ServerResponse, next: (err?: unknown) => void) => void;

/** Where the OpenAPI page lives (platform.ts mounts Swagger UI there). */
export const API_DOCS_PATH = '/api/docs';

// A Host header that is a host name or address and an optional port, nothing else: only such a
// value is copied into the policy (it is the client's own header, but a policy is no place for
// whatever a client sends).
const PLAIN_HOST =
  /^(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}[A-Za-z0-9])?)*|\[[0-9A-Fa-f:.]{2,45}\])(?::\d{1,5})?$/;

/**
 * `connect-src`: our own origin, plus the socket.io WebSocket on the same host. CSP Level 3 counts
 * ws:/wss: of our own host as 'self', but browsers that predate it do not, so the host is named.
 */
function sameHostSockets(req: IncomingMessage): string {
  const host = req.headers.host;
  return host !== undefined && PLAIN_HOST.test(host) ? `ws://${host} wss://${host}` : "'self'";
}

/**
 * The web client (apps/web, a Vite build) loads only its own hashed script and stylesheet files,
 * sets no inline script or style and talks to its own origin (REST and socket.io): nothing from
 * elsewhere is needed, so nothing from elsewhere is allowed.
 */
function appDirectives(tls: boolean) {
  return {
    'default-src': ["'self'"],
    'base-uri': ["'none'"],
    'script-src': ["'self'"],
    'script-src-attr': ["'none'"],
    'style-src': ["'self'"],
    'img-src': ["'self'", 'data:'],
    'font-src': ["'self'"],
    'connect-src': ["'self'", sameHostSockets],
    'object-src': ["'none'"],
    'frame-src': ["'none'"],
    'frame-ancestors': ["'none'"],
    'form-action': ["'self'"],
    // Only over HTTPS: on plain HTTP it would send the page's own requests to an https:// that
    // does not exist.
    ...(tls ? { 'upgrade-insecure-requests': [] } : {}),
  };
}

/**
 * Swagger UI (/api/docs) writes an inline <style> and style attributes and draws its icons as
 * data: SVG; its scripts are files. Only this page gets 'unsafe-inline' styles: no script may be
 * inline anywhere.
 */
function docsDirectives(tls: boolean) {
  return { ...appDirectives(tls), 'style-src': ["'self'", "'unsafe-inline'"] };
}

function helmetFor(directives: ReturnType<typeof appDirectives>, tls: boolean): Middleware {
  return helmet({
    contentSecurityPolicy: { useDefaults: false, directives },
    // Neither the API nor the web client is framed by anyone (frame-ancestors says the same).
    xFrameOptions: { action: 'deny' },
    // Room and case ids are in our URLs: nothing of them leaves with a link.
    referrerPolicy: { policy: 'no-referrer' },
    // HSTS only where HTTPS is ours to promise; no includeSubDomains: other hosts of the
    // hospital's domain are not ours to move to HTTPS.
    strictTransportSecurity: tls ? { maxAge: 31_536_000, includeSubDomains: false } : false,
    crossOriginOpenerPolicy: { policy: 'same-origin' },
    crossOriginResourcePolicy: { policy: 'same-origin' },
  });
}

/** Powerful browser features nobody on a board, console or display needs. */
const PERMISSIONS_POLICY = 'camera=(), microphone=(), geolocation=(), payment=(), usb=()';

function isUnder(path: string, prefix: string): boolean {
  return path === prefix || path.startsWith(`${prefix}/`);
}

/**
 * The security headers of every HTTP answer (helmet): a Content-Security-Policy fitted to the web
 * client (a relaxed one for the Swagger page only), no framing, no referrer, HSTS when the server
 * itself speaks HTTPS. API answers also get `Cache-Control: no-store` (they carry patient data, and
 * shared workstations keep disk caches) unless a route sets its own.
 */
export function securityHeaders(options: { tls: boolean }): Middleware {
  const app = helmetFor(appDirectives(options.tls), options.tls);
  const docs = helmetFor(docsDirectives(options.tls), options.tls);
  return (req, res, next) => {
    const path = (req.url ?? '/').split('?')[0]!.toLowerCase();
    res.setHeader('Permissions-Policy', PERMISSIONS_POLICY);
    if (isUnder(path, API_DOCS_PATH)) return docs(req, res, next);
    if (isUnder(path, '/api') || isUnder(path, '/fhir')) res.setHeader('Cache-Control', 'no-store');
    return app(req, res, next);
  };
}
