import { createInterface } from 'node:readline';
import WebSocket from 'ws';
import { RawLiveClient } from './raw-live.client';

/**
 * The fan-out bench's load clients, in a process of their own: they read every frame the server
 * sends them, as a real client must, but a thousand of them in the process that measures would
 * make it late to read the probes' frames (measuring its own queue, not the server's fan-out).
 *
 * argv: `platform URL TOKEN TOPIC` or `ws URL`. stdin commands, one per line:
 * `connect N` (answers `connected N <frameBytes>` once they are in), `stop`.
 */
async function main(argv: string[]): Promise<void> {
  const [mode, url, token, topic] = argv;
  const raw: RawLiveClient[] = [];
  const sockets: WebSocket[] = [];
  const connectOne = async (): Promise<void> => {
    if (mode === 'platform') {
      const client = new RawLiveClient(url as string, token as string);
      raw.push(client);
      await client.subscribe(topic as string);
      return;
    }
    await new Promise<void>((resolve, reject) => {
      const ws = new WebSocket(`${url}/sub`, { perMessageDeflate: false });
      sockets.push(ws);
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
  };
  const lines = createInterface({ input: process.stdin });
  for await (const line of lines) {
    const [command, n] = line.trim().split(' ');
    if (command === 'connect') {
      await Promise.all(Array.from({ length: Number(n) }, connectOne));
      const frameBytes = raw.find((c) => c.updateFrameBytes > 0)?.updateFrameBytes ?? 0;
      process.stdout.write(`connected ${raw.length + sockets.length} ${frameBytes}\n`);
    } else if (command === 'frames') {
      const frameBytes = raw.find((c) => c.updateFrameBytes > 0)?.updateFrameBytes ?? 0;
      process.stdout.write(`frames ${frameBytes}\n`);
    } else if (command === 'stop') {
      break;
    }
  }
  for (const c of raw) c.close();
  for (const ws of sockets) ws.terminate();
  process.exit(0);
}

main(process.argv.slice(2)).catch((err: unknown) => {
  process.stderr.write(`fanout load: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
