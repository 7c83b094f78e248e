import {
  AccountJson,
  accountLabel,
  parseMoney,
  PayeeJson,
  PaymentDispatchedData,
  RecordedEvent,
} from '@ledger/events';
import { DocumentRef, Projection, ReadModelDocument } from '../../projection';
import { decimal, known, loadedDocument, minorUnits, normalisedMoney } from '../shared';

export const PAYMENTS = 'payments';
export const PAYMENT_BATCHES = 'payment_batches';

export const PAYMENT_STATUSES = [
  'dispatched',
  'accepted',
  'settled',
  'rejected',
  'failed',
  'returned',
  'cancelled',
] as const;
export type PaymentStatus = (typeof PAYMENT_STATUSES)[number];

export interface PaymentTimelineEntry {
  readonly at: string;
  readonly status: PaymentStatus;
  readonly attempt: number;
  readonly batchId?: string;
  readonly receiptId?: string;
  readonly bankReference?: string;
  readonly reasonCode?: string;
  readonly reasonText?: string;
  /** Why the bank connector gave up delivering the attempt (`failed`), and after how many tries. */
  readonly reason?: string;
  readonly deliveryAttempts?: number;
}

/** `payments/<paymentId>`: the payment's current attempt and its whole history. */
export interface PaymentDocument extends ReadModelDocument {
  readonly paymentId: string;
  readonly claimId: string;
  /** The batch of the current attempt. */
  readonly batchId: string;
  readonly status: PaymentStatus;
  readonly amount: { readonly value: string; readonly currency: string };
  readonly payee: PayeeJson;
  readonly payeeAccountLabel: string;
  readonly debtorAccount: AccountJson;
  readonly debtorAccountLabel: string;
  readonly requestedExecutionDate: string;
  readonly attempt: number;
  /** Batch of every attempt, oldest first: where a bank outcome for an attempt is reported. */
  readonly attempts: readonly { readonly attempt: number; readonly batchId: string }[];
  readonly dispatchedAt: string;
  readonly updatedAt: string;
  readonly bankReference?: string;
  /** The bank's reason for the last rejection or return; cleared by a redispatch. */
  readonly reasonCode?: string;
  readonly reasonText?: string;
  /** Why the bank connector could not deliver the current attempt; cleared by a redispatch. */
  readonly failureReason?: string;
  readonly cancelledBy?: string;
  readonly cancelReason?: string;
  readonly timeline: readonly PaymentTimelineEntry[];
}

/** `payment_batches/<batchId>`: one pain.001 message and what became of each payment in it. */
export interface PaymentBatchDocument extends ReadModelDocument {
  readonly batchId: string;
  /** Status of each payment's attempt in this batch (a payment sent again shows `rejected` here). */
  readonly payments: Readonly<Record<string, PaymentStatus>>;
  readonly counts: Readonly<Record<PaymentStatus, number>>;
  /** Amount dispatched in the batch, per currency, as decimal strings. */
  readonly totals: Readonly<Record<string, string>>;
  readonly createdAt: string;
  readonly updatedAt: string;
}

type Outcome =
  | 'PaymentAcceptedByBank'
  | 'PaymentSettled'
  | 'PaymentRejectedByBank'
  | 'PaymentDispatchFailed'
  | 'PaymentReturned';

const STATUS_AFTER: Readonly<Record<Outcome | 'PaymentCancelled', PaymentStatus>> = {
  PaymentAcceptedByBank: 'accepted',
  PaymentSettled: 'settled',
  PaymentRejectedByBank: 'rejected',
  PaymentDispatchFailed: 'failed',
  PaymentReturned: 'returned',
  PaymentCancelled: 'cancelled',
};

/**
 * The working forms: a payment document is changed in place (its arrays are replaced, never changed, so
 * a shallow copy is a snapshot); a batch keeps its totals in minor units and changes its payment
 * map and counts in place, which a batch of thousands of payments needs.
 */
type Mutable<T> = { -readonly [K in keyof T]: T[K] };
type WorkingPayment = Mutable<PaymentDocument>;
interface WorkingBatch extends ReadModelDocument {
  readonly batchId: string;
  readonly payments: Record<string, PaymentStatus>;
  readonly counts: Record<PaymentStatus, number>;
  readonly totals: Record<string, bigint>;
  readonly createdAt: string;
  updatedAt: string;
}

/**
 * Payments and their batches. Bank outcomes carry the payment id and attempt, not the batch: `touches`
 * finds the attempt's batch on the loaded payment document (second step of `touches`).
 */
export const paymentsProjection: Projection = {
  name: 'payments',
  collections: [PAYMENTS, PAYMENT_BATCHES],
  handles: [
    'PaymentDispatched',
    'PaymentRedispatched',
    'PaymentAcceptedByBank',
    'PaymentSettled',
    'PaymentRejectedByBank',
    'PaymentDispatchFailed',
    'PaymentReturned',
    'PaymentCancelled',
  ],

  touches(event, loaded) {
    const { paymentId, batchId } = event.data as { readonly paymentId: string; readonly batchId?: string };
    const paymentRef: DocumentRef = { collection: PAYMENTS, id: paymentId };
    if (batchId !== undefined) return [paymentRef, { collection: PAYMENT_BATCHES, id: batchId }];
    const payment = loadedDocument<PaymentDocument>(loaded, paymentRef);
    const batch = payment === undefined ? undefined : batchOfAttempt(payment, event);
    return batch === undefined ? [paymentRef] : [paymentRef, { collection: PAYMENT_BATCHES, id: batch }];
  },

  apply(document, event, ref) {
    return ref.collection === PAYMENT_BATCHES
      ? nextBatch(document as WorkingBatch | undefined, event, ref.id)
      : nextPayment(document as WorkingPayment | undefined, event);
  },

  working: {
    fromStored(stored, ref) {
      if (ref.collection !== PAYMENT_BATCHES) return stored;
      const batch = stored as PaymentBatchDocument;
      const totals: Record<string, bigint> = {};
      for (const [currency, value] of Object.entries(batch.totals))
        totals[currency] = minorUnits(value, currency);
      // Counts of statuses added since the document was stored start at zero.
      const counts = { ...zeroCounts(), ...batch.counts };
      return { ...batch, payments: { ...batch.payments }, counts, totals } satisfies WorkingBatch;
    },
    toStored(working, ref) {
      if (ref.collection !== PAYMENT_BATCHES) return { ...working };
      const batch = working as WorkingBatch;
      const totals: Record<string, string> = {};
      for (const [currency, units] of Object.entries(batch.totals))
        totals[currency] = decimal(units, currency);
      return { ...batch, payments: { ...batch.payments }, counts: { ...batch.counts }, totals };
    },
  },
};

/** The batch the event's attempt went out in; a cancellation concerns the current attempt. */
function batchOfAttempt(payment: PaymentDocument, event: RecordedEvent): string | undefined {
  const attempt = (event.data as { readonly attempt?: number }).attempt ?? payment.attempt;
  return payment.attempts.find((a) => a.attempt === attempt)?.batchId;
}

function nextPayment(doc: WorkingPayment | undefined, event: RecordedEvent): PaymentDocument | null {
  const at = event.metadata.occurredAt;
  const e = known(event);
  switch (e.type) {
    case 'PaymentDispatched':
    case 'PaymentRedispatched': {
      const d: PaymentDispatchedData = e.data;
      const entry: PaymentTimelineEntry = {
        at,
        status: 'dispatched',
        attempt: d.attempt,
        batchId: d.batchId,
      };
      if (doc === undefined) {
        return {
          _id: d.paymentId,
          paymentId: d.paymentId,
          claimId: d.claimId,
          batchId: d.batchId,
          status: 'dispatched',
          amount: normalisedMoney(d.amount),
          payee: d.payee,
          payeeAccountLabel: accountLabel(d.payee.account),
          debtorAccount: d.debtorAccount,
          debtorAccountLabel: accountLabel(d.debtorAccount),
          requestedExecutionDate: d.requestedExecutionDate,
          attempt: d.attempt,
          attempts: [{ attempt: d.attempt, batchId: d.batchId }],
          dispatchedAt: at,
          updatedAt: at,
          timeline: [entry],
        };
      }
      if (doc.attempt >= d.attempt) return doc;
      // The previous attempt's bank reason belongs to its timeline entry, not to this attempt.
      delete doc.reasonCode;
      delete doc.reasonText;
      delete doc.failureReason;
      doc._id = d.paymentId;
      doc.paymentId = d.paymentId;
      doc.claimId = d.claimId;
      doc.batchId = d.batchId;
      doc.status = 'dispatched';
      doc.amount = normalisedMoney(d.amount);
      doc.payee = d.payee;
      doc.payeeAccountLabel = accountLabel(d.payee.account);
      doc.debtorAccount = d.debtorAccount;
      doc.debtorAccountLabel = accountLabel(d.debtorAccount);
      doc.requestedExecutionDate = d.requestedExecutionDate;
      doc.attempt = d.attempt;
      doc.attempts = [...doc.attempts, { attempt: d.attempt, batchId: d.batchId }];
      doc.updatedAt = at;
      doc.timeline = [...doc.timeline, entry];
      return doc;
    }
    case 'PaymentAcceptedByBank':
    case 'PaymentSettled':
    case 'PaymentRejectedByBank':
    case 'PaymentDispatchFailed':
    case 'PaymentReturned': {
      if (doc === undefined) return null;
      const { receiptId, attempt } = e.data;
      if (doc.timeline.some((entry) => entry.receiptId === receiptId)) return doc;
      const status = STATUS_AFTER[e.type];
      const bankReference = 'bankReference' in e.data ? e.data.bankReference : undefined;
      const reason =
        'reasonCode' in e.data ? { reasonCode: e.data.reasonCode, reasonText: e.data.reasonText } : undefined;
      const failure =
        e.type === 'PaymentDispatchFailed'
          ? { reason: e.data.reason, deliveryAttempts: e.data.attempts }
          : undefined;
      const entry: PaymentTimelineEntry = {
        at,
        status,
        attempt,
        ...batchOf(doc, attempt),
        receiptId,
        ...(bankReference !== undefined ? { bankReference } : {}),
        ...reason,
        ...failure,
      };
      doc.updatedAt = at;
      // An outcome for an earlier attempt is history, not the payment's status.
      if (attempt === doc.attempt) {
        doc.status = status;
        if (bankReference !== undefined) doc.bankReference = bankReference;
        if (reason !== undefined) {
          doc.reasonCode = reason.reasonCode;
          doc.reasonText = reason.reasonText;
        }
        if (failure !== undefined) doc.failureReason = failure.reason;
      }
      doc.timeline = [...doc.timeline, entry];
      return doc;
    }
    case 'PaymentCancelled': {
      if (doc === undefined) return null;
      if (doc.status === 'cancelled') return doc;
      doc.status = 'cancelled';
      doc.updatedAt = at;
      doc.cancelledBy = e.data.cancelledBy;
      doc.cancelReason = e.data.reason;
      doc.timeline = [
        ...doc.timeline,
        { at, status: 'cancelled', attempt: doc.attempt, batchId: doc.batchId },
      ];
      return doc;
    }
    default:
      return doc ?? null;
  }
}

function nextBatch(
  doc: WorkingBatch | undefined,
  event: RecordedEvent,
  batchId: string,
): WorkingBatch | null {
  const at = event.metadata.occurredAt;
  const e = known(event);
  switch (e.type) {
    case 'PaymentDispatched':
    case 'PaymentRedispatched': {
      const { paymentId, amount } = e.data;
      if (doc !== undefined && hasOwn(doc.payments, paymentId)) return doc;
      const { minorUnits: units, currency } = parseMoney(amount, { allowZero: true });
      const batch: WorkingBatch = doc ?? {
        _id: batchId,
        batchId,
        payments: {},
        counts: zeroCounts(),
        totals: {},
        createdAt: at,
        updatedAt: at,
      };
      batch.totals[currency] = (batch.totals[currency] ?? 0n) + units;
      batch.payments[paymentId] = 'dispatched';
      batch.counts.dispatched += 1;
      batch.updatedAt = at;
      return batch;
    }
    case 'PaymentAcceptedByBank':
    case 'PaymentSettled':
    case 'PaymentRejectedByBank':
    case 'PaymentDispatchFailed':
    case 'PaymentReturned':
    case 'PaymentCancelled': {
      const { paymentId } = e.data;
      if (doc === undefined || !hasOwn(doc.payments, paymentId)) return doc ?? null;
      const status = STATUS_AFTER[e.type];
      const previous = doc.payments[paymentId];
      if (previous === status) return doc;
      doc.payments[paymentId] = status;
      doc.counts[previous] -= 1;
      doc.counts[status] += 1;
      doc.updatedAt = at;
      return doc;
    }
    default:
      return doc ?? null;
  }
}

function zeroCounts(): Record<PaymentStatus, number> {
  return Object.fromEntries(PAYMENT_STATUSES.map((s) => [s, 0])) as Record<PaymentStatus, number>;
}

function hasOwn(object: object, key: string): boolean {
  return Object.prototype.hasOwnProperty.call(object, key);
}

function batchOf(doc: PaymentDocument, attempt: number): { batchId?: string } {
  const batchId = doc.attempts.find((a) => a.attempt === attempt)?.batchId;
  return batchId === undefined ? {} : { batchId };
}
