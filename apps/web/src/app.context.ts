import { createContext, useContext } from 'react';
import type { FetchLike } from './auth.api';
import type { LiveConnection } from './live.connection';
import type { Session } from './session';
import type { ThemeChoice } from './theme';

/** What every signed-in screen uses: the session, its live connection, the theme. */
export interface AppServices {
  session: Session;
  live: LiveConnection;
  fetchFn: FetchLike;
  theme: ThemeChoice;
  cycleTheme: () => void;
  logout: () => void;
}

export const AppContext = createContext<AppServices | undefined>(undefined);

export function useApp(): AppServices {
  const services = useContext(AppContext);
  if (services === undefined) throw new Error('useApp outside a signed-in screen');
  return services;
}
