import { createRoot } from 'react-dom/client';
import { App } from './app';
import { takeEnrolment } from './enrolment';
import { themeFromQuery } from './theme';
import './styles.css';

/**
 * Entry of the web front end. The first thing it does is take a display's enrolment token out of
 * the address (see enrolment.ts), before anything renders or asks the server for anything.
 */
const enrolmentToken = takeEnrolment(window);

const container = document.getElementById('app');
if (container === null) throw new Error('index.html has no #app element');
createRoot(container).render(
  <App initialTheme={themeFromQuery(window.location.search)} {...(enrolmentToken ? { enrolmentToken } : {})} />,
);
