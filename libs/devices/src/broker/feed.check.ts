import { parseFeedPayload } from '../feed/feed.schemas';
import { parseFeedTopic } from '../feed/feed.topics';

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * The edge's check of a device message before it is stored for the worker: a topic of CONTRACT §6,
 * UTF-8 text, and a payload of that topic's schema. Returns the problem in one line, or undefined.
 * (Whether each reading is plausible is the worker's question: a bad value drops that reading,
 * not the message.)
 */
export function checkFeedPayload(topic: string, payload: Buffer): string | undefined {
  const parsed = parseFeedTopic(topic);
  if (!parsed) return 'not a feed topic of CONTRACT §6';
  let text: string;
  try {
    text = utf8.decode(payload);
  } catch {
    return 'payload is not UTF-8 text';
  }
  const result = parseFeedPayload(parsed.kind, text);
  return result.ok ? undefined : result.problem;
}
