/**
 * Reference data for the simulated OR day: procedures with typical durations, and fictional
 * people. Every name here is invented; any resemblance to a real person is coincidental.
 * Procedure texts are our own short descriptions of the CPT codes, not the AMA descriptors.
 */

export type Specialty = 'general' | 'orthopedics' | 'urology' | 'ophthalmology' | 'cardiac';

/** PV1-2 patient class (HL7 table 0004): inpatient or outpatient (same-day) surgery. */
export type PatientClass = 'I' | 'O';

export interface ProcedureDef {
  code: string;
  /** AIS-3.3 name of the coding system. */
  system: 'CPT';
  text: string;
  /** Typical mean case duration (wheels in to wheels out), minutes. */
  meanMin: number;
  patientClass: PatientClass;
  /** At most this many per room per day (a second CABG does not fit in a day). */
  maxPerRoom?: number;
}

export const PROCEDURES: Readonly<Record<Specialty, readonly ProcedureDef[]>> = {
  general: [
    { code: '47562', system: 'CPT', text: 'Laparoscopic cholecystectomy', meanMin: 90, patientClass: 'O' },
    { code: '44970', system: 'CPT', text: 'Laparoscopic appendectomy', meanMin: 65, patientClass: 'I' },
    { code: '49650', system: 'CPT', text: 'Laparoscopic inguinal hernia repair', meanMin: 75, patientClass: 'O' },
    { code: '49505', system: 'CPT', text: 'Open inguinal hernia repair', meanMin: 60, patientClass: 'O' },
    {
      code: '44204',
      system: 'CPT',
      text: 'Laparoscopic partial colectomy with anastomosis',
      meanMin: 180,
      patientClass: 'I',
      maxPerRoom: 1,
    },
  ],
  orthopedics: [
    { code: '27447', system: 'CPT', text: 'Total knee arthroplasty', meanMin: 120, patientClass: 'I' },
    { code: '27130', system: 'CPT', text: 'Total hip arthroplasty', meanMin: 115, patientClass: 'I' },
    { code: '29881', system: 'CPT', text: 'Knee arthroscopy with meniscectomy', meanMin: 45, patientClass: 'O' },
    { code: '29827', system: 'CPT', text: 'Arthroscopic rotator cuff repair', meanMin: 100, patientClass: 'O' },
  ],
  urology: [
    {
      code: '52601',
      system: 'CPT',
      text: 'Transurethral resection of prostate (TURP)',
      meanMin: 70,
      patientClass: 'I',
    },
    { code: '52000', system: 'CPT', text: 'Cystourethroscopy', meanMin: 25, patientClass: 'O' },
    { code: '52356', system: 'CPT', text: 'Ureteroscopy with lithotripsy and stent', meanMin: 60, patientClass: 'O' },
  ],
  ophthalmology: [
    { code: '66984', system: 'CPT', text: 'Cataract extraction with intraocular lens', meanMin: 25, patientClass: 'O' },
    { code: '67036', system: 'CPT', text: 'Pars plana vitrectomy', meanMin: 75, patientClass: 'O', maxPerRoom: 2 },
  ],
  cardiac: [
    {
      code: '33533',
      system: 'CPT',
      text: 'Coronary artery bypass graft (CABG), arterial',
      meanMin: 240,
      patientClass: 'I',
      maxPerRoom: 1,
    },
    { code: '33208', system: 'CPT', text: 'Dual-chamber pacemaker insertion', meanMin: 60, patientClass: 'I' },
    { code: '33249', system: 'CPT', text: 'Implantable defibrillator insertion', meanMin: 75, patientClass: 'I' },
  ],
};

/** Rooms take specialties in this order, cycling when there are more rooms. */
export const ROOM_SPECIALTIES: readonly Specialty[] = ['general', 'orthopedics', 'urology', 'ophthalmology', 'cardiac'];

export interface PersonName {
  family: string;
  given: string;
}

export const SURGEONS: Readonly<Record<Specialty, readonly PersonName[]>> = {
  general: [
    { family: 'Marchetti', given: 'Elena' },
    { family: 'Okonkwo', given: 'David' },
    { family: 'Lindqvist', given: 'Hanna' },
  ],
  orthopedics: [
    { family: 'Brennan', given: 'Thomas' },
    { family: 'Nakamura', given: 'Keiko' },
    { family: 'Adeyemi', given: 'Tunde' },
  ],
  urology: [
    { family: 'Castellanos', given: 'Rafael' },
    { family: 'Whitfield', given: 'Margaret' },
  ],
  ophthalmology: [
    { family: 'Desrosiers', given: 'Claire' },
    { family: 'Haddad', given: 'Samir' },
  ],
  cardiac: [
    { family: 'Vandermeer', given: 'Pieter' },
    { family: 'Oyelaran', given: 'Grace' },
  ],
};

export const ANESTHESIOLOGISTS: readonly PersonName[] = [
  { family: 'Kowalczyk', given: 'Anna' },
  { family: 'Bergstrom', given: 'Erik' },
  { family: 'Fairbairn', given: 'Isla' },
  { family: 'Mensah', given: 'Kwame' },
  { family: 'Thibodeau', given: 'Luc' },
  { family: 'Rahimi', given: 'Soraya' },
  { family: 'Delacroix', given: 'Maud' },
];

export const PATIENT_FAMILY_NAMES: readonly string[] = [
  'Abernathy',
  'Baptiste',
  'Calloway',
  'Dunmore',
  'Ellsworth',
  'Fairchild',
  'Galloway',
  'Hollister',
  'Iverson',
  'Jardine',
  'Kettering',
  'Lockhart',
  'Merriweather',
  'Northcott',
  "O'Connor",
  'Pemberton',
  'Quincey',
  'Rutherford',
  'Stanhope',
  'Thornbury',
  'Underhill',
  'Vasquez-Moreno',
  'Wetherby',
  'Yardley',
];

export const PATIENT_GIVEN_NAMES: Readonly<Record<'F' | 'M', readonly string[]>> = {
  F: ['Alice', 'Beatrice', 'Chloe', 'Dorothy', 'Esther', 'Fatima', 'Greta', 'Ingrid', 'Josephine', 'Leila', 'Mabel'],
  M: ['Arthur', 'Bernard', 'Cyril', 'Desmond', 'Emil', 'Felix', 'Gordon', 'Hector', 'Ivan', 'Julian', 'Lionel'],
};
