import { Adapter, type BroadcastOptions, type Session } from 'socket.io-adapter';
import type { Redis } from 'ioredis';
import { isStreamId } from './change.bus';

/** What a recovered socket's `data` holds until the gateway has checked it again. */
export interface RestoredSessionData {
  /** The principal the session belonged to: a different one may not take it over. */
  previousSub: string;
  /** The stream offset the client had reached; the gateway replays the stream from there. */
  restoredFrom: string;
}

export interface LiveAdapterDeps {
  redis: Redis;
  /** Key of a session under this deployment's prefix. */
  sessionKey(pid: string): string;
  stream: string;
  /** The offset of the newest change whose updates are being sent right now. */
  currentOffset(): string;
  /** The principal id a socket's data belongs to (kept in the session instead of the token). */
  subOf(data: unknown): string | undefined;
  maxDisconnectionMs: number;
}

/** socket.io packet type of an event (socket.io-parser `PacketType.EVENT`). */
const EVENT = 2;

/**
 * socket.io connection-state recovery over Redis, with the change stream as the record of what
 * a client missed, so that a display that drops for under two minutes resumes on any gateway.
 *
 * - Every event packet sent (not volatile ones such as `vitals`) carries, as its last argument,
 *   the stream offset of the change it reports: that is the client's place.
 * - A session is kept in Redis for the recovery window — rooms and principal id, never the token.
 * - On recovery the session is handed back without packets: the gateway first checks the new
 *   token and the rooms against it, then replays the stream from the client's offset (see
 *   LiveGateway). socket.io would otherwise write the missed packets before any check.
 *
 * Fan-out itself stays local to each gateway: every gateway reads the whole change stream in the
 * same order, so the adapter has nothing to relay between gateways.
 */
export function createLiveAdapter(deps: LiveAdapterDeps): typeof Adapter {
  return class LiveAdapter extends Adapter {
    override broadcast(packet: { type: number; id?: number; data: unknown[] }, opts: BroadcastOptions): void {
      if (packet.type === EVENT && packet.id === undefined && !opts.flags?.volatile) {
        const offset = deps.currentOffset();
        if (offset !== '0-0') packet.data.push(offset);
      }
      super.broadcast(packet, opts);
    }

    override persistSession(session: { sid: string; pid: string; rooms: string[]; data: unknown }): void {
      const sub = deps.subOf(session.data);
      if (sub === undefined) return;
      const stored = JSON.stringify({ sid: session.sid, rooms: session.rooms, sub });
      deps.redis.set(deps.sessionKey(session.pid), stored, 'PX', deps.maxDisconnectionMs).catch(() => undefined);
    }

    override async restoreSession(pid: string, offset: string): Promise<Session> {
      if (!isStreamId(offset)) throw new Error('invalid offset');
      const [raw, still] = await Promise.all([
        deps.redis.getdel(deps.sessionKey(pid)),
        deps.redis.xrange(deps.stream, offset, offset),
      ]);
      // No session (expired, taken, never there) or the offset was trimmed: a fresh connection.
      if (!raw || still.length === 0) throw new Error('session or offset not found');
      const stored = JSON.parse(raw) as { sid: string; rooms: string[]; sub: string };
      const data: RestoredSessionData = { previousSub: stored.sub, restoredFrom: offset };
      return { sid: stored.sid, pid, rooms: stored.rooms, data, missedPackets: [] };
    }
  };
}
