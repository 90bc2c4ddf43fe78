import { requestSiteZone, requestToken } from './auth.api';
import { boardTopic, localDateValue } from './board.format';
import { createBoardPage } from './board.view';
import { LiveBoardClient } from './live.client';
import { renderLogin } from './login.view';

/**
 * Entry of the web front end: sign in, then a live board of one day. The access token lives only
 * in this module's closure (no browser storage: no tokens or PHI outlive the tab).
 */

const INDICATOR_TICK_MS = 5_000;
/** setTimeout's limit; a longer token lifetime is capped at about 24 days. */
const MAX_TIMER_MS = 2_147_483_647;

interface Session {
  client: LiveBoardClient;
  ticker: ReturnType<typeof setInterval>;
  expiry: ReturnType<typeof setTimeout> | undefined;
}

function startApp(appRoot: HTMLElement): void {
  let session: Session | undefined;

  function showLogin(notice?: string): void {
    appRoot.replaceChildren(
      renderLogin({
        notice,
        onSubmit: async (username, password) => {
          const result = await requestToken((input, init) => fetch(input, init), username, password);
          if (!result.ok) return result.message;
          const timeZone = await requestSiteZone((input, init) => fetch(input, init), result.token);
          showBoard(result.token, username, result.expiresInSeconds, timeZone);
          return undefined;
        },
      }),
    );
  }

  function showBoard(
    token: string,
    username: string,
    expiresInSeconds: number | undefined,
    timeZone: string | undefined,
  ): void {
    endSession();
    // "Today" is the facility's today, as the board's times are the facility's.
    const date = localDateValue(new Date(), timeZone);
    const page = createBoardPage({
      date,
      ...(timeZone ? { timeZone } : {}),
      username,
      onDateChange: (next) => session?.client.setTopic(boardTopic(next)),
      onLogout: () => logout(),
    });
    const client = new LiveBoardClient(token, boardTopic(date), {
      onChange: (view) => page.update(view, Date.now()),
      onUnauthorized: () => logout('Your session has ended. Please sign in again.'),
    });
    session = {
      client,
      ticker: setInterval(() => page.tick(Date.now()), INDICATOR_TICK_MS),
      // Sign out when the token expires rather than keep showing patient data on an unattended screen.
      expiry:
        expiresInSeconds === undefined
          ? undefined
          : setTimeout(
              () => logout('Your session expired. Please sign in again.'),
              Math.min(expiresInSeconds * 1000, MAX_TIMER_MS),
            ),
    };
    appRoot.replaceChildren(page.root);
    client.start();
  }

  function endSession(): void {
    if (session === undefined) return;
    session.client.stop();
    clearInterval(session.ticker);
    clearTimeout(session.expiry);
    session = undefined;
  }

  function logout(notice?: string): void {
    endSession();
    showLogin(notice);
  }

  showLogin();
}

const app = document.getElementById('app');
if (app === null) throw new Error('index.html has no #app element');
startApp(app);
