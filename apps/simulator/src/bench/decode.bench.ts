import { mapHl7 } from '@circulator/hl7';

/**
 * The reference message of the decode benchmark (DEPENDENCY-NOTES.md: a ~3.4 KB ORU with 21 OBX):
 * an IHE PCD-01 report from an anaesthesia workstation, deterministic so runs compare.
 */
export function referenceOru(): string {
  const at = '20991231120000+0000';
  const obx = Array.from({ length: 21 }, (_, i) => {
    const codes = [
      ['147842', 'MDC_ECG_HEART_RATE', '264864', 'MDC_DIM_BEAT_PER_MIN', 72],
      ['150456', 'MDC_PULS_OXIM_SAT_O2', '262688', 'MDC_DIM_PERCENT', 98],
      ['150021', 'MDC_PRESS_BLD_NONINV_SYS', '266016', 'MDC_DIM_MMHG', 121],
      ['150022', 'MDC_PRESS_BLD_NONINV_DIA', '266016', 'MDC_DIM_MMHG', 79],
      ['151708', 'MDC_AWAY_CO2_ET', '266016', 'MDC_DIM_MMHG', 38],
      ['151562', 'MDC_RESP_RATE', '264928', 'MDC_DIM_RESP_PER_MIN', 14],
      ['150364', 'MDC_TEMP_BODY', '268192', 'MDC_DIM_DEGC', 36.6],
    ] as const;
    const [code, name, unit, unitName, value] = codes[i % codes.length]!;
    return `OBX|${i + 1}|NM|${code}^${name}^MDC|1.${Math.floor(i / 7) + 1}.1.${(i % 7) + 1}|${value}|${unit}^${unitName}^MDC|||||R|||${at}||||080019FFFE3ED02D^ANESTHESIA_WS^080019FFFE3ED02D^EUI-64`;
  });
  return [
    `MSH|^~\\&|AW_GATEWAY^080019FFFE3ED02D^EUI-64|GENHOSP|CIRCULATOR|OR|${at}||ORU^R01^ORU_R01|BENCH0001|P|2.6|||NE|AL||UNICODE UTF-8|||IHE_PCD_001^IHE PCD^1.3.6.1.4.1.19376.1.6.1.1.1^ISO`,
    'PID|||MRN0001^^^GENHOSP^MR||Bench^Patient^^^^^L||19600214|F',
    'PV1||I|OR1^^^GENHOSP',
    `OBR|1|AW0001^AW_GATEWAY^080019FFFE3ED02D^EUI-64|AW0001^AW_GATEWAY^080019FFFE3ED02D^EUI-64|182777000^monitoring of patient^SCT|||${at}`,
    ...obx,
  ].join('\r');
}

/** The limit: split into segments and every segment into fields, reading nothing else. */
function bareSplit(text: string): number {
  let fields = 0;
  for (const segment of text.split('\r')) fields += segment.split('|').length;
  return fields;
}

/** Runs `work` for about `ms` milliseconds (after a warm-up) and returns its rate per second. */
function rate(work: () => unknown, ms: number): number {
  for (let i = 0; i < 500; i++) work();
  let count = 0;
  const start = performance.now();
  const end = start + ms;
  while (performance.now() < end) {
    for (let i = 0; i < 100; i++) work();
    count += 100;
  }
  return Math.round((count * 1000) / (performance.now() - start));
}

export interface DecodeBenchResult {
  bytes: number;
  obx: number;
  /** Bare split of the same message (the limit), messages/s on one core. */
  bareSplitPerSecond: number;
  /** Our decode + map to facts (what the worker does per message), messages/s on one core. */
  decodeMapPerSecond: number;
  /** decodeMap / bareSplit: the target is at least 0.5. */
  ratio: number;
}

/** Decode+map against a bare split of the same message, in this process, alternating to share noise. */
export function decodeBench(totalMs = 2_000): DecodeBenchResult {
  const text = referenceOru();
  const payload = Buffer.from(text, 'utf8');
  const options = { facilityTz: 'UTC', receivedAt: '2099-12-31T12:00:01Z' };
  const probe = mapHl7(payload, options);
  if (!probe.ok) throw new Error(`the reference ORU does not map: ${probe.problem.text}`);
  const readings = probe.mapping.facts.reduce(
    (n, f) => n + (f.kind === 'observations' ? f.vitals.length + f.results.length : 0),
    0,
  );
  if (readings !== 21) throw new Error(`the reference ORU maps to ${readings} readings, expected 21`);
  const slice = totalMs / 4;
  const split: number[] = [];
  const decode: number[] = [];
  for (let round = 0; round < 2; round++) {
    split.push(rate(() => bareSplit(payload.toString('utf8')), slice));
    decode.push(rate(() => mapHl7(payload, options), slice));
  }
  const bareSplitPerSecond = Math.max(...split);
  const decodeMapPerSecond = Math.max(...decode);
  return {
    bytes: payload.length,
    obx: 21,
    bareSplitPerSecond,
    decodeMapPerSecond,
    ratio: Math.round((decodeMapPerSecond / bareSplitPerSecond) * 100) / 100,
  };
}
