import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { BANK_RECEIPT_TOPICS, MESSAGE_BUS, MessageBus } from '@ledger/events';
import { closeIso20022Validator } from '@ledger/iso20022';
import { BankFeedPoller } from './bank-feed/bank-feed-poller';
import { BANK_GATEWAY, BankGateway } from './bank-gateway/bank-gateway.port';
import { IN_PROCESS_SANDBOX_BANK } from './bank-gateway/bank-gateway.providers';
import { SandboxBank } from './sandbox-bank/sandbox-bank';
import { BANK_CONNECTOR_CONFIG, BankConnectorConfig } from './config/bank-connector.config';
import { PaymentDispatcher } from './dispatch/payment-dispatcher';

/** How often the in-process sandbox bank is asked to close yesterday (a no-op once it is closed). */
const END_OF_DAY_CHECK_MS = 60_000;

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
    @Inject(IN_PROCESS_SANDBOX_BANK) private readonly sandbox: SandboxBank | null,
  ) {}

  private endOfDay?: NodeJS.Timeout;

  async onApplicationBootstrap(): Promise<void> {
    await this.bus.ensureTopics(BANK_RECEIPT_TOPICS);
    if (!this.config.enabled) {
      this.logger.log({ msg: 'bank connector disabled (LEDGER_BANK_CONNECTOR=off)' });
      return;
    }
    await this.dispatcher.start();
    await this.poller.start();
    if (this.sandbox) this.closeYesterdayEveryMinute(this.sandbox);
    this.logger.log({ msg: 'bank connector started', bank: this.config.bankUrl ?? 'sandbox (in process)' });
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.endOfDay);
    await this.dispatcher.stop();
    await this.poller.stop();
    await this.bank.close();
    await closeIso20022Validator();
  }

  /**
   * Like a real bank, the sandbox publishes each day's statements after the day ends; the feed brings them
   * to reconciliation. Closing a closed day changes nothing, so checking every minute is enough.
   */
  private closeYesterdayEveryMinute(sandbox: SandboxBank): void {
    const closeYesterday = () => {
      const yesterday = new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);
      sandbox.closeDay(yesterday).catch((error: unknown) => {
        this.logger.warn({ msg: 'sandbox end of day failed', date: yesterday, error: String(error) });
      });
    };
    closeYesterday();
    this.endOfDay = setInterval(closeYesterday, END_OF_DAY_CHECK_MS);
    this.endOfDay.unref();
  }
}
