import { createRoot } from 'react-dom/client';
import { App } from './app';
import { themeFromQuery } from './theme';
import './styles.css';

/** Entry of the web front end. */
const container = document.getElementById('app');
if (container === null) throw new Error('index.html has no #app element');
createRoot(container).render(<App initialTheme={themeFromQuery(window.location.search)} />);
