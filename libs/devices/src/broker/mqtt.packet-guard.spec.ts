import { MqttPacketGuard } from './mqtt.packet-guard';

/** MQTT 3.1.1 §2.2.3 Remaining Length encoding. */
function varint(n: number): Buffer {
  const out: number[] = [];
  do {
    let byte = n % 128;
    n = Math.floor(n / 128);
    if (n > 0) byte |= 0x80;
    out.push(byte);
  } while (n > 0);
  return Buffer.from(out);
}
const packet = (type: number, body: Buffer) => Buffer.concat([Buffer.of(type), varint(body.length), body]);

describe('MqttPacketGuard', () => {
  it('lets packets within the limit through, however the stream is cut', () => {
    const stream = Buffer.concat([
      packet(0x30, Buffer.alloc(1000, 1)),
      packet(0xc0, Buffer.alloc(0)),
      packet(0x30, Buffer.alloc(20_000, 2)),
    ]);
    for (const size of [1, 3, 7, 1000, stream.length]) {
      const guard = new MqttPacketGuard(256 * 1024);
      for (let i = 0; i < stream.length; i += size) expect(guard.push(stream.subarray(i, i + size))).toBeUndefined();
    }
  });

  it('stops a packet that announces more than the limit before its payload arrives', () => {
    const guard = new MqttPacketGuard(1024);
    expect(guard.push(packet(0x30, Buffer.alloc(10)))).toBeUndefined();
    expect(guard.push(Buffer.concat([Buffer.of(0x30), varint(10 * 1024 * 1024)]))).toMatch(/limit 1024/);
  });

  it('stops a Remaining Length of more than four bytes', () => {
    expect(new MqttPacketGuard(Number.MAX_SAFE_INTEGER).push(Buffer.of(0x30, 0xff, 0xff, 0xff, 0xff, 0x01))).toMatch(
      /malformed/,
    );
  });
});
