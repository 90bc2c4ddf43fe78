import { readFileSync } from 'node:fs';
import type { AckOutcome } from './ack.builder';
import { evaluateHl7, type Hl7MapOptions } from './hl7.mapper';
import { CORPUS_TABLE, corpusFiles, corpusPath } from './testing/corpus.expectations';

/**
 * Every message of the public corpus (CONTRACT §4) through the edge decision `evaluateHl7`: the
 * acknowledgment it gets and what it maps to, as `testing/corpus.expectations.ts` states per file
 * (the table and its conventions are described there; the end-to-end test holds the platform to it).
 */
const OPTIONS: Hl7MapOptions = { facilityTz: 'America/New_York', receivedAt: '2026-01-01T00:00:00Z' };
const ACK: Record<AckOutcome['code'], 'AA' | 'AE' | 'AR'> = { accept: 'AA', error: 'AE', reject: 'AR' };

const files = corpusFiles();

describe('the HL7 corpus at the edge (evaluateHl7)', () => {
  it('has a row for every corpus file of the six folders, and no row without a file', () => {
    expect(files.length).toBeGreaterThanOrEqual(104);
    expect(Object.keys(CORPUS_TABLE).sort()).toEqual([...files].sort());
  });

  it.each(files)('%s', (file) => {
    const row = CORPUS_TABLE[file];
    if (row === undefined)
      throw new Error(`no row for ${file}: add one to CORPUS_TABLE (testing/corpus.expectations.ts)`);
    const result = evaluateHl7(readFileSync(corpusPath(file)), OPTIONS);
    expect(ACK[result.outcome.code]).toBe(row.ack);
    if (row.ack !== 'AA') {
      expect(result.outcome).toMatchObject({ error: { code: row.code } });
      expect(result.mapping).toBeUndefined();
      return;
    }
    const mapping = result.mapping;
    if (mapping === undefined) throw new Error('accepted without a mapping');
    expect(mapping.facts).toMatchObject(row.facts);
    if (row.readings !== undefined) {
      const counts = mapping.facts.map((f) =>
        f.kind === 'observations' ? [f.vitals.length, f.results.length] : [-1, -1],
      );
      expect(counts).toEqual(row.readings);
    }
    for (const warning of row.warnings ?? []) expect(mapping.warnings).toContain(warning);
    expect(mapping.label).toBe(
      `${mapping.header.messageType.code}^${mapping.header.messageType.trigger} ${mapping.header.controlId.trim()}`,
    );
  });
});
