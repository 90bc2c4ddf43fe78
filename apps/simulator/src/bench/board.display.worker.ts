import { parentPort, workerData } from 'node:worker_threads';
import { RawLiveClient } from './raw-live.client';
import { placersInUpdate } from './update.frame';
import type { BoardDisplaysInit, BoardDisplaysMessage } from './board.displays';

/**
 * A thread of bench board displays (see board.displays.ts): connects its share of the displays,
 * and reports each booking (placer appointment id) the first time each display shows it, with the
 * wall-clock time it arrived, in one message every FLUSH_MS. Each display speaks socket.io's
 * protocol over its own websocket and receives every frame, but finds this run's bookings in an
 * update's bytes without decoding it (see placersInUpdate).
 */
const FLUSH_MS = 50;

const init = workerData as BoardDisplaysInit;
const port = parentPort;
if (!port) throw new Error('board.display.worker runs as a worker thread');

const post = (message: BoardDisplaysMessage) => port.postMessage(message);
let pending: [string, number][] = [];
const flush = () => {
  if (pending.length === 0) return;
  post({ kind: 'seen', seen: pending });
  pending = [];
};

async function main(): Promise<void> {
  const displays: RawLiveClient[] = [];
  try {
    await Promise.all(
      Array.from({ length: init.count }, () => {
        // A booking is on a display from the first update that shows its case, whatever the case's
        // version by then: a prediction may have changed it already, and the gateway sends the
        // latest state of a case (coalesced updates), not each of its versions.
        const seen = new Set<string>();
        const display = new RawLiveClient(init.url, init.bearer, (frame) => {
          const at = performance.timeOrigin + performance.now();
          for (const placer of placersInUpdate(frame, init.placerPrefix)) {
            if (seen.has(placer)) continue;
            seen.add(placer);
            pending.push([placer, at]);
          }
        });
        displays.push(display);
        return display.subscribe(init.topic);
      }),
    );
  } catch (err) {
    for (const d of displays) d.close();
    post({ kind: 'error', message: (err as Error).message });
    port!.close();
    return;
  }
  const timer = setInterval(flush, FLUSH_MS);
  port!.on('message', (m: { kind: 'close' }) => {
    if (m.kind !== 'close') return;
    clearInterval(timer);
    flush();
    for (const d of displays) d.close();
    post({ kind: 'closed' });
    port!.close();
  });
  post({ kind: 'ready', count: displays.length });
}

void main();
