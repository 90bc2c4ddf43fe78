/**
 * Message text. Messages name a parameter, a value, a limit or a device, never a person: the rules
 * are given no patient data, so none can reach an alert that a wall display shows.
 */

/** A value as messages show it: at most one decimal (`35.78` → `35.8`, `88` → `88`). */
export function formatValue(value: number): string {
  return String(Math.round(value * 10) / 10);
}

/** A value with its unit (`88 %`, `38 bpm`; BIS has none: `72`). */
export function withUnit(value: number, unit: string): string {
  return unit ? `${formatValue(value)} ${unit}` : formatValue(value);
}

/** A duration as messages show it: seconds up to two minutes, then minutes (`60 s`, `15 min`). */
export function formatDuration(seconds: number): string {
  return seconds < 120 ? `${formatValue(seconds)} s` : `${formatValue(seconds / 60)} min`;
}

/** A value kept in an alert: rounded to two decimals so that unit conversions leave no float noise. */
export function keptValue(value: number): number {
  return Math.round(value * 100) / 100;
}
