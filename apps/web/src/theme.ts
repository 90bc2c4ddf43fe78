/**
 * Light and dark themes. `auto` follows the system (prefers-color-scheme); a person can pick one
 * with the toggle, and a kiosk's start URL can name one (`?theme=dark`). The choice is kept in
 * memory only, like everything else.
 */
export type ThemeChoice = 'auto' | 'light' | 'dark';

export function themeFromQuery(search: string): ThemeChoice {
  const theme = new URLSearchParams(search).get('theme');
  return theme === 'light' || theme === 'dark' ? theme : 'auto';
}

/** The next choice of the toggle: auto → dark → light → auto. */
export function nextTheme(choice: ThemeChoice): ThemeChoice {
  switch (choice) {
    case 'auto':
      return 'dark';
    case 'dark':
      return 'light';
    case 'light':
      return 'auto';
  }
}

export function themeLabel(choice: ThemeChoice): string {
  switch (choice) {
    case 'auto':
      return 'Theme: system';
    case 'dark':
      return 'Theme: dark';
    case 'light':
      return 'Theme: light';
  }
}

/** Sets the theme on the document: the stylesheet's `[data-theme]` rules and `color-scheme` follow it. */
export function applyTheme(root: HTMLElement, choice: ThemeChoice): void {
  if (choice === 'auto') delete root.dataset.theme;
  else root.dataset.theme = choice;
}
