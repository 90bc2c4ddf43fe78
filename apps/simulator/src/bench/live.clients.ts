import { io, type Socket } from 'socket.io-client';
import type { UpdateEvent, VitalsEvent } from '@circulator/contracts';

/** What a bench display listens to; handlers are set before it subscribes, so nothing is missed. */
export interface DisplayHandlers {
  /** `offset`: the change stream offset the gateway stamps on each update (connection-state recovery). */
  update?: (event: UpdateEvent, offset?: unknown) => void;
  vitals?: (event: VitalsEvent) => void;
}

/** A socket.io client of `/live` subscribed to one topic, and the snapshot it got (CONTRACT §7). */
export interface BenchDisplay {
  socket: Socket;
  snapshot: unknown;
}

/** Signs in (CONTRACT §2) and returns the bearer token. */
export async function signIn(url: string, username: string, password: string): Promise<string> {
  const res = await fetch(`${url}/api/auth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password }),
  });
  if (!res.ok) throw new Error(`cannot sign in to ${url} (HTTP ${res.status})`);
  return ((await res.json()) as { access_token: string }).access_token;
}

export async function connectDisplay(
  url: string,
  bearer: string,
  topic: string,
  handlers: DisplayHandlers,
): Promise<BenchDisplay> {
  const socket = io(`${url}/live`, {
    auth: { token: bearer },
    transports: ['websocket'],
    reconnection: false,
    forceNew: true,
  });
  try {
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', () => resolve());
      socket.once('connect_error', reject);
    });
    if (handlers.update) socket.on('update', handlers.update);
    if (handlers.vitals) socket.on('vitals', handlers.vitals);
    const ack = (await socket.timeout(10_000).emitWithAck('subscribe', { topic })) as {
      ok: boolean;
      error?: string;
      snapshot?: unknown;
    };
    if (!ack.ok) throw new Error(`a display could not subscribe to ${topic}: ${ack.error ?? 'refused'}`);
    return { socket, snapshot: ack.snapshot };
  } catch (err) {
    socket.close();
    throw err;
  }
}

/** Connects every display, or closes the ones that did connect and fails. */
export async function connectAll<T extends { socket: Socket }>(attempts: Promise<T>[]): Promise<T[]> {
  const settled = await Promise.allSettled(attempts);
  const connected = settled.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
  const failed = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) {
    for (const d of connected) d.socket.close();
    throw failed.reason instanceof Error ? failed.reason : new Error(String(failed.reason));
  }
  return connected;
}

/** A JSON call to the platform's REST API with a bearer token; throws on an error status. */
export async function api<T>(
  platform: { url: string },
  bearer: string,
  method: string,
  path: string,
  body?: unknown,
): Promise<T> {
  const res = await fetch(`${platform.url}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${bearer}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  if (!res.ok) throw new Error(`${method} ${path}: HTTP ${res.status} ${(await res.text()).slice(0, 300)}`);
  return (res.status === 204 ? undefined : await res.json()) as T;
}

/** Runs `fn` over `items`, `limit` at a time; the results in the items' order. */
export async function inBatches<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T, i: number) => Promise<R>,
): Promise<R[]> {
  const out: R[] = [];
  for (let i = 0; i < items.length; i += limit) {
    out.push(...(await Promise.all(items.slice(i, i + limit).map((item, j) => fn(item, i + j)))));
  }
  return out;
}
