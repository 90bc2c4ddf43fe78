/** The start of an `update` event's frame on `/live` (engine.io message, socket.io event). */
const UPDATE_FRAME = Buffer.from('42/live,["update",');
const PLACER_KEY = '"placerAppointmentId":"';

/**
 * The placer appointment ids starting with `prefix` of the cases an `update` frame carries (CONTRACT
 * §7: `update` carries changed cases in full, each with its identifiers), read from the frame's bytes
 * without decoding its JSON; none for any other frame. For the bench's board displays: 300 of them
 * decoding every board update took more than a core of the machine the platform runs on, so each
 * reads its frames as they come and only looks for this run's bookings in them (a wall display does
 * decode, but on its own machine). The ids are plain (letters, digits, `-`), so JSON writes them as
 * they are; `placerAppointmentId` is a key of a case's identifiers only.
 */
export function placersInUpdate(frame: Buffer, prefix: string): string[] {
  if (frame.length < UPDATE_FRAME.length || UPDATE_FRAME.compare(frame, 0, UPDATE_FRAME.length) !== 0) return [];
  const needle = Buffer.from(PLACER_KEY + prefix);
  const out: string[] = [];
  let at = frame.indexOf(needle, UPDATE_FRAME.length);
  while (at >= 0) {
    const start = at + PLACER_KEY.length;
    const end = frame.indexOf(0x22, start + prefix.length); // the closing quote
    if (end < 0) break;
    out.push(frame.toString('latin1', start, end));
    at = frame.indexOf(needle, end + 1);
  }
  return out;
}
