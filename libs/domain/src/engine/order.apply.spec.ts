import { applyFact } from '../case.engine';
import { applyAll, booking, bookedCase, ctx, order, source } from '../testing/facts.fixture';

describe('orders (ORM, OMG): kept on the case, by order number', () => {
  it('records the order and makes an order-recorded event', () => {
    const result = applyFact(
      bookedCase(),
      order({ identifiers: { orderNumber: 'ORD1', fillerOrderNumber: 'FIL1' }, orderStatus: 'SC' }),
      ctx,
    );
    expect(result.state?.orders).toEqual([
      {
        number: 'ORD1',
        fillerNumber: 'FIL1',
        procedure: { code: '47562', text: 'Laparoscopic cholecystectomy' },
        status: 'active',
        orderStatus: 'SC',
        action: 'new',
        at: '2026-11-19T10:00:00.000Z',
      },
    ]);
    expect(result.events).toEqual([
      expect.objectContaining({
        kind: 'order-recorded',
        version: 2,
        change: expect.objectContaining({ orderNumber: 'ORD1' }),
      }),
    ]);
  });

  it('rule "order fills the procedure": an unspecified procedure takes the ordered one', () => {
    const unnamed = bookedCase({ procedure: undefined });
    expect(unnamed.procedure).toEqual({ text: 'Unspecified procedure' });
    const result = applyFact(unnamed, order(), ctx);
    expect(result.state?.procedure).toEqual({ code: '47562', text: 'Laparoscopic cholecystectomy' });
    expect(result.events[0]?.change.procedure).toEqual({
      from: { text: 'Unspecified procedure' },
      to: { code: '47562', text: 'Laparoscopic cholecystectomy' },
    });
  });

  it('rule "order fills the procedure": an uncoded scheduled procedure takes the ordered code', () => {
    const uncoded = bookedCase({ procedure: { text: 'Lap chole' } });
    expect(applyFact(uncoded, order(), ctx).state?.procedure.code).toBe('47562');
  });

  it('rule "coded schedule wins": a different coded procedure is a conflict, not an overwrite', () => {
    const result = applyFact(bookedCase(), order({ procedure: { code: '44970', text: 'Lap appendectomy' } }), ctx);
    expect(result.state?.procedure).toEqual({ code: '47562', text: 'Laparoscopic cholecystectomy' });
    expect(result.warnings.map((w) => w.code)).toEqual(['conflict']);
    // The order keeps what it says.
    expect(result.state?.orders?.[0]?.procedure?.code).toBe('44970');
  });

  it("a schedule that names a coded procedure later takes over from the order's, warning about the difference", () => {
    const filled = applyFact(bookedCase({ procedure: undefined }), order(), ctx).state!;
    const result = applyFact(
      filled,
      booking({
        action: 'modified',
        at: '2026-11-21T09:00:00.000Z',
        source: source(2),
        procedure: { code: '44970', text: 'Lap appendectomy' },
      }),
      ctx,
    );
    expect(result.state?.procedure.code).toBe('44970');
    expect(result.warnings.map((w) => w.code)).toEqual(['conflict']);
  });

  it('last-writer-wins per order: a late, older message does not overwrite the status; a status message keeps the procedure', () => {
    const placed = applyFact(bookedCase(), order(), ctx).state!;
    const inProcess = applyFact(
      placed,
      order({
        action: 'status',
        at: '2026-11-23T07:40:00.000Z',
        source: source(302),
        procedure: undefined,
        orderStatus: 'IP',
      }),
      ctx,
    ).state!;
    expect(inProcess.orders?.[0]).toMatchObject({
      action: 'status',
      orderStatus: 'IP',
      status: 'active',
      procedure: { code: '47562' },
    });
    const late = applyFact(
      inProcess,
      order({ action: 'changed', at: '2026-11-20T10:00:00.000Z', source: source(301), orderStatus: 'SC' }),
      ctx,
    );
    expect(late.state?.orders?.[0]).toMatchObject({ action: 'status', orderStatus: 'IP' });
    expect(late.events).toEqual([]);
  });

  it('a cancelled order is recorded and warned about; the case stays as the schedule has it', () => {
    const placed = applyFact(bookedCase(), order(), ctx).state!;
    const result = applyFact(
      placed,
      order({ action: 'cancelled', at: '2026-11-21T10:00:00.000Z', source: source(303), orderStatus: 'CA' }),
      ctx,
    );
    expect(result.state?.status).toBe('scheduled');
    expect(result.state?.orders?.[0]?.status).toBe('cancelled');
    expect(result.warnings.map((w) => w.code)).toEqual(['order-cancelled']);
    // A cancelled order no longer names the case.
    const unnamed = applyAll(bookedCase({ procedure: undefined }), [
      order(),
      order({ action: 'cancelled', at: '2026-11-21T10:00:00.000Z', source: source(303) }),
    ]);
    expect(unnamed.procedure).toEqual({ text: 'Unspecified procedure' });
  });

  it('maps ORC-5 completed and discontinued', () => {
    const done = applyFact(bookedCase(), order({ action: 'status', orderStatus: 'CM' }), ctx).state!;
    expect(done.orders?.[0]?.status).toBe('completed');
    const stopped = applyFact(bookedCase(), order({ action: 'discontinued' }), ctx);
    expect(stopped.state?.orders?.[0]?.status).toBe('discontinued');
    expect(stopped.warnings.map((w) => w.code)).toEqual(['order-cancelled']);
  });

  it('an order without a number is not applied; one with no case returns a no-case warning', () => {
    const noNumber = applyFact(bookedCase(), order({ identifiers: {} }), ctx);
    expect(noNumber.warnings.map((w) => w.code)).toEqual(['invalid-fact']);
    expect(noNumber.events).toEqual([]);
    expect(applyFact(undefined, order(), ctx).warnings.map((w) => w.code)).toEqual(['no-case']);
  });
});
