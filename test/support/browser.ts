import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';

/** Debian's chromium (CI installs it); playwright never downloads a browser here. */
export const CHROMIUM = '/usr/bin/chromium';

/** Screenshots and benchmark figures of the browser tests (gitignored). */
export const ARTEFACTS = join(__dirname, '../../test-artefacts/browser');

export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install chromium (.ci/run does)`);
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
}

/** Saves a full-page screenshot under test-artefacts/browser/NAME.png. */
export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(ARTEFACTS, { recursive: true });
  await page.screenshot({ path: join(ARTEFACTS, `${name}.png`), fullPage: true });
}

export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: string[]; failureSummary?: string }[];
}

const AXE_SOURCE = (): string => readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

/**
 * Runs axe-core in the page (WCAG 2.x A and AA rules and axe's best practices) and returns the
 * serious and critical violations. The script is injected through the DevTools protocol, so the
 * page's Content-Security-Policy (no inline or foreign scripts) stays as the server sends it.
 */
export async function seriousViolations(page: Page): Promise<AxeViolation[]> {
  await page.evaluate(AXE_SOURCE());
  const violations = await page.evaluate(async () => {
    const page = globalThis as unknown as {
      axe: { run(context: unknown, options: unknown): Promise<{ violations: unknown[] }> };
      document: unknown;
    };
    const result = await page.axe.run(page.document, {
      runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice'] },
    });
    return result.violations;
  });
  return (violations as AxeViolation[]).filter((v) => v.impact === 'serious' || v.impact === 'critical');
}

/** For an assertion message: which rule, where. */
export function describeViolations(violations: AxeViolation[]): string {
  return violations
    .map((v) => `${v.id} (${v.impact}): ${v.help} at ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`)
    .join('\n');
}

/** Entries of localStorage and sessionStorage, and cookies: a page that keeps nothing has 0. */
export async function storedItems(page: Page): Promise<number> {
  const inPage = await page.evaluate(() => {
    // Runs in the page; the test's own types have no DOM.
    const w = globalThis as unknown as {
      localStorage: { length: number };
      sessionStorage: { length: number };
      document: { cookie: string };
    };
    return w.localStorage.length + w.sessionStorage.length + (w.document.cookie === '' ? 0 : 1);
  });
  const cookies = await page.context().cookies();
  return inPage + cookies.length;
}

/** Errors the page logs or throws (a CSP refusal, a failed script): collected from now on. */
export function pageErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(message.text());
  });
  page.on('pageerror', (error) => errors.push(error.message));
  return errors;
}

/** A text element as the page lays it out: what it says, and why it is not all shown if it is not. */
export interface TextFit {
  /** The element's data-testid (else its class). */
  name: string;
  text: string;
  /** Empty when the text is on one line, inside its element and not hidden by any clipping box. */
  problems: string[];
}

/**
 * For each element matching `selector`: whether its text is shown whole. A text is cut when it
 * overflows its element (scrollWidth/scrollHeight over clientWidth/clientHeight), wraps onto a
 * second line, or reaches out of any ancestor that clips its overflow (the wall display's boxes
 * do) or across the viewport's edges.
 */
export async function textFit(page: Page, selector: string): Promise<TextFit[]> {
  return page.evaluate((selector) => {
    // Runs in the page; the test's own types have no DOM.
    interface Box {
      left: number;
      right: number;
      top: number;
      bottom: number;
    }
    interface El {
      textContent: string | null;
      className: string;
      scrollWidth: number;
      clientWidth: number;
      scrollHeight: number;
      clientHeight: number;
      parentElement: El | null;
      getAttribute(name: string): string | null;
      getBoundingClientRect(): Box;
    }
    const w = globalThis as unknown as {
      innerWidth: number;
      document: {
        querySelectorAll(s: string): Iterable<El>;
        createRange(): {
          selectNodeContents(el: El): void;
          getClientRects(): Iterable<Box>;
          getBoundingClientRect(): Box;
        };
      };
      getComputedStyle(el: El): { overflowX: string; overflowY: string };
    };
    const px = (b: Box) => `${Math.round(b.left)}–${Math.round(b.right)}×${Math.round(b.top)}–${Math.round(b.bottom)}`;
    const inside = (a: Box, b: Box) =>
      a.left >= b.left - 0.5 && a.right <= b.right + 0.5 && a.top >= b.top - 0.5 && a.bottom <= b.bottom + 0.5;
    return [...w.document.querySelectorAll(selector)].map((el) => {
      const problems: string[] = [];
      if (el.scrollWidth > el.clientWidth) problems.push(`${el.scrollWidth} px wide in ${el.clientWidth}`);
      if (el.scrollHeight > el.clientHeight) problems.push(`${el.scrollHeight} px high in ${el.clientHeight}`);
      const range = w.document.createRange();
      range.selectNodeContents(el);
      const lines = new Set([...range.getClientRects()].map((r) => Math.round(r.top)));
      if (lines.size > 1) problems.push(`on ${lines.size} lines`);
      const text = range.getBoundingClientRect();
      if (!inside(text, el.getBoundingClientRect())) problems.push(`text ${px(text)} out of its element`);
      // Across the viewport (a page may scroll down, never sideways).
      if (text.left < -0.5 || text.right > w.innerWidth + 0.5) problems.push(`text ${px(text)} out of the viewport`);
      for (let a = el.parentElement; a !== null; a = a.parentElement) {
        const style = w.getComputedStyle(a);
        if (style.overflowX === 'visible' && style.overflowY === 'visible') continue;
        const box = a.getBoundingClientRect();
        if (!inside(text, box)) problems.push(`text ${px(text)} clipped by .${a.className} ${px(box)}`);
      }
      return { name: el.getAttribute('data-testid') ?? el.className, text: el.textContent ?? '', problems };
    });
  }, selector);
}
