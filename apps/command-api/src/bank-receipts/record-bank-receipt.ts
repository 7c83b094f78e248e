import { Inject, Injectable } from '@nestjs/common';
import { BankReceipt, paymentStreamId } from '@ledger/events';
import { PaymentCommand, ROLES } from '@ledger/domain';
import { CommandContext } from '../command-handling/command-context';
import { commandIdFor, requestHashOf } from '../command-handling/command-identity';
import { StreamCommandHandler } from '../command-handling/stream-command-handler';
import { LEDGER_DECIDERS, LedgerDeciders } from '../config/ledger-policies';

/** The service identity receipts are recorded under: only it may report bank outcomes. */
export const BANK_CONNECTOR_ACTOR = { subject: 'bank-connector', roles: [ROLES.bankConnector] } as const;

export type ReceiptOutcome = 'recorded' | 'already_recorded';

/**
 * Turns one bank receipt into a payment event. The receipt id is the command's idempotency key, so a
 * receipt delivered twice appends once; the payment decider also refuses a receipt id it already holds
 * with another outcome. Domain refusals (unknown payment, out of order, final) are thrown as they are:
 * the consumer parks them on the dead-letter topic.
 */
@Injectable()
export class BankReceiptRecorder {
  constructor(
    private readonly streams: StreamCommandHandler,
    @Inject(LEDGER_DECIDERS) private readonly deciders: LedgerDeciders,
  ) {}

  async record(receipt: BankReceipt, correlationId?: string): Promise<ReceiptOutcome> {
    const idempotencyKey = `receipt:${receipt.receiptId}`;
    const commandId = commandIdFor(BANK_CONNECTOR_ACTOR.subject, idempotencyKey);
    const metadata = { actor: BANK_CONNECTOR_ACTOR, now: new Date().toISOString(), commandId };
    const context: CommandContext = {
      metadata,
      correlationId: correlationId ?? commandId,
      idempotencyKey,
      // The bank's receipt id names one outcome for one payment: a redelivery, even read again at another
      // time or after a resend with another attempt count, is the same request.
      requestHash: requestHashOf('bank-receipt', {
        receiptId: receipt.receiptId,
        paymentId: receipt.paymentId,
        outcome: receipt.outcome,
      }),
    };
    const handled = await this.streams.handle(
      paymentStreamId(receipt.paymentId),
      this.deciders.payment,
      commandFor(receipt, metadata),
      context,
    );
    return handled.replayed || handled.events.length === 0 ? 'already_recorded' : 'recorded';
  }
}

function commandFor(receipt: BankReceipt, metadata: PaymentCommand['metadata']): PaymentCommand {
  const base = {
    paymentId: receipt.paymentId,
    receiptId: receipt.receiptId,
    ...(receipt.batchId !== undefined ? { batchId: receipt.batchId } : {}),
  };
  const bankReference = receipt.bankReference !== undefined ? { bankReference: receipt.bankReference } : {};
  const reason = {
    reasonCode: receipt.reasonCode ?? '',
    ...(receipt.reasonText !== undefined ? { reasonText: receipt.reasonText } : {}),
  };
  switch (receipt.outcome) {
    case 'accepted':
      return { type: 'RecordBankAcceptance', data: { ...base, ...bankReference }, metadata };
    case 'settled':
      return { type: 'RecordBankSettlement', data: { ...base, ...bankReference }, metadata };
    case 'rejected':
      return { type: 'RecordBankRejection', data: { ...base, ...reason }, metadata };
    case 'returned':
      return { type: 'RecordBankReturn', data: { ...base, ...reason }, metadata };
    case 'failed':
      return {
        type: 'RecordDispatchFailure',
        data: { ...base, attempts: receipt.attempts ?? 0, reason: receipt.reasonText ?? '' },
        metadata,
      };
  }
}
