import { DomainEvent } from './domain-event';
import { AccountJson } from './shared';
import { MoneyJson } from '../money';

/**
 * One dispatch request, recorded once all its payments are dispatched: what the bank connector turns
 * into one pain.001 message. A redispatch of a rejected payment is a batch of its own.
 */
export interface PaymentBatchDispatchedData {
  readonly batchId: string;
  readonly debtorAccount: AccountJson;
  readonly requestedExecutionDate: string;
  readonly dispatchedBy: string;
  readonly payments: ReadonlyArray<{
    readonly paymentId: string;
    readonly claimId: string;
    readonly amount: MoneyJson;
  }>;
}

export type PaymentBatchDispatched = DomainEvent<'PaymentBatchDispatched', PaymentBatchDispatchedData>;

export type PaymentBatchEvent = PaymentBatchDispatched;
export type PaymentBatchEventType = PaymentBatchEvent['type'];

export const PAYMENT_BATCH_EVENT_SCHEMA_VERSIONS: { readonly [T in PaymentBatchEventType]: number } = {
  PaymentBatchDispatched: 1,
};

export const PAYMENT_BATCH_EVENT_TYPES = Object.keys(
  PAYMENT_BATCH_EVENT_SCHEMA_VERSIONS,
) as readonly PaymentBatchEventType[];
