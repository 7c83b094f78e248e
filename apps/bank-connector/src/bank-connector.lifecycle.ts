import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import {
  BANK_RECEIPTS_DEAD_LETTER_TOPIC,
  BANK_RECEIPTS_TOPIC,
  MESSAGE_BUS,
  MessageBus,
} from '@ledger/events';
import { closeIso20022Validator } from '@ledger/iso20022';
import { BankFeedPoller } from './bank-feed/bank-feed-poller';
import { BANK_GATEWAY, BankGateway } from './bank-gateway/bank-gateway.port';
import { BANK_CONNECTOR_CONFIG, BankConnectorConfig } from './config/bank-connector.config';
import { PaymentDispatcher } from './dispatch/payment-dispatcher';

/** Partitions of the receipts topic: receipts of different payments are recorded in parallel. */
export const BANK_RECEIPT_PARTITIONS = 16;

/**
 * Starts dispatching and reading the bank's feed once the app is up, and stops both before the stores
 * close: what is in flight finishes, and its checkpoint or cursor is stored.
 */
@Injectable()
export class BankConnectorLifecycle implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('BankConnector');

  constructor(
    @Inject(BANK_CONNECTOR_CONFIG) private readonly config: BankConnectorConfig,
    @Inject(MESSAGE_BUS) private readonly bus: MessageBus,
    @Inject(BANK_GATEWAY) private readonly bank: BankGateway,
    private readonly dispatcher: PaymentDispatcher,
    private readonly poller: BankFeedPoller,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.bus.ensureTopics([
      { topic: BANK_RECEIPTS_TOPIC, partitions: BANK_RECEIPT_PARTITIONS },
      { topic: BANK_RECEIPTS_DEAD_LETTER_TOPIC, partitions: 1 },
    ]);
    if (!this.config.enabled) {
      this.logger.log({ msg: 'bank connector disabled (LEDGER_BANK_CONNECTOR=off)' });
      return;
    }
    await this.dispatcher.start();
    await this.poller.start();
    this.logger.log({ msg: 'bank connector started', bank: this.config.bankUrl ?? 'sandbox (in process)' });
  }

  async onApplicationShutdown(): Promise<void> {
    await this.dispatcher.stop();
    await this.poller.stop();
    await this.bank.close();
    await closeIso20022Validator();
  }
}
