import type { DisplayPatientFields } from '@circulator/domain';
/** Injection tokens shared by the realtime, pipeline and server modules. */
export const CLOCK = Symbol('CLOCK');
export const REALTIME_SETTINGS = Symbol('REALTIME_SETTINGS');

export interface RealtimeSettings {
  /** IANA zone that decides which local day (board) a case belongs to. */
  facilityTz: string;
  /**
   * Whether a socket.io handshake's `Origin` may connect (the HTTP CORS allow-list's rule), so
   * that a page on another site cannot open a socket with a user's token. Every origin when
   * omitted (tests of the module alone).
   */
  originAllowed?: (origin: string | undefined, host: string | undefined) => boolean;
  /**
   * How long a topic's further updates are gathered into one after it has just had one
   * (ms; 0 sends every update at once). Default COALESCE_TICK_MS.
   */
  coalesceMs?: number;
  /** What wall displays show of the patient (DISPLAY_PATIENT); initials, age and sex by default. */
  displayPatient?: DisplayPatientFields;
}
