import { FhirContext } from './fhir.context';
import { isResource } from './fhir.json';
import { FHIR_CONTEXT_TYPES, mapFhirResource } from './fhir.mapper';
import { corpusFiles, corpusResource } from './testing/corpus';

/**
 * Every resource of the public FHIR corpus (bundles and subscription notifications aside: the hook's
 * tests read those) mapped alone, without context: what facts it gives (`-`: none, with a warning
 * saying why), or why it is refused. A change in any mapper shows up here, file by file.
 */
const TABLE: Readonly<Record<string, string>> = {
  'appointment/fm-appointmentresponse-example.json': 'refused: resource type AppointmentResponse is not read',
  'appointment/fm-schedule-example.json': 'refused: resource type Schedule is not read',
  'appointment/fm-schedule-provider-location1-example.json': 'refused: resource type Schedule is not read',
  'appointment/fm-slot-example-busy.json': 'refused: resource type Slot is not read',
  'appointment/fm-slot-example-tentative.json': 'refused: resource type Slot is not read',
  'appointment/fm-slot-example.json': 'refused: resource type Slot is not read',
  'appointment/fr-appointment-2docs.json': 'schedule',
  'appointment/fr-appointment-example.json': 'schedule',
  'appointment/fr-appointment-examplereq.json': '-',
  'appointment/mfs-Appointment-Normative.json': 'schedule',
  'device/fm-device-example-f001-feedingtube.json': '-',
  'device/fm-device-example.json': '-',
  'device/fm-devicedefinition-example.json': 'refused: resource type DeviceDefinition is not read',
  'device/fm-devicemetric-example.json': 'refused: resource type DeviceMetric is not read',
  'device/fr-device-example.json': '-',
  'device/fr-device-f001.json': '-',
  'device/mfs-Device-d1-bom.json': '-',
  'device/sbf-synthea-device.json': '-',
  'encounter/fm-encounter-example-emerg.json': '-',
  'encounter/fm-encounter-example-f001-heart.json': '-',
  'encounter/fm-encounter-example-f203-20130311.json': '-',
  'encounter/fm-encounter-example-home.json': '-',
  'encounter/fm-location-example-room.json': '-',
  'encounter/fm-location-example.json': '-',
  'encounter/fr-encounter-example.json': '-',
  'encounter/fr-encounter-f201.json': '-',
  'encounter/fr-location-amb.json': '-',
  'encounter/mfs-Encounter-For-Patient-f001-bom.json': '-',
  'encounter/sbf-synthea-encounter-emergency.json': '-',
  'encounter/sbf-synthea-encounter-inpatient.json': '-',
  'observation/fm-observation-example-bloodpressure-cancel.json': '-',
  'observation/fm-observation-example-bloodpressure-dar.json': '-',
  'observation/fm-observation-example-bloodpressure.json': '-',
  'observation/fm-observation-example-bmi.json': '-',
  'observation/fm-observation-example-body-temperature.json': '-',
  'observation/fm-observation-example-f202-temperature.json': '-',
  'observation/fm-observation-example-heart-rate.json': '-',
  'observation/fm-observation-example-mbp.json': '-',
  'observation/fm-observation-example-respiratory-rate.json': '-',
  'observation/fm-observation-example-sample-data.json': '-',
  'observation/fm-observation-example-satO2.json': 'observations',
  'observation/fm-observation-example-vitals-panel.json': '-',
  'observation/fr-observation-f001-glucose.json': 'observations',
  'observation/mfs-BloodPressure-bom.json': '-',
  'observation/mfs-ObservationWithInvalidStatus-bom.json': '-',
  'observation/mfs-ObservationWithTemperature.json': '-',
  'patient/fm-patient-example-animal.json': 'patient',
  'patient/fm-patient-example-chinese.json': 'patient',
  'patient/fm-patient-example-f001-pieter.json': 'patient',
  'patient/fm-patient-example-ihe-pcd.json': 'patient',
  'patient/fm-patient-example-newborn.json': 'patient',
  'patient/fm-practitioner-example-f005-al.json': '-',
  'patient/fm-practitioner-example.json': '-',
  'patient/fr-patient-example.json': 'patient',
  'patient/mfs-Patient-Normative-bom.json': 'patient',
  'patient/mfs-PatientMissingResourceType-bom.json': 'no resourceType',
  'patient/mfs-PatientWithUnknownElements-bom.json': 'refused: Patient without an id',
  'patient/sbf-synthea-patient.json': 'patient',
  'patient/sbf-synthea-practitioner.json': '-',
  'procedure/fm-procedure-example-appendectomy-narrative.json': '-',
  'procedure/fm-procedure-example-biopsy.json': '-',
  'procedure/fm-procedure-example-f001-heart.json': '-',
  'procedure/fm-procedure-example-f002-lung.json': 'procedureStart,procedureEnd',
  'procedure/fm-procedure-example-f004-tracheotomy.json': 'procedureStart,procedureEnd',
  'procedure/fr-procedure-example-implant.json': '-',
  'procedure/fr-procedure-example.json': '-',
  'procedure/fr-procedure-f201.json': 'procedureStart,procedureEnd',
  'procedure/sbf-synthea-procedure-epidural.json': 'anesthesiaStart,anesthesiaEnd',
  'procedure/sbf-synthea-procedure-pacu.json': 'pacuIn,pacuOut',
};

const CONTEXT_ONLY: ReadonlySet<string> = new Set(FHIR_CONTEXT_TYPES);

const files = corpusFiles().filter((f) => !f.startsWith('bundle/') && !f.startsWith('subscription/'));

function outcome(file: string): string {
  const resource = corpusResource(file);
  if (!isResource(resource)) return 'no resourceType';
  const result = mapFhirResource(resource, new FhirContext(resource), { receivedAt: '2026-11-23T06:00:00Z' });
  if (!result.ok) return `refused: ${result.problem}`;
  for (const fact of result.mapping.facts) expect(Date.parse(fact.at)).not.toBeNaN();
  expect(result.mapping.label).toMatch(new RegExp(`^${resource.resourceType}/${resource.id ?? ''}`));
  // A resource read for its facts that gives none says why; context resources give none by design.
  if (!result.mapping.facts.length && !CONTEXT_ONLY.has(resource.resourceType)) {
    expect(result.mapping.warnings).not.toEqual([]);
  }
  return result.mapping.facts.map((f) => (f.kind === 'milestone' ? f.milestone : f.kind)).join(',') || '-';
}

describe('the FHIR corpus, resource by resource', () => {
  it('has a row for every resource file, and no row without a file', () => {
    expect(Object.keys(TABLE).sort()).toEqual(files);
  });

  it.each(files)('%s', (file) => {
    expect(outcome(file)).toBe(TABLE[file]);
  });
});
