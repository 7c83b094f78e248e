import { setTimeout as sleep } from 'node:timers/promises';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { BANK_GATEWAY, BankGateway } from '../bank-gateway/bank-gateway.port';
import { BANK_CONNECTOR_CONFIG, BankConnectorConfig } from '../config/bank-connector.config';
import { ConnectorState } from '../state/connector-state';
import { backoffDelayMs } from '../dispatch/retry-policy';
import { BankMessageIntake } from './bank-message-intake';

const PAGE = 100;

/**
 * Reads the bank's message feed (status reports, booking notices, statements) from the stored cursor,
 * hands each message to the intake, and stores the cursor after it: a crash re-reads at most the
 * messages since the last stored cursor, whose receipts the command side records once.
 */
@Injectable()
export class BankFeedPoller {
  private readonly logger = new Logger('BankFeedPoller');
  private running = false;
  private loop?: Promise<void>;
  private wake?: () => void;
  /** The gateway said the bank published since the last read began (gateways that can tell). */
  private published = false;
  private unwatch?: () => void;

  constructor(
    @Inject(BANK_GATEWAY) private readonly bank: BankGateway,
    @Inject(BANK_CONNECTOR_CONFIG) private readonly config: BankConnectorConfig,
    private readonly state: ConnectorState,
    private readonly intake: BankMessageIntake,
  ) {}

  async start(): Promise<void> {
    this.running = true;
    this.unwatch = this.bank.onMessages?.(() => {
      this.published = true;
      this.wake?.();
    });
    const cursor = await this.state.feedCursor();
    this.loop = this.poll(cursor);
  }

  async stop(): Promise<void> {
    this.running = false;
    this.unwatch?.();
    this.wake?.();
    await this.loop;
  }

  /** Reads everything available now; returns how many messages it handled. */
  async drain(cursor: string | undefined): Promise<{ cursor: string | undefined; handled: number }> {
    let handled = 0;
    for (;;) {
      const page = await this.bank.fetchMessages(cursor, PAGE);
      for (const envelope of page) {
        try {
          await this.intake.receive(envelope.jws);
        } catch (error) {
          // Keep what this page got through, so a retry starts at the message that failed.
          if (cursor !== undefined) await this.state.saveFeedCursor(cursor);
          throw error;
        }
        cursor = envelope.cursor;
        handled++;
      }
      // Once a page, not once a message: a crash re-reads at most a page, whose receipts keep their ids.
      if (cursor !== undefined && page.length > 0) await this.state.saveFeedCursor(cursor);
      if (page.length < PAGE || !this.running) return { cursor, handled };
    }
  }

  private async poll(cursor: string | undefined): Promise<void> {
    let failures = 0;
    while (this.running) {
      try {
        this.published = false;
        ({ cursor } = await this.drain(cursor));
        failures = 0;
        // Until the interval is up, or sooner if the bank says it published (then there is more to read).
        if (!this.published) await this.pause(this.config.pollIntervalMs, true);
      } catch (error) {
        failures++;
        const delay = backoffDelayMs(failures, {
          baseMs: this.config.retryBaseMs,
          maxMs: this.config.retryMaxMs,
        });
        this.logger.warn({
          msg: 'bank feed unavailable; retrying',
          failures,
          delayMs: delay,
          error: String(error),
        });
        await this.pause(Math.max(delay, this.config.pollIntervalMs));
      }
    }
  }

  /** Sleeps `ms`; `stop` ends it early, and so does news of published messages if `untilPublished`. */
  private async pause(ms: number, untilPublished = false): Promise<void> {
    const ac = new AbortController();
    this.wake = () => {
      if (untilPublished || !this.running) ac.abort();
    };
    await sleep(ms, undefined, { signal: ac.signal }).catch(() => undefined);
    this.wake = undefined;
  }
}
