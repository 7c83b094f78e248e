import { RecordedEvent } from '@ledger/events';
import { DocumentRef, ReadModelDocument } from '../../projection';
import { ACCOUNTS, claim, dispatch, failAndCancel, outcome, redispatch } from '../testing/fixtures';
import { History } from '../testing/history';
import { collection, DocumentMap, projectAll, projectEvent } from '../testing/in-memory-runner';
import { BALANCES_ACCOUNTS, BALANCES_CLAIMS, balancesProjection } from './balances.projection';
import { trialBalance } from './trial-balance';

const EXPENSE = 'EUR:expense:CC-100:travel';
const PAYABLE = 'EUR:payable:iban:DE89370400440532013000';
const IN_TRANSIT = 'EUR:bank-in-transit:iban:GB33BUKB20201555555555';
const BANK = 'EUR:bank:iban:GB33BUKB20201555555555';
const OTHER_IN_TRANSIT = 'EUR:bank-in-transit:iban:CH9300762011623852957';
const OTHER_BANK = 'EUR:bank:iban:CH9300762011623852957';

type Amounts = [debitsPending: string, debitsPosted: string, creditsPending: string, creditsPosted: string];

function account(store: DocumentMap, id: string): ReadModelDocument | undefined {
  return store.get(`${BALANCES_ACCOUNTS}/${id}`);
}

function amounts(store: DocumentMap, id: string): Amounts {
  const doc = account(store, id);
  if (doc === undefined) throw new Error(`no account ${id}`);
  return [doc.debitsPending, doc.debitsPosted, doc.creditsPending, doc.creditsPosted] as Amounts;
}

function expectBalanced(store: DocumentMap): void {
  const ledgers = trialBalance(collection(store, BALANCES_ACCOUNTS));
  expect(ledgers.length).toBeGreaterThan(0);
  for (const ledger of ledgers) expect(ledger).toMatchObject({ balanced: true });
}

/** pay-1 settled: nothing owed the payee, nothing in transit, the money out of the bank account. */
function expectPaidFromBank(store: DocumentMap): void {
  expect(account(store, PAYABLE)).toMatchObject({ net: '0.00', netPosted: '0.00' });
  expect(account(store, IN_TRANSIT)).toMatchObject({ net: '0.00', netPosted: '0.00' });
  expect(account(store, BANK)).toMatchObject({ net: '-1234.50', netPosted: '-1234.50' });
  expect(store.get(`${BALANCES_CLAIMS}/claim-1`)).toMatchObject({
    payments: { 'pay-1': { status: 'settled', pending: null, lapsed: null } },
  });
  expectBalanced(store);
}

function approvedClaim(history = new History()): History {
  history.add({ type: 'ClaimSubmitted', data: claim() });
  history.add({
    type: 'ClaimLevelApproved',
    data: { claimId: 'claim-1', level: 'manager', levelIndex: 0, approvedBy: 'mona' },
  });
  history.add({
    type: 'ClaimApproved',
    data: { claimId: 'claim-1', approvals: [{ level: 'manager', approvedBy: 'mona' }] },
  });
  return history;
}

function run(history: History): DocumentMap {
  return projectAll(balancesProjection, history.events);
}

describe('balancesProjection', () => {
  it('books nothing at submission, then debits expense and credits payable (posted) at approval', () => {
    const history = new History();
    history.add({ type: 'ClaimSubmitted', data: claim() });
    expect(collection(run(history), BALANCES_ACCOUNTS)).toEqual([]);

    const store = run(approvedClaim());
    expect(account(store, EXPENSE)).toStrictEqual({
      _id: EXPENSE,
      ledger: 'EUR',
      account: 'expense:CC-100:travel',
      type: 'expense',
      debitsPending: '0.00',
      debitsPosted: '1234.50',
      creditsPending: '0.00',
      creditsPosted: '0.00',
      net: '1234.50',
      netPosted: '1234.50',
      entries: 1,
      lastPosition: 121,
    });
    expect(amounts(store, PAYABLE)).toEqual(['0.00', '0.00', '0.00', '1234.50']);
    expect(account(store, PAYABLE)).toMatchObject({
      type: 'liability',
      net: '1234.50',
      netPosted: '1234.50',
    });
    expectBalanced(store);
  });

  it('moves payable to in-transit as a pending transfer at dispatch', () => {
    const history = approvedClaim();
    history.add({ type: 'PaymentDispatched', data: dispatch() });
    const store = run(history);
    expect(amounts(store, PAYABLE)).toEqual(['1234.50', '0.00', '0.00', '1234.50']);
    expect(account(store, PAYABLE)).toMatchObject({ net: '0.00', netPosted: '1234.50', entries: 2 });
    expect(amounts(store, IN_TRANSIT)).toEqual(['0.00', '0.00', '1234.50', '0.00']);
    expect(account(store, IN_TRANSIT)).toMatchObject({ type: 'asset', net: '-1234.50', netPosted: '0.00' });
    expect(account(store, BANK)).toBeUndefined();
    expectBalanced(store);
  });

  it('posts the pending transfer at settlement and clears in-transit into the bank', () => {
    const history = approvedClaim();
    history.add({ type: 'PaymentDispatched', data: dispatch() });
    history.add({ type: 'PaymentAcceptedByBank', data: outcome('r-1') });
    history.add({ type: 'PaymentSettled', data: { ...outcome('r-2'), bankReference: 'B-9' } });
    const store = run(history);
    expect(amounts(store, PAYABLE)).toEqual(['0.00', '1234.50', '0.00', '1234.50']);
    expect(account(store, PAYABLE)).toMatchObject({ net: '0.00', netPosted: '0.00', entries: 3 });
    expect(amounts(store, IN_TRANSIT)).toEqual(['0.00', '1234.50', '0.00', '1234.50']);
    expect(account(store, IN_TRANSIT)).toMatchObject({ net: '0.00', netPosted: '0.00', entries: 3 });
    expect(amounts(store, BANK)).toEqual(['0.00', '0.00', '0.00', '1234.50']);
    expect(account(store, BANK)).toMatchObject({ type: 'asset', net: '-1234.50', entries: 1 });
    expect(amounts(store, EXPENSE)).toEqual(['0.00', '1234.50', '0.00', '0.00']);
    expectBalanced(store);
    expect(trialBalance(collection(store, BALANCES_ACCOUNTS))).toStrictEqual([
      {
        ledger: 'EUR',
        debitsPending: '0.00',
        creditsPending: '0.00',
        debitsPosted: '3703.50',
        creditsPosted: '3703.50',
        balanced: true,
      },
    ]);
  });

  it('voids the pending transfer on rejection and books a redispatch as a new pending transfer', () => {
    const history = approvedClaim();
    history.add({ type: 'PaymentDispatched', data: dispatch() });
    history.add({
      type: 'PaymentRejectedByBank',
      data: { ...outcome('r-1'), reasonCode: 'AC04', reasonText: 'Closed account' },
    });
    const rejected = run(history);
    expect(amounts(rejected, PAYABLE)).toEqual(['0.00', '0.00', '0.00', '1234.50']);
    expect(account(rejected, PAYABLE)).toMatchObject({ net: '1234.50', entries: 3 });
    expect(amounts(rejected, IN_TRANSIT)).toEqual(['0.00', '0.00', '0.00', '0.00']);
    expectBalanced(rejected);

    history.add({
      type: 'PaymentRedispatched',
      data: redispatch({ debtorAccount: ACCOUNTS.otherDebtor, corrected: ['debtorAccount'] }),
    });
    history.add({ type: 'PaymentSettled', data: outcome('r-2', 2) });
    const settled = run(history);
    expect(amounts(settled, PAYABLE)).toEqual(['0.00', '1234.50', '0.00', '1234.50']);
    expect(amounts(settled, OTHER_IN_TRANSIT)).toEqual(['0.00', '1234.50', '0.00', '1234.50']);
    expect(amounts(settled, OTHER_BANK)).toEqual(['0.00', '0.00', '0.00', '1234.50']);
    expect(account(settled, BANK)).toBeUndefined();
    expectBalanced(settled);
  });

  it('reverses the approval with a correcting transfer when the payment is cancelled', () => {
    const history = approvedClaim();
    history.add({ type: 'PaymentDispatched', data: dispatch() });
    history.add({
      type: 'PaymentRejectedByBank',
      data: { ...outcome('r-1'), reasonCode: 'AC04', reasonText: 'Closed account' },
    });
    history.add({
      type: 'PaymentCancelled',
      data: { paymentId: 'pay-1', claimId: 'claim-1', cancelledBy: 'trent', reason: 'payee left' },
    });
    const store = run(history);
    expect(amounts(store, EXPENSE)).toEqual(['0.00', '1234.50', '0.00', '1234.50']);
    expect(account(store, EXPENSE)).toMatchObject({ net: '0.00', entries: 2 });
    expect(amounts(store, PAYABLE)).toEqual(['0.00', '1234.50', '0.00', '1234.50']);
    expect(account(store, PAYABLE)).toMatchObject({ net: '0.00', netPosted: '0.00', entries: 4 });
    expectBalanced(store);
    expect(store.get(`${BALANCES_CLAIMS}/claim-1`)).toMatchObject({
      approved: true,
      payments: { 'pay-1': { attempt: 1, status: 'cancelled', pending: null, settled: null } },
    });
  });

  it('voids the pending transfer when the bank connector gives up, as after a rejection', () => {
    const history = approvedClaim();
    history.add({ type: 'PaymentDispatched', data: dispatch() });
    history.add({
      type: 'PaymentDispatchFailed',
      data: { ...outcome('r-1'), batchId: 'batch-1', attempts: 5, reason: 'bank gateway timed out' },
    });
    const failed = run(history);
    expect(amounts(failed, PAYABLE)).toEqual(['0.00', '0.00', '0.00', '1234.50']);
    expect(account(failed, PAYABLE)).toMatchObject({ net: '1234.50', netPosted: '1234.50', entries: 3 });
    expect(amounts(failed, IN_TRANSIT)).toEqual(['0.00', '0.00', '0.00', '0.00']);
    expect(account(failed, IN_TRANSIT)).toMatchObject({ net: '0.00', entries: 2 });
    expect(failed.get(`${BALANCES_CLAIMS}/claim-1`)).toMatchObject({
      payments: { 'pay-1': { status: 'failed', pending: null } },
    });
    expectBalanced(failed);

    // A second report of the same failure posts nothing.
    history.add({
      type: 'PaymentDispatchFailed',
      data: { ...outcome('r-2'), batchId: 'batch-1', attempts: 5, reason: 'again' },
    });
    expect(collection(run(history), BALANCES_ACCOUNTS)).toStrictEqual(collection(failed, BALANCES_ACCOUNTS));

    history.add({
      type: 'PaymentRedispatched',
      data: redispatch({ debtorAccount: ACCOUNTS.otherDebtor, corrected: ['debtorAccount'] }),
    });
    history.add({ type: 'PaymentSettled', data: outcome('r-4', 2) });
    const settled = run(history);
    expect(amounts(settled, PAYABLE)).toEqual(['0.00', '1234.50', '0.00', '1234.50']);
    expect(amounts(settled, OTHER_BANK)).toEqual(['0.00', '0.00', '0.00', '1234.50']);
    expectBalanced(settled);
  });

  it('posts the payment after all when the bank settles an attempt the connector gave up on', () => {
    const history = approvedClaim();
    history.add({ type: 'PaymentDispatched', data: dispatch() });
    history.add({
      type: 'PaymentDispatchFailed',
      data: { ...outcome('r-1'), batchId: 'batch-1', attempts: 5, reason: 'bank gateway timed out' },
    });
    // The message had reached the bank: its settlement of attempt 1 comes in late.
    history.add({ type: 'PaymentSettled', data: outcome('r-2') });
    const settled = run(history);
    // Approval credited the payable; the settlement, posted anew after the failure voided the dispatch,
    // debits it: the payee is paid.
    expect(amounts(settled, PAYABLE)).toEqual(['0.00', '1234.50', '0.00', '1234.50']);
    expectPaidFromBank(settled);

    // Delivered again, the settlement posts nothing more; a return then reverses it as usual.
    history.add({ type: 'PaymentSettled', data: outcome('r-2') });
    expect(collection(run(history), BALANCES_ACCOUNTS)).toStrictEqual(collection(settled, BALANCES_ACCOUNTS));
  });

  it('reverses the approval when a payment the connector could not deliver is cancelled', () => {
    const history = approvedClaim();
    history.add({ type: 'PaymentDispatched', data: dispatch() });
    failAndCancel(history);
    const store = run(history);
    expect(account(store, EXPENSE)).toMatchObject({ net: '0.00', entries: 2 });
    expect(account(store, PAYABLE)).toMatchObject({ net: '0.00', netPosted: '0.00', entries: 4 });
    expect(amounts(store, IN_TRANSIT)).toEqual(['0.00', '0.00', '0.00', '0.00']);
    expectBalanced(store);
  });

  it('books the expense again and the payment when the bank settles a cancelled, undelivered payment', () => {
    const history = approvedClaim();
    history.add({ type: 'PaymentDispatched', data: dispatch() });
    failAndCancel(history);
    const cancelled = run(history);
    expect(account(cancelled, EXPENSE)).toMatchObject({ net: '0.00' });
    // The bank had the message after all, and paid it.
    history.add({ type: 'PaymentSettled', data: { ...outcome('r-2'), afterCancellation: true } });
    const settled = run(history);
    // Approval, its reversal, and the approval booked again: the expense was incurred.
    expect(amounts(settled, EXPENSE)).toEqual(['0.00', '2469.00', '0.00', '1234.50']);
    expect(account(settled, EXPENSE)).toMatchObject({ net: '1234.50', entries: 3 });
    // The payee is paid: nothing owed; the money left the bank account through in-transit.
    expectPaidFromBank(settled);
    // Delivered again, the settlement posts nothing more.
    history.add({ type: 'PaymentSettled', data: { ...outcome('r-2'), afterCancellation: true } });
    expect(collection(run(history), BALANCES_ACCOUNTS)).toStrictEqual(collection(settled, BALANCES_ACCOUNTS));
  });

  it('debits the bank and owes the payee again when a settled payment is returned; the expense stays', () => {
    const history = approvedClaim();
    history.add({ type: 'PaymentDispatched', data: dispatch() });
    history.add({ type: 'PaymentSettled', data: outcome('r-1') });
    history.add({
      type: 'PaymentReturned',
      data: { ...outcome('r-2'), reasonCode: 'MD07', reasonText: 'Deceased' },
    });
    const store = run(history);
    expect(amounts(store, BANK)).toEqual(['0.00', '1234.50', '0.00', '1234.50']);
    expect(account(store, BANK)).toMatchObject({ net: '0.00' });
    expect(amounts(store, PAYABLE)).toEqual(['0.00', '1234.50', '0.00', '2469.00']);
    expect(account(store, PAYABLE)).toMatchObject({ net: '1234.50' });
    expect(account(store, EXPENSE)).toMatchObject({ net: '1234.50' });
    expectBalanced(store);
  });

  it('formats every amount in its ledger currency decimals (JPY 0, BHD 3)', () => {
    const history = new History();
    history.add({ type: 'ClaimSubmitted', data: claim({ amount: { value: '98000', currency: 'JPY' } }) });
    history.add({ type: 'ClaimApproved', data: { claimId: 'claim-1', approvals: [] } });
    history.add({
      type: 'ClaimSubmitted',
      data: claim({ claimId: 'claim-2', amount: { value: '12.5', currency: 'BHD' }, category: 'meals' }),
    });
    history.add({ type: 'ClaimApproved', data: { claimId: 'claim-2', approvals: [] } });
    history.add({
      type: 'PaymentDispatched',
      data: dispatch({
        paymentId: 'pay-2',
        claimId: 'claim-2',
        amount: { value: '12.500', currency: 'BHD' },
      }),
    });
    const store = run(history);
    expect(amounts(store, 'JPY:expense:CC-100:travel')).toEqual(['0', '98000', '0', '0']);
    expect(amounts(store, 'BHD:payable:iban:DE89370400440532013000')).toEqual([
      '12.500',
      '0.000',
      '0.000',
      '12.500',
    ]);
    expect(trialBalance(collection(store, BALANCES_ACCOUNTS)).map((l) => [l.ledger, l.balanced])).toEqual([
      ['BHD', true],
      ['JPY', true],
    ]);
  });

  it('posts nothing for an outcome of an earlier attempt, a second settlement or a return before settlement', () => {
    const history = approvedClaim();
    history.add({ type: 'PaymentDispatched', data: dispatch() });
    history.add({
      type: 'PaymentReturned',
      data: { ...outcome('r-0'), reasonCode: 'AC04', reasonText: 'x' },
    });
    history.add({ type: 'PaymentSettled', data: outcome('r-1', 2) });
    const before = run(history);
    expect(amounts(before, PAYABLE)).toEqual(['1234.50', '0.00', '0.00', '1234.50']);
    expect(account(before, BANK)).toBeUndefined();
    history.add({ type: 'PaymentSettled', data: outcome('r-2') });
    history.add({ type: 'PaymentSettled', data: outcome('r-3') });
    expect(amounts(run(history), BANK)).toEqual(['0.00', '0.00', '0.00', '1234.50']);
  });

  it('names the claim facts first, then the accounts the facts say the event moves', () => {
    const history = approvedClaim();
    const dispatched = history.add({ type: 'PaymentDispatched', data: dispatch() });
    const settled = history.add({ type: 'PaymentSettled', data: outcome('r-1') });
    const store = projectAll(balancesProjection, history.events.slice(0, 4));
    const load = () => new Map([...store].filter(([key]) => key.startsWith(BALANCES_CLAIMS)));
    expect(balancesProjection.touches(settled)).toEqual([{ collection: BALANCES_CLAIMS, id: 'claim-1' }]);
    expect(balancesProjection.touches(settled, load()).map((ref) => `${ref.collection}/${ref.id}`)).toEqual([
      `${BALANCES_CLAIMS}/claim-1`,
      `${BALANCES_ACCOUNTS}/${PAYABLE}`,
      `${BALANCES_ACCOUNTS}/${IN_TRANSIT}`,
      `${BALANCES_ACCOUNTS}/${BANK}`,
    ]);
    // Facts already past an event mean its accounts were written first (the projector writes accounts
    // before facts): a redelivery then has nothing more to post.
    expect(balancesProjection.touches(dispatched, load())).toEqual([
      { collection: BALANCES_CLAIMS, id: 'claim-1' },
    ]);
  });

  it('gives the same documents whatever order the touched documents are applied in', () => {
    const history = approvedClaim();
    history.add({ type: 'PaymentDispatched', data: dispatch() });
    history.add({ type: 'PaymentSettled', data: outcome('r-1') });
    expect(projectAll(balancesProjection, history.events, { reverse: true })).toStrictEqual(run(history));
  });

  it('counts nothing twice when an event is redelivered after a partial commit', () => {
    const history = approvedClaim();
    history.add({ type: 'PaymentDispatched', data: dispatch() });
    history.add({ type: 'PaymentSettled', data: outcome('r-1') });
    history.add({
      type: 'PaymentReturned',
      data: { ...outcome('r-2'), reasonCode: 'AC04', reasonText: 'x' },
    });
    const expected = run(history);
    const crashes: Array<(ref: DocumentRef) => boolean> = [
      () => false, // before anything is written
      (ref) => ref.collection === BALANCES_ACCOUNTS, // after the accounts, before the facts
      (ref) => ref.collection === BALANCES_ACCOUNTS && ref.id.includes(':payable:'), // among the accounts
      (ref) => !ref.id.includes(':payable:'), // the payable account and all after it lost
    ];
    for (const commitOnly of crashes) {
      const store: DocumentMap = new Map();
      for (const event of history.events) {
        // A crash commits a part of the changes (in collection order); the projector then redelivers.
        projectEvent(balancesProjection, store, event, { commitOnly });
        projectEvent(balancesProjection, store, event);
        projectEvent(balancesProjection, store, event);
      }
      expect(store).toStrictEqual(expected);
    }
  });

  it('refuses to post without the related documents', () => {
    const history = approvedClaim();
    const approved = history.events[2] as RecordedEvent;
    expect(() =>
      balancesProjection.apply(undefined, approved, { collection: BALANCES_ACCOUNTS, id: EXPENSE }),
    ).toThrow('related documents');
  });
});

describe('trialBalance', () => {
  const doc = (ledger: string, d: string, c: string, dp = '0.00', cp = '0.00'): ReadModelDocument => ({
    _id: `${ledger}:x`,
    ledger,
    debitsPosted: d,
    creditsPosted: c,
    debitsPending: dp,
    creditsPending: cp,
  });

  it('flags a ledger whose debits and credits differ, posted or pending', () => {
    expect(
      trialBalance([
        doc('USD', '10.00', '0.00'),
        doc('USD', '0.00', '9.99'),
        doc('EUR', '1.00', '1.00', '0.50', '0.00'),
        doc('KWD', '1.000', '0.000'),
        doc('KWD', '0.000', '1.000'),
      ]),
    ).toStrictEqual([
      {
        ledger: 'EUR',
        debitsPending: '0.50',
        creditsPending: '0.00',
        debitsPosted: '1.00',
        creditsPosted: '1.00',
        balanced: false,
      },
      {
        ledger: 'KWD',
        debitsPending: '0.000',
        creditsPending: '0.000',
        debitsPosted: '1.000',
        creditsPosted: '1.000',
        balanced: true,
      },
      {
        ledger: 'USD',
        debitsPending: '0.00',
        creditsPending: '0.00',
        debitsPosted: '10.00',
        creditsPosted: '9.99',
        balanced: false,
      },
    ]);
  });
});
