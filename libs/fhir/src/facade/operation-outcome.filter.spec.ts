import { HttpException, HttpStatus, Logger } from '@nestjs/common';
import { IdentityError } from '@circulator/identity';
import { expectValidFhir } from '../../../../test/support/fhir-validator';
import { capabilityStatement } from './capability.statement';
import { FhirError } from './fhir.error';
import { OperationOutcomeFilter } from './operation-outcome.filter';

describe('OperationOutcomeFilter', () => {
  const filter = new OperationOutcomeFilter();

  it.each([
    [new FhirError('invalid-parameter', 'bad date', 'date'), 400, 'invalid', 'bad date'],
    [new FhirError('unknown-type', 'no Patient'), 404, 'not-supported', 'no Patient'],
    [new FhirError('method-not-allowed', 'read-only'), 405, 'not-supported', 'read-only'],
    [new IdentityError('unauthorized', 'a token is required'), 401, 'login', 'a token is required'],
    [new IdentityError('forbidden', 'your role may not'), 403, 'forbidden', 'your role may not'],
    [
      new HttpException({ title: 'Too many requests', detail: 'wait 3 s' }, HttpStatus.TOO_MANY_REQUESTS),
      429,
      'throttled',
      'wait 3 s',
    ],
    [new HttpException('too big', HttpStatus.PAYLOAD_TOO_LARGE), 413, 'too-long', 'too big'],
  ])('answers %s with %d and issue %s', (error, status, code, diagnostics) => {
    const answer = filter.toOutcome(error);
    expect(answer.status).toBe(status);
    expect(answer.outcome.issue[0]).toMatchObject({ severity: 'error', code, diagnostics });
    expectValidFhir(answer.outcome);
  });

  it('answers anything else with 500 and an error id that is in the log, never the error’s text', () => {
    const logged = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    const answer = filter.toOutcome(new Error('connection string postgres://secret@db'));
    expect(answer.status).toBe(500);
    const diagnostics = answer.outcome.issue[0]?.diagnostics ?? '';
    expect(diagnostics).not.toMatch(/secret/);
    const errorId = /error id ([0-9a-f-]{36})/.exec(diagnostics)?.[1];
    expect(errorId).toBeDefined();
    expect(logged).toHaveBeenCalledWith(expect.stringContaining(`errorId=${errorId}`), expect.any(String));
    expectValidFhir(answer.outcome);
    logged.mockRestore();
  });
});

describe('capabilityStatement', () => {
  it('is a valid R4 instance statement (cpb invariants included)', () => {
    const cs = capabilityStatement('https://or.example/fhir', '2026-11-23T07:00:00.000Z');
    expectValidFhir(cs);
    expect(cs.rest?.[0]?.resource?.find((r) => r.type === 'Observation')?.supportedProfile).toEqual([
      'http://hl7.org/fhir/StructureDefinition/heartrate',
      'http://hl7.org/fhir/StructureDefinition/oxygensat',
      'http://hl7.org/fhir/StructureDefinition/bp',
      'http://hl7.org/fhir/StructureDefinition/resprate',
      'http://hl7.org/fhir/StructureDefinition/bodytemp',
    ]);
  });
});
