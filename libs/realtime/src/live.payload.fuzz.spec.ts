import { Logger } from '@nestjs/common';
import fc from 'fast-check';
import type { Socket } from 'socket.io';
import { parseTopic } from '@circulator/contracts';
import type { Clock } from '@circulator/domain';
import { IdentityError, type Principal } from '@circulator/identity';
import { fuzzAsync } from '../../../test/support/fuzz';
import { LiveGateway, mayRead } from './live.gateway';

/**
 * The `/live` gateway's handling of client payloads under fast-check (`FUZZ_SEED` / `FUZZ_RUNS`,
 * test/support/fuzz.ts): `subscribe`, `unsubscribe` and `auth` get any value socket.io can carry
 * (JSON, binary, nesting, hostile topic strings). The handlers never throw and always answer an
 * ack; a payload that names no topic of CONTRACT §7, or one the principal may not read, is refused
 * with `{ok: false}` before any room is joined or anything is read; a credential is only ever
 * checked when it is a non-empty string.
 *
 * What a valid subscription reads next (the change stream, the database) is past the payload's
 * validation: here the bus answers with a failure, which the gateway must turn into an ack too.
 */

const PRINCIPALS: Principal[] = [
  { kind: 'user', sub: 'u1', username: 'admin', roles: ['admin'], sessionId: 's1' },
  { kind: 'display', sub: 'd1', username: 'screen', roles: ['display'], roomId: 'or-1' },
  { kind: 'consult', sub: 'c1', username: 'consult', roles: [], caseId: '0f8fad5b-d9cb-469f-a165-70867728950e' },
] as Principal[];

const TOPIC_TEXT = fc.oneof(
  fc.constantFrom(
    'alerts',
    'board:2026-11-20',
    'board:2026-02-30',
    'room:or-1',
    'room:or-2',
    'case:0f8fad5b-d9cb-469f-a165-70867728950e',
    "room:' OR 1=1 --",
    'room:../../etc/passwd',
    'room:#full',
    'case:',
    'board:',
    ':',
    '__proto__',
    'room:or-1#full',
    `room:${'a'.repeat(200)}`,
  ),
  fc.string({ maxLength: 40 }),
  fc.tuple(fc.constantFrom('board:', 'room:', 'case:', 'alerts'), fc.string({ maxLength: 20 })).map(([a, b]) => a + b),
);

const BODY = fc.oneof(
  fc.anything({ maxDepth: 3, withBigInt: false, withMap: true, withSet: true, withTypedArray: true }),
  fc.record({ topic: fc.anything({ maxDepth: 2 }) }),
  fc.record({ topic: TOPIC_TEXT }),
  fc.record({ token: fc.oneof(fc.anything({ maxDepth: 1 }), fc.string()) }),
  fc.uint8Array({ maxLength: 16 }).map((b) => Buffer.from(b)),
);

/** A socket.io socket as the handlers use it: its data, its rooms, join and leave. */
function fakeSocket(principal: Principal) {
  const joined: string[] = [];
  const left: string[] = [];
  const socket = {
    id: 'sock-1',
    data: { principal, token: 'good' },
    rooms: new Set<string>(['sock-1']),
    join: (room: string) => {
      joined.push(room);
      socket.rooms.add(room);
    },
    leave: (room: string) => {
      left.push(room);
      socket.rooms.delete(room);
    },
    emit: () => true,
    disconnect: () => undefined,
  };
  return { socket: socket as unknown as Socket, joined, left };
}

function gateway(principal: Principal, verified: string[], busReads: string[]): LiveGateway {
  const tokens = {
    verify: (token: string) => {
      verified.push(token);
      if (token === 'good') return Promise.resolve(principal);
      return Promise.reject(new IdentityError('unauthorized', 'refused'));
    },
  };
  const bus = {
    version: (topic: string) => {
      busReads.push(topic);
      return Promise.reject(new Error('change stream unavailable'));
    },
  };
  const clock: Clock = { now: () => new Date('2026-11-20T10:00:00Z') };
  const none = {} as never;
  return new LiveGateway(tokens as never, none, none, none, none, bus as never, none, { facilityTz: 'UTC' }, clock);
}

describe('fuzz: /live payloads (fast-check, FUZZ_SEED / FUZZ_RUNS)', () => {
  beforeAll(() => {
    Logger.overrideLogger(false);
  });
  afterAll(() => {
    Logger.overrideLogger(new Logger());
  });

  it('subscribe: any payload → an ack; unknown or forbidden topics refused before any room is joined', async () => {
    await fuzzAsync(
      fc.asyncProperty(fc.constantFrom(...PRINCIPALS), BODY, async (principal, body: unknown) => {
        const verified: string[] = [];
        const reads: string[] = [];
        const { socket, joined, left } = fakeSocket(principal);
        const ack = await gateway(principal, verified, reads).subscribe(socket, body);
        const name = (body as { topic?: unknown } | null | undefined)?.topic;
        const topic = parseTopic(name);
        expect(ack.ok).toBe(false);
        if (ack.ok) return;
        if (!topic) {
          expect(ack.error).toBe('unknown topic');
          expect(joined).toEqual([]);
        } else if (!mayRead(principal, topic)) {
          expect(ack.error).toBe('forbidden');
          expect(joined).toEqual([]);
        } else {
          // Valid and allowed: joined its room, read the bus, which failed: answered and left.
          expect(joined).toHaveLength(1);
          expect(joined[0]?.startsWith(`${String(name)}#`)).toBe(true);
          expect(reads).toEqual([name]);
          expect(ack.error).toMatch(/^unavailable \(error [0-9a-f-]{36}\)$/);
          expect(left).toEqual(joined);
        }
      }),
      0x51,
      500,
    );
  });

  it('unsubscribe: any payload → {ok}; only a string topic leaves rooms, and only its own', async () => {
    await fuzzAsync(
      fc.asyncProperty(fc.constantFrom(...PRINCIPALS), BODY, async (principal, body: unknown) => {
        const { socket, joined, left } = fakeSocket(principal);
        const ack = await gateway(principal, [], []).unsubscribe(socket, body);
        const name = (body as { topic?: unknown } | null | undefined)?.topic;
        expect(joined).toEqual([]);
        if (typeof name !== 'string') {
          expect(ack).toEqual({ ok: false });
          expect(left).toEqual([]);
        } else {
          expect(ack).toEqual({ ok: true });
          expect(left.every((room) => room.startsWith(`${name}#`))).toBe(true);
        }
      }),
      0x52,
      500,
    );
  });

  it('auth: any payload → an ack; the token service sees only non-empty strings; nothing changes unless accepted', async () => {
    await fuzzAsync(
      fc.asyncProperty(fc.constantFrom(...PRINCIPALS), BODY, async (principal, body: unknown) => {
        const verified: string[] = [];
        const { socket } = fakeSocket(principal);
        const before = JSON.stringify(socket.data);
        const ack = await gateway(principal, verified, []).reauthenticate(socket, body);
        const token = (body as { token?: unknown } | null | undefined)?.token;
        expect(verified.every((t) => typeof t === 'string' && t !== '')).toBe(true);
        if (token === 'good') expect(ack).toEqual({ ok: true });
        else {
          expect(ack).toEqual({ ok: false, error: 'unauthorized' });
          expect(JSON.stringify(socket.data)).toBe(before);
        }
      }),
      0x53,
      500,
    );
  });
});
