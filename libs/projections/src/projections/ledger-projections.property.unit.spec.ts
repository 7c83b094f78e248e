import {
  AccountJson,
  accountLabel,
  currencyOf,
  formatAmount,
  LedgerDomainEvent,
  RecordedEvent,
} from '@ledger/events';
import fc from 'fast-check';
import { APPROVALS, approvalsProjection } from './approvals/approvals.projection';
import { BALANCES_ACCOUNTS, balancesProjection } from './balances/balances.projection';
import { trialBalance } from './balances/trial-balance';
import { ledgerProjections } from './ledger-projections';
import { PAYMENTS, paymentsProjection } from './payments/payments.projection';
import { History } from './testing/history';
import { collection, DocumentMap, projectAll, projectEvent } from './testing/in-memory-runner';

const PAYEES: readonly AccountJson[] = [
  { iban: 'DE89370400440532013000' },
  { iban: 'NL91ABNA0417164300' },
  { number: '000123456789', bankCode: '021000021' },
];
const DEBTORS: readonly AccountJson[] = [
  { iban: 'GB33BUKB20201555555555' },
  { iban: 'CH9300762011623852957' },
];

type AttemptOutcome = 'pending' | 'settled' | 'returned' | 'rejected';

interface AttemptScript {
  readonly debtor: number;
  readonly accepted: boolean;
  readonly outcome: AttemptOutcome;
}

interface ClaimScript {
  readonly currency: string;
  readonly minorUnits: bigint;
  readonly payee: number;
  readonly costCenter: string;
  readonly category: string;
  readonly levels: number;
  readonly decision: 'pending' | 'approved' | 'rejected' | 'withdrawn';
  readonly attempts: readonly AttemptScript[];
  readonly cancelAfterRejection: boolean;
}

const claimScript: fc.Arbitrary<ClaimScript> = fc.record({
  currency: fc.constantFrom('EUR', 'JPY', 'BHD', 'USD'),
  minorUnits: fc.bigInt(1n, 10n ** 9n),
  payee: fc.nat(PAYEES.length - 1),
  costCenter: fc.constantFrom('CC-1', 'CC-2'),
  category: fc.constantFrom('travel', 'meals'),
  levels: fc.integer({ min: 0, max: 2 }),
  decision: fc.constantFrom('pending', 'approved', 'approved', 'rejected', 'withdrawn'),
  attempts: fc.array(
    fc.record({
      debtor: fc.nat(DEBTORS.length - 1),
      accepted: fc.boolean(),
      outcome: fc.constantFrom<AttemptOutcome>('pending', 'settled', 'returned', 'rejected', 'rejected'),
    }),
    { maxLength: 3 },
  ),
  cancelAfterRejection: fc.boolean(),
});

/** The attempts that really happen: the log stops at the first one the bank did not reject. */
function attemptsMade(script: ClaimScript): AttemptScript[] {
  if (script.decision !== 'approved') return [];
  const end = script.attempts.findIndex((attempt) => attempt.outcome !== 'rejected');
  return end === -1 ? [...script.attempts] : script.attempts.slice(0, end + 1);
}

function cancelled(script: ClaimScript): boolean {
  const made = attemptsMade(script);
  return made.length > 0 && made[made.length - 1].outcome === 'rejected' && script.cancelAfterRejection;
}

function amountOf(script: ClaimScript) {
  return {
    value: formatAmount({ minorUnits: script.minorUnits, currency: currencyOf(script.currency) }),
    currency: script.currency,
  };
}

/** One claim's events, in the order its streams would record them. */
function claimEvents(script: ClaimScript, index: number): LedgerDomainEvent[] {
  const claimId = `claim-${index}`;
  const paymentId = `pay-${index}`;
  const amount = amountOf(script);
  const payee = { name: `Payee ${script.payee}`, account: PAYEES[script.payee] };
  const key = `${accountLabel(payee.account)}|inv:INV-${index}|${amount.currency}:${amount.value}`;
  const requiredLevels = ['manager', 'finance', 'director'].slice(0, script.levels);
  const events: LedgerDomainEvent[] = [
    { type: 'DuplicateGuardReserved', data: { key, claimId } },
    {
      type: 'ClaimSubmitted',
      data: {
        claimId,
        claimant: `employee-${index}`,
        payee,
        amount,
        costCenter: script.costCenter,
        category: script.category,
        description: 'generated',
        invoiceNumber: `INV-${index}`,
        requiredLevels,
        duplicateGuardKey: key,
      },
    },
  ];
  const levelsApproved =
    script.decision === 'approved' ? requiredLevels.length : Math.floor(requiredLevels.length / 2);
  requiredLevels.slice(0, levelsApproved).forEach((level, levelIndex) =>
    events.push({
      type: 'ClaimLevelApproved',
      data: { claimId, level, levelIndex, approvedBy: `${level}-1` },
    }),
  );
  if (script.decision === 'rejected' || script.decision === 'withdrawn') {
    events.push(
      script.decision === 'rejected'
        ? {
            type: 'ClaimRejected',
            data: {
              claimId,
              level: requiredLevels[levelsApproved] ?? 'manager',
              levelIndex: levelsApproved,
              rejectedBy: 'r',
              reason: 'no',
            },
          }
        : { type: 'ClaimWithdrawn', data: { claimId, withdrawnBy: `employee-${index}` } },
      { type: 'DuplicateGuardReleased', data: { key, claimId, reason: script.decision } },
    );
    return events;
  }
  if (script.decision === 'pending') return events;
  events.push({ type: 'ClaimApproved', data: { claimId, approvals: [] } });
  attemptsMade(script).forEach((attempt, i) => {
    const dispatched = {
      paymentId,
      claimId,
      batchId: `batch-${index}-${i + 1}`,
      amount,
      payee,
      debtorAccount: DEBTORS[attempt.debtor],
      requestedExecutionDate: '2025-03-14',
      dispatchedBy: 'treasurer',
      claimant: `employee-${index}`,
      attempt: i + 1,
    };
    if (i === 0) {
      events.push(
        { type: 'PaymentDispatched', data: dispatched },
        {
          type: 'ClaimPaymentDispatched',
          data: { claimId, paymentId, batchId: dispatched.batchId, dispatchedBy: 'treasurer' },
        },
      );
      if (script.minorUnits > 5n * 10n ** 8n) {
        events.push({
          type: 'LargePaymentAlertRaised',
          data: { paymentId, claimId, amount, threshold: '5000' },
        });
      }
    } else {
      events.push({ type: 'PaymentRedispatched', data: { ...dispatched, corrected: ['debtorAccount'] } });
    }
    const base = { paymentId, claimId, attempt: i + 1 };
    if (attempt.accepted && attempt.outcome !== 'pending') {
      events.push({ type: 'PaymentAcceptedByBank', data: { ...base, receiptId: `${paymentId}-${i}-acc` } });
    }
    if (attempt.outcome === 'settled' || attempt.outcome === 'returned') {
      events.push({ type: 'PaymentSettled', data: { ...base, receiptId: `${paymentId}-${i}-set` } });
    }
    if (attempt.outcome === 'returned') {
      events.push({
        type: 'PaymentReturned',
        data: { ...base, receiptId: `${paymentId}-${i}-ret`, reasonCode: 'AC04', reasonText: 'closed' },
      });
    }
    if (attempt.outcome === 'rejected') {
      events.push({
        type: 'PaymentRejectedByBank',
        data: { ...base, receiptId: `${paymentId}-${i}-rej`, reasonCode: 'AC04', reasonText: 'closed' },
      });
    }
  });
  if (cancelled(script)) {
    events.push(
      { type: 'PaymentCancelled', data: { paymentId, claimId, cancelledBy: 'treasurer', reason: 'gave up' } },
      {
        type: 'ClaimPaymentCancelled',
        data: { claimId, paymentId, cancelledBy: 'treasurer', reason: 'gave up' },
      },
      { type: 'DuplicateGuardReleased', data: { key, claimId, reason: 'cancelled' } },
    );
  }
  return events;
}

/** Interleaves the claims' events, keeping each claim's own order: one valid global log. */
const ledgerLog = fc
  .record({
    scripts: fc.array(claimScript, { minLength: 1, maxLength: 8 }),
    picks: fc.array(fc.nat(), { maxLength: 200 }),
  })
  .map(({ scripts, picks }) => {
    const queues = scripts.map((script, i) => claimEvents(script, i));
    const history = new History();
    const open = () => queues.filter((queue) => queue.length > 0);
    for (let step = 0; open().length > 0; step += 1) {
      const candidates = open();
      history.add(candidates[(picks[step] ?? step) % candidates.length].shift() as LedgerDomainEvent);
    }
    return { scripts, events: history.events };
  });

type Sides = { dPending: bigint; dPosted: bigint; cPending: bigint; cPosted: bigint };

/** The balances an accountant expects from each claim's outcome, computed without the projection's code. */
function expectedAccounts(scripts: readonly ClaimScript[]): Map<string, Sides> {
  const accounts = new Map<string, Sides>();
  const add = (ledger: string, account: string, side: keyof Sides, units: bigint) => {
    const id = `${ledger}:${account}`;
    const sides = accounts.get(id) ?? { dPending: 0n, dPosted: 0n, cPending: 0n, cPosted: 0n };
    sides[side] += units;
    accounts.set(id, sides);
  };
  for (const script of scripts) {
    if (script.decision !== 'approved') continue;
    const { currency: ledger, minorUnits: amount } = script;
    const expense = `expense:${script.costCenter}:${script.category}`;
    const payable = `payable:${accountLabel(PAYEES[script.payee])}`;
    add(ledger, expense, 'dPosted', amount);
    add(ledger, payable, 'cPosted', amount);
    for (const attempt of attemptsMade(script)) {
      const inTransit = `bank-in-transit:${accountLabel(DEBTORS[attempt.debtor])}`;
      const bank = `bank:${accountLabel(DEBTORS[attempt.debtor])}`;
      if (attempt.outcome === 'pending') {
        add(ledger, payable, 'dPending', amount);
        add(ledger, inTransit, 'cPending', amount);
      } else if (attempt.outcome === 'rejected') {
        add(ledger, payable, 'dPending', 0n); // reserved, then released: the account exists at zero
        add(ledger, inTransit, 'cPending', 0n);
      } else {
        add(ledger, payable, 'dPosted', amount);
        add(ledger, inTransit, 'cPosted', amount);
        add(ledger, inTransit, 'dPosted', amount);
        add(ledger, bank, 'cPosted', amount);
        if (attempt.outcome === 'returned') {
          add(ledger, bank, 'dPosted', amount);
          add(ledger, payable, 'cPosted', amount);
        }
      }
    }
    if (cancelled(script)) {
      add(ledger, payable, 'dPosted', amount);
      add(ledger, expense, 'cPosted', amount);
    }
  }
  return accounts;
}

/** A decimal string's digits are the minor units, since it has exactly the currency's decimals. */
function units(doc: Record<string, unknown>, field: string): bigint {
  const text = String(doc[field]);
  const digits = BigInt(text.replace('-', '').replace('.', ''));
  return text.startsWith('-') ? -digits : digits;
}

function accountSides(store: DocumentMap): Map<string, Sides> {
  return new Map(
    collection(store, BALANCES_ACCOUNTS).map((doc) => [
      doc._id,
      {
        dPending: units(doc, 'debitsPending'),
        dPosted: units(doc, 'debitsPosted'),
        cPending: units(doc, 'creditsPending'),
        cPosted: units(doc, 'creditsPosted'),
      },
    ]),
  );
}

const RUNS = { numRuns: 150 };

describe('ledger projections over random valid histories', () => {
  it('keeps every ledger balanced after every event, pending and posted separately', () => {
    fc.assert(
      fc.property(ledgerLog, ({ events }) => {
        const store: DocumentMap = new Map();
        for (const event of events) {
          projectEvent(balancesProjection, store, event);
          for (const ledger of trialBalance(collection(store, BALANCES_ACCOUNTS))) {
            expect(ledger).toMatchObject({ balanced: true });
          }
        }
      }),
      RUNS,
    );
  });

  it('ends with the balances an accountant expects: settled payables at zero, banks credited exactly', () => {
    fc.assert(
      fc.property(ledgerLog, ({ scripts, events }) => {
        const store = projectAll(balancesProjection, events);
        const expected = expectedAccounts(scripts);
        expect(accountSides(store)).toEqual(expected);

        for (const doc of collection(store, BALANCES_ACCOUNTS)) {
          const sides = expected.get(doc._id) as Sides;
          const isDebitNormal = doc.type !== 'liability';
          const net = sides.dPending + sides.dPosted - sides.cPending - sides.cPosted;
          expect(units(doc, 'net')).toBe(isDebitNormal ? net : -net);
        }
        // Spelled out: a payee whose claims in a ledger were all settled is owed nothing there, and a
        // bank account is credited exactly the amounts settled from it.
        const settledOnly = new Map<string, boolean>();
        const bankCredits = new Map<string, bigint>();
        for (const script of scripts.filter((s) => s.decision === 'approved')) {
          const payable = `${script.currency}:payable:${accountLabel(PAYEES[script.payee])}`;
          const made = attemptsMade(script);
          const last = made[made.length - 1];
          settledOnly.set(payable, (settledOnly.get(payable) ?? true) && last?.outcome === 'settled');
          if (last?.outcome === 'settled' || last?.outcome === 'returned') {
            const bank = `${script.currency}:bank:${accountLabel(DEBTORS[last.debtor])}`;
            bankCredits.set(bank, (bankCredits.get(bank) ?? 0n) + script.minorUnits);
          }
        }
        for (const [payable, allSettled] of settledOnly) {
          if (allSettled)
            expect(store.get(`${BALANCES_ACCOUNTS}/${payable}`)).toMatchObject({
              net: expect.stringMatching(/^0(\.0+)?$/),
            });
        }
        for (const [bank, credited] of bankCredits) {
          expect(
            units(store.get(`${BALANCES_ACCOUNTS}/${bank}`) as Record<string, unknown>, 'creditsPosted'),
          ).toBe(credited);
        }
      }),
      RUNS,
    );
  });

  it('changes nothing when events are delivered again, in any order of documents, or after a partial commit', () => {
    fc.assert(
      fc.property(ledgerLog, fc.array(fc.nat(), { minLength: 1, maxLength: 60 }), ({ events }, noise) => {
        for (const projection of ledgerProjections) {
          const once = projectAll(projection, events);
          const noisy: DocumentMap = new Map();
          events.forEach((event, i) => {
            const n = noise[i % noise.length];
            // A crash mid-commit keeps only some documents; the projector then redelivers the event.
            if (n % 5 === 0)
              projectEvent(projection, noisy, event, { commitOnly: (ref) => ref.id.length % 2 === 0 });
            projectEvent(projection, noisy, event, { reverse: n % 2 === 1 });
            if (n % 3 === 0) projectEvent(projection, noisy, event);
            if (n % 7 === 0) projectEvent(projection, noisy, events[n % (i + 1)] as RecordedEvent);
          });
          expect(noisy).toStrictEqual(once);
        }
      }),
      RUNS,
    );
  });

  it('agrees with the claims and payments read models on every final status', () => {
    fc.assert(
      fc.property(ledgerLog, ({ scripts, events }) => {
        const approvals = projectAll(approvalsProjection, events);
        const payments = projectAll(paymentsProjection, events);
        scripts.forEach((script, i) => {
          expect(approvals.get(`${APPROVALS}/claim-${i}`)).toMatchObject({ status: script.decision });
          const made = attemptsMade(script);
          const payment = payments.get(`${PAYMENTS}/pay-${i}`);
          if (made.length === 0) return expect(payment).toBeUndefined();
          const last = made[made.length - 1];
          const status = cancelled(script)
            ? 'cancelled'
            : last.outcome === 'pending'
              ? 'dispatched'
              : last.outcome;
          expect(payment).toMatchObject({ status, attempt: made.length });
        });
        // Each batch counts every payment that had an attempt in it, once, at that attempt's last status.
        const byBatch = new Map<string, Record<string, number>>();
        for (const doc of collection(payments, 'payments')) {
          const timeline = doc.timeline as Array<{ attempt: number; status: string }>;
          for (const { attempt, batchId } of doc.attempts as Array<{ attempt: number; batchId: string }>) {
            const last = timeline.filter((entry) => entry.attempt === attempt).pop();
            const counts = byBatch.get(batchId) ?? {};
            counts[last!.status] = (counts[last!.status] ?? 0) + 1;
            byBatch.set(batchId, counts);
          }
        }
        const batches = collection(payments, 'payment_batches');
        expect(batches).toHaveLength(byBatch.size);
        for (const batch of batches) {
          const counted = Object.entries(batch.counts as Record<string, number>).filter(([, n]) => n !== 0);
          expect(Object.fromEntries(counted)).toEqual(byBatch.get(batch.batchId as string));
        }
      }),
      RUNS,
    );
  });
});
