import { Message } from 'node-hl7-client';
import type { HL7Sender } from './hl7.sender';
import type { SimMessage } from './siu.builder';

/** Time for the player, behind an interface so pacing is testable without waiting. */
export interface Clock {
  /** Milliseconds, monotonic enough for pacing. */
  now(): number;
  sleep(ms: number): Promise<void>;
}

export const systemClock: Clock = {
  now: () => performance.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

/** MSA-1 codes that mean the receiver took the message (original and enhanced mode). */
const ACCEPTED = new Set(['AA', 'CA']);

export interface AckSummary {
  /** MSA-1, or '??' when the reply is not a readable ACK. */
  code: string;
  /** MSA-3 / ERR text, when the receiver gave a reason. */
  text?: string;
}

export interface Progress {
  index: number;
  total: number;
  message: SimMessage;
  ack: AckSummary;
  accepted: boolean;
  ackMs: number;
}

export interface PlayResult {
  sent: number;
  accepted: number;
  rejected: { controlId: string; placerId: string; ack: AckSummary }[];
  /** Set when the transport failed and the remaining messages were not sent. */
  aborted?: string;
  elapsedMs: number;
}

export interface PlayOptions {
  /** Time acceleration: 60 plays an hour of simulated time in a minute; 0 sends without pauses. */
  speed: number;
  clock?: Clock;
  onProgress?: (progress: Progress) => void;
}

/**
 * Sends the messages in order, each at `start + offsetMs / speed`. Deadlines are absolute, so time
 * spent waiting for ACKs does not add up into drift. A rejected message is counted and the day
 * goes on; a transport failure stops the play.
 */
export async function playMessages(
  messages: readonly SimMessage[],
  sender: HL7Sender,
  options: PlayOptions,
): Promise<PlayResult> {
  if (!(options.speed >= 0) || !Number.isFinite(options.speed)) throw new RangeError('speed must be >= 0');
  const clock = options.clock ?? systemClock;
  const started = clock.now();
  const result: PlayResult = { sent: 0, accepted: 0, rejected: [], elapsedMs: 0 };
  const firstOffset = messages[0]?.offsetMs ?? 0;

  for (const [index, message] of messages.entries()) {
    if (options.speed > 0) {
      const due = started + (message.offsetMs - firstOffset) / options.speed;
      const wait = due - clock.now();
      if (wait > 0) await clock.sleep(wait);
    }
    const sentAt = clock.now();
    let ackText: string;
    try {
      ackText = await sender.send(message.text);
    } catch (error: unknown) {
      result.aborted = error instanceof Error ? error.message : String(error);
      break;
    }
    result.sent += 1;
    const ack = readAck(ackText);
    const accepted = ACCEPTED.has(ack.code);
    if (accepted) result.accepted += 1;
    else result.rejected.push({ controlId: message.controlId, placerId: message.placerId, ack });
    options.onProgress?.({ index, total: messages.length, message, ack, accepted, ackMs: clock.now() - sentAt });
  }
  result.elapsedMs = clock.now() - started;
  return result;
}

/** Reads MSA-1 and the reason (MSA-3, else ERR-8 user message) from an ACK. */
export function readAck(text: string): AckSummary {
  try {
    const ack = new Message({ text });
    const code = ack.get('MSA.1').toString();
    if (code === '') return { code: '??', text: 'no MSA segment in the reply' };
    const reason = ack.get('MSA.3').toString() || ack.get('ERR.8').toString();
    return reason === '' ? { code } : { code, text: reason };
  } catch (error: unknown) {
    return { code: '??', text: `unreadable ACK: ${error instanceof Error ? error.message : String(error)}` };
  }
}

/** One progress line, e.g. `[ 3/15] +00:04:00 S12 OR1 SIMP42-20261121-OR1-3 AA 12ms`. */
export function formatProgress(p: Progress): string {
  const width = String(p.total).length;
  const n = String(p.index + 1).padStart(width, ' ');
  const reason = p.ack.text === undefined ? '' : ` ${p.ack.text}`;
  return `[${n}/${p.total}] +${clockText(p.message.offsetMs)} ${p.message.trigger} ${p.message.roomCode} ${p.message.placerId} ${p.ack.code}${p.accepted ? '' : ' REJECTED'} ${Math.round(p.ackMs)}ms${reason}`;
}

/** Simulated offset as HH:MM:SS. */
export function clockText(ms: number): string {
  const total = Math.floor(ms / 1000);
  const hh = String(Math.floor(total / 3600)).padStart(2, '0');
  const mm = String(Math.floor((total % 3600) / 60)).padStart(2, '0');
  const ss = String(total % 60).padStart(2, '0');
  return `${hh}:${mm}:${ss}`;
}
