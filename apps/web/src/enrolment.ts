/**
 * Wall-display enrolment. An admin creates a display credential (`POST /api/displays {roomId}` →
 * `{id, token}`, CONTRACT §2) and opens, on the display's browser, the enrolment link
 *
 *     https://circulator.example/display/room/{roomId}#enrol={token}
 *
 * (typically as the kiosk browser's start page). This link is the one place a secret is ever in
 * a URL. It travels in the fragment, which browsers never send to a server, so it reaches neither
 * our access log nor a proxy's, nor a Referer header; and the page takes it out of the address
 * (history.replaceState) before it renders or requests anything, so it is not left in the
 * history or on screen. The token is then kept in memory only, like every other token: a display
 * that restarts opens its enrolment link again.
 */
export const ENROLMENT_KEY = 'enrol';

/** The enrolment link of a display credential (admin side, e.g. shown once after creating it). */
export function enrolmentLink(origin: string, roomId: string, token: string): string {
  return `${origin}/display/room/${encodeURIComponent(roomId)}#${ENROLMENT_KEY}=${encodeURIComponent(token)}`;
}

/**
 * Reads an enrolment token from a URL's fragment. `cleaned` is the URL without it (the fragment's
 * other parameters, if any, are kept). Undefined when the URL carries none.
 */
export function readEnrolment(href: string): { token: string; cleaned: string } | undefined {
  const url = new URL(href);
  if (url.hash.length <= 1) return undefined;
  const params = new URLSearchParams(url.hash.slice(1));
  const token = params.get(ENROLMENT_KEY);
  if (token === null) return undefined;
  params.delete(ENROLMENT_KEY);
  const rest = params.toString();
  url.hash = rest === '' ? '' : rest;
  return { token, cleaned: `${url.pathname}${url.search}${url.hash}` };
}

/**
 * Takes the enrolment token out of the page's address, if there is one: the first thing the page
 * does, before any rendering or request.
 */
export function takeEnrolment(win: Pick<Window, 'location' | 'history'>): string | undefined {
  const found = readEnrolment(win.location.href);
  if (found === undefined) return undefined;
  win.history.replaceState(null, '', found.cleaned);
  return found.token === '' ? undefined : found.token;
}
