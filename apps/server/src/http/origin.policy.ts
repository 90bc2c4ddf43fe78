/**
 * Which browser origins may talk to the platform: HTTP (CORS) and socket.io share this one rule.
 *
 * - No Origin header: allowed. Browsers send Origin on every cross-origin request and on every
 *   WebSocket handshake (RFC 6455 §4.1), so its absence means a non-browser client (a device
 *   gateway, curl, a test), which still needs a bearer token for anything but the public routes.
 * - The Origin names the host the request was sent to (the Host header): our own page, allowed.
 * - The Origin is on the allow-list (CORS_ORIGINS, exact origins): allowed.
 * - Anything else, `null` (sandboxed frames, file: pages) included: refused.
 *
 * Hosts are compared as URL hosts (lower case, the scheme's default port left out), so
 * `Host: Board.Example:443` matches `Origin: https://board.example`.
 */
export function originAllowed(
  origin: string | undefined,
  requestHost: string | undefined,
  allowList: readonly string[],
): boolean {
  if (origin === undefined) return true;
  if (allowList.includes(origin)) return true;
  if (requestHost === undefined || requestHost === '' || !URL.canParse(origin)) return false;
  const from = new URL(origin);
  if (from.protocol !== 'http:' && from.protocol !== 'https:') return false;
  // The Host header read with the Origin's scheme, so that an explicit default port drops out.
  const target = `${from.protocol}//${requestHost}`;
  if (!URL.canParse(target)) return false;
  const host = new URL(target);
  // Host is only a host and port: anything that parses into more (user info, a path, a fragment) is not it.
  if (host.username !== '' || host.password !== '' || host.pathname !== '/' || host.search !== '' || host.hash !== '')
    return false;
  return host.host === from.host;
}
