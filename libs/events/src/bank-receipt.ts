import { TopicSpec } from './message-bus.port';

/**
 * What the bank connector publishes for each bank outcome, keyed by payment id so one payment's receipts
 * stay in order. The command side turns each into a payment event, idempotently by `receiptId`. This is
 * an integration message, not an event: it is versioned by `schemaVersion` and validated on receipt.
 */
export const BANK_RECEIPTS_TOPIC = 'ledger.bank-receipts';
/** Receipts the command side could not process, with the reason in the `x-dead-letter-reason` header. */
export const BANK_RECEIPTS_DEAD_LETTER_TOPIC = 'ledger.bank-receipts.dlq';
export const BANK_RECEIPT_SCHEMA_VERSION = 1;

/**
 * The receipt topics, created by whichever app starts first (the connector publishes, the command API
 * consumes). Receipts of different payments are recorded in parallel, one partition each at a time.
 */
export const BANK_RECEIPT_TOPICS: readonly TopicSpec[] = [
  { topic: BANK_RECEIPTS_TOPIC, partitions: 16 },
  { topic: BANK_RECEIPTS_DEAD_LETTER_TOPIC, partitions: 1 },
];

export type BankReceiptOutcome = 'accepted' | 'settled' | 'rejected' | 'returned' | 'failed';

export interface BankReceipt {
  readonly schemaVersion: number;
  /** Unique per outcome: the bank's status id or entry reference, or the connector's own for `failed`. */
  readonly receiptId: string;
  readonly paymentId: string;
  /**
   * The message (batch) the outcome is for: the pain.001 MsgId, which is the ledger's batch id. Status
   * reports name it; a booked entry may not, and is then for the payment's current attempt.
   */
  readonly batchId?: string;
  readonly outcome: BankReceiptOutcome;
  /** ISO 20022 reason code with `rejected` and `returned`. */
  readonly reasonCode?: string;
  readonly reasonText?: string;
  readonly bankReference?: string;
  /** With `failed`: how many times the connector sent the message. */
  readonly attempts?: number;
  /** The bank message it came from (pain.002 or camt.054 MsgId), for the audit trail. */
  readonly bankMessageId: string;
  /** ISO date-time the connector received the bank's message. */
  readonly receivedAt: string;
}

const OUTCOMES: readonly BankReceiptOutcome[] = ['accepted', 'settled', 'rejected', 'returned', 'failed'];

/** Checks a receipt read off the bus; returns it typed, or the reason it cannot be processed. */
export function parseBankReceipt(value: string): { receipt: BankReceipt } | { error: string } {
  let raw: unknown;
  try {
    raw = JSON.parse(value);
  } catch {
    return { error: 'not JSON' };
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return { error: 'not an object' };
  const r = raw as Record<string, unknown>;
  if (r.schemaVersion !== BANK_RECEIPT_SCHEMA_VERSION) {
    return { error: `unsupported schemaVersion ${String(r.schemaVersion)}` };
  }
  for (const field of ['receiptId', 'paymentId', 'bankMessageId', 'receivedAt'] as const) {
    if (typeof r[field] !== 'string' || (r[field] as string).length === 0)
      return { error: `${field} missing` };
  }
  if (!OUTCOMES.includes(r.outcome as BankReceiptOutcome))
    return { error: `unknown outcome ${String(r.outcome)}` };
  for (const field of ['batchId', 'reasonCode', 'reasonText', 'bankReference'] as const) {
    if (r[field] !== undefined && typeof r[field] !== 'string') return { error: `${field} must be text` };
  }
  if ((r.outcome === 'rejected' || r.outcome === 'returned') && typeof r.reasonCode !== 'string') {
    return { error: `a ${r.outcome as string} receipt needs a reasonCode` };
  }
  if (r.outcome === 'failed' && (typeof r.attempts !== 'number' || typeof r.reasonText !== 'string')) {
    return { error: 'a failed receipt needs attempts and reasonText' };
  }
  return { receipt: r as unknown as BankReceipt };
}
