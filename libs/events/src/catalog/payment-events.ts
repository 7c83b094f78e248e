import { MoneyJson } from '../money';
import { DomainEvent } from './domain-event';
import { AccountJson, PayeeJson } from './shared';

/** Everything the bank-connector needs to build the ISO 20022 credit transfer; it reads no other state. */
export interface PaymentDispatchedData {
  readonly paymentId: string;
  readonly claimId: string;
  /** The batch (pain.001 message) this dispatch went out in. */
  readonly batchId: string;
  readonly amount: MoneyJson;
  readonly payee: PayeeJson;
  readonly debtorAccount: AccountJson;
  /** ISO date `YYYY-MM-DD`. */
  readonly requestedExecutionDate: string;
  readonly dispatchedBy: string;
  /** Subject of the claimant, kept so every later decision can check segregation of duties. */
  readonly claimant: string;
  /** 1 for the first dispatch; each redispatch after a rejection adds one. */
  readonly attempt: number;
}

/** A rejected payment sent again, with the corrected details in full. */
export interface PaymentRedispatchedData extends PaymentDispatchedData {
  /**
   * Which details changed since the rejected attempt; empty when the payment is simply retried. `payee` is
   * now a corrected name only (older events may show an account change): the domain refuses another payee
   * account than the approved claim's.
   */
  readonly corrected: readonly ('payee' | 'debtorAccount' | 'requestedExecutionDate')[];
}

/** Risk signal: the amount is above the configured threshold for its currency. */
export interface LargePaymentAlertRaisedData {
  readonly paymentId: string;
  readonly claimId: string;
  readonly amount: MoneyJson;
  /** The threshold exceeded, in major units as configured (it may have more decimals than the currency). */
  readonly threshold: string;
}

interface BankOutcomeData {
  readonly paymentId: string;
  readonly claimId: string;
  /** The bank receipt (status report) id; an outcome is recorded once per receipt. */
  readonly receiptId: string;
  /** The dispatch attempt the outcome is for. */
  readonly attempt: number;
}

export interface PaymentAcceptedByBankData extends BankOutcomeData {
  readonly bankReference?: string;
}

/** Settlement may arrive without a prior acceptance: the acceptance is then implied, not recorded. */
export interface PaymentSettledData extends BankOutcomeData {
  readonly bankReference?: string;
  /**
   * The bank settled a payment the treasurer had cancelled after its delivery failed (the connector
   * gave up without an answer, and the bank had it after all): the money left, so it is booked.
   */
  readonly afterCancellation?: true;
}

export interface PaymentRejectedByBankData extends BankOutcomeData {
  /** ISO 20022 ExternalStatusReason1Code, e.g. `AC04` (closed account), `AM04` (insufficient funds). */
  readonly reasonCode: string;
  readonly reasonText: string;
}

/** Money came back after settlement (ISO 20022 ExternalReturnReason1Code, e.g. `AC04`, `MD07`). */
export interface PaymentReturnedData extends BankOutcomeData {
  readonly reasonCode: string;
  readonly reasonText: string;
}

/**
 * The connector could not deliver the payment's message to the bank within its configured attempts
 * (timeouts, 5xx). Nothing is known to have left; a treasurer redispatches or cancels it, as after a
 * rejection. The bank deduplicates by end-to-end id, so a redispatch never pays twice.
 */
export interface PaymentDispatchFailedData extends BankOutcomeData {
  /** How many times the connector sent the message. */
  readonly attempts: number;
  readonly reason: string;
  readonly batchId: string;
}

export interface PaymentCancelledData {
  readonly paymentId: string;
  readonly claimId: string;
  readonly cancelledBy: string;
  readonly reason: string;
}

export type PaymentDispatched = DomainEvent<'PaymentDispatched', PaymentDispatchedData>;
export type PaymentRedispatched = DomainEvent<'PaymentRedispatched', PaymentRedispatchedData>;
export type LargePaymentAlertRaised = DomainEvent<'LargePaymentAlertRaised', LargePaymentAlertRaisedData>;
export type PaymentAcceptedByBank = DomainEvent<'PaymentAcceptedByBank', PaymentAcceptedByBankData>;
export type PaymentSettled = DomainEvent<'PaymentSettled', PaymentSettledData>;
export type PaymentRejectedByBank = DomainEvent<'PaymentRejectedByBank', PaymentRejectedByBankData>;
export type PaymentReturned = DomainEvent<'PaymentReturned', PaymentReturnedData>;
export type PaymentDispatchFailed = DomainEvent<'PaymentDispatchFailed', PaymentDispatchFailedData>;
export type PaymentCancelled = DomainEvent<'PaymentCancelled', PaymentCancelledData>;

export type PaymentEvent =
  | PaymentDispatched
  | PaymentRedispatched
  | LargePaymentAlertRaised
  | PaymentAcceptedByBank
  | PaymentSettled
  | PaymentRejectedByBank
  | PaymentReturned
  | PaymentDispatchFailed
  | PaymentCancelled;

export type PaymentEventType = PaymentEvent['type'];

export const PAYMENT_EVENT_SCHEMA_VERSIONS: { readonly [T in PaymentEventType]: number } = {
  PaymentDispatched: 1,
  PaymentRedispatched: 1,
  LargePaymentAlertRaised: 1,
  PaymentAcceptedByBank: 1,
  PaymentSettled: 1,
  PaymentRejectedByBank: 1,
  PaymentReturned: 1,
  PaymentDispatchFailed: 1,
  PaymentCancelled: 1,
};

export const PAYMENT_EVENT_TYPES = Object.keys(PAYMENT_EVENT_SCHEMA_VERSIONS) as readonly PaymentEventType[];

export function isPaymentEvent(event: { readonly type: string }): event is PaymentEvent {
  return Object.prototype.hasOwnProperty.call(PAYMENT_EVENT_SCHEMA_VERSIONS, event.type);
}
