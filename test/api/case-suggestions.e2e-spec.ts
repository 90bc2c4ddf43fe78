import type { CaseSuggestionsView, CaseView, SiteView } from '@circulator/contracts';
import { ManualClock } from '@circulator/domain';
import { MllpClient } from '@circulator/hl7';
import { siu } from '../support/hl7-messages';
import { ADMIN_PASSWORD, requestAs, startTestPlatform, tokenFor, type TestPlatform } from '../support/platform';
import { waitFor } from '../support/services';

const PASSWORD = 'case-suggestions-e2e-password';

/**
 * The desk's room suggestions (`GET /api/cases/{id}/suggestions`, planning/predict.ts
 * `suggestRooms`) on a running platform fed over MLLP, and the OR hours `GET /api/site` gives the
 * desk's time axis. The clock is the test's: 23 Nov 2026, 07:00 in Paris.
 */
describe('room suggestions for the desk', () => {
  let t: TestPlatform;
  const clock = new ManualClock(new Date('2026-11-23T06:00:00Z'));
  const tokens: Record<string, string> = {};
  const ids: Record<string, string> = {};
  const as = (who: string) => requestAs(t.url, () => tokens[who]);

  beforeAll(async () => {
    t = await startTestPlatform({ clock });
    tokens.admin = await tokenFor(t.url, 'admin', ADMIN_PASSWORD);
    for (const [username, roles] of [
      ['sched-sug', ['scheduler']],
      ['nurse-sug', ['nurse']],
    ] as const) {
      await as('admin').post('/api/users', { username, password: PASSWORD, displayName: username, roles }).expect(201);
      tokens[username] = await tokenFor(t.url, username, PASSWORD);
    }
    const mllp = new MllpClient({ ackTimeoutMs: 10_000 });
    await mllp.connect('127.0.0.1', t.platform.mllpPort!);
    const base = { trigger: 'S12', family: 'Suggest', given: 'Sam' } as const;
    // Paris times: OR1 08:00–09:00 and 09:00–10:00; OR2 08:00–09:30.
    const bookings = [
      { ...base, controlId: 'SUG-1', placerId: 'PL-S1', fillerId: 'FL-S1', start: '20261123080000', minutes: 60 },
      { ...base, controlId: 'SUG-2', placerId: 'PL-S2', fillerId: 'FL-S2', start: '20261123090000', minutes: 60 },
      { ...base, controlId: 'SUG-3', placerId: 'PL-S3', fillerId: 'FL-S3', start: '20261123080000', minutes: 90 },
    ].map((b, i) => ({ ...b, room: i < 2 ? 'OR1' : 'OR2', mrn: `M-S${i + 1}` }));
    for (const b of bookings) expect(await mllp.send(siu(b))).toMatch(/MSA\|AA\|/);
    await mllp.close();
    const cases = await waitFor(
      async () => {
        const list = (await as('admin').get('/api/cases?date=2026-11-23').expect(200)).body as CaseView[];
        return list.length === 3 ? list : undefined;
      },
      { timeoutMs: 10_000, what: 'three booked cases' },
    );
    for (const c of cases) ids[c.identifiers.placerAppointmentId!] = c.id;
  });

  afterAll(async () => {
    await t?.stop();
    t?.dataDir.remove();
  });

  it("gives the facility's zone and the rooms' staffed hours", async () => {
    const site = (await as('nurse-sug').get('/api/site').expect(200)).body as SiteView;
    expect(site).toEqual({ facilityTz: 'Europe/Paris', orHours: { open: '07:00', close: '17:00' } });
  });

  it('suggests OR2 after its case and a turnover for a case of OR1', async () => {
    const res = await as('sched-sug').get(`/api/cases/${ids['PL-S1']}/suggestions`).expect(200);
    const view = res.body as CaseSuggestionsView;
    // OR2 is busy 07:00Z–08:30Z (its case by the schedule: no history yet), then 30 minutes' turnover.
    expect(view).toEqual({
      caseId: ids['PL-S1'],
      asOf: '2026-11-23T06:00:00.000Z',
      suggestions: [
        {
          roomId: expect.any(String) as string,
          roomName: expect.stringContaining('OR2') as string,
          start: '2026-11-23T09:00:00.000Z',
          end: '2026-11-23T10:00:00.000Z',
          expectedMinutes: 60,
          closesAt: '2026-11-23T16:00:00.000Z',
        },
      ],
    });
  });

  it('is for the desk: 401 without a token, 403 for a nurse, 404 for an unknown case', async () => {
    await requestAs(t.url, () => undefined)
      .get(`/api/cases/${ids['PL-S1']}/suggestions`)
      .expect(401);
    await as('nurse-sug').get(`/api/cases/${ids['PL-S1']}/suggestions`).expect(403);
    await as('sched-sug').get('/api/cases/00000000-0000-4000-8000-000000000000/suggestions').expect(404);
  });
});
