/** Builds the SIU messages the end-to-end tests send (segments joined with CR). */
export interface SiuSpec {
  trigger: 'S12' | 'S13' | 'S14' | 'S15';
  controlId: string;
  placerId: string;
  fillerId: string;
  /** HL7 TS, e.g. 20261123083000 (read in FACILITY_TZ) */
  start: string;
  minutes: number;
  room: string;
  mrn: string;
  family: string;
  given: string;
  procedure?: [code: string, text: string];
  /** MSH-7 (default 20261120120000): the fact's time when there is no EVN. */
  sent?: string;
  /** MSH-15 accept acknowledgment type: asks for enhanced mode (CA/CE/CR). */
  acceptAck?: 'AL' | 'NE' | 'ER' | 'SU';
  /** SCH-26 placer order number: links the case's surgical order (ORM/OMG). */
  orderNumber?: string;
}

export function siu(s: SiuSpec): string {
  const [code, text] = s.procedure ?? ['47562', 'Laparoscopic cholecystectomy'];
  return [
    `MSH|^~\\&|EPIC|GENHOSP|CIRCULATOR|OR|${s.sent ?? '20261120120000'}||SIU^${s.trigger}^SIU_${s.trigger}|${s.controlId}|P|2.5.1${s.acceptAck ? `|||${s.acceptAck}|NE` : ''}`,
    `SCH|${s.placerId}|${s.fillerId}|||||||${s.minutes}|min|^^${s.minutes}^${s.start}||||||||||||||Booked${s.orderNumber ? `|${s.orderNumber}` : ''}`,
    `PID|1||${s.mrn}^^^GENHOSP^MR||${s.family}^${s.given}||19600214|F`,
    `PV1|1|O|${s.room}^^^GENHOSP||||||||||||||||V${s.mrn}`,
    `RGS|1|A`,
    `AIS|1|A|${code}^${text}^CPT|${s.start}|||${s.minutes}|min`,
    `AIL|1|A|${s.room}^^^GENHOSP`,
    `AIP|1|A|1001^House^Gregory|SURGEON`,
    `AIP|2|A|2002^Quinn^Michaela|ANESTHESIOLOGIST`,
  ].join('\r');
}

/** An ADT event (segments joined with CR). Times are HL7 TS read in FACILITY_TZ. */
export interface AdtSpec {
  trigger: 'A01' | 'A02' | 'A03' | 'A04' | 'A08' | 'A11' | 'A13';
  controlId: string;
  /** EVN-2: when it happened. */
  at: string;
  mrn: string;
  family: string;
  given: string;
  birthDate?: string;
  /** PV1-3 assigned location, e.g. `OR3^^^GENHOSP`. */
  location?: string;
  /** PV1-6 prior location. */
  priorLocation?: string;
}

export function adt(a: AdtSpec): string {
  return [
    `MSH|^~\\&|EPIC|GENHOSP|CIRCULATOR|OR|${a.at}||ADT^${a.trigger}^ADT_${a.trigger}|${a.controlId}|P|2.5.1`,
    `EVN|${a.trigger}|${a.at}`,
    `PID|1||${a.mrn}^^^GENHOSP^MR||${a.family}^${a.given}||${a.birthDate ?? '19600214'}|F`,
    `PV1|1|I|${a.location ?? ''}|||${a.priorLocation ?? ''}|||||||||||||V${a.mrn}`,
  ].join('\r');
}

/** An A40 merge: `merged` becomes `survivor`. */
export function adtMerge(m: {
  controlId: string;
  at: string;
  survivor: string;
  merged: string;
  family: string;
  given: string;
}): string {
  return [
    `MSH|^~\\&|EPIC|GENHOSP|CIRCULATOR|OR|${m.at}||ADT^A40^ADT_A39|${m.controlId}|P|2.5.1`,
    `EVN|A40|${m.at}`,
    `PID|1||${m.survivor}^^^GENHOSP^MR||${m.family}^${m.given}`,
    `MRG|${m.merged}^^^GENHOSP^MR`,
  ].join('\r');
}

/** An IHE PCD-01 ORU^R01 from a patient monitor in a room, with SpO2 and heart rate. */
export function pcdVitals(v: {
  controlId: string;
  at: string;
  location: string;
  mrn?: string;
  spo2: number;
  hr: number;
  device?: string;
}): string {
  const device = v.device ?? '0123456789ABCDEF';
  return [
    `MSH|^~\\&|MONITOR^${device}^EUI-64|GENHOSP|CIRCULATOR|OR|${v.at}||ORU^R01^ORU_R01|${v.controlId}|P|2.6|||||||||IHE_PCD_001^IHE PCD^1.3.6.1.4.1.19376.1.6.1.1.1^ISO`,
    `PID|||${v.mrn ? `${v.mrn}^^^GENHOSP^MR` : ''}`,
    `PV1||I|${v.location}`,
    `OBR|1|||182777000^monitoring of patient^SCT|||${v.at}`,
    `OBX|1|NM|150456^MDC_PULS_OXIM_SAT_O2^MDC|1.1.1.1|${v.spo2}|262688^MDC_DIM_PERCENT^MDC|||||R|||${v.at}||||${device}^EUI-64`,
    `OBX|2|NM|147842^MDC_ECG_HEART_RATE^MDC|1.1.1.2|${v.hr}|264864^MDC_DIM_BEAT_PER_MIN^MDC|||||R|||${v.at}||||${device}^EUI-64`,
  ].join('\r');
}

/** An IHE PCD ACM ORU^R40 low-SpO2 alarm in a room (phase start, continue or end). */
export function pcdAlarm(a: {
  controlId: string;
  at: string;
  location: string;
  phase: 'start' | 'continue' | 'end';
  priority: 'PH' | 'PM' | 'PL';
  value: number;
  device?: string;
  /** PID-3: the patient the monitor is attached to (IHE PCD ACM sends it when the device knows). */
  mrn?: string;
}): string {
  const device = a.device ?? '0123456789ABCDEF';
  return [
    `MSH|^~\\&|MONITOR^${device}^EUI-64|GENHOSP|CIRCULATOR|OR|${a.at}||ORU^R40^ORU_R40|${a.controlId}|P|2.6|||||||||IHE_PCD_ACM_001^IHE PCD^1.3.6.1.4.1.19376.1.6.4.4.1^ISO`,
    `PID|||${a.mrn ? `${a.mrn}^^^GENHOSP^MR` : ''}`,
    `PV1||I|${a.location}`,
    `OBR|1|||196616^MDC_EVT_ALARM^MDC|||${a.at}`,
    `OBX|1|ST|196670^MDC_EVT_LO^MDC|1.3.1.150456.1|Low SpO2|||L~${a.priority}~SP|||F|||${a.at}||||${device}^EUI-64`,
    `OBX|2|NM|150456^MDC_PULS_OXIM_SAT_O2^MDC|1.3.1.150456.2|${a.value}|262688^MDC_DIM_PERCENT^MDC|90-100||||F|||${a.at}`,
    `OBX|3|ST|68481^MDC_ATTR_EVENT_PHASE^MDC|1.3.1.150456.3|${a.phase}||||||F`,
    `OBX|4|ST|68482^MDC_ATTR_ALARM_STATE^MDC|1.3.1.150456.4|${a.phase === 'end' ? 'inactive' : 'active'}||||||F`,
  ].join('\r');
}

/** An ORM^O01 surgical order (ORC-1 NW/CA…, ORC-2 placer order number, OBR-4 procedure). */
export function orm(o: {
  controlId: string;
  at: string;
  control: 'NW' | 'XO' | 'CA' | 'DC';
  orderNumber: string;
  mrn: string;
  procedure: [code: string, text: string];
}): string {
  return [
    `MSH|^~\\&|EPIC|GENHOSP|CIRCULATOR|OR|${o.at}||ORM^O01^ORM_O01|${o.controlId}|P|2.5.1`,
    `PID|1||${o.mrn}^^^GENHOSP^MR||Order^Patient`,
    `ORC|${o.control}|${o.orderNumber}|||||||${o.at}|||1001^House^Gregory`,
    `OBR|1|${o.orderNumber}||${o.procedure[0]}^${o.procedure[1]}^CPT|||${o.at}`,
  ].join('\r');
}
