/**
 * The HL7 messages the bench's throughput phase sends (pure: the bench and its tests share it).
 *
 * Two mixes (`--mix`):
 * - `interfaces` (the default): what a perioperative platform's inbound interfaces carry, per
 *   room connection and per cycle of 20 messages: 1 booking (SIU^S12, a new case in the room's
 *   next slot), 16 device observations (IHE PCD-01 ORU^R01 from the room's monitor: heart rate,
 *   SpO2, respiratory rate, at times inside the booked case), 2 patient updates (ADT^A08) and
 *   1 laboratory result (ORU^R01, potassium). Device observations are most of an OR's HL7
 *   traffic by far (a monitor gateway sends a message per monitor every few seconds all day),
 *   while a hospital books a few hundred cases a day.
 * - `bookings`: every message a new booking (SIU^S12), the heaviest message the worker applies
 *   (a new case, its room's day re-predicted). Kept as the worst case.
 *
 * A room's day holds SLOTS_PER_ROOM cases, as an OR's does; then the connection books into a fresh
 * room of this run (`B<run>C<conn>L<lane>`). Piling every booking into one room's day would make
 * each booking re-predict a day of hundreds of cases, a workload no hospital sends. The slots
 * (around noon UTC) fall on the bench day in any facility zone from UTC-9 to UTC+9.
 */
export const BENCH_DAY = '2099-12-31';

export const HL7_MIXES = ['interfaces', 'bookings'] as const;
export type Hl7Mix = (typeof HL7_MIXES)[number];

/** Cases a bench room holds in its day: 30-minute slots from 10:00 to 15:00 (UTC). */
export const SLOTS_PER_ROOM = 10;

/** Messages per cycle of the `interfaces` mix, and the positions of its non-device messages. */
export const CYCLE = 20;
const ADT_AT = new Set([5, 15]);
const LAB_AT = 10;

export type BenchMessageKind = 'booking' | 'device' | 'adt' | 'lab';

export interface BenchMessage {
  kind: BenchMessageKind;
  /** MSH-10, unique in the run; for a booking also its placer appointment id (SCH-1). */
  controlId: string;
  /** For a booking: its placer appointment id, which the board shows. */
  placer?: string;
  text: string;
}

/** HL7 DTM (seconds) with a UTC offset. */
function dtm(ms: number): string {
  return `${new Date(ms).toISOString().replace(/[-:T]/g, '').slice(0, 14)}+0000`;
}

/** Where booking `b` of connection `conn` goes: its room, slot start and patient. */
function booking(conn: number, b: number, runId: string) {
  const room = `B${runId}C${conn}L${Math.floor(b / SLOTS_PER_ROOM)}`;
  const startMs = Date.UTC(2099, 11, 31, 10, 0, 0) + 30 * 60_000 * (b % SLOTS_PER_ROOM);
  return { room, startMs, mrn: `MRN${runId}${conn}X${b}`, family: 'Bench', given: `Patient${b}` };
}

function siuS12(conn: number, b: number, runId: string, controlId: string): BenchMessage {
  const { room, startMs, mrn, family, given } = booking(conn, b, runId);
  const start = dtm(startMs);
  const text = [
    `MSH|^~\\&|BENCH|HOSP|CIRCULATOR|OR|20991230120000+0000||SIU^S12^SIU_S12|${controlId}|P|2.5.1`,
    `SCH|${controlId}|F${controlId}|||||||30|min|^^30^${start}|||||||||||||Booked`,
    `PID|1||${mrn}^^^HOSP^MR||${family}^${given}||19600214|F`,
    `PV1|1|O|${room}^^^HOSP||||||||||||||||V${controlId}`,
    'RGS|1|A',
    `AIS|1|A|47562^Laparoscopic cholecystectomy^C4|${start}|||30|min`,
    `AIL|1|A|${room}^^^HOSP`,
    'AIP|1|A|1001^House^Gregory|SURGEON',
  ].join('\r');
  return { kind: 'booking', controlId, placer: controlId, text };
}

/**
 * Message `seq` (0, 1, …) of connection `conn` (1-based) in this run. Every message's control id
 * is new, so the platform applies each once; in the `interfaces` mix a cycle's other messages
 * concern the case its booking made (its room, patient and time).
 */
export function benchMessage(mix: Hl7Mix, conn: number, seq: number, runId: string): BenchMessage {
  const controlId = `B${runId}-${conn}-${seq}`;
  if (mix === 'bookings') return siuS12(conn, seq, runId, controlId);
  const b = Math.floor(seq / CYCLE);
  const k = seq % CYCLE;
  if (k === 0) return siuS12(conn, b, runId, controlId);
  const { room, startMs, mrn, family, given } = booking(conn, b, runId);
  // Inside the booked half hour, later with each message of the cycle.
  const at = dtm(startMs + k * 60_000);
  const pid = `PID|1||${mrn}^^^HOSP^MR||${family}^${given}||19600214|F`;
  if (ADT_AT.has(k)) {
    return {
      kind: 'adt',
      controlId,
      text: [
        `MSH|^~\\&|BENCH|HOSP|CIRCULATOR|OR|${at}||ADT^A08^ADT_A01|${controlId}|P|2.5.1`,
        `EVN|A08|${at}`,
        `PID|1||${mrn}^^^HOSP^MR||${family}^${given}^Q${k}||19600214|F`,
        `PV1|1|O|${room}^^^HOSP||||||||||||||||V${controlId}`,
      ].join('\r'),
    };
  }
  if (k === LAB_AT) {
    return {
      kind: 'lab',
      controlId,
      text: [
        `MSH|^~\\&|LAB|HOSP|CIRCULATOR|OR|${at}||ORU^R01^ORU_R01|${controlId}|P|2.5.1`,
        pid,
        `PV1|1|O|${room}^^^HOSP`,
        `OBR|1||${controlId}|24326-1^Electrolytes panel^LN|||${at}`,
        `OBX|1|NM|2823-3^Potassium^LN||${(3.6 + (seq % 13) / 10).toFixed(1)}|mmol/L|3.5-5.1|N|||F|||${at}`,
      ].join('\r'),
    };
  }
  // IHE PCD-01 from the room's monitor (DEC profile): MDS, then the metrics with their times.
  const hr = 60 + ((seq * 7) % 40);
  return {
    kind: 'device',
    controlId,
    text: [
      `MSH|^~\\&|MONGW|HOSP|CIRCULATOR|OR|${at}||ORU^R01^ORU_R01|${controlId}|P|2.6|||AL|NE||UNICODE UTF-8|||IHE_PCD_001^IHE PCD^1.3.6.1.4.1.19376.1.6.1.1.1^ISO`,
      pid,
      `PV1||I|${room}^^^HOSP`,
      `OBR|1||${controlId}|69965^MDC_DEV_MON_PHYSIO_MULTI_PARAM_MDS^MDC|||${at}`,
      `OBX|1|ST|69965^MDC_DEV_MON_PHYSIO_MULTI_PARAM_MDS^MDC|1.0.0.0|||||||X|||||||MON${runId}${conn}`,
      `OBX|2|NM|147842^MDC_ECG_CARD_BEAT_RATE^MDC|1.2.1.1|${hr}|264864^MDC_DIM_BEAT_PER_MIN^MDC|50-120||||R|||${at}`,
      `OBX|3|NM|150456^MDC_PULS_OXIM_SAT_O2^MDC|1.3.1.1|${95 + (seq % 5)}|262688^MDC_DIM_PERCENT^MDC|90-100||||R|||${at}`,
      `OBX|4|NM|151562^MDC_RESP_RATE^MDC|1.2.1.19|${12 + (seq % 6)}|264928^MDC_DIM_RESP_PER_MIN^MDC|8-45||||R|||${at}`,
    ].join('\r'),
  };
}
