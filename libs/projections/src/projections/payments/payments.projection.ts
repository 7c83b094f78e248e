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
  /** Log position of the event: which entry an event made, when the same receipt comes again later. */
  readonly position?: number;
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
  /** A settlement the bank reported after the payment was cancelled (its delivery had failed). */
  readonly afterCancellation?: true;
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

/**
 * `payment_batches/<batchId>`: one pain.001 message and how many of its payments stand at each status (a
 * payment sent again counts here with the outcome of its attempt in this batch). It stays small whatever
 * the batch's size, since every bank outcome rewrites it: the payments themselves are listed by
 * `payments` documents (`batchId` is their current attempt's batch; `attempts` names every batch).
 */
export interface PaymentBatchDocument extends ReadModelDocument {
  readonly batchId: string;
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
 * a shallow copy is a snapshot); a batch keeps its totals in minor units and changes its counts in place.
 */
type Mutable<T> = { -readonly [K in keyof T]: T[K] };
type WorkingPayment = Mutable<PaymentDocument>;
interface WorkingBatch extends ReadModelDocument {
  readonly batchId: string;
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
  metadata: ['occurredAt'],

  touches(event, loaded) {
    const { paymentId, batchId } = event.data as { readonly paymentId: string; readonly batchId?: string };
    const paymentRef: DocumentRef = { collection: PAYMENTS, id: paymentId };
    if (batchId !== undefined) return [paymentRef, { collection: PAYMENT_BATCHES, id: batchId }];
    const payment = loadedDocument<PaymentDocument>(loaded, paymentRef);
    const batch = payment === undefined ? undefined : batchOfAttempt(payment, event);
    return batch === undefined ? [paymentRef] : [paymentRef, { collection: PAYMENT_BATCHES, id: batch }];
  },

  apply(document, event, ref, related) {
    if (ref.collection !== PAYMENT_BATCHES) return nextPayment(document as WorkingPayment | undefined, event);
    const { paymentId } = event.data as { readonly paymentId: string };
    const payment = loadedDocument<PaymentDocument>(related, { collection: PAYMENTS, id: paymentId });
    return nextBatch(document as WorkingBatch | undefined, event, ref.id, payment);
  },

  working: {
    fromStored(stored, ref) {
      if (ref.collection !== PAYMENT_BATCHES) return stored;
      // A batch stored by an earlier version also listed its payments' statuses: dropped here.
      const { payments: _listed, ...batch } = stored as PaymentBatchDocument & { payments?: unknown };
      const totals: Record<string, bigint> = {};
      for (const [currency, value] of Object.entries(batch.totals))
        totals[currency] = minorUnits(value, currency);
      // Counts of statuses added since the document was stored start at zero.
      const counts = { ...zeroCounts(), ...batch.counts };
      return { ...batch, counts, totals } satisfies WorkingBatch;
    },
    toStored(working, ref) {
      if (ref.collection !== PAYMENT_BATCHES) return { ...working };
      const batch = working as WorkingBatch;
      const totals: Record<string, string> = {};
      for (const [currency, units] of Object.entries(batch.totals))
        totals[currency] = decimal(units, currency);
      return { ...batch, counts: { ...batch.counts }, totals };
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
        position: Number(event.position),
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
        position: Number(event.position),
        status,
        attempt,
        ...batchOf(doc, attempt),
        receiptId,
        ...(bankReference !== undefined ? { bankReference } : {}),
        ...reason,
        ...failure,
        ...('afterCancellation' in e.data && e.data.afterCancellation === true
          ? { afterCancellation: true as const }
          : {}),
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
        {
          at,
          position: Number(event.position),
          status: 'cancelled',
          attempt: doc.attempt,
          batchId: doc.batchId,
        },
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
  payment: PaymentDocument | undefined,
): WorkingBatch | null {
  const at = event.metadata.occurredAt;
  const e = known(event);
  switch (e.type) {
    case 'PaymentDispatched':
    case 'PaymentRedispatched': {
      // Counted once: a redelivery finds the batch's lastPosition past it and is skipped before this.
      const { minorUnits: units, currency } = parseMoney(e.data.amount, { allowZero: true });
      const batch: WorkingBatch = doc ?? {
        _id: batchId,
        batchId,
        counts: zeroCounts(),
        totals: {},
        createdAt: at,
        updatedAt: at,
      };
      batch.totals[currency] = (batch.totals[currency] ?? 0n) + units;
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
      const previous =
        payment === undefined
          ? undefined
          : statusBefore(
              payment,
              event,
              e.type,
              e.data as { readonly receiptId?: string; readonly attempt?: number },
            );
      if (doc === undefined || previous === undefined) return doc ?? null;
      const status = STATUS_AFTER[e.type];
      if (previous === status) return doc;
      doc.counts[previous] -= 1;
      doc.counts[status] += 1;
      doc.updatedAt = at;
      return doc;
    }
    default:
      return doc ?? null;
  }
}

/**
 * The status the event's attempt had in its batch just before the event, from the payment's timeline;
 * undefined when the batch has nothing to count (no such attempt, or a receipt that came before). The
 * payment document may already hold the event (applied first, or committed before a crash while the
 * batch was not): its own entry, the one made at the event's position, marks where to stop.
 */
function statusBefore(
  payment: PaymentDocument,
  event: RecordedEvent,
  type: Outcome | 'PaymentCancelled',
  data: { readonly receiptId?: string; readonly attempt?: number },
): PaymentStatus | undefined {
  const attempt = data.attempt ?? payment.attempt;
  const receiptId = type === 'PaymentCancelled' ? undefined : data.receiptId;
  const position = Number(event.position);
  let previous: PaymentStatus | undefined;
  for (const entry of payment.timeline) {
    if (entry.attempt !== attempt) continue;
    const same = receiptId === undefined ? entry.status === 'cancelled' : entry.receiptId === receiptId;
    // The same receipt recorded at another position: this is it coming again, already counted.
    if (same) return entry.position === position ? previous : undefined;
    previous = entry.status;
  }
  return previous;
}

function zeroCounts(): Record<PaymentStatus, number> {
  return Object.fromEntries(PAYMENT_STATUSES.map((s) => [s, 0])) as Record<PaymentStatus, number>;
}

function batchOf(doc: PaymentDocument, attempt: number): { batchId?: string } {
  const batchId = doc.attempts.find((a) => a.attempt === attempt)?.batchId;
  return batchId === undefined ? {} : { batchId };
}
