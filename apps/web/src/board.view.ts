import type { CaseView } from '@circulator/contracts';
import { boardCases } from './board.state';
import { formatRange, groupByRoom, isCaseStatus, statusClass, statusLabel, type RoomGroup } from './board.format';
import { indicatorFor } from './connection.state';
import { el } from './dom';
import type { LiveView } from './live.client';

export interface BoardPage {
  root: HTMLElement;
  /** Renders the board and the indicator from a new view. */
  update(view: LiveView, now: number): void;
  /** Refreshes only the indicator (it ages: "reconnecting…" becomes "stale since …"). */
  tick(now: number): void;
}

export interface BoardPageOptions {
  date: string;
  /** The facility's IANA zone: times are shown in it (GET /api/site). */
  timeZone?: string;
  username: string;
  onDateChange(date: string): void;
  onLogout(): void;
}

/** The board page: a header (date, connection, sign out) and one column per room. */
export function createBoardPage(options: BoardPageOptions): BoardPage {
  const dateInput = el('input', { type: 'date', id: 'board-date', value: options.date, required: '' });
  dateInput.addEventListener('change', () => {
    if (/^\d{4}-\d{2}-\d{2}$/.test(dateInput.value)) options.onDateChange(dateInput.value);
  });
  const indicator = el('span', { class: 'indicator indicator-reconnecting', role: 'status', 'aria-live': 'polite' });
  const logout = el('button', { type: 'button', class: 'secondary' }, 'Sign out');
  logout.addEventListener('click', () => options.onLogout());
  const board = el('div', { class: 'board', 'aria-busy': 'true' });
  const root = el(
    'div',
    { class: 'board-page' },
    el(
      'header',
      { class: 'topbar' },
      el('h1', {}, 'OR board'),
      el('label', { class: 'date-field', for: 'board-date' }, 'Day ', dateInput),
      indicator,
      el('span', { class: 'spacer' }),
      el('span', { class: 'user' }, options.username),
      logout,
    ),
    el('main', {}, board),
  );

  let last: LiveView | undefined;
  const renderIndicator = (now: number): void => {
    if (last === undefined) return;
    const { tone, text } = indicatorFor(last.connection, last.board.syncing, now);
    indicator.className = `indicator indicator-${tone}`;
    indicator.textContent = text;
  };

  return {
    root,
    update(view, now) {
      last = view;
      renderIndicator(now);
      board.setAttribute('aria-busy', String(view.board.version === undefined));
      board.replaceChildren(...renderBoard(view, options.timeZone));
    },
    tick: renderIndicator,
  };
}

function renderBoard(view: LiveView, timeZone: string | undefined): Node[] {
  if (view.error !== undefined) return [el('p', { class: 'empty error' }, view.error)];
  if (view.board.version === undefined) return [el('p', { class: 'empty' }, 'Loading the board…')];
  const rooms = groupByRoom(boardCases(view.board));
  if (rooms.length === 0) return [el('p', { class: 'empty' }, 'No cases scheduled for this day.')];
  return rooms.map((room) => renderRoom(room, timeZone));
}

function renderRoom(room: RoomGroup, timeZone: string | undefined): HTMLElement {
  const active = room.cases.filter((c) => c.status !== 'cancelled').length;
  return el(
    'section',
    { class: 'room', 'aria-label': room.roomName },
    el(
      'h2',
      { class: 'room-name' },
      room.roomName,
      el('span', { class: 'room-count' }, `${active} ${active === 1 ? 'case' : 'cases'}`),
    ),
    el('ol', { class: 'cases' }, ...room.cases.map((c) => renderCase(c, timeZone))),
  );
}

function renderCase(c: CaseView, timeZone: string | undefined): HTMLElement {
  // A newer server may send a status this build does not know: show it as it comes.
  const status: string = c.status;
  const known = isCaseStatus(status);
  const label = known ? statusLabel(status) : status;
  return el(
    'li',
    { class: `case case-${known ? status : 'unknown'}` },
    el(
      'div',
      { class: 'case-head' },
      el('span', { class: 'case-time' }, formatRange(c.scheduledStart, c.scheduledEnd, timeZone)),
      el('span', { class: statusClass(c.status) }, label),
    ),
    el('p', { class: 'procedure' }, c.procedure.text),
    el(
      'dl',
      { class: 'case-people' },
      el('dt', {}, 'Patient'),
      el('dd', { class: 'patient' }, c.patient.name),
      c.surgeon !== undefined && el('dt', {}, 'Surgeon'),
      c.surgeon !== undefined && el('dd', {}, c.surgeon.name),
      c.anesthesiologist !== undefined && el('dt', {}, 'Anesthesia'),
      c.anesthesiologist !== undefined && el('dd', {}, c.anesthesiologist.name),
    ),
  );
}
