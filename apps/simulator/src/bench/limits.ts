import { createConnection, createServer, type Socket } from 'node:net';
import { WebSocket, WebSocketServer } from 'ws';
import { percentile } from './stats';

/**
 * The machine's raw limits, measured in the same run as the platform (CONTRACT §8), so that every
 * figure can be read as a ratio: minimal MLLP framing both ends, one message in flight, and a
 * bare websocket echo. Loopback only; bounded in time.
 */
const START = 0x0b;
const END = Buffer.from([0x1c, 0x0d]);

function framed(payload: Buffer): Buffer {
  return Buffer.concat([Buffer.from([START]), payload, END]);
}

/** Round trips per second of a 1 KB frame through a minimal MLLP echo, one in flight. */
export async function mllpEchoPerSecond(durationMs: number): Promise<number> {
  const server = createServer((socket: Socket) => {
    socket.setNoDelay(true);
    let buffered: Buffer = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => {
      buffered = buffered.length ? Buffer.concat([buffered, chunk]) : chunk;
      let end: number;
      while ((end = buffered.indexOf(END)) >= 0) {
        socket.write(framed(buffered.subarray(1, end)));
        buffered = buffered.subarray(end + 2);
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (typeof address !== 'object' || !address) throw new Error('echo server has no port');
  const client = createConnection({ host: '127.0.0.1', port: address.port });
  client.setNoDelay(true);
  await new Promise<void>((resolve) => client.once('connect', resolve));
  const message = framed(Buffer.alloc(1024, 0x41));
  let count = 0;
  const started = performance.now();
  try {
    await new Promise<void>((resolve, reject) => {
      let received = 0;
      client.on('error', reject);
      client.on('data', (chunk: Buffer) => {
        received += chunk.length;
        while (received >= message.length) {
          received -= message.length;
          count += 1;
          if (performance.now() - started >= durationMs) return resolve();
          client.write(message);
        }
      });
      client.write(message);
    });
  } finally {
    client.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
  return Math.round((count * 1000) / (performance.now() - started));
}

/** Median round trip (ms) of a 1 KB message through a bare websocket echo on loopback. */
export async function wsEchoP50Ms(roundTrips: number): Promise<number> {
  const server = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: false });
  server.on('connection', (ws) => ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary })));
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  const address = server.address();
  if (typeof address !== 'object' || address === null) throw new Error('ws echo has no port');
  const client = new WebSocket(`ws://127.0.0.1:${address.port}`, { perMessageDeflate: false });
  await new Promise<void>((resolve, reject) => {
    client.once('open', () => resolve());
    client.once('error', reject);
  });
  const payload = 'x'.repeat(1024);
  const samples: number[] = [];
  try {
    for (let i = 0; i < roundTrips; i++) {
      const sent = performance.now();
      await new Promise<void>((resolve) => {
        client.once('message', () => resolve());
        client.send(payload);
      });
      samples.push(performance.now() - sent);
    }
  } finally {
    client.close();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
  return Math.round((percentile(samples, 50) ?? 0) * 1000) / 1000;
}
