import { expectValidFhir } from '../../../../test/support/fhir-validator';
import { caseView } from '../testing/case-view.fixture';
import { procedureFromCase, procedureStatus } from './procedure.mapper';

describe('procedureFromCase', () => {
  it('performed from incision to closure, by the surgeon and the anesthesiologist, in the room', () => {
    const p = procedureFromCase(
      caseView({
        status: 'recovery',
        milestones: { procedureStart: '2026-11-23T09:00:00Z', procedureEnd: '2026-11-23T09:50:00Z' },
      }),
    );
    expectValidFhir(p);
    expect(p).toMatchObject({
      resourceType: 'Procedure',
      id: '1b4e28ba-2fa1-4d2b-883f-0016d3cca427',
      status: 'completed',
      category: { coding: [{ system: 'http://snomed.info/sct', code: '387713003' }] },
      code: {
        coding: [{ code: '47562', display: 'Laparoscopic cholecystectomy' }],
        text: 'Laparoscopic cholecystectomy',
      },
      subject: { type: 'Patient' },
      encounter: { reference: 'Encounter/1b4e28ba-2fa1-4d2b-883f-0016d3cca427' },
      location: { reference: 'Location/or7-genhosp' },
      performedPeriod: { start: '2026-11-23T09:00:00Z', end: '2026-11-23T09:50:00Z' },
    });
    expect(p.performer?.map((x) => [x.function?.coding?.[0]?.code, x.actor.display])).toEqual([
      ['304292004', 'House, Gregory'],
      ['88189002', 'Quinn, Michaela'],
    ]);
  });

  it.each([
    ['scheduled', false, 'preparation'],
    ['pre-op', false, 'preparation'],
    ['in-room', false, 'preparation'],
    ['in-procedure', false, 'in-progress'],
    ['in-procedure', true, 'completed'],
    ['recovery', false, 'completed'],
    ['completed', true, 'completed'],
    ['cancelled', false, 'not-done'],
    ['no-show', false, 'not-done'],
  ] as const)('a %s case (closure recorded: %s) is %s', (status, closed, expected) => {
    expect(procedureStatus(status, closed)).toBe(expected);
    const p = procedureFromCase(
      caseView({
        status,
        milestones: closed ? { procedureStart: '2026-11-23T09:00:00Z', procedureEnd: '2026-11-23T09:50:00Z' } : {},
      }),
    );
    expect(p.status).toBe(expected);
    expectValidFhir(p);
  });

  it('a procedure without a code is its text; not yet started has no performed period', () => {
    const p = procedureFromCase(
      caseView({ procedure: { text: 'Hip replacement' }, surgeon: undefined, anesthesiologist: undefined }),
    );
    expectValidFhir(p);
    expect(p.code).toEqual({ text: 'Hip replacement' });
    expect(p).not.toHaveProperty('performedPeriod');
    expect(p).not.toHaveProperty('performer');
  });
});
