import type { Socket } from 'node:net';
import WebSocket, { WebSocketServer } from 'ws';

/**
 * The fan-out bench's baseline, run as a process of its own like the platform's gateway: a bare
 * `ws` broadcast. The publisher connects to `/pub`; every text message it sends is framed once
 * and written to every client of `/sub` (header and payload in one corked write per socket).
 * Nothing else: no protocol, no rooms, no authentication. This is the least work any websocket
 * fan-out must do, so the platform's figures are read as a ratio of it.
 *
 * Prints `{"port":N}` on stdout once listening; stops on SIGTERM or when stdin closes.
 */
/** ws's frame builder: public in its JavaScript, absent from its typings. */
interface FrameBuilder {
  frame(
    data: Buffer,
    options: { fin: boolean; opcode: number; mask: boolean; readOnly: boolean; rsv1: boolean },
  ): Buffer[];
}
const Sender = (WebSocket as unknown as { Sender: FrameBuilder }).Sender;

function main(): void {
  const server = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: false, maxPayload: 1 << 20 });
  const subscribers = new Set<WebSocket>();
  server.on('connection', (ws, request) => {
    const raw = (ws as unknown as { _socket: Socket })._socket;
    raw.setNoDelay(true);
    if (request.url === '/sub') {
      subscribers.add(ws);
      ws.on('close', () => subscribers.delete(ws));
      return;
    }
    ws.on('message', (data: Buffer) => {
      const frame = Sender.frame(data, { fin: true, opcode: 1, mask: false, readOnly: true, rsv1: false });
      for (const sub of subscribers) {
        if (sub.readyState !== WebSocket.OPEN) continue;
        const socket = (sub as unknown as { _socket: Socket })._socket;
        socket.cork();
        for (const part of frame) socket.write(part);
        socket.uncork();
      }
    });
  });
  server.once('listening', () => {
    const address = server.address();
    if (typeof address === 'object' && address) process.stdout.write(`${JSON.stringify({ port: address.port })}\n`);
  });
  const stop = () => {
    for (const ws of subscribers) ws.terminate();
    server.close(() => process.exit(0));
  };
  process.once('SIGTERM', stop);
  process.stdin.once('end', stop);
  process.stdin.resume();
}

main();
