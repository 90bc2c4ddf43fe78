import { Message, type HL7Node } from 'node-hl7-client';
import { withoutControls, type DecodedHl7 } from '../hl7.decoder';

/**
 * Walks node-hl7-client's tree of the same message and returns every difference, as
 * `SEG[position]-field[.component[.sub]][~repetition]: ours ≠ oracle`.
 *
 * Its numeric `get()` is 0-based: a segment's child 0 is its id, so child n is field n, except in
 * MSH where child n is MSH-(n+1). A leaf (sub-component) must not be asked for `.length` or `.get()`
 * (it throws), so leaves are only read with `toString()`, which unescapes.
 */
export function compareWithOracle(decoded: DecodedHl7, oracleText = decoded.text): { diffs: string[]; leaves: number } {
  const oracle = new Message({ text: oracleText });
  const diffs: string[] = [];
  let leaves = 0;
  const ours = decoded.segments;
  if (ours.length !== oracle.length) diffs.push(`segment count: ${ours.length} ≠ ${oracle.length}`);

  oracle.forEach((segment: HL7Node, position: number) => {
    const mine = ours[position];
    const where = `${segment.name}[${position}]`;
    if (mine?.name !== segment.name) {
      diffs.push(`${where}: segment id ${mine?.name} ≠ ${segment.name}`);
      return;
    }
    const msh = segment.name === 'MSH';
    const check = (label: string, actual: string | number, expected: string | number): void => {
      if (actual !== expected) diffs.push(`${where}-${label}: ${JSON.stringify(actual)} ≠ ${JSON.stringify(expected)}`);
    };
    if (msh) {
      // Oracle quirk, whitelisted: it splits MSH-2 (`^~\&`) on `~` and `^` like data, so its MSH-2
      // reads ''; and it has no numeric child for MSH-1. Both are checked against what they hold.
      check('1', mine.value(1), oracle.get('MSH.1').toString());
      check('2', mine.value(2), segment.get(1).toRaw());
      check('2 repetitions', mine.repetitions(2), 1);
    }
    for (let child = msh ? 2 : 1; child < segment.length; child++) {
      const field = msh ? child + 1 : child;
      const node = segment.get(child);
      check(`${field} repetitions`, mine.repetitions(field), node.length);
      for (let r = 0; r < node.length; r++) {
        const repetition = node.get(r);
        for (let c = 0; c < repetition.length; c++) {
          const component = repetition.get(c);
          for (let s = 0; s < component.length; s++) {
            leaves++;
            check(
              `${field}.${c + 1}.${s + 1}~${r + 1}`,
              mine.value(field, c + 1, s + 1, r + 1),
              // Documented difference: control characters become spaces in our values.
              withoutControls(component.get(s).toString()).trim(),
            );
          }
          check(
            `${field}.${c + 1}.${component.length + 1}~${r + 1} (beyond)`,
            mine.value(field, c + 1, component.length + 1, r + 1),
            '',
          );
        }
        check(
          `${field}.${repetition.length + 1}~${r + 1} (beyond)`,
          mine.value(field, repetition.length + 1, 1, r + 1),
          '',
        );
      }
      check(`${field}~${node.length + 1} (beyond)`, mine.value(field, 1, 1, node.length + 1), '');
    }
    const past = msh ? segment.length + 1 : segment.length;
    check(`${past} (beyond)`, mine.value(past), '');
    check(`${past} repetitions (beyond)`, mine.repetitions(past), 0);
  });
  return { diffs, leaves };
}
