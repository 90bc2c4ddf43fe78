import type { CaseView, SubscribeAck } from '@circulator/contracts';
import { ManualClock } from '@circulator/domain';
import { MllpClient } from '@circulator/hl7';
import { siu } from '../support/hl7-messages';
import {
  ADMIN_PASSWORD,
  connectLive,
  requestAs,
  startTestPlatform,
  tokenFor,
  type TestPlatform,
} from '../support/platform';
import { waitFor } from '../support/services';

/** DISPLAY_PATIENT: a site that shows wall displays the patient's age alone. */
describe('what wall displays show of the patient, per site', () => {
  let t: TestPlatform;

  afterAll(async () => {
    await t?.stop();
  });

  it('follows DISPLAY_PATIENT on the room topic, and clinicians still see the patient in full', async () => {
    // The surgical day is today for the platform: room topics show today's cases.
    const clock = new ManualClock(new Date('2026-11-23T06:00:00Z'));
    t = await startTestPlatform({ env: { DISPLAY_PATIENT: 'age' }, clock });
    const admin = await tokenFor(t.url, 'admin', ADMIN_PASSWORD);
    const mllp = new MllpClient({ ackTimeoutMs: 10_000 });
    await mllp.connect('127.0.0.1', t.platform.mllpPort!);
    try {
      const booking = siu({
        trigger: 'S12',
        controlId: 'DP-1',
        placerId: 'PL-DP1',
        fillerId: 'FL-DP1',
        start: '20261123080000',
        minutes: 60,
        room: 'OR4',
        mrn: 'MRN-DP1',
        family: 'Private',
        given: 'Paula',
      });
      expect(await mllp.send(booking)).toMatch(/MSA\|AA\|DP-1/);
    } finally {
      await mllp.close();
    }
    const asAdmin = requestAs(t.url, () => admin);
    const booked = await waitFor(
      async () =>
        ((await asAdmin.get('/api/cases?date=2026-11-23').expect(200)).body as CaseView[]).find(
          (c) => c.identifiers.placerAppointmentId === 'PL-DP1',
        ),
      { timeoutMs: 10_000, what: 'the booking' },
    );
    expect(booked.patient).toMatchObject({ name: 'PRIVATE, Paula', mrn: 'MRN-DP1', age: 66, sex: 'F' });

    const { token } = (await asAdmin.post('/api/displays', { roomId: booked.roomId }).expect(201)).body as {
      token: string;
    };
    const display = await connectLive(t.url, token);
    try {
      const ack = (await display
        .timeout(10_000)
        .emitWithAck('subscribe', { topic: `room:${booked.roomId}` })) as SubscribeAck;
      expect(ack.ok).toBe(true);
      const cases = ack.ok ? (ack.snapshot as { cases: CaseView[] }).cases : [];
      expect(cases.map((c) => c.patient)).toEqual([{ mrn: '', name: '', age: 66 }]);
    } finally {
      display.close();
    }
  }, 60_000);
});
