import { useEffect, useSyncExternalStore, type ReactNode } from 'react';
import { useApp } from './app.context';
import { indicatorFor } from './connection.state';
import { useConnectionState, useNow } from './live.hooks';
import { followLink } from './router';
import { nextTheme, themeLabel } from './theme';

/** How often the indicator looks at its clock ("reconnecting…" turns into "stale since …"). */
const INDICATOR_TICK_MS = 5_000;

/**
 * The connection indicator every screen shows: `live`, `reconnecting…` or `stale since HH:MM`.
 * `syncing`: the screen's topic is waiting for a fresh snapshot.
 */
export function ConnectionIndicator({ syncing }: { syncing: boolean }) {
  const { live, session } = useApp();
  const connection = useConnectionState(live);
  const now = useNow(INDICATOR_TICK_MS);
  const { tone, text } = indicatorFor(connection, syncing, now, session.timeZone);
  return (
    <span className={`indicator indicator-${tone}`} role="status" aria-live="polite" data-testid="connection">
      {text}
    </span>
  );
}

export function ThemeToggle() {
  const { theme, cycleTheme } = useApp();
  const label = themeLabel(theme);
  return (
    <button
      type="button"
      className="secondary theme-toggle"
      onClick={cycleTheme}
      title={`${label} (next: ${themeLabel(nextTheme(theme)).replace('Theme: ', '')})`}
    >
      {label}
    </button>
  );
}

export function SignOut() {
  const { session, logout } = useApp();
  if (session.isDisplay) return null;
  return (
    <>
      <span className="user">{session.claims.username}</span>
      <button type="button" className="secondary" onClick={logout}>
        Sign out
      </button>
    </>
  );
}

export function Link({ to, className, children }: { to: string; className?: string; children: ReactNode }) {
  return (
    <a href={to} className={className} onClick={followLink}>
      {children}
    </a>
  );
}

/** A page that has nothing to show but a sentence (a route the role cannot use, an unknown path). */
export function MessagePage({ title, children }: { title: string; children: ReactNode }) {
  return (
    <main className="message-page">
      <h1>{title}</h1>
      {children}
    </main>
  );
}

const DARK_QUERY = '(prefers-color-scheme: dark)';

function subscribeScheme(listener: () => void): () => void {
  const query = window.matchMedia(DARK_QUERY);
  query.addEventListener('change', listener);
  return () => query.removeEventListener('change', listener);
}

/** The theme in effect (`light` or `dark`): the choice, or the system's when the choice is `auto`. */
export function useResolvedTheme(): 'light' | 'dark' {
  const { theme } = useApp();
  const systemDark = useSyncExternalStore(subscribeScheme, () => window.matchMedia(DARK_QUERY).matches);
  return theme === 'auto' ? (systemDark ? 'dark' : 'light') : theme;
}

/** The document's title (what a tab, a window list and a screen reader announce) while mounted. */
export function useTitle(title: string): void {
  useEffect(() => {
    document.title = `${title} · Circulator`;
  }, [title]);
}
