/**
 * The largest MQTT packet the embedded broker reads: a device publish is a few hundred bytes (a
 * batch of readings a few KiB). Aedes has no limit of its own: a packet's header may announce
 * 256 MiB (MQTT 3.1.1 §2.2.3), which it would buffer whole.
 */
export const MAX_MQTT_PACKET_BYTES = 256 * 1024;

/**
 * Follows the MQTT fixed headers of one connection's byte stream (type byte, then the Remaining
 * Length, a variable byte integer of 1–4 bytes) and says when a packet announces more than the
 * limit, or a length that is not valid, so that the connection is closed before its payload is
 * read. Linear in the bytes seen; keeps no payload.
 */
export class MqttPacketGuard {
  private state: 'type' | 'length' | 'body' = 'type';
  private length = 0;
  private multiplier = 1;
  private lengthBytes = 0;
  private remaining = 0;

  constructor(private readonly maxBytes = MAX_MQTT_PACKET_BYTES) {}

  /** @returns a reason to close the connection, or undefined while the stream is acceptable. */
  push(chunk: Buffer): string | undefined {
    let pos = 0;
    while (pos < chunk.length) {
      if (this.state === 'body') {
        const take = Math.min(this.remaining, chunk.length - pos);
        this.remaining -= take;
        pos += take;
        if (this.remaining === 0) this.state = 'type';
        continue;
      }
      const byte = chunk[pos++]!;
      if (this.state === 'type') {
        this.state = 'length';
        this.length = 0;
        this.multiplier = 1;
        this.lengthBytes = 0;
        continue;
      }
      this.length += (byte & 0x7f) * this.multiplier;
      this.multiplier *= 128;
      this.lengthBytes += 1;
      if (this.length > this.maxBytes) return `packet of ${this.length} bytes or more (limit ${this.maxBytes})`;
      if (byte & 0x80) {
        if (this.lengthBytes === 4) return 'malformed Remaining Length';
        continue;
      }
      this.remaining = this.length;
      this.state = this.remaining === 0 ? 'type' : 'body';
    }
    return undefined;
  }
}
