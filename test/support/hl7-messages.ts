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
}

export function siu(s: SiuSpec): string {
  const [code, text] = s.procedure ?? ['47562', 'Laparoscopic cholecystectomy'];
  return [
    `MSH|^~\\&|EPIC|GENHOSP|CIRCULATOR|OR|20261120120000||SIU^${s.trigger}^SIU_${s.trigger}|${s.controlId}|P|2.5.1`,
    `SCH|${s.placerId}|${s.fillerId}|||||||${s.minutes}|min|^^${s.minutes}^${s.start}|||||||||||||Booked`,
    `PID|1||${s.mrn}^^^GENHOSP^MR||${s.family}^${s.given}||19600214|F`,
    `PV1|1|O|${s.room}^^^GENHOSP||||||||||||||||V${s.mrn}`,
    `RGS|1|A`,
    `AIS|1|A|${code}^${text}^CPT|${s.start}|||${s.minutes}|min`,
    `AIL|1|A|${s.room}^^^GENHOSP`,
    `AIP|1|A|1001^House^Gregory|SURGEON`,
    `AIP|2|A|2002^Quinn^Michaela|ANESTHESIOLOGIST`,
  ].join('\r');
}
