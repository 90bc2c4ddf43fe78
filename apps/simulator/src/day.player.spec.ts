import { clockText, formatProgress, playMessages, readAck, type Clock, type Progress } from './day.player';
import type { HL7Sender } from './hl7.sender';
import type { SimMessage } from './siu.builder';

/** A clock that only moves when the code under test sleeps. */
class FakeClock implements Clock {
  time = 0;
  readonly sleeps: number[] = [];
  now(): number {
    return this.time;
  }
  sleep(ms: number): Promise<void> {
    this.sleeps.push(ms);
    this.time += ms;
    return Promise.resolve();
  }
}

function ack(code: string, controlId = 'X', text = ''): string {
  return `MSH|^~\\&|CIRCULATOR|SIMHOSP|CIRCSIM|SIMHOSP|20261121060000||ACK^S12^ACK|A${controlId}|P|2.5.1\rMSA|${code}|${controlId}${text ? `|${text}` : ''}`;
}

function message(offsetMs: number, n: number): SimMessage {
  return { offsetMs, controlId: `C${n}`, trigger: 'S12', placerId: `P${n}`, roomCode: 'OR1', text: `MSG ${n}` };
}

const day = [message(0, 1), message(2_000, 2), message(600_000, 3), message(600_000, 4)];

describe('playMessages', () => {
  it('paces messages by offset divided by speed, in order', async () => {
    const clock = new FakeClock();
    const sent: string[] = [];
    const sender: HL7Sender = {
      send: (text) => {
        sent.push(`${text}@${clock.time}`);
        return Promise.resolve(ack('AA'));
      },
    };
    const result = await playMessages(day, sender, { speed: 60, clock });
    expect(sent).toEqual(['MSG 1@0', 'MSG 2@33.333333333333336', 'MSG 3@10000', 'MSG 4@10000']);
    expect(result).toMatchObject({ sent: 4, accepted: 4, rejected: [] });
    expect(result.aborted).toBeUndefined();
  });

  it('does not drift when ACKs are slow: deadlines are absolute', async () => {
    const clock = new FakeClock();
    const sender: HL7Sender = {
      send: () => {
        clock.time += 1_000; // each ACK takes a second
        return Promise.resolve(ack('AA'));
      },
    };
    await playMessages([message(0, 1), message(5_000, 2), message(10_000, 3)], sender, { speed: 1, clock });
    expect(clock.sleeps).toEqual([4_000, 4_000]);
  });

  it('sends without pauses at speed 0', async () => {
    const clock = new FakeClock();
    const sender: HL7Sender = { send: () => Promise.resolve(ack('AA')) };
    await playMessages(day, sender, { speed: 0, clock });
    expect(clock.sleeps).toEqual([]);
  });

  it('counts rejections and goes on, reporting each message', async () => {
    const clock = new FakeClock();
    const codes = ['AA', 'AE', 'CA', 'AR'];
    let i = 0;
    const sender: HL7Sender = { send: () => Promise.resolve(ack(codes[i++] ?? 'AA', 'C', 'bad room')) };
    const progress: Progress[] = [];
    const result = await playMessages(day, sender, { speed: 0, clock, onProgress: (p) => progress.push(p) });
    expect(result.sent).toBe(4);
    expect(result.accepted).toBe(2);
    expect(result.rejected.map((r) => [r.controlId, r.ack.code])).toEqual([
      ['C2', 'AE'],
      ['C4', 'AR'],
    ]);
    expect(progress.map((p) => p.accepted)).toEqual([true, false, true, false]);
  });

  it('stops when the transport fails', async () => {
    const clock = new FakeClock();
    let calls = 0;
    const sender: HL7Sender = {
      send: () => (++calls === 2 ? Promise.reject(new Error('connection closed')) : Promise.resolve(ack('AA'))),
    };
    const result = await playMessages(day, sender, { speed: 0, clock });
    expect(result).toMatchObject({ sent: 1, accepted: 1, aborted: 'connection closed' });
  });

  it('refuses a negative speed', async () => {
    const sender: HL7Sender = { send: () => Promise.resolve(ack('AA')) };
    await expect(playMessages(day, sender, { speed: -1 })).rejects.toThrow(RangeError);
  });
});

describe('readAck', () => {
  it('reads MSA-1 and the reason', () => {
    expect(readAck(ack('AA'))).toEqual({ code: 'AA' });
    expect(readAck(ack('AE', 'C1', 'unknown room'))).toEqual({ code: 'AE', text: 'unknown room' });
  });

  it('flags a reply that is not an ACK', () => {
    expect(readAck('garbage').code).toBe('??');
    expect(readAck('MSH|^~\\&|A|B|||||ACK|1|P|2.5.1').code).toBe('??');
  });
});

describe('formatting', () => {
  it('prints simulated offsets and a progress line', () => {
    expect(clockText(3_723_000)).toBe('01:02:03');
    const line = formatProgress({
      index: 2,
      total: 15,
      message: message(240_000, 3),
      ack: { code: 'AE', text: 'bad' },
      accepted: false,
      ackMs: 12.4,
    });
    expect(line).toBe('[ 3/15] +00:04:00 S12 OR1 P3 AE REJECTED 12ms bad');
  });
});
