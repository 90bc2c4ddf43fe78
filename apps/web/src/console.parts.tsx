import { useCallback, useEffect, useRef, useState, type ReactNode } from 'react';
import { useApp } from './app.context';
import type { ApiResult } from './console.api';
import { formatClockMs } from './board.format';
import { ConnectionIndicator, Link, SignOut, ThemeToggle, useTitle } from './common.components';
import { useNow } from './live.hooks';
import { screensFor } from './roles';
import { formatAge } from './time.format';

/** What a polled REST view holds: the last good answer and when it came, and the last error. */
export interface Polled<T> {
  value?: T;
  /** Epoch ms of the last good answer. */
  at?: number;
  error?: string;
  reload: () => void;
}

/**
 * A REST view read now and every `everyMs` (the consoles' data have no socket topic). A failed
 * read keeps the last good answer, so the screen shows it with its age growing, and the error.
 * `key` changes start over (another search, another message).
 */
export function usePolled<T>(load: () => Promise<ApiResult<T>>, everyMs: number, key: string): Polled<T> {
  const [state, setState] = useState<Omit<Polled<T>, 'reload'>>({});
  const loader = useRef(load);
  loader.current = load;
  const [tick, setTick] = useState(0);
  const reload = useCallback(() => setTick((n) => n + 1), []);

  useEffect(() => {
    setState({});
  }, [key]);
  useEffect(() => {
    let cancelled = false;
    const run = () =>
      void loader.current().then((result) => {
        if (cancelled) return;
        if (result.ok) setState({ value: result.body, at: Date.now() });
        else setState((s) => ({ ...s, error: result.message }));
      });
    run();
    const id = everyMs > 0 ? setInterval(run, everyMs) : undefined;
    return () => {
      cancelled = true;
      if (id !== undefined) clearInterval(id);
    };
  }, [everyMs, key, tick]);
  return { ...state, reload };
}

/** `data 10:42:07 · 3 s ago`, marked stale past `staleAfterMs`. */
export function DataAge({ at, staleAfterMs, label = 'data' }: { at?: number; staleAfterMs: number; label?: string }) {
  const { session } = useApp();
  const now = useNow(1_000);
  if (at === undefined) return <span className="data-age">{label}: loading…</span>;
  const stale = now - at > staleAfterMs;
  const seconds = new Date(at).toISOString().slice(17, 19);
  return (
    <span className={`data-age${stale ? ' data-age-stale' : ''}`} data-testid="data-age">
      {label} {formatClockMs(at, session.timeZone)}:{seconds} · {formatAge(at, now)}
      {stale ? ' (stale)' : ''}
    </span>
  );
}

/** The screens the roles offer, this one marked. */
export function ConsoleNav({ current }: { current: string }) {
  const { session } = useApp();
  const screens = screensFor(session.claims.roles);
  if (screens.length < 2) return null;
  return (
    <nav aria-label="Screens" className="console-nav">
      <ul>
        {screens.map((s) => (
          <li key={s.path}>
            {s.path === current ? <span aria-current="page">{s.label}</span> : <Link to={s.path}>{s.label}</Link>}
          </li>
        ))}
      </ul>
    </nav>
  );
}

/** A console's frame: the top bar (title, navigation, connection, data age, theme, sign-out) and its main. */
export function ConsoleFrame({
  title,
  path,
  age,
  children,
}: {
  title: string;
  path: string;
  age: ReactNode;
  children: ReactNode;
}) {
  useTitle(title);
  return (
    <div className="console-page">
      <header className="topbar">
        <h1>{title}</h1>
        <ConsoleNav current={path} />
        <ConnectionIndicator syncing={false} />
        {age}
        <span className="spacer" />
        <ThemeToggle />
        <SignOut />
      </header>
      <main className="console-main">{children}</main>
    </div>
  );
}

/** An action that asks before it acts: the button, then "Confirm / Cancel" in its place. */
export function ConfirmButton({
  label,
  question,
  confirmLabel,
  onConfirm,
  disabled,
}: {
  label: string;
  question: string;
  confirmLabel: string;
  onConfirm: () => void;
  disabled?: boolean;
}) {
  const [asking, setAsking] = useState(false);
  if (!asking) {
    return (
      <button type="button" className="secondary" disabled={disabled} onClick={() => setAsking(true)}>
        {label}
      </button>
    );
  }
  return (
    <span className="confirm" role="group" aria-label={question}>
      <span>{question}</span>{' '}
      <button
        type="button"
        className="primary"
        onClick={() => {
          setAsking(false);
          onConfirm();
        }}
      >
        {confirmLabel}
      </button>{' '}
      <button type="button" className="secondary" onClick={() => setAsking(false)}>
        Cancel
      </button>
    </span>
  );
}
