import { History, instant } from '../testing/history';
import { projectAll } from '../testing/in-memory-runner';
import { RISK_ALERTS, riskProjection } from './risk.projection';

const KEY = 'iban:DE89370400440532013000|inv:INV-1|EUR:1234.50';

describe('riskProjection', () => {
  it('records a large-payment alert once per payment', () => {
    const history = new History();
    const alert = {
      paymentId: 'pay-1',
      claimId: 'claim-1',
      amount: { value: '25000', currency: 'EUR' },
      threshold: '10000',
    };
    history.add({ type: 'LargePaymentAlertRaised', data: alert }, { at: instant(60) });
    history.add({ type: 'LargePaymentAlertRaised', data: alert }, { at: instant(120) });
    expect(
      projectAll(riskProjection, history.events).get(`${RISK_ALERTS}/large_payment:pay-1`),
    ).toStrictEqual({
      _id: 'large_payment:pay-1',
      kind: 'large_payment',
      paymentId: 'pay-1',
      claimId: 'claim-1',
      amount: { value: '25000.00', currency: 'EUR' },
      threshold: '10000',
      at: instant(60),
      lastPosition: 114, // stamped by the second event, which changed nothing else
    });
  });

  it('raises an alert when the bank settles a cancelled payment, and none for an ordinary settlement', () => {
    const history = new History();
    const settled = { paymentId: 'pay-1', claimId: 'claim-1', receiptId: 'r-2', attempt: 1 };
    history.add({ type: 'PaymentSettled', data: { ...settled, paymentId: 'pay-0' } }, { at: instant(30) });
    history.add(
      { type: 'PaymentSettled', data: { ...settled, bankReference: 'B-9', afterCancellation: true } },
      { at: instant(60) },
    );
    const store = projectAll(riskProjection, history.events);
    expect([...store.keys()]).toEqual([`${RISK_ALERTS}/settled_after_cancellation:pay-1`]);
    expect(store.get(`${RISK_ALERTS}/settled_after_cancellation:pay-1`)).toMatchObject({
      kind: 'settled_after_cancellation',
      paymentId: 'pay-1',
      claimId: 'claim-1',
      receiptId: 'r-2',
      bankReference: 'B-9',
      at: instant(60),
    });
  });

  it('shows which claim holds a duplicate guard, its release, and a later holder', () => {
    const history = new History();
    history.add(
      { type: 'DuplicateGuardReserved', data: { key: KEY, claimId: 'claim-1' } },
      { at: instant(60) },
    );
    history.add(
      { type: 'DuplicateGuardReleased', data: { key: KEY, claimId: 'claim-9', reason: 'withdrawn' } },
      { at: instant(90) },
    );
    const held = projectAll(riskProjection, history.events).get(`${RISK_ALERTS}/duplicate_guard:${KEY}`);
    expect(held).toMatchObject({ kind: 'duplicate_guard', key: KEY, claimId: 'claim-1', status: 'held' });

    history.add(
      { type: 'DuplicateGuardReleased', data: { key: KEY, claimId: 'claim-1', reason: 'rejected' } },
      { at: instant(120) },
    );
    const released = projectAll(riskProjection, history.events).get(`${RISK_ALERTS}/duplicate_guard:${KEY}`);
    expect(released).toMatchObject({
      status: 'released',
      releasedAt: instant(120),
      releaseReason: 'rejected',
    });

    history.add(
      { type: 'DuplicateGuardReserved', data: { key: KEY, claimId: 'claim-2' } },
      { at: instant(180) },
    );
    const again = projectAll(riskProjection, history.events).get(`${RISK_ALERTS}/duplicate_guard:${KEY}`);
    expect(again).toStrictEqual({
      _id: `duplicate_guard:${KEY}`,
      kind: 'duplicate_guard',
      key: KEY,
      claimId: 'claim-2',
      status: 'held',
      reservedAt: instant(180),
      history: [
        { claimId: 'claim-1', status: 'held', at: instant(60) },
        { claimId: 'claim-1', status: 'released', at: instant(120), reason: 'rejected' },
        { claimId: 'claim-2', status: 'held', at: instant(180) },
      ],
      lastPosition: 128,
    });
  });
});
