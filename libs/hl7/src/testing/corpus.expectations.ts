import { readdirSync } from 'node:fs';
import path from 'node:path';

/**
 * What the edge answers to every message of the public HL7 v2 corpus (CONTRACT §4), and what each
 * maps to: one row per file of hl7v2/{adt,siu,orm,oru,alarms,malformed}. Test data, not exported from
 * the lib's index: `corpus.table.spec.ts` holds `evaluateHl7` to it, `test/e2e/hl7-senders.e2e-spec.ts`
 * holds a started platform to it over MLLP. batch/ files are split before they reach the edge and are
 * tested with the batch splitter; a corpus file without a row — a new one — fails until it gets one.
 *
 * `facts` is matched with `toMatchObject` (same number of facts, the named values equal; `{}` stands
 * for an element whose values are not checked); `readings` gives [vitals, results] per observations
 * fact. Refused rows give the table 0357 code and why.
 *
 * Plain data on purpose (no Jest matchers): any consumer — a test, the simulator — can read it.
 */

/** The shared corpus (/work/shared/corpus/hl7v2), found from this file as the spec always did. */
export const CORPUS_DIR = path.resolve(__dirname, '../../../../../shared/corpus/hl7v2');

/** The folders whose messages reach the edge one by one. */
export const CORPUS_FOLDERS = ['adt', 'siu', 'orm', 'oru', 'alarms', 'malformed'] as const;

/** One corpus file's expected answer: accepted with what it maps to, or refused with a 0357 code. */
export type CorpusRow =
  | { ack: 'AA'; facts: object[]; readings?: [number, number][]; warnings?: string[] }
  | { ack: 'AE' | 'AR'; code: number; why: string };

/** Every file of {@link CORPUS_FOLDERS} as `folder/name`, sorted within each folder. */
export function corpusFiles(): string[] {
  return CORPUS_FOLDERS.flatMap((dir) =>
    readdirSync(path.join(CORPUS_DIR, dir))
      .sort()
      .map((f) => `${dir}/${f}`),
  );
}

/** The absolute path of a corpus file named `folder/name`. */
export function corpusPath(file: string): string {
  return path.join(CORPUS_DIR, file);
}

// The FHIR-Converter ADT samples share one PID/PV1 (v2.8, OID-qualified HD, +01:15 EVN-2).
const GHH_PATIENT = { mrn: 'PATID1234', assigningAuthority: 'test1', familyName: 'EVERYMAN', givenName: 'ADAM' };
const GHH_STAY = {
  at: '2029-08-01T07:06:24+01:15',
  patient: GHH_PATIENT,
  visitNumber: '40007716',
  location: { code: 'HUH AE OMU^OMU B^Bed 03^HOMERTON UNIVER', name: 'OMU B' },
  priorLocation: { code: '4 East, room 136, bed B 4E^136^B^CommunityHospital', name: '136' },
};
const ghh = (action: string): CorpusRow => ({ ack: 'AA', facts: [{ kind: 'patient', action, ...GHH_STAY }] });
const unsupportedAdt = (trigger: string, what: string): CorpusRow => ({
  ack: 'AR',
  code: 201,
  why: `ADT^${trigger} (${what}) is not a supported trigger`,
});
const SIU_PATIENT = { mrn: 'PATID1234', familyName: 'EVERYMAN' };
const siu = (action: string, room: string): CorpusRow => ({
  ack: 'AA',
  facts: [
    {
      kind: 'schedule',
      action,
      identifiers: { placerAppointmentId: '12345', fillerAppointmentId: '36996' },
      patient: SIU_PATIENT,
      location: { code: room },
    },
  ],
});
const GHH_ORDER = {
  kind: 'order',
  action: 'new',
  at: '2021-10-20T11:26:00+02:15',
  patient: { mrn: 'PATID1234' },
  orderedBy: { id: '3850', name: 'JONES ORDPROVIDER' },
  orderStatus: 'SC',
};

/** The expected answer per corpus file (`folder/name`). */
export const CORPUS_TABLE: Readonly<Record<string, CorpusRow>> = {
  // ── adt ──
  'adt/fc-ADT-A01-01.hl7': ghh('admitted'),
  'adt/fc-ADT-A01-02.hl7': ghh('admitted'),
  'adt/fc-ADT-A02-01.hl7': ghh('transferred'),
  'adt/fc-ADT-A03-01.hl7': ghh('discharged'),
  'adt/fc-ADT-A04-01.hl7': ghh('registered'),
  'adt/fc-ADT-A05-01.hl7': unsupportedAdt('A05', 'pre-admit'),
  'adt/fc-ADT-A06-01.hl7': unsupportedAdt('A06', 'outpatient to inpatient'),
  'adt/fc-ADT-A07-01.hl7': unsupportedAdt('A07', 'inpatient to outpatient'),
  'adt/fc-ADT-A08-01.hl7': ghh('updated'),
  'adt/fc-ADT-A11-01.hl7': ghh('admit-cancelled'),
  'adt/fc-ADT-A13-01.hl7': ghh('discharge-cancelled'),
  'adt/fc-ADT-A14-01.hl7': unsupportedAdt('A14', 'pending admit'),
  'adt/fc-ADT-A16-01.hl7': unsupportedAdt('A16', 'pending discharge'),
  'adt/fc-ADT-A28-01.hl7': unsupportedAdt('A28', 'add person'),
  'adt/fc-ADT-A31-01.hl7': unsupportedAdt('A31', 'update person'),
  'adt/fc-ADT-A40-01.hl7': {
    ack: 'AA',
    facts: [
      {
        kind: 'merge',
        at: '2019-04-23T15:01:37+02:15',
        survivor: { mrn: '12345', assigningAuthority: 'BCBS', familyName: 'Test', birthDate: '2018-02-05' },
        merged: { mrn: '56789', assigningAuthority: 'BCBS' },
      },
    ],
  },
  'adt/fc-ADT-A40-02.hl7': {
    ack: 'AA',
    facts: [
      { kind: 'merge', survivor: { mrn: '12345' }, merged: { mrn: '56789' } },
      { kind: 'merge', survivor: { mrn: '145' }, merged: { mrn: '569' } },
    ],
  },
  'adt/fc-ADT-A41-01.hl7': unsupportedAdt('A41', 'merge account'),
  'adt/fc-ADT-A45-01.hl7': unsupportedAdt('A45', 'move visit'),
  'adt/fc-ADT-A47-01.hl7': unsupportedAdt('A47', 'change identifier'),
  'adt/fc-ADT-A60-01.hl7': unsupportedAdt('A60', 'adverse reaction'),
  'adt/fc-ADT01-23.hl7': {
    ack: 'AA',
    facts: [
      {
        kind: 'patient',
        action: 'admitted',
        at: '2005-01-10T04:55:02+07:00',
        patient: { mrn: '10006579', assigningAuthority: '1', familyName: 'DUCK', givenName: 'DONALD', sex: 'M' },
        visitNumber: '40007716',
        location: { code: 'PREOP^101^1^1', name: '101' },
      },
    ],
  },
  'adt/fc-ADT04-251.hl7': {
    ack: 'AA',
    // No EVN: MSH-7. PV1-19 empty: PID-18 account number.
    facts: [
      {
        kind: 'patient',
        action: 'registered',
        at: '2019-05-04T18:12:05+07:00',
        patient: { mrn: 'MRN12345', familyName: 'Doe', birthDate: '1978-01-01' },
        visitNumber: '123456789',
      },
    ],
  },
  'adt/hapi-adt_a03-italian.hl7': {
    ack: 'AA',
    // No MR repetition in PID-3: the first (PK); EVN-2 is used before EVN-6 (two days earlier).
    facts: [
      {
        kind: 'patient',
        action: 'discharged',
        at: '2008-03-05T15:09:00-05:00',
        patient: { mrn: '5520255', assigningAuthority: 'PK', birthDate: '1983-08-24', sex: 'F' },
        visitNumber: '2008003369',
        location: { code: '6402DH', name: 'MED. 1 - ONCOLOGIA' },
      },
    ],
  },
  'adt/hapi-docs-ADT_A01.hl7': {
    ack: 'AA',
    facts: [
      {
        kind: 'patient',
        action: 'admitted',
        at: '2001-05-23T19:27:00-04:00',
        patient: { mrn: '2216506', familyName: 'Duck', givenName: 'Donald' },
        location: { code: 'ZFAST TRACK^WAITING^13', name: 'WAITING' },
      },
    ],
  },
  'adt/hapi-segmentfinder_a24-custom-delimiters.hl7': unsupportedAdt('A24', 'link patients; `^` as field separator'),
  'adt/lfh-sample_unix.hl7': {
    ack: 'AA',
    facts: [
      {
        kind: 'patient',
        action: 'admitted',
        patient: { mrn: 'PID1234', familyName: 'DOE' },
        location: { code: 'yyy' },
      },
    ],
  },
  'adt/lfh-sample_win.hl7': {
    ack: 'AA',
    facts: [
      {
        kind: 'patient',
        action: 'admitted',
        patient: { mrn: 'PID1234', familyName: 'DOE' },
        location: { code: 'yyy' },
      },
    ],
  },
  'adt/ti-MN_ADT_A01.hl7': {
    ack: 'AA',
    facts: [
      {
        kind: 'patient',
        action: 'admitted',
        at: '2023-05-04T13:19:24-04:00',
        patient: { mrn: '11102779', assigningAuthority: 'SCH', givenName: 'BB SARAH', birthDate: '2023-05-04' },
      },
    ],
  },
  'adt/ti-Other_ADT_A01.hl7': {
    ack: 'AA',
    facts: [{ kind: 'patient', action: 'admitted', patient: { mrn: 'PATID1234' }, visitNumber: 'PATID12345001' }],
  },

  // ── siu ──
  'siu/fc-SIU-S12-01.hl7': siu('booked', '055^Room01^^GH Clinic'),
  'siu/fc-SIU-S12-02.hl7': siu('booked', 'LabUnit101^Lab Room 01^^GHH Hospital'),
  'siu/fc-SIU-S12_1.hl7': siu('booked', '4E^136^B^CommunityHospital'),
  'siu/fc-SIU-S13-01.hl7': siu('rescheduled', '055^Room01^^GH Clinic'),
  'siu/fc-SIU-S13-02.hl7': siu('rescheduled', 'LabUnit101^Lab Room 01^^GHH Hospital'),
  'siu/fc-SIU-S14-01.hl7': siu('modified', '055^Room02^^GH Clinic'),
  'siu/fc-SIU-S14-02.hl7': siu('modified', 'LabUnit102^Lab Room 01^^GHH Hospital'),
  'siu/fc-SIU-S15-01.hl7': siu('cancelled', '055^Room01^^GH Clinic'),
  'siu/fc-SIU-S15-02.hl7': siu('cancelled', 'LabUnit101^Lab Room 01^^GHH Hospital'),
  'siu/fc-SIU-S16-01.hl7': { ack: 'AR', code: 201, why: 'SIU^S16 (discontinuation) is not a supported trigger' },
  'siu/fc-SIU-S17-01.hl7': siu('deleted', '055^Room01^^GH Clinic'),
  'siu/fc-SIU-S26-01.hl7': siu('no-show', '055^Room01^^GH Clinic'),
  'siu/fc-SIU-S26-02.hl7': siu('no-show', 'LabUnit101^Lab Room 01^^GHH Hospital'),
  'siu/nhc-corepoint-siu-s14.hl7': {
    ack: 'AA',
    facts: [
      {
        kind: 'schedule',
        action: 'modified',
        identifiers: { placerAppointmentId: '00331839401' },
        patient: { mrn: '489671' },
        procedure: { code: 'HLCK' },
        location: { code: 'HHR^FPCS NGUYEN, MD' },
      },
    ],
    warnings: ['No AIS-3 procedure; SCH-7/SCH-8 used instead'],
  },

  // ── orm ──
  'orm/fc-LAB-ORM-1.hl7': {
    ack: 'AA',
    facts: [
      {
        kind: 'order',
        action: 'new',
        at: '2014-10-06T09:29:00-04:00',
        identifiers: { orderNumber: '88502218', fillerOrderNumber: '82503246', visitNumber: '40007716' },
        procedure: { code: '24317-0', text: 'Hemogram and platelet count, automated' },
        orderedBy: { name: 'URO' },
        orderStatus: 'NW',
        patient: { mrn: '10006579' },
      },
    ],
  },
  'orm/fc-OMG-O19-01.hl7': {
    ack: 'AE',
    code: 101,
    why: 'its orders carry no placer or filler order number (ORC-2/3, OBR-2/3 empty; ORC-4 is a group number)',
  },
  'orm/fc-OMG-O19-02.hl7': {
    ack: 'AE',
    code: 101,
    why: 'three of its five orders carry no placer or filler order number',
  },
  'orm/fc-OML-O21-01.hl7': { ack: 'AR', code: 200, why: 'OML^O21 (laboratory order) is not a supported type' },
  'orm/fc-ORM-O01-01.hl7': {
    ack: 'AA',
    facts: [
      {
        ...GHH_ORDER,
        identifiers: { orderNumber: '1101', fillerOrderNumber: '1201', visitNumber: '5001' },
        procedure: { code: '24725-4', text: 'CT Head' },
      },
    ],
  },
  'orm/fc-ORM-O01-02.hl7': {
    ack: 'AA',
    facts: [{ ...GHH_ORDER, identifiers: { orderNumber: '1101' }, procedure: { code: '24725-4' } }],
  },
  'orm/fc-ORM-O01-03.hl7': {
    ack: 'AA',
    facts: [
      { ...GHH_ORDER, identifiers: { orderNumber: '1101', fillerOrderNumber: '1201' }, procedure: { code: '24725-4' } },
      {
        ...GHH_ORDER,
        identifiers: { orderNumber: '2203', fillerOrderNumber: '2301' },
        procedure: { code: '24590-2', text: 'MR Brain' },
      },
    ],
  },
  'orm/fc-ORM-O01-04.hl7': {
    ack: 'AA',
    // ODS (dietary) instead of OBR: no procedure.
    facts: [
      { kind: 'order', action: 'new', identifiers: { orderNumber: '1101' }, orderedBy: { name: 'SAWYER TOM MD' } },
    ],
    warnings: ['1 order(s) without a procedure (OBR-4)'],
  },
  'orm/hapi-omd_o03-dietary.hl7': { ack: 'AR', code: 200, why: 'OMD^O03 (dietary order) is not a supported type' },
  'orm/ihe-pcd03-RGV_O15-dopamine.hl7': {
    ack: 'AR',
    code: 200,
    why: 'RGV^O15 (IHE PCD-03 infusion order) is not supported',
  },
  'orm/ihe-pcd03-RGV_O15-saline.hl7': {
    ack: 'AR',
    code: 200,
    why: 'RGV^O15 (IHE PCD-03 infusion order) is not supported',
  },
  'orm/ti-Epic_ORM_O01.hl7': {
    ack: 'AA',
    // PID-3 is empty (the id is in PID-2): an order without patient, with a warning.
    facts: [
      {
        kind: 'order',
        action: 'cancelled',
        identifiers: { orderNumber: '968906415' },
        procedure: { code: '140285', text: 'MICROALBUMIN / CREATININE RATIO URINE' },
        orderedBy: { id: '1578594032', name: 'ROBIN DALE' },
      },
    ],
    warnings: ['1 order(s) without a patient identifier (PID-3)'],
  },
  'orm/ti-MN_ORM_O01_simplified.hl7': {
    ack: 'AA',
    facts: [
      {
        kind: 'order',
        action: 'new',
        at: '2023-05-06T05:29:13-05:00',
        identifiers: { orderNumber: '421832901' },
        procedure: { code: '54089-8' },
        orderedBy: { id: '1265136360', name: 'JANE JONES' },
        patient: { mrn: '11102779', assigningAuthority: 'CRPMRN' },
      },
    ],
  },
  'orm/ti-Ochsner_OML_O21.hl7': { ack: 'AR', code: 200, why: 'OML^O21 (laboratory order) is not a supported type' },
  'orm/ti-Oracle_ORM_O01.hl7': {
    ack: 'AE',
    code: 103,
    why: "ORC-1 'CD:2539' is a Cerner code value, not an HL7 table 0119 order control",
  },
  'orm/ti-Oracle_ORM_O01_v23.hl7': {
    ack: 'AA',
    facts: [
      {
        kind: 'order',
        action: 'new',
        identifiers: { orderNumber: '4560411583', visitNumber: '2227600015' },
        procedure: { text: 'Pathology Gyn Request' },
        orderedBy: { id: 'D3389', name: 'Rajeev Nagarad' },
        orderStatus: 'Ordered',
        patient: { mrn: '994952' },
      },
    ],
  },

  // ── oru ──
  'oru/dex-CaseLab_001.hl7': {
    ack: 'AA',
    facts: [{ kind: 'observations', subject: { patient: { mrn: 'PCTEXEAXSYFY' } } }],
    readings: [[0, 64]],
  },
  'oru/dex-RawHL7DataDAART.hl7': {
    ack: 'AA',
    facts: [{ kind: 'observations', subject: { patient: { mrn: 'W49409' } } }],
    readings: [[0, 175]],
  },
  'oru/dex-covidELR-ND-v23z-ZLR.hl7': {
    ack: 'AA',
    facts: [{ kind: 'observations', results: [{ code: '94500-6', value: 'Not Detected', flag: 'N', status: 'F' }] }],
    readings: [[0, 1]],
  },
  'oru/dex-covidELR-v23-ZLR.hl7': {
    ack: 'AA',
    facts: [{ kind: 'observations', results: [{ code: '94309-2', value: 'No 2019 nCoV RNA detected.' }] }],
    readings: [[0, 1]],
  },
  'oru/fc-LAB-ORU-1.hl7': {
    ack: 'AA',
    facts: [
      {
        kind: 'observations',
        subject: { patient: { mrn: '10006579' } },
        // OBX order; the hematocrit and the four differential counts between are not checked.
        results: [
          {
            code: '11273-0',
            text: 'ERYTHROCYTES',
            value: '4.06',
            unit: 'tera.l-1',
            flag: 'N',
            status: 'P',
            at: '2014-10-06T06:27:00+07:00',
          },
          {},
          {
            code: '11125-2',
            text: 'PLATELETS',
            value: '221',
            unit: 'giga.l-1',
            flag: 'N',
            status: 'F',
            at: '2014-10-06T08:30:00+07:00',
          },
          {},
          {},
          {},
          {},
          {},
        ],
      },
    ],
    readings: [[0, 8]],
    warnings: ['2 OBX without a value (OBX-5) were skipped'],
  },
  'oru/fc-LRI_2.0-NG_CBC_Typ_Message.hl7': {
    ack: 'AA',
    facts: [{ kind: 'observations', subject: { patient: { mrn: 'PATID1234' } } }],
    readings: [[0, 28]],
  },
  'oru/fc-ORU-R01-01.hl7': {
    ack: 'AA',
    facts: [{ kind: 'observations', subject: { patient: { mrn: '14' } } }],
    readings: [[0, 5]],
  },
  'oru/fc-ORU-R01-RMGEAD.hl7': {
    ack: 'AA',
    facts: [
      { kind: 'observations', results: [{ code: '1554-5', text: 'GLUCOSE', value: '182', unit: 'mg/dl', flag: 'H' }] },
    ],
    readings: [[0, 1]],
  },
  'oru/hapi-cv04-olis-chem-ERP_R09-with-ZNT.hl7': {
    ack: 'AR',
    code: 200,
    why: 'ERP^Z99 (query response) is not a supported type',
  },
  'oru/ihe-pcd01-episodic-nibp-E.1.2.hl7': {
    ack: 'AA',
    facts: [
      {
        kind: 'observations',
        subject: {
          patient: { mrn: '12345' },
          location: { code: 'COLWELL^^SOLAR' },
          device: { id: '080019FFFE3ED02D172.16.172.135', name: 'GATEWAY_ACME' },
        },
        vitals: [
          { name: 'nibpSys', value: 111, unit: 'mmHg' },
          { name: 'nibpDia', value: 60, unit: 'mmHg' },
          { name: 'hr', value: 63, unit: '/min' },
        ],
        results: [{ code: '150023', value: '80', unit: 'mmHg' }],
      },
    ],
    readings: [[3, 1]],
  },
  'oru/ihe-pcd01-philips-monitor-E.1.1.hl7': {
    ack: 'AA',
    facts: [
      {
        kind: 'observations',
        subject: { patient: { mrn: 'HO2009001' }, location: { code: 'HO Surgery^OR^1', name: 'OR' } },
        vitals: [
          { name: 'nibpSys', value: 117 },
          { name: 'nibpDia', value: 82 },
          { name: 'hr', value: 80, unit: '/min' },
          { name: 'rr', value: 30, unit: '/min' },
          { name: 'spo2', value: 99, unit: '%' },
        ],
      },
    ],
    readings: [[5, 5]],
  },
  'oru/ihe-pcd10-infusion-event-ORU_R42.hl7': {
    ack: 'AR',
    code: 201,
    why: 'ORU^R42 (IHE PCD-10 infusion event) is not a supported trigger',
  },
  'oru/lfh-ORU-multiline-short-mixed.hl7': {
    ack: 'AA',
    facts: [{ kind: 'observations', results: [{ value: '[PII] Emergency Department' }, {}] }],
    readings: [[0, 2]],
  },
  'oru/lfh-ORU-multiline-short.hl7': {
    ack: 'AA',
    facts: [{ kind: 'observations', subject: { patient: { mrn: '0d70c6c8' } } }],
    readings: [[0, 2]],
  },
  'oru/nhc-athena-oru.hl7': {
    ack: 'AA',
    // ORDER_OBSERVATION without OBX (a pending result): accepted, nothing to apply.
    facts: [],
    warnings: ['The message carries no observation value'],
  },
  'oru/nhc-cerner_en.hl7': {
    ack: 'AA',
    facts: [{ kind: 'observations', results: [{ code: '548-8', value: 'Bordetella pertussis', flag: 'A' }] }],
    readings: [[0, 1]],
  },
  'oru/nhc-nist-ORU_R01_2.5.1_SampleTestCase1.hl7': {
    ack: 'AA',
    facts: [{ kind: 'observations', results: [{ code: '10368-9', value: '50', unit: 'ug/dL', flag: 'H' }] }],
    readings: [[0, 1]],
  },
  'oru/nhc-nist-ORU_R01_2.5.1_SampleTestCase6.hl7': {
    ack: 'AA',
    facts: [{ kind: 'observations', subject: { patient: { mrn: '987488015' } } }],
    readings: [[0, 3]],
  },
  'oru/nhc-realm-cj-joeslab.hl7': {
    ack: 'AA',
    facts: [
      {
        kind: 'observations',
        subject: { patient: { mrn: '36363636' }, location: { code: '4E^234^A^Good Health Hospital' } },
      },
    ],
    readings: [[0, 2]],
  },
  'oru/ti-Epic_ORU_R01.hl7': {
    ack: 'AA',
    facts: [{ kind: 'observations', results: [{ code: '21838', value: 'Negative' }, {}, {}] }],
    readings: [[0, 3]],
  },
  'oru/ti-Natus_ORU_R01_NBS-long-OBX5.hl7': {
    ack: 'AA',
    facts: [{ kind: 'observations', subject: { patient: { mrn: '60170806' } } }],
    readings: [[0, 110]],
  },
  'oru/ti-Oracle_ORU_R01.hl7': {
    ack: 'AA',
    facts: [
      {
        kind: 'observations',
        results: [
          { code: '20260', value: '2.1', unit: 'mg/dL' },
          { code: '10710', value: '59' },
          { code: '20281', value: '36', flag: 'H' },
        ],
      },
    ],
    readings: [[0, 3]],
  },
  'oru/ti-TX_ORU_R01.hl7': {
    ack: 'AA',
    facts: [{ kind: 'observations', subject: { patient: { mrn: '123456' } } }],
    readings: [[0, 33]],
  },
  'oru/ti-micro_character_encoding.hl7': {
    ack: 'AA',
    facts: [{ kind: 'observations', results: [{ code: '47633-3', value: '0.5', unit: 'µmol/L' }] }],
    readings: [[0, 1]],
  },

  // ── alarms (IHE PCD-04) ──
  'alarms/ihe-pcd04-bbraun-occlusion-end.hl7': {
    ack: 'AA',
    facts: [
      {
        kind: 'alarm',
        alarmId: 'P6013/196940/1.0.0.0',
        phase: 'end',
        priority: 'low',
        code: '196940^MDC_EVT_FLUID_LINE_OCCL^MDC',
        message: 'Occlusion',
        at: '2012-01-09T17:54:26-06:00',
      },
    ],
    warnings: ['No alarm priority (OBX-8 PH/PM/PL or MDC_ATTR_ALARM_PRIORITY); low assumed'],
  },
  'alarms/ihe-pcd04-bbraun-occlusion-start.hl7': {
    ack: 'AA',
    facts: [{ kind: 'alarm', alarmId: 'P6013/196940/1.0.0.0', phase: 'start', priority: 'low', message: 'Occlusion' }],
  },
  'alarms/ihe-pcd04-livedata-or-timeout-advisory.hl7': {
    ack: 'AA',
    facts: [
      {
        kind: 'alarm',
        alarmId: 'CONTENT_CONSUMER_LIVEDATA/MDCX_DOCUMENTATION_ERROR/2.1.2.1',
        phase: 'start',
        priority: 'medium',
        message: 'Timeout not documented',
        subject: { patient: { mrn: 'HO2009003' }, location: { code: 'HO 3 West ICU^10^1' } },
      },
    ],
  },
  'alarms/ihe-pcd04-mindray-low-spo2-start.hl7': {
    ack: 'AA',
    facts: [
      {
        kind: 'alarm',
        alarmId: 'F1519EFX/196670/1.3.1.150456',
        phase: 'start',
        priority: 'medium',
        code: '196670^MDC_EVT_LO^MDC',
        message: 'Low SpO2 88 %',
        at: '2012-01-11T15:04:57-06:00',
        subject: { patient: { mrn: 'HO2009001' }, location: { name: 'OR' }, device: { id: 'F1519EFX' } },
      },
    ],
  },

  // ── malformed ──
  'malformed/dex-PHLIP_FLU_NO_MSH12.hl7': {
    ack: 'AA',
    // MSH-12 is required by HL7 but nothing here depends on it: accepted with a warning.
    facts: [{ kind: 'observations', subject: { patient: { mrn: 'OSCG-219496-17' } } }],
    readings: [[0, 28]],
    warnings: ['MSH-12 version id is empty'],
  },
  'malformed/fc-SIU_12-mislabelled-as-ADT_A60.hl7': {
    ack: 'AR',
    code: 201,
    why: 'an SIU whose MSH-9 says ADT^A60, which is not a supported trigger',
  },
  'malformed/ihe-pcd03-rgv-hardwrapped-as-published.hl7': {
    ack: 'AR',
    code: 101,
    why: 'MSH hard-wrapped before MSH-9: the header has no message type',
  },
  'malformed/ihe-pcd04-mindray-hardwrapped-as-published.hl7': {
    ack: 'AR',
    code: 101,
    why: 'MSH hard-wrapped before MSH-9: the header has no message type',
  },
  'malformed/nhc-adt-space-separated-segments.hl7': {
    ack: 'AE',
    code: 100,
    why: 'segments separated by spaces: one MSH line, so an ADT^A01 without PID',
  },
  'malformed/nhc-epic-orm-wrapped-obr.hl7': {
    ack: 'AR',
    code: 100,
    why: 'OBR hard-wrapped: line 7 starts with "8866", no segment id',
  },
  'malformed/nhc-mdm-text-broken-across-lines.hl7': {
    ack: 'AR',
    code: 200,
    why: 'MDM^T04 (document) is not a supported type',
  },
  'malformed/nhc-siu-bad-phone.hl7': { ack: 'AE', code: 100, why: 'SIU^S12 with MSH and PID only: no SCH' },
  'malformed/ti-ORM_malformed_DTM.hl7': {
    ack: 'AA',
    // The malformed DTM is an OBX-5 ask-at-order-entry answer, which the order mapper does not read.
    facts: [
      {
        kind: 'order',
        action: 'new',
        at: '2024-02-24T13:40:09-05:00',
        identifiers: { orderNumber: '2801690163' },
        orderedBy: { id: '12345', name: '12345' },
        patient: { mrn: '1300974', birthDate: '2024-02-21', sex: 'F' },
      },
    ],
  },
  'malformed/ti-ORM_malformed_XAD.hl7': {
    ack: 'AA',
    // The malformed XAD is an OBX-5 answer too.
    facts: [{ kind: 'order', action: 'new', identifiers: { orderNumber: '2801690163' }, patient: { mrn: '1300974' } }],
  },
  'malformed/ti-empty.hl7': { ack: 'AR', code: 100, why: 'zero bytes' },
  'malformed/ti-msh_missing_msh-10.hl7': { ack: 'AR', code: 101, why: 'MSH-10 control id is empty' },
  'malformed/ti-msh_missing_msh-2.hl7': { ack: 'AR', code: 101, why: 'MSH-2 encoding characters are empty' },
  'malformed/ti-msh_missing_msh-9.hl7': { ack: 'AR', code: 101, why: 'MSH-9 message type is empty' },
  'malformed/ti-msh_present_but_missing_all_fields.hl7': { ack: 'AR', code: 101, why: '"MSH|" alone' },
  'malformed/ti-orm_obx-5_not_numeric.hl7': {
    ack: 'AA',
    // No PID at all; the non-numeric NM is an OBX-5 answer the order mapper does not read.
    facts: [
      { kind: 'order', action: 'new', identifiers: { orderNumber: '421832901' }, procedure: { code: '54089-8' } },
    ],
    warnings: ['1 order(s) without a patient identifier (PID-3)'],
  },
};
