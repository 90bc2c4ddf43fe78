import { useSyncExternalStore } from 'react';

/**
 * Client-side routes. Our own small history router rather than react-router (not a dependency of
 * the repository): a handful of routes, two of them with a room parameter, need `pushState`,
 * `popstate` and a match function, nothing more. The server answers every non-API path with the app's page, so each of
 * these can be opened, reloaded and bookmarked.
 */
export type Route =
  | { name: 'home' }
  | { name: 'board' }
  | { name: 'display'; roomId: string }
  | { name: 'anesthesia'; roomId: string }
  | { name: 'integration' }
  | { name: 'biomed' }
  | { name: 'displays' }
  | { name: 'not-found'; path: string };

const ROOM_ID = '([A-Za-z0-9][A-Za-z0-9._:-]{0,127})';
const PATTERNS: { re: RegExp; make: (id: string) => Route }[] = [
  { re: new RegExp(`^/display/room/${ROOM_ID}/?$`), make: (roomId) => ({ name: 'display', roomId }) },
  { re: new RegExp(`^/anesthesia/room/${ROOM_ID}/?$`), make: (roomId) => ({ name: 'anesthesia', roomId }) },
];

/** The consoles: paths without parameters. */
const FIXED: Record<string, Route> = {
  '/integration': { name: 'integration' },
  '/biomed': { name: 'biomed' },
  '/admin/displays': { name: 'displays' },
};

export function matchRoute(pathname: string): Route {
  if (pathname === '/' || pathname === '') return { name: 'home' };
  if (pathname === '/board' || pathname === '/board/') return { name: 'board' };
  const fixed = FIXED[pathname.replace(/(.)\/$/, '$1')];
  if (fixed !== undefined) return fixed;
  let decoded: string;
  try {
    decoded = decodeURIComponent(pathname);
  } catch {
    return { name: 'not-found', path: pathname };
  }
  for (const { re, make } of PATTERNS) {
    const m = re.exec(decoded);
    if (m?.[1] !== undefined) return make(m[1]);
  }
  return { name: 'not-found', path: pathname };
}

export function pathOf(route: Route): string {
  switch (route.name) {
    case 'home':
      return '/';
    case 'board':
      return '/board';
    case 'display':
      return `/display/room/${encodeURIComponent(route.roomId)}`;
    case 'anesthesia':
      return `/anesthesia/room/${encodeURIComponent(route.roomId)}`;
    case 'integration':
      return '/integration';
    case 'biomed':
      return '/biomed';
    case 'displays':
      return '/admin/displays';
    case 'not-found':
      return route.path;
  }
}

const listeners = new Set<() => void>();

function onPopState(): void {
  for (const listener of [...listeners]) listener();
}

/** Goes to a path of the app without reloading the page. */
export function navigate(path: string, options: { replace?: boolean } = {}): void {
  if (path === window.location.pathname + window.location.search) return;
  if (options.replace) window.history.replaceState(null, '', path);
  else window.history.pushState(null, '', path);
  onPopState();
}

function subscribe(listener: () => void): () => void {
  if (listeners.size === 0) window.addEventListener('popstate', onPopState);
  listeners.add(listener);
  return () => {
    listeners.delete(listener);
    if (listeners.size === 0) window.removeEventListener('popstate', onPopState);
  };
}

/** The current path; the component re-renders when it changes (a link, back, forward). */
export function usePathname(): string {
  return useSyncExternalStore(subscribe, () => window.location.pathname);
}

/** One parameter of the current query string (e.g. the board's `?date=`); re-renders when it changes. */
export function useSearchParam(name: string): string | null {
  const search = useSyncExternalStore(subscribe, () => window.location.search);
  return new URLSearchParams(search).get(name);
}

/** Click handler of an in-app link: a plain click navigates here; a modified click opens as the browser would. */
export function followLink(event: {
  button: number;
  metaKey: boolean;
  ctrlKey: boolean;
  shiftKey: boolean;
  altKey: boolean;
  preventDefault(): void;
  currentTarget: { getAttribute(name: string): string | null };
}): void {
  if (event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
  const href = event.currentTarget.getAttribute('href');
  if (href === null || !href.startsWith('/')) return;
  event.preventDefault();
  navigate(href);
}
