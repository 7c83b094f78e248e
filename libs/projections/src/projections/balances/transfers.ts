import { parseMoney, RecordedEvent } from '@ledger/events';
import { ReadModelDocument } from '../../projection';
import { alreadyApplied, decimal, known } from '../shared';
import { bankAccount, bankInTransitAccount, expenseAccount, payableAccount } from './chart-of-accounts';

/**
 * TigerBeetle's transfer kinds: a single-phase `posted` transfer; a `pending` one that reserves the amount
 * (debitsPending/creditsPending) until a later transfer posts it (`post_pending`: pending → posted on the
 * same two accounts) or voids it (`void_pending`: the reservation is released). Nothing is ever edited: a
 * correction is a new transfer.
 */
export type TransferKind = 'posted' | 'pending' | 'post_pending' | 'void_pending';

/** Why money moved (TigerBeetle's `code`). */
export type TransferCode =
  | 'claim_approved'
  | 'payment_dispatched'
  | 'payment_settled'
  | 'settlement_cleared'
  | 'payment_rejected'
  | 'dispatch_failed'
  | 'payment_cancelled'
  | 'approval_reversed'
  | 'approval_rebooked'
  | 'payment_returned';

export interface TransferJson {
  /** Deterministic, so it is an idempotency key: `<claimId>:approval`, `<paymentId>:<attempt>:dispatch`. */
  readonly id: string;
  readonly kind: TransferKind;
  readonly code: TransferCode;
  readonly ledger: string;
  readonly debitAccount: string;
  readonly creditAccount: string;
  /** Decimal string in the ledger's currency decimals; always positive. */
  readonly amount: string;
  /** For `post_pending` and `void_pending`: the pending transfer they complete. */
  readonly pendingId?: string;
}

/** What the claim's approval booked, and what a cancellation reverses. */
export interface ClaimBookingFacts {
  readonly ledger: string;
  readonly amount: string;
  readonly expenseAccount: string;
  readonly payableAccount: string;
}

export type PaymentBookingStatus =
  'dispatched' | 'settled' | 'rejected' | 'failed' | 'returned' | 'cancelled';

export interface PaymentBookingFacts {
  readonly attempt: number;
  readonly status: PaymentBookingStatus;
  /** The current attempt's pending transfer while the bank has not settled or rejected it. */
  readonly pending: TransferJson | null;
  /** The paying bank account of the current attempt, that in-transit clears into on settlement. */
  readonly bankAccount: string;
  /**
   * The pending transfer a dispatch failure voided: what a settlement the bank reports later for the same
   * attempt (the message reached it after all) posts again. Absent otherwise.
   */
  readonly lapsed?: TransferJson | null;
  /** The settled attempt's accounts and amount: what a return reverses. */
  readonly settled: {
    readonly ledger: string;
    readonly amount: string;
    readonly payableAccount: string;
    readonly bankAccount: string;
  } | null;
}

/**
 * `balances_claims/<claimId>`: the facts later postings of a claim need (bank outcomes carry only ids).
 * It is the last collection the projector writes after a batch, so once it has an event (`lastPosition`
 * at or past it) every account that event moved is written too, and a redelivered event that finds
 * it past its position has nothing left to post.
 */
export interface ClaimFactsDocument extends ReadModelDocument {
  readonly claimId: string;
  /** Absent until ClaimSubmitted is seen. */
  readonly claim?: ClaimBookingFacts;
  readonly approved: boolean;
  readonly payments: Readonly<Record<string, PaymentBookingFacts>>;
}

export interface BalanceStep {
  readonly next: ClaimFactsDocument;
  readonly transfers: readonly TransferJson[];
}

/** The claim an event of the balances projection is about; every handled event carries it. */
export function claimIdOf(event: RecordedEvent): string {
  return (event.data as { readonly claimId: string }).claimId;
}

/**
 * The transfers `event` makes, from the claim's facts before it, and the facts after it. Pure; guards make
 * an out-of-place event (a settlement with no pending transfer, a second approval) post nothing.
 */
export function balanceStep(facts: ClaimFactsDocument | undefined, event: RecordedEvent): BalanceStep {
  const claimId = claimIdOf(event);
  const current: ClaimFactsDocument = facts ?? {
    _id: claimId,
    claimId,
    approved: false,
    payments: {},
  };
  const unchanged: BalanceStep = { next: current, transfers: [] };
  const e = known(event);
  switch (e.type) {
    case 'ClaimSubmitted': {
      if (current.claim !== undefined) return unchanged;
      const amount = parseMoney(e.data.amount);
      const claim: ClaimBookingFacts = {
        ledger: amount.currency,
        amount: decimal(amount.minorUnits, amount.currency),
        expenseAccount: expenseAccount(e.data.costCenter, e.data.category),
        payableAccount: payableAccount(e.data.payee),
      };
      return { next: { ...current, claim }, transfers: [] };
    }
    case 'ClaimApproved': {
      const claim = current.claim;
      if (claim === undefined || current.approved) return unchanged;
      // The company owes the payee from the moment the claim is approved (accrual).
      const approval = transfer(`${claimId}:approval`, 'posted', 'claim_approved', claim, {
        debitAccount: claim.expenseAccount,
        creditAccount: claim.payableAccount,
      });
      return { next: { ...current, approved: true }, transfers: [approval] };
    }
    case 'PaymentDispatched':
    case 'PaymentRedispatched': {
      const { paymentId, attempt } = e.data;
      const previous = current.payments[paymentId];
      if (previous !== undefined && (previous.attempt >= attempt || previous.pending !== null))
        return unchanged;
      const amount = parseMoney(e.data.amount);
      const ledger = amount.currency;
      // Pay off the liability approval booked (the domain keeps the approved payee account); a payment
      // with no known claim in its ledger falls back to the account it names.
      const payable =
        current.claim?.ledger === ledger ? current.claim.payableAccount : payableAccount(e.data.payee);
      const pending = transfer(
        `${paymentId}:${attempt}:dispatch`,
        'pending',
        'payment_dispatched',
        { ledger, amount: decimal(amount.minorUnits, ledger) },
        { debitAccount: payable, creditAccount: bankInTransitAccount(e.data.debtorAccount) },
      );
      const payment: PaymentBookingFacts = {
        attempt,
        status: 'dispatched',
        pending,
        bankAccount: bankAccount(e.data.debtorAccount),
        settled: null,
      };
      return { next: withPayment(current, paymentId, payment), transfers: [pending] };
    }
    case 'PaymentSettled': {
      const { paymentId, attempt } = e.data;
      const payment = current.payments[paymentId];
      if (payment === undefined || payment.attempt !== attempt) return unchanged;
      // After a failure (and a cancellation of it) nothing is pending: the reservation the failure
      // voided says what the bank paid (a rejected payment's cancellation has none).
      const voidedByFailure = payment.status === 'failed' || payment.status === 'cancelled';
      const pending = payment.pending ?? (voidedByFailure ? payment.lapsed : null);
      if (pending == null) return unchanged;
      const bank = payment.bankAccount;
      // A cancellation reversed the claim's approval; the bank paid it all the same: the expense was
      // incurred after all, and the payee is owed until the payment below settles the debt.
      const rebooked =
        payment.status === 'cancelled' && current.claim !== undefined && current.approved
          ? [
              transfer(`${claimId}:approval-rebooked`, 'posted', 'approval_rebooked', current.claim, {
                debitAccount: current.claim.expenseAccount,
                creditAccount: current.claim.payableAccount,
              }),
            ]
          : [];
      // Normally the reservation is posted; after a failure voided it, the same movement is posted anew.
      const post =
        payment.pending != null
          ? completion(pending, `${paymentId}:${attempt}:settle`, 'post_pending', 'payment_settled')
          : transfer(`${paymentId}:${attempt}:settle`, 'posted', 'payment_settled', pending, pending);
      // The bank statement shows the money left: clear in-transit into the bank account.
      const cleared = transfer(`${paymentId}:${attempt}:clear`, 'posted', 'settlement_cleared', pending, {
        debitAccount: pending.creditAccount,
        creditAccount: bank,
      });
      const settled = {
        ledger: pending.ledger,
        amount: pending.amount,
        payableAccount: pending.debitAccount,
        bankAccount: bank,
      };
      return {
        next: withPayment(current, paymentId, {
          ...payment,
          status: 'settled',
          pending: null,
          lapsed: null,
          settled,
        }),
        transfers: [...rebooked, post, cleared],
      };
    }
    case 'PaymentRejectedByBank': {
      const { paymentId, attempt } = e.data;
      const payment = current.payments[paymentId];
      const pending = payment?.pending;
      if (payment === undefined || pending == null || payment.attempt !== attempt) return unchanged;
      // Nothing left the bank: release the reservation; the payee is owed again.
      const voided = completion(
        pending,
        `${paymentId}:${attempt}:reject`,
        'void_pending',
        'payment_rejected',
      );
      return {
        next: withPayment(current, paymentId, { ...payment, status: 'rejected', pending: null }),
        transfers: [voided],
      };
    }
    case 'PaymentDispatchFailed': {
      const { paymentId, attempt } = e.data;
      const payment = current.payments[paymentId];
      const pending = payment?.pending;
      if (payment === undefined || pending == null || payment.attempt !== attempt) return unchanged;
      // The bank never got the message: release the reservation exactly as a rejection does.
      const voided = completion(pending, `${paymentId}:${attempt}:failed`, 'void_pending', 'dispatch_failed');
      return {
        next: withPayment(current, paymentId, {
          ...payment,
          status: 'failed',
          pending: null,
          lapsed: pending,
        }),
        transfers: [voided],
      };
    }
    case 'PaymentReturned': {
      const { paymentId, attempt } = e.data;
      const payment = current.payments[paymentId];
      const settled = payment?.settled;
      if (payment === undefined || payment.status !== 'settled' || settled == null) return unchanged;
      // The money came back to our bank account and the payee was not paid: the liability stands again.
      // Finance then pays it again under a new claim or writes it off with an explicit correction; the
      // expense stays booked, because the cost was incurred whether or not the payment went through.
      const returned = transfer(`${paymentId}:${attempt}:return`, 'posted', 'payment_returned', settled, {
        debitAccount: settled.bankAccount,
        creditAccount: settled.payableAccount,
      });
      return {
        next: withPayment(current, paymentId, { ...payment, status: 'returned' }),
        transfers: [returned],
      };
    }
    case 'PaymentCancelled': {
      const { paymentId } = e.data;
      const payment = current.payments[paymentId];
      if (payment === undefined || payment.status === 'cancelled') return unchanged;
      if (payment.status === 'settled' || payment.status === 'returned') return unchanged;
      const transfers: TransferJson[] = [];
      // The domain cancels only a rejected or failed payment (nothing pending); release a reservation
      // regardless.
      if (payment.pending !== null) {
        transfers.push(
          completion(
            payment.pending,
            `${paymentId}:${payment.attempt}:cancel`,
            'void_pending',
            'payment_cancelled',
          ),
        );
      }
      // The claim will never be paid: reverse its approval with a correcting transfer.
      const claim = current.claim;
      if (claim !== undefined && current.approved) {
        transfers.push(
          transfer(`${claimId}:approval-reversal`, 'posted', 'approval_reversed', claim, {
            debitAccount: claim.payableAccount,
            creditAccount: claim.expenseAccount,
          }),
        );
      }
      return {
        next: withPayment(current, paymentId, { ...payment, status: 'cancelled', pending: null }),
        transfers,
      };
    }
    default:
      return unchanged;
  }
}

/**
 * The transfers `event` makes on the claim whose facts document is `facts` as loaded before the event;
 * none when the facts already reflect it (a redelivery: the accounts were written before the facts).
 * Both `touches` and `apply` use it, so the accounts named and the amounts posted always agree.
 */
export function transfersOf(
  event: RecordedEvent,
  facts: ClaimFactsDocument | undefined,
): readonly TransferJson[] {
  return alreadyApplied(facts, event) ? [] : rememberedStep(facts, event).transfers;
}

/** A balance step with each transfer's amount in minor units. */
export interface PostingStep extends BalanceStep {
  readonly units: readonly bigint[];
}

/**
 * The projector asks for an event's transfers in `touches`, then in `apply` once per document the event
 * changes, one right after the other: remember the last answer. Facts documents are never changed in
 * place, so the same object means the same facts.
 */
let last: { facts: ClaimFactsDocument | undefined; event: RecordedEvent; step: PostingStep } | undefined;

/** `balanceStep` with amounts in minor units, computed once per facts document and event. */
export function rememberedStep(facts: ClaimFactsDocument | undefined, event: RecordedEvent): PostingStep {
  if (last !== undefined && last.event === event && last.facts === facts) return last.step;
  const { next, transfers } = balanceStep(facts, event);
  const units = transfers.map(
    (t) => parseMoney({ value: t.amount, currency: t.ledger }, { allowZero: true }).minorUnits,
  );
  const step = { next, transfers, units };
  last = { facts, event, step };
  return step;
}

function transfer(
  id: string,
  kind: TransferKind,
  code: TransferCode,
  money: { readonly ledger: string; readonly amount: string },
  accounts: { readonly debitAccount: string; readonly creditAccount: string },
): TransferJson {
  const { debitAccount, creditAccount } = accounts;
  return { id, kind, code, ledger: money.ledger, debitAccount, creditAccount, amount: money.amount };
}

/** Posts or voids `pending`: same accounts, same amount. */
function completion(
  pending: TransferJson,
  id: string,
  kind: 'post_pending' | 'void_pending',
  code: TransferCode,
): TransferJson {
  return { ...transfer(id, kind, code, pending, pending), pendingId: pending.id };
}

function withPayment(
  facts: ClaimFactsDocument,
  paymentId: string,
  payment: PaymentBookingFacts,
): ClaimFactsDocument {
  return { ...facts, payments: { ...facts.payments, [paymentId]: payment } };
}
