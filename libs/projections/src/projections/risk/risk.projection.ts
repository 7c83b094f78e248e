import { RecordedEvent } from '@ledger/events';
import { DocumentRef, Projection, ReadModelDocument } from '../../projection';
import { known, normalisedMoney } from '../shared';

export const RISK_ALERTS = 'risk_alerts';

/** `risk_alerts/large_payment:<paymentId>`: a payment above its currency's threshold. */
export interface LargePaymentAlertDocument extends ReadModelDocument {
  readonly kind: 'large_payment';
  readonly paymentId: string;
  readonly claimId: string;
  readonly amount: { readonly value: string; readonly currency: string };
  /** Major units as configured; it may have more decimals than the currency. */
  readonly threshold: string;
  readonly at: string;
}

/**
 * `risk_alerts/settled_after_cancellation:<paymentId>`: the bank settled a payment a treasurer had
 * cancelled after its delivery failed. The money left and is booked; the treasurer confirms with the
 * bank and the payee, and the claim's invoice stays held against a second payment.
 */
export interface SettledAfterCancellationAlertDocument extends ReadModelDocument {
  readonly kind: 'settled_after_cancellation';
  readonly paymentId: string;
  readonly claimId: string;
  readonly receiptId: string;
  readonly bankReference?: string;
  readonly at: string;
}

export interface DuplicateGuardHistoryEntry {
  readonly claimId: string;
  readonly status: 'held' | 'released';
  readonly at: string;
  readonly reason?: 'rejected' | 'withdrawn' | 'cancelled';
}

/**
 * `risk_alerts/duplicate_guard:<key>`: an invoice (payee account, invoice number, amount) guarded against
 * being paid twice, and which claim holds it.
 *
 * Limitation: a duplicate the guard refuses appends nothing (the command fails), so refused duplicates
 * never reach the log and no projection can list them; they show only in the command API's answer and
 * logs. What the log does hold, and this shows, is every reservation and release: which invoices are
 * guarded, by which claim, and since when.
 */
export interface DuplicateGuardDocument extends ReadModelDocument {
  readonly kind: 'duplicate_guard';
  readonly key: string;
  /** The claim holding the key, or the last one that held it. */
  readonly claimId: string;
  readonly status: 'held' | 'released';
  readonly reservedAt: string;
  readonly releasedAt?: string;
  readonly releaseReason?: 'rejected' | 'withdrawn' | 'cancelled';
  readonly history: readonly DuplicateGuardHistoryEntry[];
}

export const riskProjection: Projection = {
  name: 'risk',
  collections: [RISK_ALERTS],
  handles: ['LargePaymentAlertRaised', 'DuplicateGuardReserved', 'DuplicateGuardReleased', 'PaymentSettled'],
  metadata: ['occurredAt'],

  touches(event) {
    const ref = riskRef(event);
    return ref === undefined ? [] : [ref];
  },

  apply(document, event) {
    const at = event.metadata.occurredAt;
    const e = known(event);
    switch (e.type) {
      case 'LargePaymentAlertRaised': {
        if (document !== undefined) return document; // raised once per payment; keep the first
        const alert: LargePaymentAlertDocument = {
          _id: `large_payment:${e.data.paymentId}`,
          kind: 'large_payment',
          paymentId: e.data.paymentId,
          claimId: e.data.claimId,
          amount: normalisedMoney(e.data.amount),
          threshold: e.data.threshold,
          at,
        };
        return alert;
      }
      case 'PaymentSettled': {
        if (e.data.afterCancellation !== true) return document ?? null;
        if (document !== undefined) return document; // one settlement per payment; keep the first
        const { paymentId, claimId, receiptId, bankReference } = e.data;
        const alert: SettledAfterCancellationAlertDocument = {
          _id: `settled_after_cancellation:${paymentId}`,
          kind: 'settled_after_cancellation',
          paymentId,
          claimId,
          receiptId,
          ...(bankReference !== undefined ? { bankReference } : {}),
          at,
        };
        return alert;
      }
      case 'DuplicateGuardReserved': {
        const guard = document as DuplicateGuardDocument | undefined;
        if (guard?.status === 'held' && guard.claimId === e.data.claimId) return guard;
        const { releasedAt: _at, releaseReason: _reason, ...previous } = guard ?? {};
        const held: DuplicateGuardDocument = {
          ...previous,
          _id: `duplicate_guard:${e.data.key}`,
          kind: 'duplicate_guard',
          key: e.data.key,
          claimId: e.data.claimId,
          status: 'held',
          reservedAt: at,
          history: [...(guard?.history ?? []), { claimId: e.data.claimId, status: 'held', at }],
        };
        return held;
      }
      case 'DuplicateGuardReleased': {
        const guard = document as DuplicateGuardDocument | undefined;
        // Only the holder releases a key (the guard's decider checks it); anything else changes nothing.
        if (guard === undefined || guard.status !== 'held' || guard.claimId !== e.data.claimId) {
          return guard ?? null;
        }
        const { reason } = e.data;
        return {
          ...guard,
          status: 'released',
          releasedAt: at,
          releaseReason: reason,
          history: [...guard.history, { claimId: e.data.claimId, status: 'released', at, reason }],
        };
      }
      default:
        return document ?? null;
    }
  },
};

function riskRef(event: RecordedEvent): DocumentRef | undefined {
  const e = known(event);
  switch (e.type) {
    case 'LargePaymentAlertRaised':
      return { collection: RISK_ALERTS, id: `large_payment:${e.data.paymentId}` };
    case 'DuplicateGuardReserved':
    case 'DuplicateGuardReleased':
      return { collection: RISK_ALERTS, id: `duplicate_guard:${e.data.key}` };
    case 'PaymentSettled':
      return e.data.afterCancellation === true
        ? { collection: RISK_ALERTS, id: `settled_after_cancellation:${e.data.paymentId}` }
        : undefined;
    default:
      return undefined;
  }
}
