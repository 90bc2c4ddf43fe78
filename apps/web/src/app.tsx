import { useCallback, useEffect, useMemo, useState } from 'react';
import { AnesthesiaPage } from './anesthesia.page';
import { AppContext, useApp, type AppServices } from './app.context';
import { requestSiteZone, requestToken, type FetchLike } from './auth.api';
import { BiomedPage } from './biomed.page';
import { BoardPage } from './board.page';
import { Link, MessagePage } from './common.components';
import { DisplayPage } from './display.page';
import { DisplaysAdminPage } from './displays.page';
import { IntegrationPage } from './integration.page';
import { LiveConnection } from './live.connection';
import { LoginPage } from './login.page';
import { exchangeOidcCode, requestOidcLoginUrl } from './oidc.sign-in';
import {
  mayAdministerDisplays,
  mayUseAnesthesiaView,
  mayUseBiomedConsole,
  mayUseBoard,
  mayUseIntegrationConsole,
  screensFor,
} from './roles';
import { matchRoute, navigate, pathOf, usePathname, type Route } from './router';
import { Session } from './session';
import { applyTheme, nextTheme, type ThemeChoice } from './theme';

const fetchFn: FetchLike = (input, init) => fetch(input, init);

const DISPLAY_ENDED =
  'This display is not enrolled (its credential was revoked or has expired). Open its enrolment link again.';

export interface AppProps {
  /** A display credential taken from the enrolment link (already out of the address bar). */
  enrolmentToken?: string;
  /** The one-time code of a sign-in with the hospital account (already out of the address bar). */
  oidcCode?: string;
  initialTheme: ThemeChoice;
}

/**
 * The web app: sign-in (or display enrolment), then the screen of the route. One session and one
 * live connection at a time, both in memory only.
 */
export function App({ enrolmentToken, oidcCode, initialTheme }: AppProps) {
  const route = matchRoute(usePathname());
  const [theme, setTheme] = useState(initialTheme);
  const [session, setSession] = useState<Session | undefined>(undefined);
  const [notice, setNotice] = useState<string | undefined>(undefined);
  const [enrolling, setEnrolling] = useState(enrolmentToken !== undefined);
  const [exchanging, setExchanging] = useState(oidcCode !== undefined);
  const [oidcLoginUrl, setOidcLoginUrl] = useState<string | undefined>(undefined);

  useEffect(() => applyTheme(document.documentElement, theme), [theme]);

  const handlers = useMemo(
    () => ({
      onEnded: (why: string | undefined) => {
        setSession(undefined);
        setNotice(why);
      },
    }),
    [],
  );

  // A display opened with its enrolment link signs in with the credential the link carried.
  useEffect(() => {
    if (enrolmentToken === undefined) return;
    let cancelled = false;
    void requestSiteZone(fetchFn, enrolmentToken).then((zone) => {
      if (cancelled) return;
      const started = Session.start({ token: enrolmentToken, expiresInSeconds: undefined }, zone, fetchFn, handlers);
      if (started?.isDisplay) setSession(started);
      else setNotice('This enrolment link does not hold a display credential.');
      setEnrolling(false);
    });
    return () => {
      cancelled = true;
    };
  }, [enrolmentToken, handlers]);

  const live = useMemo(
    () =>
      session &&
      new LiveConnection(() => session.token(), {
        onUnauthorized: () =>
          session.end(session.isDisplay ? DISPLAY_ENDED : 'Your session has ended. Please sign in again.'),
      }),
    [session],
  );
  useEffect(() => {
    if (live === undefined) return;
    live.start();
    // Each refreshed token goes to the live connection too, which then outlives the old one.
    const off = session?.onTokenChange(() => live.reauthenticate(session.token()));
    return () => {
      off?.();
      live.stop();
    };
  }, [live, session]);

  // Whether the server offers sign-in with the hospital account (OpenID Connect).
  useEffect(() => {
    let cancelled = false;
    void requestOidcLoginUrl(fetchFn).then((url) => {
      if (!cancelled) setOidcLoginUrl(url);
    });
    return () => {
      cancelled = true;
    };
  }, []);

  // Back from the hospital's identity provider: the one-time code becomes our session.
  useEffect(() => {
    if (oidcCode === undefined) return;
    let cancelled = false;
    void exchangeOidcCode(fetchFn, oidcCode).then(async (result) => {
      if (cancelled) return;
      if (!result.ok) {
        setNotice(result.message);
      } else {
        const zone = await requestSiteZone(fetchFn, result.token);
        const started = Session.start(result, zone, fetchFn, handlers);
        if (started === undefined) setNotice('The server sent an unexpected answer.');
        else setSession(started);
      }
      setExchanging(false);
    });
    return () => {
      cancelled = true;
    };
  }, [oidcCode, handlers]);

  const signIn = useCallback(
    async (username: string, password: string): Promise<string | undefined> => {
      const result = await requestToken(fetchFn, username, password);
      if (!result.ok) return result.message;
      const zone = await requestSiteZone(fetchFn, result.token);
      const started = Session.start(result, zone, fetchFn, handlers);
      if (started === undefined) return 'The server sent an unexpected answer.';
      setNotice(undefined);
      setSession(started);
      return undefined;
    },
    [handlers],
  );

  const services: AppServices | undefined = useMemo(
    () =>
      session &&
      live && {
        session,
        live,
        fetchFn,
        theme,
        cycleTheme: () => setTheme(nextTheme),
        logout: () => void session.logout(),
      },
    [session, live, theme],
  );

  // Where a signed-in principal may not be: a display only ever shows its own room.
  const redirect = session && redirectFor(route, session);
  useEffect(() => {
    if (redirect !== undefined) navigate(redirect, { replace: true });
  }, [redirect]);

  if (services === undefined) {
    if (enrolling) return <MessagePage title="Circulator">Enrolling this display…</MessagePage>;
    if (exchanging) return <MessagePage title="Circulator">Signing you in…</MessagePage>;
    return <LoginPage notice={notice} onSignIn={signIn} {...(oidcLoginUrl ? { oidcLoginUrl } : {})} />;
  }
  return (
    <AppContext.Provider value={services}>{redirect === undefined && <Screen route={route} />}</AppContext.Provider>
  );
}

function redirectFor(route: Route, session: Session): string | undefined {
  if (session.isDisplay) {
    const own = session.claims.roomId;
    if (own === undefined) return undefined;
    return route.name === 'display' && route.roomId === own ? undefined : pathOf({ name: 'display', roomId: own });
  }
  // Home is the first screen the roles offer (the board, else a console).
  return route.name === 'home' ? (screensFor(session.claims.roles)[0]?.path ?? pathOf({ name: 'board' })) : undefined;
}

function Screen({ route }: { route: Route }) {
  const { session } = useApp();
  const roles = session.claims.roles;
  switch (route.name) {
    case 'home':
    case 'board':
      return mayUseBoard(roles) ? <BoardPage /> : <NoScreen />;
    case 'display':
      return session.isDisplay || mayUseBoard(roles) ? <DisplayPage roomId={route.roomId} /> : <NoScreen />;
    case 'anesthesia':
      return mayUseAnesthesiaView(roles) ? <AnesthesiaPage roomId={route.roomId} /> : <NoScreen />;
    case 'integration':
      return mayUseIntegrationConsole(roles) ? <IntegrationPage /> : <NoScreen />;
    case 'biomed':
      return mayUseBiomedConsole(roles) ? <BiomedPage /> : <NoScreen />;
    case 'displays':
      return mayAdministerDisplays(roles) ? <DisplaysAdminPage /> : <NoScreen />;
    case 'not-found':
      return (
        <MessagePage title="Not found">
          <p>
            There is no page at this address. <Link to="/board">Go to the board</Link>.
          </p>
        </MessagePage>
      );
  }
}

function NoScreen() {
  const { logout } = useApp();
  return (
    <MessagePage title="Not available">
      <p>This screen is not available for your role.</p>
      <p>
        <Link to="/board">Board</Link>{' '}
        <button type="button" className="secondary" onClick={logout}>
          Sign out
        </button>
      </p>
    </MessagePage>
  );
}
