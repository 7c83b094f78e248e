import { Inject, Injectable, Logger } from '@nestjs/common';
import {
  BANK_RECEIPTS_DEAD_LETTER_TOPIC,
  BusMessage,
  MESSAGE_BUS,
  MessageBus,
  parseBankReceipt,
} from '@ledger/events';
import { DomainError } from '@ledger/domain';
import { ProblemError } from '@ledger/infra';
import { BankReceiptRecorder } from './record-bank-receipt';

export const DEAD_LETTER_REASON_HEADER = 'x-dead-letter-reason';

/**
 * Reads bank receipts off the bus and records them as payment events. A receipt that can never be
 * recorded (malformed, for an unknown payment, out of order, a receipt id reused with other content)
 * goes to the dead-letter topic with the reason, and the partition moves on. Anything else (the event
 * store unavailable, a write race that kept losing) is thrown, so the bus delivers the receipt again.
 */
@Injectable()
export class BankReceiptsConsumer {
  private readonly logger = new Logger('BankReceipts');

  constructor(
    private readonly recorder: BankReceiptRecorder,
    @Inject(MESSAGE_BUS) private readonly bus: MessageBus,
  ) {}

  async handle(message: BusMessage): Promise<void> {
    const parsed = parseBankReceipt(message.value);
    if ('error' in parsed) return this.deadLetter(message, `RECEIPT.MALFORMED: ${parsed.error}`);
    const { receipt } = parsed;
    if (receipt.paymentId !== message.key) {
      return this.deadLetter(message, `RECEIPT.MALFORMED: keyed ${message.key} but for ${receipt.paymentId}`);
    }
    try {
      await this.recorder.record(receipt, message.headers['x-correlation-id']);
    } catch (error) {
      if (error instanceof DomainError) return this.deadLetter(message, `${error.code}: ${error.message}`);
      if (error instanceof ProblemError && error.status < 500) {
        return this.deadLetter(message, `${error.code}: ${error.message}`);
      }
      throw error;
    }
  }

  private async deadLetter(message: BusMessage, reason: string): Promise<void> {
    this.logger.warn({
      msg: 'bank receipt dead-lettered',
      reason,
      key: message.key,
      topic: message.topic,
      partition: message.partition,
      offset: message.offset,
    });
    await this.bus.publish(BANK_RECEIPTS_DEAD_LETTER_TOPIC, [
      {
        key: message.key,
        value: message.value,
        headers: {
          ...message.headers,
          [DEAD_LETTER_REASON_HEADER]: reason,
          'x-original-topic': message.topic,
          'x-original-partition': String(message.partition),
          'x-original-offset': message.offset,
        },
      },
    ]);
  }
}
