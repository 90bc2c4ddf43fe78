import type { CaseCourse } from './case.course';

/** One monitor reading set, with the MDC codes a patient monitor sends them under (CONTRACT §6). */
export interface MonitorObservation {
  code: string;
  value: number;
  unit: string;
}

/** A number in [0, 1) from a string and an integer: deterministic noise without state. */
export function noise(key: string, n: number): number {
  let h = 2166136261 ^ n;
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 16777619);
  h = Math.imul(h ^ (h >>> 15), 2246822507);
  h = Math.imul(h ^ (h >>> 13), 3266489909);
  return ((h ^ (h >>> 16)) >>> 0) / 4294967296;
}

/** ±`amplitude` around zero, smooth over minutes (a slow drift plus a little beat-to-beat jitter). */
export function wobble(key: string, atMs: number, amplitude: number): number {
  const minute = atMs / 60_000;
  const slow = Math.sin(minute / 7 + noise(key, 0) * 6.28) * 0.6 + Math.sin(minute / 2.3 + noise(key, 1) * 6.28) * 0.25;
  const jitter = (noise(key, Math.floor(atMs / 1000)) - 0.5) * 0.3;
  return (slow + jitter) * amplitude;
}

const round = (value: number, digits = 0) => Math.round(value * 10 ** digits) / 10 ** digits;

/**
 * What the room's monitor reads at `atMs` for the case in the room: plausible adult physiology
 * that follows the course. Awake on arrival (higher heart rate, no capnography); after induction
 * heart rate and blood pressure fall and a ventilated etCO2 and respiratory rate appear; core
 * temperature drifts down over a long case; an episode (hypotension, desaturation, tachycardia)
 * moves the values an alarm would catch. Pure and deterministic from the case and the time.
 */
export function monitorReadings(course: CaseCourse, atMs: number): MonitorObservation[] {
  const key = course.case.placerId;
  const baseHr = 62 + noise(key, 11) * 22;
  const baseSys = 112 + noise(key, 12) * 28;
  const anesthetised = atMs >= course.anesthesiaStart && atMs < course.anesthesiaEnd;
  const intubated = atMs >= course.anesthesiaStart + 3 * 60_000 && atMs < course.anesthesiaEnd;
  const episode =
    course.episode && atMs >= course.episode.from && atMs < course.episode.to ? course.episode : undefined;

  let hr = (anesthetised ? baseHr * 0.9 : baseHr + 8) + wobble(`${key}hr`, atMs, 4);
  let sys = (anesthetised ? baseSys * 0.85 : baseSys + 10) + wobble(`${key}sys`, atMs, 6);
  let spo2 = 97.5 + noise(key, 13) * 1.5 + wobble(`${key}spo2`, atMs, 0.6);
  if (episode?.kind === 'hypotension') {
    sys = 72 + wobble(`${key}hypo`, atMs, 4);
    hr += 18;
  } else if (episode?.kind === 'desaturation') {
    spo2 = 87 + wobble(`${key}desat`, atMs, 1.5);
  } else if (episode?.kind === 'tachycardia') {
    hr = 128 + wobble(`${key}tachy`, atMs, 6);
  }
  const dia = sys * (0.58 + noise(key, 14) * 0.06);
  const hoursAnesthetised = anesthetised ? (atMs - course.anesthesiaStart) / 3_600_000 : 0;
  const temp = 36.7 - Math.min(1.2, hoursAnesthetised * 0.4) + wobble(`${key}temp`, atMs, 0.05);

  const out: MonitorObservation[] = [
    { code: 'MDC_ECG_HEART_RATE', value: round(hr), unit: 'MDC_DIM_BEAT_PER_MIN' },
    { code: 'MDC_PULS_OXIM_SAT_O2', value: round(Math.min(100, spo2)), unit: 'MDC_DIM_PERCENT' },
    { code: 'MDC_PRESS_BLD_NONINV_SYS', value: round(sys), unit: 'MDC_DIM_MMHG' },
    { code: 'MDC_PRESS_BLD_NONINV_DIA', value: round(dia), unit: 'MDC_DIM_MMHG' },
    { code: 'MDC_TEMP_BODY', value: round(temp, 1), unit: 'MDC_DIM_DEGC' },
  ];
  if (intubated) {
    out.push(
      { code: 'MDC_CONC_AWAY_CO2_ET', value: round(36 + wobble(`${key}co2`, atMs, 3)), unit: 'MDC_DIM_MMHG' },
      { code: 'MDC_RESP_RATE', value: 12, unit: 'MDC_DIM_RESP_PER_MIN' },
    );
  } else {
    out.push({ code: 'MDC_RESP_RATE', value: round(15 + wobble(`${key}rr`, atMs, 2)), unit: 'MDC_DIM_RESP_PER_MIN' });
  }
  return out;
}
