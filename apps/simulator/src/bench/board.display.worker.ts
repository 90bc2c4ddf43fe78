import { parentPort, workerData } from 'node:worker_threads';
import { connectAll, connectDisplay, type BenchDisplay } from './live.clients';
import type { BoardDisplaysInit, BoardDisplaysMessage } from './board.displays';

/**
 * A thread of bench board displays (see board.displays.ts): connects its share of the displays,
 * and reports each booking (placer appointment id) the first time each display shows it, with the
 * wall-clock time it arrived, in one message every FLUSH_MS.
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
  let displays: BenchDisplay[] = [];
  try {
    displays = await connectAll(
      Array.from({ length: init.count }, () => {
        // A booking is on a display from the first update that shows its case, whatever the case's
        // version by then: a prediction may have changed it already, and the gateway sends the
        // latest state of a case (coalesced updates), not each of its versions.
        const seen = new Set<string>();
        return connectDisplay(init.url, init.bearer, init.topic, {
          update: (u) => {
            const at = performance.timeOrigin + performance.now();
            for (const c of u.cases ?? []) {
              const placer = c.identifiers.placerAppointmentId;
              if (placer === undefined || !placer.startsWith(init.placerPrefix) || seen.has(placer)) continue;
              seen.add(placer);
              pending.push([placer, at]);
            }
          },
        });
      }),
    );
  } catch (err) {
    post({ kind: 'error', message: (err as Error).message });
    port!.close();
    return;
  }
  const timer = setInterval(flush, FLUSH_MS);
  port!.on('message', (m: { kind: 'close' }) => {
    if (m.kind !== 'close') return;
    clearInterval(timer);
    flush();
    for (const d of displays) d.socket.close();
    post({ kind: 'closed' });
    port!.close();
  });
  post({ kind: 'ready', count: displays.length });
}

void main();
