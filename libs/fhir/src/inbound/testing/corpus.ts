import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { FhirResource } from '../fhir.json';

/** The shared corpus of public FHIR R4 samples (../shared/corpus/fhir-r4, see its SOURCES.md). */
export const FHIR_CORPUS_DIR = path.resolve(__dirname, '../../../../../../shared/corpus/fhir-r4');

/** One corpus file, parsed (some files start with a UTF-8 BOM, kept as found). */
export function corpusResource(file: string): FhirResource {
  const text = readFileSync(path.join(FHIR_CORPUS_DIR, file), 'utf8').replace(/^\uFEFF/, '');
  return JSON.parse(text) as FhirResource;
}

/** Every corpus file, as `folder/name.json`. */
export function corpusFiles(): string[] {
  return readdirSync(FHIR_CORPUS_DIR, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .flatMap((d) =>
      readdirSync(path.join(FHIR_CORPUS_DIR, d.name))
        .filter((f) => f.endsWith('.json'))
        .map((f) => `${d.name}/${f}`),
    )
    .sort();
}
