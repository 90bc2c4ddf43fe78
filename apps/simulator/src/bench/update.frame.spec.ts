import { Encoder, PacketType } from 'socket.io-parser';
import type { UpdateEvent } from '@circulator/contracts';
import { placersInUpdate } from './update.frame';

/** The frame socket.io writes for an event on `/live` (its own encoder, engine.io message type 4). */
function frameOf(event: string, payload: unknown): Buffer {
  const [text] = new Encoder().encode({ type: PacketType.EVENT, nsp: '/live', data: [event, payload] }) as string[];
  return Buffer.from(`4${text}`);
}

/** What a display that decodes the frame finds (the oracle). */
function decoded(frame: Buffer, prefix: string): string[] {
  const text = frame.toString('utf8');
  const [event, payload] = JSON.parse(text.slice(text.indexOf('['))) as [string, UpdateEvent];
  if (event !== 'update') return [];
  return (payload.cases ?? []).flatMap((c) => {
    const placer = c.identifiers.placerAppointmentId;
    return placer?.startsWith(prefix) ? [placer] : [];
  });
}

/** A case as the board sends it, with the identifiers that matter here and some text around them. */
function boardCase(id: string, placer?: string) {
  return {
    id,
    version: 3,
    status: 'scheduled',
    roomId: 'OR-1',
    procedure: { description: 'Laparoscopic "cholecystectomy" \\ placerAppointmentId' },
    patient: { mrn: 'M1', name: 'Ünal, Zoë' },
    identifiers: { ...(placer === undefined ? {} : { placerAppointmentId: placer }), fillerAppointmentId: 'F9' },
    vitals: { hr: { value: 60, unit: '/min', at: '2099-12-31T10:00:00.000Z' } },
  };
}

describe('placersInUpdate (bench board displays read frames without decoding them)', () => {
  const prefix = 'B7C';

  it('finds the placer ids of this run in an update, as a decoding client does', () => {
    const frame = frameOf('update', {
      topic: 'board:2099-12-31',
      version: 12,
      cases: [boardCase('c1', 'B7C0L1'), boardCase('c2', 'OTHER-1'), boardCase('c3'), boardCase('c4', 'B7C12L40')],
    });
    expect(placersInUpdate(frame, prefix)).toEqual(['B7C0L1', 'B7C12L40']);
    expect(placersInUpdate(frame, prefix)).toEqual(decoded(frame, prefix));
  });

  it('agrees with decoding on many generated updates', () => {
    let seed = 7;
    const next = (n: number) => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed % n;
    };
    for (let round = 0; round < 500; round += 1) {
      const cases = Array.from({ length: next(6) }, (_, i) => {
        const kind = next(3);
        const placer = kind === 0 ? undefined : kind === 1 ? `${prefix}${next(100)}L${next(50)}` : `X${next(9)}`;
        return boardCase(`c${i}`, placer);
      });
      const frame = frameOf('update', { topic: 'board:2099-12-31', version: round, cases, removed: ['gone'] });
      expect(placersInUpdate(frame, prefix)).toEqual(decoded(frame, prefix));
    }
  });

  it('finds nothing in other events or other frames', () => {
    const c = boardCase('c1', 'B7C0L1');
    expect(placersInUpdate(frameOf('alert', { topic: 'alerts', alert: c }), prefix)).toEqual([]);
    expect(placersInUpdate(frameOf('vitals', { topic: 'room:OR-1', identifiers: c.identifiers }), prefix)).toEqual([]);
    expect(placersInUpdate(Buffer.from('2'), prefix)).toEqual([]);
    expect(placersInUpdate(Buffer.from(''), prefix)).toEqual([]);
  });
});
