import type { Bundle, FhirResource } from 'fhir/r4';
import type { Clock } from '../day.player';
import { planOrDay } from '../or-day.plan';
import { planFhirDay } from './fhir.day';
import { fhirTimeline, formatFhirProgress, playFhirDay, type HookSender } from './fhir.player';
import { SimFhirServer } from './fhir.server';

/** A clock that only moves when the code under test sleeps. */
class FakeClock implements Clock {
  time = 1_000;
  now(): number {
    return this.time;
  }
  sleep(ms: number): Promise<void> {
    this.time += ms;
    return Promise.resolve();
  }
}

const plan = planOrDay({
  date: '2026-11-23',
  timeZone: 'Europe/Paris',
  seed: 42,
  rooms: 3,
  now: '2026-11-23T06:00:00+01:00',
});
const day = planFhirDay(plan);
const BASE = 'http://127.0.0.1:9/fhir';

describe('playFhirDay', () => {
  it('puts each step’s versions on the server, then notifies, at offset / speed on the injected clock', async () => {
    const clock = new FakeClock();
    const log: string[] = [];
    const store = {
      put: (r: FhirResource) => log.push(`put ${r.resourceType}/${r.id}/${r.meta?.versionId}@${clock.time}`),
    };
    const hook: HookSender = {
      send: (n: Bundle) => {
        const type = (n.entry?.[0]?.resource as { parameter: { name: string; valueCode?: string }[] }).parameter.find(
          (p) => p.name === 'type',
        )?.valueCode;
        log.push(`notify ${type}@${clock.time}`);
        return Promise.resolve({ status: 200, body: '{}' });
      },
    };
    const steps = fhirTimeline(day, BASE);
    const result = await playFhirDay(steps, store, hook, { speed: 60, clock });
    expect(result).toEqual({ sent: 3, accepted: 3, failed: [] });
    const notified = log.filter((l) => l.startsWith('notify'));
    expect(notified).toEqual([
      'notify handshake@1000',
      `notify event-notification@${1_000 + day.changes[0]!.offsetMs / 60}`,
      `notify event-notification@${1_000 + day.changes[1]!.offsetMs / 60}`,
    ]);
    // The cancellation's Appointment is on the server before the id-only notification names it.
    const cancelled = day.changes[1]!.case.placerId;
    const put = log.indexOf(`put Appointment/${cancelled}/2@${1_000 + day.changes[1]!.offsetMs / 60}`);
    expect(put).toBeGreaterThan(-1);
    expect(put).toBeLessThan(log.indexOf(notified[2]!));
  });

  it('counts a refused or unreachable notification and goes on', async () => {
    const clock = new FakeClock();
    const answers = [
      () => Promise.resolve({ status: 200, body: '' }),
      () => Promise.resolve({ status: 401, body: 'X-Hook-Secret is missing or wrong' }),
      () => Promise.reject(new Error('connect ECONNREFUSED')),
    ];
    let call = 0;
    const lines: string[] = [];
    const result = await playFhirDay(
      fhirTimeline(day, BASE),
      { put: () => undefined },
      { send: () => answers[call++]!() },
      {
        speed: 0,
        clock,
        onProgress: (p) => lines.push(formatFhirProgress(p, () => '00:00:00')),
      },
    );
    expect(result.sent).toBe(3);
    expect(result.accepted).toBe(1);
    expect(result.failed).toEqual([
      expect.stringMatching(/^event 1 \(full-resource\).*HTTP 401 X-Hook-Secret is missing or wrong$/),
      expect.stringMatching(/^event 2 \(id-only\).*connect ECONNREFUSED$/),
    ]);
    expect(lines[2]).toMatch(/unreachable FAILED connect ECONNREFUSED/);
    // Speed 0: no pauses.
    expect(clock.time).toBe(1_000);
  });
});

describe('SimFhirServer', () => {
  const server = new SimFhirServer();
  let base: string;
  const get = async (path: string) => {
    const res = await fetch(`${base}${path}`);
    return {
      status: res.status,
      type: res.headers.get('content-type'),
      body: (await res.json()) as Bundle & FhirResource,
    };
  };

  beforeAll(async () => {
    base = await server.listen(0);
    for (const step of fhirTimeline(day, base)) for (const r of step.resources) server.put(r);
  });
  afterAll(() => server.close());

  it('reads the latest version, vreads an older one, and says 404 as an OperationOutcome', async () => {
    const id = day.changes[0]!.case.placerId;
    const latest = await get(`/Appointment/${id}`);
    expect(latest.status).toBe(200);
    expect(latest.type).toMatch(/^application\/fhir\+json/);
    expect(latest.body.meta?.versionId).toBe('2');
    expect((await get(`/Appointment/${id}/_history/1`)).body.meta?.versionId).toBe('1');
    const missing = await get('/Appointment/nope');
    expect(missing.status).toBe(404);
    expect(missing.body.resourceType).toBe('OperationOutcome');
  });

  it('searches by _lastUpdated and _id, in order of lastUpdated, paged by _count with a next link', async () => {
    const all = await get('/Appointment?_sort=_lastUpdated');
    expect(all.body.total).toBe(day.cases.length);
    const changedAt = day.changes[0]!.at;
    const since = await get(`/Appointment?_lastUpdated=${encodeURIComponent(`ge${changedAt}`)}`);
    expect(since.body.entry?.map((e) => e.resource?.id)).toEqual(day.changes.map((c) => c.case.placerId));
    const ids = day.cases.slice(0, 2).map((k) => k.case.placerId);
    expect((await get(`/Appointment?_id=${ids.join(',')}`)).body.total).toBe(2);
    const first = await get('/Patient?_count=2');
    expect(first.body.entry).toHaveLength(2);
    const next = first.body.link?.find((l) => l.relation === 'next')?.url;
    expect(next).toBe(`${base}/Patient?_count=2&_offset=2`);
    expect((await get('/Procedure')).body.total).toBe(0);
  });
});
