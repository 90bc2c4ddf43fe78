import request from 'supertest';
import { io, type Socket } from 'socket.io-client';
import { updateFit, type CaseView, type SubscribeAck, type UpdateEvent } from '@circulator/contracts';
import { waitFor } from './services';

/** A case version the display was shown lower than one it had been shown before. */
export interface Backwards {
  caseId: string;
  seen: number;
  then: number;
  via: 'snapshot' | 'update';
}

/** What the watcher saw, for the checker's verdict. */
export interface DisplayVerdict {
  snapshots: number;
  updates: number;
  /** Updates that did not follow on (a gap): the display subscribed again, as a client should. */
  gaps: number;
  casesSeen: number;
  /** Case versions that went backwards on the screen (must be none). */
  backwards: number;
}

/**
 * A socket.io `/live` subscriber of one topic whose snapshot and updates carry `cases` (a `board:`
 * screen), kept as a client following CONTRACT §7 keeps it: the snapshot, then updates that fit
 * (`updateFit`), a new subscription on a gap. It records every case version it was shown, so a test
 * can say whether any went backwards, across platform restarts (`connect` the new address), and
 * whether its final state is the server's (`converged`).
 */
export class DisplayWatcher {
  private socket?: Socket;
  private known = 0;
  private subscribing = false;
  private readonly state = new Map<string, CaseView>();
  private readonly highest = new Map<string, number>();
  readonly backwards: Backwards[] = [];
  private counts = { snapshots: 0, updates: 0, gaps: 0 };

  constructor(
    readonly topic: string,
    private readonly token: (url: string) => Promise<string>,
  ) {}

  /** Connects to a (new) platform address and subscribes; the previous connection is dropped. */
  async connect(url: string): Promise<void> {
    this.socket?.close();
    const token = await this.token(url);
    const socket = io(`${url}/live`, {
      auth: { token },
      transports: ['websocket'],
      reconnection: false,
      forceNew: true,
    });
    this.socket = socket;
    socket.on('update', (u: UpdateEvent) => this.onUpdate(socket, u));
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', () => resolve());
      socket.once('connect_error', reject);
    });
    await this.subscribe(socket);
  }

  close(): void {
    this.socket?.close();
    this.socket = undefined;
  }

  verdict(): DisplayVerdict {
    return { ...this.counts, casesSeen: this.highest.size, backwards: this.backwards.length };
  }

  /** The cases on the screen now. */
  cases(): IterableIterator<CaseView> {
    return this.state.values();
  }

  /** The screen's cases, id → the fields compared with REST. */
  screen(): Map<string, string> {
    return new Map([...this.state.values()].map((c) => [c.id, fingerprint(c)]));
  }

  /**
   * Waits until the screen shows what `GET /api/cases?date=` answers (same cases, same versions,
   * status and times), re-reading both; resolves with whether they met, and how they differ if not.
   */
  async converged(
    url: string,
    token: string,
    date: string,
    { timeoutMs = 30_000 } = {},
  ): Promise<{ converged: boolean; onScreenOnly: number; inRestOnly: number; different: number }> {
    let last = { converged: false, onScreenOnly: 0, inRestOnly: 0, different: 0 };
    await waitFor(
      async () => {
        const res = await request(url).get(`/api/cases?date=${date}`).set('Authorization', `Bearer ${token}`);
        if (res.status !== 200) return undefined;
        const rest = new Map((res.body as CaseView[]).map((c) => [c.id, fingerprint(c)]));
        const screen = this.screen();
        last = {
          converged: false,
          onScreenOnly: [...screen.keys()].filter((id) => !rest.has(id)).length,
          inRestOnly: [...rest.keys()].filter((id) => !screen.has(id)).length,
          different: [...rest].filter(([id, f]) => screen.has(id) && screen.get(id) !== f).length,
        };
        last.converged = !last.onScreenOnly && !last.inRestOnly && !last.different;
        return last.converged || undefined;
      },
      { timeoutMs, intervalMs: 250, what: `${this.topic} to converge on the REST state` },
    ).catch(() => undefined);
    return last;
  }

  private async subscribe(socket: Socket): Promise<void> {
    this.subscribing = true;
    try {
      const ack = (await socket.timeout(10_000).emitWithAck('subscribe', { topic: this.topic })) as SubscribeAck;
      if (!ack.ok) throw new Error(`subscribe ${this.topic} refused: ${ack.error}`);
      const cases = (ack.snapshot as { cases?: CaseView[] }).cases ?? [];
      this.counts.snapshots += 1;
      this.state.clear();
      for (const c of cases) this.show(c, 'snapshot');
      this.known = ack.version;
    } finally {
      this.subscribing = false;
    }
  }

  private onUpdate(socket: Socket, u: UpdateEvent): void {
    if (u.topic !== this.topic || socket !== this.socket || this.subscribing) return;
    const fit = updateFit(this.known, u);
    if (fit === 'stale') return;
    if (fit === 'gap') {
      this.counts.gaps += 1;
      void this.subscribe(socket).catch(() => undefined);
      return;
    }
    this.counts.updates += 1;
    for (const c of u.cases ?? []) this.show(c, 'update');
    for (const id of u.removed ?? []) this.state.delete(id);
    this.known = u.version;
  }

  private show(c: CaseView, via: Backwards['via']): void {
    const then = this.highest.get(c.id) ?? 0;
    if (c.version < then) this.backwards.push({ caseId: c.id, seen: c.version, then, via });
    else this.highest.set(c.id, c.version);
    this.state.set(c.id, c);
  }
}

/** What the screen must agree with REST on (the patient's name differs by role, on purpose). */
function fingerprint(c: CaseView): string {
  return JSON.stringify([c.version, c.status, c.roomId, c.scheduledStart, c.scheduledEnd]);
}
