import { createHash } from 'node:crypto';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { isReconciliationError } from '@ledger/domain';
import {
  BANK_RECEIPT_SCHEMA_VERSION,
  BANK_RECEIPTS_TOPIC,
  BankReceipt,
  EVENT_STORE,
  EventStore,
  fromIsoId,
  MESSAGE_BUS,
  MessageBus,
  paymentBatchStreamId,
  paymentStreamId,
} from '@ledger/events';
import {
  BankToCustomerStatement,
  DebitCreditNotification,
  EntryTransaction,
  Iso20022Error,
  parseBankMessage,
  PaymentStatusReport,
  verifyIso20022,
} from '@ledger/iso20022';
import { ConnectorState, ParkedBankMessage } from '../state/connector-state';
import { BANK_TRUST, BankTrust } from '../signing/connector-keys';

/** Where end-of-day statements go: reconciliation, when the app has it. */
export interface StatementSink {
  reconcile(statement: BankToCustomerStatement, source: { via: 'bank-feed' }): Promise<unknown>;
}
export const STATEMENT_SINK = Symbol('StatementSink');

export interface IntakeResult {
  readonly receipts: number;
  readonly parked: number;
}

const KNOWN_CACHE_LIMIT = 200_000;

/**
 * Everything the bank sends comes through here: the signature is checked against the bank's keys, the
 * XML against its schema, and each outcome for a payment the ledger knows becomes a receipt on the bus,
 * keyed by payment id. Receipt ids come from the bank's own ids, so a message read twice publishes the
 * same receipts, which the command side records once. What cannot be trusted or placed (bad signature,
 * malformed or schema-invalid XML, an unknown end-to-end id) is logged and parked; nothing is published
 * for it.
 */
@Injectable()
export class BankMessageIntake {
  private readonly logger = new Logger('BankMessageIntake');
  private readonly knownPayments = new Set<string>();

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(MESSAGE_BUS) private readonly bus: MessageBus,
    @Inject(BANK_TRUST) private readonly trust: BankTrust,
    private readonly state: ConnectorState,
    @Inject(STATEMENT_SINK) private readonly statements: StatementSink | null,
  ) {}

  /** Payments the dispatcher just sent: no need to look them up when their receipts come back. */
  remember(paymentIds: readonly string[]): void {
    if (this.knownPayments.size + paymentIds.length > KNOWN_CACHE_LIMIT) this.knownPayments.clear();
    for (const id of paymentIds) this.knownPayments.add(id);
  }

  async receive(jws: string, receivedAt = new Date().toISOString()): Promise<IntakeResult> {
    let xml: string;
    let message: ReturnType<typeof parseBankMessage> extends Promise<infer T> ? T : never;
    try {
      ({ xml } = await verifyIso20022(jws, this.trust.keys));
      message = await parseBankMessage(xml);
    } catch (error) {
      if (!(error instanceof Iso20022Error)) throw error;
      await this.park([parked(error.code, error.message, jws, receivedAt)]);
      return { receipts: 0, parked: 1 };
    }
    switch (message.type) {
      case 'pain.002.001.11':
        return this.publish(await this.statusReceipts(message.message, receivedAt), receivedAt);
      case 'camt.054.001.08':
        return this.publish(this.notificationReceipts(message.message, receivedAt), receivedAt);
      case 'camt.053.001.08':
      case 'camt.053.001.02':
        if (!this.statements) return { receipts: 0, parked: 0 };
        try {
          await this.statements.reconcile(message.message, { via: 'bank-feed' });
        } catch (error) {
          // A statement reconciliation refuses for good (conflicting, out of order, impossible) is parked;
          // anything else (the read model behind, a store down) is thrown, and the feed reads it again.
          if (!isReconciliationError(error)) throw error;
          await this.park([parked(error.code, error.message, jws, receivedAt)]);
          return { receipts: 0, parked: 1 };
        }
        return { receipts: 0, parked: 0 };
    }
  }

  private async statusReceipts(report: PaymentStatusReport, receivedAt: string): Promise<Candidate[]> {
    const batchId = fromIsoId(report.originalMessageId);
    const common = { batchId, bankMessageId: report.messageId, receivedAt };
    if (report.transactions.length === 0 && report.groupStatus === 'RJCT') {
      // The whole message refused without transaction lines: every payment of the batch is rejected.
      const batch = await this.store.readStream(paymentBatchStreamId(batchId));
      const payments = batch.flatMap((e) =>
        e.type === 'PaymentBatchDispatched' ? (e.data as { payments: { paymentId: string }[] }).payments : [],
      );
      return payments.map((p) => ({
        endToEndId: p.paymentId,
        receipt: {
          ...common,
          schemaVersion: BANK_RECEIPT_SCHEMA_VERSION,
          receiptId: `${report.messageId}:group:${p.paymentId}`,
          paymentId: p.paymentId,
          outcome: 'rejected',
          reasonCode: report.groupReasonCode ?? 'NARR',
          reasonText: 'the bank rejected the whole message',
        },
      }));
    }
    const candidates: Candidate[] = [];
    for (const tx of report.transactions) {
      const outcome = STATUS_OUTCOME[tx.status];
      if (outcome === undefined) continue; // technically accepted or pending: nothing to record yet
      const paymentId = fromIsoId(tx.originalEndToEndId);
      candidates.push({
        endToEndId: tx.originalEndToEndId,
        receipt: {
          ...common,
          schemaVersion: BANK_RECEIPT_SCHEMA_VERSION,
          receiptId: `${report.messageId}:${tx.statusId}`,
          paymentId,
          outcome,
          ...(tx.reasonCode !== undefined ? { reasonCode: tx.reasonCode } : {}),
          ...(tx.reasonText !== undefined ? { reasonText: tx.reasonText } : {}),
          ...(tx.bankReference !== undefined ? { bankReference: tx.bankReference } : {}),
        },
      });
    }
    return candidates;
  }

  private notificationReceipts(notification: DebitCreditNotification, receivedAt: string): Candidate[] {
    // A batch-booked entry carries one transaction per transfer; a single one carries its own fields.
    return notification.entries.flatMap((entry) => {
      const lines: readonly EntryTransaction[] = entry.transactions ?? [entry];
      // Only transfers the ledger sent carry an end-to-end id, and only returns come back as credits: fees,
      // interest and top-ups are the statement's business (reconciliation), not a payment's outcome.
      const outcomes = lines.filter(
        (line) =>
          line.endToEndId !== undefined &&
          (entry.creditDebit === 'DBIT' || line.returnReasonCode !== undefined),
      );
      return outcomes.map((line) => {
        const endToEndId = line.endToEndId;
        const base = {
          schemaVersion: BANK_RECEIPT_SCHEMA_VERSION,
          receiptId:
            entry.transactions !== undefined
              ? `entry:${entry.entryReference}:${endToEndId ?? '?'}`
              : `entry:${entry.entryReference}`,
          paymentId: endToEndId !== undefined ? fromIsoId(endToEndId) : '',
          bankMessageId: notification.messageId,
          receivedAt,
          ...(entry.bankReference !== undefined ? { bankReference: entry.bankReference } : {}),
        };
        const receipt: BankReceipt =
          entry.creditDebit === 'DBIT'
            ? { ...base, outcome: 'settled' }
            : {
                ...base,
                outcome: 'returned',
                reasonCode: line.returnReasonCode ?? 'NARR',
                ...(line.returnReasonText !== undefined ? { reasonText: line.returnReasonText } : {}),
              };
        return { endToEndId, receipt, entryReference: entry.entryReference };
      });
    });
  }

  private async publish(candidates: Candidate[], receivedAt: string): Promise<IntakeResult> {
    const accepted: BankReceipt[] = [];
    const refused: ParkedBankMessage[] = [];
    for (const candidate of candidates) {
      if (candidate.endToEndId === undefined || candidate.receipt.paymentId === '') {
        refused.push(
          parked(
            'BANK_MESSAGE.NO_END_TO_END_ID',
            `entry ${candidate.entryReference ?? '?'} names no end-to-end id`,
            JSON.stringify(candidate.receipt),
            receivedAt,
          ),
        );
      } else if (!(await this.isKnown(candidate.receipt.paymentId))) {
        refused.push(
          parked(
            'BANK_MESSAGE.UNKNOWN_END_TO_END_ID',
            `the bank reports on ${candidate.endToEndId}, which is no payment of this ledger`,
            JSON.stringify(candidate.receipt),
            receivedAt,
          ),
        );
      } else {
        accepted.push(candidate.receipt);
      }
    }
    await this.park(refused);
    if (accepted.length > 0) {
      await this.bus.publish(
        BANK_RECEIPTS_TOPIC,
        accepted.map((receipt) => ({
          key: receipt.paymentId,
          value: JSON.stringify(receipt),
          headers: { 'x-receipt-id': receipt.receiptId, 'x-bank-message-id': receipt.bankMessageId },
        })),
      );
    }
    return { receipts: accepted.length, parked: refused.length };
  }

  private async isKnown(paymentId: string): Promise<boolean> {
    if (this.knownPayments.has(paymentId)) return true;
    const events = await this.store.readStream(paymentStreamId(paymentId), { maxCount: 1 });
    if (events.length === 0) return false;
    this.remember([paymentId]);
    return true;
  }

  private async park(messages: ParkedBankMessage[]): Promise<void> {
    for (const m of messages) {
      this.logger.warn({ msg: 'bank message parked', code: m.code, reason: m.reason, id: m.id });
    }
    await this.state.park(messages);
  }
}

interface Candidate {
  readonly endToEndId: string | undefined;
  readonly receipt: BankReceipt;
  readonly entryReference?: string;
}

const STATUS_OUTCOME: Partial<Record<string, BankReceipt['outcome']>> = {
  ACCP: 'accepted',
  ACSP: 'accepted',
  ACSC: 'settled',
  RJCT: 'rejected',
};

function parked(code: string, reason: string, received: string, parkedAt: string): ParkedBankMessage {
  const id = createHash('sha256').update(`${code}\n${received}`).digest('base64url');
  return { id, code, reason, parkedAt, received };
}
