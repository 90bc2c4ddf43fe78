import type { PersonRef } from '@circulator/contracts';
import type { PersonReading } from './fhir.people';

/**
 * Which participants are the surgeon and the anesthesiologist. Codes are compared upper case with
 * `participant.type` codes (v3 ParticipationType, or the HL7 v2 AIP-4 codes that v2-to-FHIR
 * conversions carry over) and with the `code`/`specialty` codes and texts of a PractitionerRole.
 */
export interface FhirRoleCodes {
  surgeon: readonly string[];
  anesthesiologist: readonly string[];
}

/**
 * Defaults: the v3 ParticipationType `PPRF` (primary performer), SNOMED CT 304292004 |Surgeon| and
 * 88189002 |Anesthesiologist|, and CONTRACT §4's HL7 v2 role codes. `ATND` (attender) is the
 * surgeon only when no participant is one by the codes above. `SPRF` (secondary performer) names no
 * role by itself: an assistant is as likely as an anesthesiologist, so the role must say.
 */
export const DEFAULT_FHIR_ROLES: FhirRoleCodes = {
  surgeon: ['PPRF', '304292004', 'SURGEON', 'SUR', 'PS', 'ATTENDING'],
  anesthesiologist: [
    '88189002',
    'ANESTHESIOLOGIST',
    'ANAESTHESIOLOGIST',
    'ANESTHETIST',
    'ANAESTHETIST',
    'ANES',
    'ANE',
    'AN',
  ],
};

/** The attender (v3 ParticipationType ATND): the surgeon when nobody else is. */
const ATTENDER = 'ATND';

/** A practitioner participant with the codes that say what they do. */
export interface PractitionerParticipant {
  reading: PersonReading;
  /** `participant.type` codes and texts, upper case. */
  typeCodes: string[];
}

/** Surgeon and anesthesiologist among the participants (the first of each wins). */
export function assignRoles(
  participants: readonly PractitionerParticipant[],
  roles: FhirRoleCodes,
  warnings: string[],
): { surgeon?: PersonRef; anesthesiologist?: PersonRef } {
  const surgeonCodes = new Set(roles.surgeon.map((c) => c.trim().toUpperCase()));
  const anesCodes = new Set(roles.anesthesiologist.map((c) => c.trim().toUpperCase()));
  let surgeon: PersonRef | undefined;
  let anesthesiologist: PersonRef | undefined;
  let attender: PersonRef | undefined;
  for (const { reading, typeCodes } of participants) {
    const codes = [...typeCodes, ...reading.roleCodes];
    if (codes.some((c) => anesCodes.has(c))) anesthesiologist ??= reading.person;
    else if (codes.some((c) => surgeonCodes.has(c))) surgeon ??= reading.person;
    else if (codes.includes(ATTENDER)) attender ??= reading.person;
    else {
      warnings.push(
        `practitioner ${reading.person.id ?? reading.person.name} has no role we recognise` +
          (codes.length ? ` (${[...new Set(codes)].join(', ')})` : ''),
      );
    }
  }
  const out: { surgeon?: PersonRef; anesthesiologist?: PersonRef } = {};
  const chosen = surgeon ?? attender;
  if (chosen) out.surgeon = chosen;
  if (anesthesiologist) out.anesthesiologist = anesthesiologist;
  return out;
}
