import type { FeedPublish } from './feed.sink';

/** One device message inside an inbox row of channel `mqtt`. */
export interface FeedBatchEntry {
  deviceId: string;
  topic: string;
  /** The payload as the device sent it (UTF-8 JSON text, already checked at the edge). */
  payload: string;
  address: string | null;
  receivedAt: string;
}

/**
 * The raw bytes of an `mqtt` inbox row: JSON `{v: 1, messages: [...]}`, readable as is in the
 * message console, and decoded by the worker.
 */
export function encodeFeedBatch(batch: readonly FeedPublish[]): Buffer {
  const messages: FeedBatchEntry[] = batch.map((m) => ({
    deviceId: m.deviceId,
    topic: m.topic,
    payload: m.payload.toString('utf8'),
    address: m.address,
    receivedAt: m.receivedAt.toISOString(),
  }));
  return Buffer.from(JSON.stringify({ v: 1, messages }), 'utf8');
}

/** The messages of an `mqtt` inbox row; throws on anything else (the row then fails, kept). */
export function decodeFeedBatch(raw: Buffer): FeedBatchEntry[] {
  const parsed = JSON.parse(raw.toString('utf8')) as { v?: unknown; messages?: unknown };
  if (parsed.v !== 1 || !Array.isArray(parsed.messages)) throw new Error('not a device feed batch (v1)');
  return parsed.messages.map((m: unknown, i: number) => {
    const e = m as Partial<FeedBatchEntry>;
    if (
      typeof e.deviceId !== 'string' ||
      typeof e.topic !== 'string' ||
      typeof e.payload !== 'string' ||
      typeof e.receivedAt !== 'string'
    ) {
      throw new Error(`device feed batch: message ${i} is malformed`);
    }
    return {
      deviceId: e.deviceId,
      topic: e.topic,
      payload: e.payload,
      address: e.address ?? null,
      receivedAt: e.receivedAt,
    };
  });
}
