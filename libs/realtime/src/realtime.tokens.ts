/** Injection tokens shared by the realtime, pipeline and server modules. */
export const CLOCK = Symbol('CLOCK');
export const REALTIME_SETTINGS = Symbol('REALTIME_SETTINGS');

export interface RealtimeSettings {
  /** IANA zone that decides which local day (board) a case belongs to. */
  facilityTz: string;
}
