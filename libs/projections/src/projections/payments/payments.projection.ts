import { AccountJson, accountLabel, PayeeJson, PaymentDispatchedData, RecordedEvent } from '@ledger/events';
import { DocumentRef, Projection, ReadModelDocument } from '../../projection';
import { decimal, known, loadedDocument, minorUnits, normalisedMoney } from '../shared';

export const PAYMENTS = 'payments';
export const PAYMENT_BATCHES = 'payment_batches';

export const PAYMENT_STATUSES = [
  'dispatched',
  'accepted',
  'settled',
  'rejected',
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

type Outcome = 'PaymentAcceptedByBank' | 'PaymentSettled' | 'PaymentRejectedByBank' | 'PaymentReturned';

const STATUS_AFTER: Readonly<Record<Outcome | 'PaymentCancelled', PaymentStatus>> = {
  PaymentAcceptedByBank: 'accepted',
  PaymentSettled: 'settled',
  PaymentRejectedByBank: 'rejected',
  PaymentReturned: 'returned',
  PaymentCancelled: 'cancelled',
};

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
      ? nextBatch(document as PaymentBatchDocument | undefined, event, ref.id)
      : nextPayment(document as PaymentDocument | undefined, event);
  },
};

/** The batch the event's attempt went out in; a cancellation concerns the current attempt. */
function batchOfAttempt(payment: PaymentDocument, event: RecordedEvent): string | undefined {
  const attempt = (event.data as { readonly attempt?: number }).attempt ?? payment.attempt;
  return payment.attempts.find((a) => a.attempt === attempt)?.batchId;
}

function nextPayment(doc: PaymentDocument | undefined, event: RecordedEvent): PaymentDocument | null {
  const at = event.metadata.occurredAt;
  const e = known(event);
  switch (e.type) {
    case 'PaymentDispatched':
    case 'PaymentRedispatched': {
      const d: PaymentDispatchedData = e.data;
      if (doc !== undefined && doc.attempt >= d.attempt) return doc;
      // The previous attempt's bank reason belongs to its timeline entry, not to this attempt.
      const { reasonCode: _code, reasonText: _text, ...previous } = doc ?? {};
      return {
        ...previous,
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
        attempts: [...(doc?.attempts ?? []), { attempt: d.attempt, batchId: d.batchId }],
        dispatchedAt: doc?.dispatchedAt ?? at,
        updatedAt: at,
        timeline: [
          ...(doc?.timeline ?? []),
          { at, status: 'dispatched', attempt: d.attempt, batchId: d.batchId },
        ],
      };
    }
    case 'PaymentAcceptedByBank':
    case 'PaymentSettled':
    case 'PaymentRejectedByBank':
    case 'PaymentReturned': {
      if (doc === undefined) return null;
      const { receiptId, attempt } = e.data;
      if (doc.timeline.some((entry) => entry.receiptId === receiptId)) return doc;
      const status = STATUS_AFTER[e.type];
      const bankReference = 'bankReference' in e.data ? e.data.bankReference : undefined;
      const reason =
        'reasonCode' in e.data ? { reasonCode: e.data.reasonCode, reasonText: e.data.reasonText } : {};
      const entry: PaymentTimelineEntry = {
        at,
        status,
        attempt,
        ...batchOf(doc, attempt),
        receiptId,
        ...(bankReference !== undefined ? { bankReference } : {}),
        ...reason,
      };
      // An outcome for an earlier attempt is history, not the payment's status.
      if (attempt !== doc.attempt) return { ...doc, updatedAt: at, timeline: [...doc.timeline, entry] };
      return {
        ...doc,
        status,
        updatedAt: at,
        ...(bankReference !== undefined ? { bankReference } : {}),
        ...reason,
        timeline: [...doc.timeline, entry],
      };
    }
    case 'PaymentCancelled': {
      if (doc === undefined) return null;
      if (doc.status === 'cancelled') return doc;
      return {
        ...doc,
        status: 'cancelled',
        updatedAt: at,
        cancelledBy: e.data.cancelledBy,
        cancelReason: e.data.reason,
        timeline: [...doc.timeline, { at, status: 'cancelled', attempt: doc.attempt, batchId: doc.batchId }],
      };
    }
    default:
      return doc ?? null;
  }
}

function nextBatch(
  doc: PaymentBatchDocument | undefined,
  event: RecordedEvent,
  batchId: string,
): PaymentBatchDocument | null {
  const at = event.metadata.occurredAt;
  const e = known(event);
  switch (e.type) {
    case 'PaymentDispatched':
    case 'PaymentRedispatched': {
      const { paymentId, amount } = e.data;
      if (doc !== undefined && hasOwn(doc.payments, paymentId)) return doc;
      const money = normalisedMoney(amount);
      const total = doc?.totals[money.currency] ?? '0';
      const totals = {
        ...doc?.totals,
        [money.currency]: decimal(
          minorUnits(total, money.currency) + minorUnits(money.value, money.currency),
          money.currency,
        ),
      };
      const payments = { ...doc?.payments, [paymentId]: 'dispatched' as const };
      return {
        ...doc,
        _id: batchId,
        batchId,
        payments,
        counts: countByStatus(payments),
        totals,
        createdAt: doc?.createdAt ?? at,
        updatedAt: at,
      };
    }
    case 'PaymentAcceptedByBank':
    case 'PaymentSettled':
    case 'PaymentRejectedByBank':
    case 'PaymentReturned':
    case 'PaymentCancelled': {
      const { paymentId } = e.data;
      if (doc === undefined || !hasOwn(doc.payments, paymentId)) return doc ?? null;
      const status = STATUS_AFTER[e.type];
      if (doc.payments[paymentId] === status) return doc;
      const payments = { ...doc.payments, [paymentId]: status };
      return { ...doc, payments, counts: countByStatus(payments), updatedAt: at };
    }
    default:
      return doc ?? null;
  }
}

function countByStatus(payments: Readonly<Record<string, PaymentStatus>>): Record<PaymentStatus, number> {
  const counts = Object.fromEntries(PAYMENT_STATUSES.map((s) => [s, 0])) as Record<PaymentStatus, number>;
  for (const status of Object.values(payments)) counts[status] += 1;
  return counts;
}

function hasOwn(object: object, key: string): boolean {
  return Object.prototype.hasOwnProperty.call(object, key);
}

function batchOf(doc: PaymentDocument, attempt: number): { batchId?: string } {
  const batchId = doc.attempts.find((a) => a.attempt === attempt)?.batchId;
  return batchId === undefined ? {} : { batchId };
}
