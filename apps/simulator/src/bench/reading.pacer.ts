/** One reading to publish: which room's monitor, its sequence number there, and when it is due. */
export interface ReadingSlot {
  room: number;
  seq: number;
  /** Due time in ms after the start of sending. */
  atMs: number;
}

/**
 * When each room's monitor publishes: `perRoom` readings per second per room for `durationMs`,
 * the rooms spread evenly over each interval (room r of N starts r/N of an interval late) so the
 * platform sees a steady `rooms × perRoom` per second rather than N readings at once. In time
 * order the slots are simply slot g = seq × rooms + room, every `1000 / (rooms × perRoom)` ms.
 *
 * The sender asks for what is due; a slot it reaches late is due at once (it is never skipped),
 * so a sender that falls behind catches up, and `total` readings are always sent.
 */
export class ReadingPacer {
  /** Readings per second, all rooms together. */
  private readonly rate: number;
  /** Every slot due before the end of the window. */
  readonly total: number;
  private next = 0;

  constructor(private readonly options: { rooms: number; perRoom: number; durationMs: number }) {
    if (options.rooms < 1 || options.perRoom <= 0 || options.durationMs <= 0) {
      throw new Error('a pacer needs rooms ≥ 1, a positive rate and a positive duration');
    }
    this.rate = options.rooms * options.perRoom;
    // Whole-number arithmetic where it can be: 2,000 ms at 60/s is 120 slots, not 121.
    this.total = Math.ceil((options.durationMs * this.rate) / 1000);
  }

  /** The slots due by `elapsedMs` not yet taken, in time order. */
  take(elapsedMs: number): ReadingSlot[] {
    const out: ReadingSlot[] = [];
    while (this.next < this.total && this.dueMs(this.next) <= elapsedMs) {
      const g = this.next;
      out.push({ room: g % this.options.rooms, seq: Math.floor(g / this.options.rooms), atMs: this.dueMs(g) });
      this.next += 1;
    }
    return out;
  }

  /** When the next slot is due (ms after the start); undefined once every slot was taken. */
  nextDueMs(): number | undefined {
    return this.next < this.total ? this.dueMs(this.next) : undefined;
  }

  private dueMs(g: number): number {
    return (g * 1000) / this.rate;
  }

  get taken(): number {
    return this.next;
  }
}
