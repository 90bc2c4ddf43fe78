import { createRoot } from 'react-dom/client';
import { App } from './app';
import { takeEnrolment } from './enrolment';
import { takeOidcCode } from './oidc.sign-in';
import { themeFromQuery } from './theme';
import './styles.css';

/**
 * Entry of the web front end. The first thing it does is take a display's enrolment token out of
 * the address (see enrolment.ts), and the one-time code of an OpenID sign-in (oidc.sign-in.ts), before anything renders or asks the server for anything.
 */
const enrolmentToken = takeEnrolment(window);
/** Likewise the one-time code of a sign-in with the hospital account (oidc.sign-in.ts). */
const oidcCode = takeOidcCode(window);

const container = document.getElementById('app');
if (container === null) throw new Error('index.html has no #app element');
createRoot(container).render(
  <App
    initialTheme={themeFromQuery(window.location.search)}
    {...(enrolmentToken ? { enrolmentToken } : {})}
    {...(oidcCode ? { oidcCode } : {})}
  />,
);
