import { CLAIM_EVENT_SCHEMA_VERSIONS, ClaimEvent } from './claim-events';
import { DUPLICATE_GUARD_EVENT_SCHEMA_VERSIONS, DuplicateGuardEvent } from './duplicate-guard-events';
import { PAYMENT_BATCH_EVENT_SCHEMA_VERSIONS, PaymentBatchEvent } from './payment-batch-events';
import { PAYMENT_EVENT_SCHEMA_VERSIONS, PaymentEvent } from './payment-events';
import { RECONCILIATION_EVENT_SCHEMA_VERSIONS, ReconciliationEvent } from './reconciliation-events';

/** Every event any decider of the ledger emits. */
export type LedgerDomainEvent =
  ClaimEvent | PaymentEvent | PaymentBatchEvent | DuplicateGuardEvent | ReconciliationEvent;
export type LedgerEventType = LedgerDomainEvent['type'];

/** The schema version the application stamps in `metadata.schemaVersion` when it appends an event. */
export const CURRENT_SCHEMA_VERSIONS: { readonly [T in LedgerEventType]: number } & Readonly<
  Record<string, number>
> = {
  ...CLAIM_EVENT_SCHEMA_VERSIONS,
  ...PAYMENT_EVENT_SCHEMA_VERSIONS,
  ...PAYMENT_BATCH_EVENT_SCHEMA_VERSIONS,
  ...DUPLICATE_GUARD_EVENT_SCHEMA_VERSIONS,
  ...RECONCILIATION_EVENT_SCHEMA_VERSIONS,
};

/** The current schema version of an event type; throws for a type the catalog does not know. */
export function currentSchemaVersion(type: string): number {
  if (!Object.prototype.hasOwnProperty.call(CURRENT_SCHEMA_VERSIONS, type)) {
    throw new TypeError(`unknown event type: ${JSON.stringify(type)}`);
  }
  return CURRENT_SCHEMA_VERSIONS[type];
}
