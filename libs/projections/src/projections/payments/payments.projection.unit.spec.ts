import { RecordedEvent } from '@ledger/events';
import { ACCOUNTS, dispatch, failAndCancel, outcome, redispatch } from '../testing/fixtures';
import { History, instant } from '../testing/history';
import { DocumentMap, projectAll } from '../testing/in-memory-runner';
import { PAYMENT_BATCHES, PaymentDocument, PAYMENTS, paymentsProjection } from './payments.projection';

const payment = (store: DocumentMap, id = 'pay-1') => store.get(`${PAYMENTS}/${id}`);
const batch = (store: DocumentMap, id: string) => store.get(`${PAYMENT_BATCHES}/${id}`);
const counts = (over: Record<string, number>) => ({
  dispatched: 0,
  accepted: 0,
  settled: 0,
  rejected: 0,
  failed: 0,
  returned: 0,
  cancelled: 0,
  ...over,
});

function dispatchedBatch(): History {
  const history = new History();
  history.add({ type: 'PaymentDispatched', data: dispatch() }, { at: instant(60) });
  history.add(
    {
      type: 'PaymentDispatched',
      data: dispatch({ paymentId: 'pay-2', claimId: 'claim-2', amount: { value: '0.5', currency: 'EUR' } }),
    },
    { at: instant(61) },
  );
  history.add(
    {
      type: 'PaymentDispatched',
      data: dispatch({ paymentId: 'pay-3', claimId: 'claim-3', amount: { value: '5000', currency: 'JPY' } }),
    },
    { at: instant(62) },
  );
  return history;
}

describe('paymentsProjection', () => {
  it('records a dispatched payment and its batch with counts and totals per currency', () => {
    const store = projectAll(paymentsProjection, dispatchedBatch().events);
    expect(payment(store)).toStrictEqual({
      _id: 'pay-1',
      paymentId: 'pay-1',
      claimId: 'claim-1',
      batchId: 'batch-1',
      status: 'dispatched',
      amount: { value: '1234.50', currency: 'EUR' },
      payee: { name: 'Alice Martin', account: ACCOUNTS.payee },
      payeeAccountLabel: 'iban:DE89370400440532013000',
      debtorAccount: ACCOUNTS.debtor,
      debtorAccountLabel: 'iban:GB33BUKB20201555555555',
      requestedExecutionDate: '2025-03-14',
      attempt: 1,
      attempts: [{ attempt: 1, batchId: 'batch-1' }],
      dispatchedAt: instant(60),
      updatedAt: instant(60),
      timeline: [{ at: instant(60), position: 107, status: 'dispatched', attempt: 1, batchId: 'batch-1' }],
      lastPosition: 107,
    });
    expect(batch(store, 'batch-1')).toStrictEqual({
      _id: 'batch-1',
      batchId: 'batch-1',
      counts: counts({ dispatched: 3 }),
      totals: { EUR: '1235.00', JPY: '5000' },
      createdAt: instant(60),
      updatedAt: instant(62),
      lastPosition: 121,
    });
  });

  it('finds the batch of a bank outcome through the payment, and follows accepted then settled', () => {
    const history = dispatchedBatch();
    const accepted = history.add(
      { type: 'PaymentAcceptedByBank', data: outcome('r-1') },
      { at: instant(120) },
    );
    history.add(
      { type: 'PaymentSettled', data: { ...outcome('r-2'), bankReference: 'BANK-7' } },
      { at: instant(180) },
    );
    const store = projectAll(paymentsProjection, history.events);
    expect(paymentsProjection.touches(accepted)).toEqual([{ collection: PAYMENTS, id: 'pay-1' }]);
    expect(paymentsProjection.touches(accepted, store)).toEqual([
      { collection: PAYMENTS, id: 'pay-1' },
      { collection: PAYMENT_BATCHES, id: 'batch-1' },
    ]);
    expect(payment(store)).toMatchObject({
      status: 'settled',
      bankReference: 'BANK-7',
      updatedAt: instant(180),
    });
    expect((payment(store)?.timeline as unknown[]).slice(1)).toEqual([
      {
        at: instant(120),
        position: expect.any(Number),
        status: 'accepted',
        attempt: 1,
        batchId: 'batch-1',
        receiptId: 'r-1',
      },
      {
        at: instant(180),
        position: expect.any(Number),
        status: 'settled',
        attempt: 1,
        batchId: 'batch-1',
        receiptId: 'r-2',
        bankReference: 'BANK-7',
      },
    ]);
    expect(batch(store, 'batch-1')).toMatchObject({
      counts: counts({ dispatched: 2, settled: 1 }),
      updatedAt: instant(180),
    });
  });

  it('keeps a rejected attempt in its batch and puts the redispatch in a new one', () => {
    const history = dispatchedBatch();
    history.add(
      {
        type: 'PaymentRejectedByBank',
        data: { ...outcome('r-1'), reasonCode: 'AC04', reasonText: 'Closed' },
      },
      { at: instant(120) },
    );
    const rejected = projectAll(paymentsProjection, history.events);
    expect(payment(rejected)).toMatchObject({ status: 'rejected', reasonCode: 'AC04', reasonText: 'Closed' });

    history.add(
      {
        type: 'PaymentRedispatched',
        data: redispatch({ debtorAccount: ACCOUNTS.otherDebtor, corrected: ['debtorAccount'] }),
      },
      { at: instant(180) },
    );
    history.add(
      { type: 'PaymentReturned', data: { ...outcome('r-0', 1), reasonCode: 'AC04', reasonText: 'late' } },
      { at: instant(200) },
    );
    const store = projectAll(paymentsProjection, history.events);
    const doc = payment(store);
    expect(doc).toMatchObject({
      status: 'dispatched',
      batchId: 'batch-2',
      attempt: 2,
      debtorAccountLabel: 'iban:CH9300762011623852957',
      dispatchedAt: instant(60),
      updatedAt: instant(200),
      attempts: [
        { attempt: 1, batchId: 'batch-1' },
        { attempt: 2, batchId: 'batch-2' },
      ],
    });
    expect(doc).not.toHaveProperty('reasonCode');
    expect((doc?.timeline as Array<{ status: string }>).map((entry) => entry.status)).toEqual([
      'dispatched',
      'rejected',
      'dispatched',
      'returned', // reported for attempt 1: history, not the current status
    ]);
    // Attempt 1's outcomes count in batch 1: rejected, then returned.
    expect(batch(store, 'batch-1')).toMatchObject({ counts: counts({ dispatched: 2, returned: 1 }) });
    expect(batch(store, 'batch-2')).toMatchObject({
      counts: counts({ dispatched: 1 }),
      totals: { EUR: '1234.50' },
    });
  });

  it('cancels a rejected payment in the batch of its current attempt', () => {
    const history = dispatchedBatch();
    history.add({
      type: 'PaymentRejectedByBank',
      data: { ...outcome('r-1'), reasonCode: 'AC04', reasonText: 'x' },
    });
    history.add({ type: 'PaymentRedispatched', data: redispatch() });
    history.add({
      type: 'PaymentRejectedByBank',
      data: { ...outcome('r-2', 2), reasonCode: 'AC04', reasonText: 'y' },
    });
    history.add({
      type: 'PaymentCancelled',
      data: { paymentId: 'pay-1', claimId: 'claim-1', cancelledBy: 'trent', reason: 'payee unreachable' },
    });
    const store = projectAll(paymentsProjection, history.events);
    expect(payment(store)).toMatchObject({
      status: 'cancelled',
      cancelledBy: 'trent',
      cancelReason: 'payee unreachable',
    });
    expect(batch(store, 'batch-1')).toMatchObject({ counts: counts({ dispatched: 2, rejected: 1 }) });
    expect(batch(store, 'batch-2')).toMatchObject({
      counts: counts({ cancelled: 1 }),
    });
  });

  it('shows a payment the bank connector could not deliver as failed, with the reason in its timeline', () => {
    const history = dispatchedBatch();
    const failure = { ...outcome('r-1'), batchId: 'batch-1', attempts: 5, reason: 'bank gateway timed out' };
    history.add({ type: 'PaymentDispatchFailed', data: failure }, { at: instant(120) });
    const failed = projectAll(paymentsProjection, history.events);
    expect(payment(failed)).toMatchObject({
      status: 'failed',
      failureReason: 'bank gateway timed out',
      updatedAt: instant(120),
    });
    expect((payment(failed)?.timeline as unknown[]).slice(1)).toEqual([
      {
        at: instant(120),
        position: expect.any(Number),
        status: 'failed',
        attempt: 1,
        batchId: 'batch-1',
        receiptId: 'r-1',
        reason: 'bank gateway timed out',
        deliveryAttempts: 5,
      },
    ]);
    expect(batch(failed, 'batch-1')).toMatchObject({
      counts: counts({ dispatched: 2, failed: 1 }),
    });

    // Redispatched after the failure: a new attempt, the failure stays in the timeline only.
    history.add({ type: 'PaymentRedispatched', data: redispatch() }, { at: instant(180) });
    history.add({ type: 'PaymentSettled', data: outcome('r-2', 2) }, { at: instant(240) });
    const settled = projectAll(paymentsProjection, history.events);
    expect(payment(settled)).toMatchObject({ status: 'settled', attempt: 2, batchId: 'batch-2' });
    expect(payment(settled)).not.toHaveProperty('failureReason');
    expect((payment(settled)?.timeline as Array<{ status: string }>).map((e) => e.status)).toEqual([
      'dispatched',
      'failed',
      'dispatched',
      'settled',
    ]);
    expect(batch(settled, 'batch-1')).toMatchObject({ counts: counts({ dispatched: 2, failed: 1 }) });
    expect(batch(settled, 'batch-2')).toMatchObject({ counts: counts({ settled: 1 }) });
  });

  it('cancels a payment after a delivery failure', () => {
    const history = dispatchedBatch();
    failAndCancel(history);
    const store = projectAll(paymentsProjection, history.events);
    expect(payment(store)).toMatchObject({ status: 'cancelled', failureReason: 'HTTP 503' });
    expect(batch(store, 'batch-1')).toMatchObject({ counts: counts({ dispatched: 2, cancelled: 1 }) });

    // The bank had it after all: settled, with the cancellation kept in the history.
    history.add({ type: 'PaymentSettled', data: { ...outcome('r-2'), afterCancellation: true } });
    const settled = projectAll(paymentsProjection, history.events);
    expect(payment(settled)).toMatchObject({ status: 'settled', cancelledBy: 'trent' });
    const timeline = (payment(settled) as PaymentDocument).timeline;
    expect(timeline.map((entry) => entry.status)).toEqual(['dispatched', 'failed', 'cancelled', 'settled']);
    expect(timeline[3]).toMatchObject({ receiptId: 'r-2', afterCancellation: true });
    expect(batch(settled, 'batch-1')).toMatchObject({ counts: counts({ dispatched: 2, settled: 1 }) });
  });

  it('keeps totals in minor units between batches and writes them as decimals', () => {
    const working = paymentsProjection.working!;
    const ref = { collection: PAYMENT_BATCHES, id: 'batch-1' };
    const stored = batch(projectAll(paymentsProjection, dispatchedBatch().events), 'batch-1')!;
    const loaded = working.fromStored(JSON.parse(JSON.stringify(stored)), ref);
    expect(loaded.totals).toEqual({ EUR: 123500n, JPY: 5000n });
    expect(working.toStored(loaded, ref)).toStrictEqual(stored);
  });

  it('records a bank receipt once, even when it comes again at a later position', () => {
    const history = dispatchedBatch();
    history.add({ type: 'PaymentSettled', data: outcome('r-1') });
    const once = projectAll(paymentsProjection, history.events);
    history.add({ type: 'PaymentSettled', data: outcome('r-1') });
    const twice = projectAll(paymentsProjection, history.events);
    const withoutPosition = (store: DocumentMap) =>
      [...store.values()].map(({ lastPosition: _position, ...doc }) => doc);
    expect(withoutPosition(twice)).toStrictEqual(withoutPosition(once));
  });

  it('ignores outcomes for a payment it never saw dispatched', () => {
    const history = new History();
    const settled: RecordedEvent = history.add({ type: 'PaymentSettled', data: outcome('r-1') });
    expect(paymentsProjection.touches(settled, new Map())).toEqual([{ collection: PAYMENTS, id: 'pay-1' }]);
    expect(projectAll(paymentsProjection, history.events).size).toBe(0);
  });
});
