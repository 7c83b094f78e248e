import { setTimeout as sleep } from 'node:timers/promises';
import { Inject, Injectable, Logger } from '@nestjs/common';
import {
  AllSubscription,
  BANK_RECEIPT_SCHEMA_VERSION,
  BANK_RECEIPTS_TOPIC,
  BankReceipt,
  EVENT_STORE,
  EventStore,
  MESSAGE_BUS,
  MessageBus,
  PaymentBatchDispatchedData,
  PaymentDispatchedData,
  paymentStreamId,
  RecordedEvent,
} from '@ledger/events';
import { buildPain001, signIso20022, validateIso20022 } from '@ledger/iso20022';
import { BankMessageIntake } from '../bank-feed/bank-message-intake';
import { BANK_GATEWAY, BankGateway, BankRefusedError } from '../bank-gateway/bank-gateway.port';
import { BANK_CONNECTOR_CONFIG, BankConnectorConfig } from '../config/bank-connector.config';
import { CONNECTOR_SIGNING_KEY, ConnectorSigningKey } from '../signing/connector-keys';
import { ConnectorState } from '../state/connector-state';
import { creditTransferMessage } from './credit-transfer-message';
import { InOrderCheckpoint } from './in-order-checkpoint';
import { backoffDelayMs } from './retry-policy';

export interface DispatchReport {
  readonly batchId: string;
  readonly payments: number;
  readonly attempts: number;
  readonly outcome: 'sent' | 'failed';
}

/**
 * Follows the log for dispatched batches and sends each to the bank as one signed pain.001. The
 * message id is the batch id, so a resend after a timeout, a 5xx or a crash is the same message, which
 * the bank deduplicates: a payment leaves once. The checkpoint moves only past batches the bank has
 * acknowledged (or that were given up on and marked failed), after their receipts are on the bus.
 */
@Injectable()
export class PaymentDispatcher {
  private readonly logger = new Logger('PaymentDispatcher');
  private subscription?: AllSubscription;
  private loop?: Promise<void>;
  private stopping = false;
  /** Ends every backoff pause at once on stop, so a shutdown does not wait out a retry delay. */
  private readonly stopped = new AbortController();
  private readonly inFlight = new Set<Promise<void>>();
  private checkpointWrite: Promise<void> = Promise.resolve();

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(BANK_GATEWAY) private readonly bank: BankGateway,
    @Inject(MESSAGE_BUS) private readonly bus: MessageBus,
    @Inject(CONNECTOR_SIGNING_KEY) private readonly key: ConnectorSigningKey,
    @Inject(BANK_CONNECTOR_CONFIG) private readonly config: BankConnectorConfig,
    private readonly state: ConnectorState,
    private readonly intake: BankMessageIntake,
  ) {}

  async start(): Promise<void> {
    const from = await this.state.dispatchCheckpoint();
    // Past the log's end, the state is another log's: following from it would skip its batches unsent.
    const head = from === null ? null : await this.store.headPosition();
    if (from !== null && head !== null && from > head) {
      throw new Error(
        `the connector's dispatch checkpoint ${from} is past the log's last position ${head}: its state ` +
          'belongs to another log',
      );
    }
    this.loop = this.run(from);
  }

  async stop(): Promise<void> {
    this.stopping = true;
    this.stopped.abort();
    await this.subscription?.close();
    await this.loop;
  }

  /** Follows the log; a failed subscription is opened again from the checkpoint, after a pause. */
  private async run(from: bigint | null): Promise<void> {
    for (let failures = 0; !this.stopping;) {
      this.subscription = this.store.subscribeToAll({
        fromPosition: from ?? 'start',
        filter: { eventTypePrefixes: ['PaymentBatchDispatched'] },
      });
      try {
        await this.follow(this.subscription);
        failures = 0;
      } catch (error) {
        failures++;
        this.logger.error({ msg: 'dispatch subscription failed', failures, error: String(error) });
      }
      // Batches in flight finish (or stop) first, so the stored checkpoint is where to start again.
      await Promise.allSettled([...this.inFlight]);
      await this.checkpointWrite;
      if (this.stopping) return;
      await sleep(
        backoffDelayMs(failures + 1, { baseMs: this.config.retryBaseMs, maxMs: this.config.retryMaxMs }),
        undefined,
        { signal: this.stopped.signal },
      ).catch(() => undefined);
      from = await this.state.dispatchCheckpoint().catch(() => from);
    }
  }

  private async follow(subscription: AllSubscription): Promise<void> {
    const checkpoint = new InOrderCheckpoint();
    for await (const event of subscription) {
      if (this.stopping) break;
      while (this.inFlight.size >= this.config.dispatchConcurrency) await Promise.race(this.inFlight);
      checkpoint.begin(event.position);
      const work: Promise<void> = this.dispatchUntilDone(event)
        .then(() => {
          const safe = checkpoint.done(event.position);
          if (safe !== null) this.saveCheckpoint(safe);
        })
        .catch((error: unknown) => {
          // Stopped before the batch was acknowledged: the checkpoint stays before it, so a restart resends.
          this.logger.warn({
            msg: 'batch dispatch stopped',
            position: String(event.position),
            error: String(error),
          });
        })
        .finally(() => this.inFlight.delete(work));
      this.inFlight.add(work);
    }
  }

  private saveCheckpoint(position: bigint): void {
    this.checkpointWrite = this.checkpointWrite
      .then(() => this.state.saveDispatchCheckpoint(position))
      .catch((error: unknown) => this.logger.error({ msg: 'checkpoint not saved', error: String(error) }));
  }

  /**
   * A batch whose sending broke off for another reason than the bank (the store or the bus unavailable)
   * is tried again here, with backoff, holding the checkpoint before it; it is never skipped.
   */
  private async dispatchUntilDone(event: RecordedEvent): Promise<DispatchReport> {
    for (let failures = 1; ; failures++) {
      try {
        return await this.dispatchBatch(event);
      } catch (error) {
        if (this.stopping) throw error;
        const delay = backoffDelayMs(failures, {
          baseMs: this.config.retryBaseMs,
          maxMs: this.config.retryMaxMs,
        });
        this.logger.error({
          msg: 'batch dispatch interrupted; trying again',
          position: String(event.position),
          delayMs: delay,
          error: String(error),
        });
        await sleep(delay, undefined, { signal: this.stopped.signal });
      }
    }
  }

  /** Builds, signs and sends one batch; resolves once its outcome is on the bus. */
  async dispatchBatch(event: RecordedEvent): Promise<DispatchReport> {
    const batch = event.data as PaymentBatchDispatchedData;
    const dispatches = await this.dispatchesOf(batch);
    if (dispatches.length === 0) {
      return { batchId: batch.batchId, payments: 0, attempts: 0, outcome: 'failed' };
    }
    const message = creditTransferMessage(
      batch,
      event.metadata.occurredAt,
      dispatches,
      this.config.companyName,
    );
    // Indented, as every version before wrote it: a batch sent before an upgrade and resent after it
    // (crash, timeout) must be the same bytes, or the bank refuses it as another message under the
    // same id and its payments would be marked failed although the bank has them.
    const xml = buildPain001(message, { layout: 'indented' });
    // Signed on this thread while the schema is checked on the validator's: a signature of a message
    // that fails its schema is thrown away unsent.
    const [validation, signing] = await Promise.all([
      validateIso20022(xml),
      signIso20022(xml, this.key).then(
        (jws) => ({ jws }),
        (error: unknown) => ({ error }),
      ),
    ]);
    if (!validation.valid) {
      // Our own message breaks the schema: a bug, never sent; the treasurer sees the payments failed.
      this.logger.error({
        msg: 'pain.001 failed its schema',
        batchId: batch.batchId,
        errors: validation.errors,
      });
      return this.giveUp(
        batch,
        dispatches,
        0,
        `the pain.001 failed schema validation: ${validation.errors[0] ?? ''}`,
      );
    }
    if ('error' in signing) throw signing.error;
    const signed = signing.jws;
    this.intake.remember(dispatches.map((d) => d.paymentId));
    for (let attempt = 1; ; attempt++) {
      try {
        const acknowledgement = await this.bank.submitCreditTransfers(signed);
        await this.intake.receive(acknowledgement);
        return { batchId: batch.batchId, payments: dispatches.length, attempts: attempt, outcome: 'sent' };
      } catch (error) {
        if (error instanceof BankRefusedError) {
          return this.giveUp(batch, dispatches, attempt, `the bank refused the message: ${error.message}`);
        }
        if (attempt >= this.config.maxAttempts) {
          return this.giveUp(
            batch,
            dispatches,
            attempt,
            `the bank did not answer after ${attempt} attempts: ${String(error)}`,
          );
        }
        const delay = backoffDelayMs(attempt, {
          baseMs: this.config.retryBaseMs,
          maxMs: this.config.retryMaxMs,
        });
        this.logger.warn({
          msg: 'bank send failed; retrying',
          batchId: batch.batchId,
          attempt,
          delayMs: delay,
          error: String(error),
        });
        await sleep(delay, undefined, { signal: this.stopped.signal });
      }
    }
  }

  /** The attempt of each payment that went out in this batch, read from the payment streams (in one go). */
  private async dispatchesOf(batch: PaymentBatchDispatchedData): Promise<PaymentDispatchedData[]> {
    const streams = await this.store.readStreams(batch.payments.map((p) => paymentStreamId(p.paymentId)));
    const found = batch.payments.map(({ paymentId }) => {
      const events = streams.get(paymentStreamId(paymentId)) ?? [];
      const attempt = events.find(
        (e) =>
          (e.type === 'PaymentDispatched' || e.type === 'PaymentRedispatched') &&
          (e.data as PaymentDispatchedData).batchId === batch.batchId,
      );
      if (!attempt) {
        // The batch lists what its dispatch recorded, so this is damage, not a race: send the rest.
        this.logger.error({
          msg: 'payment of the batch has no dispatch in it; not sent',
          paymentId,
          batchId: batch.batchId,
        });
        return undefined;
      }
      const { corrected: _corrected, ...data } = attempt.data as PaymentDispatchedData & {
        corrected?: unknown;
      };
      return data;
    });
    return found.filter((d): d is PaymentDispatchedData => d !== undefined);
  }

  private async giveUp(
    batch: PaymentBatchDispatchedData,
    dispatches: readonly PaymentDispatchedData[],
    attempts: number,
    reason: string,
  ): Promise<DispatchReport> {
    const receivedAt = new Date().toISOString();
    const receipts: BankReceipt[] = dispatches.map((d) => ({
      schemaVersion: BANK_RECEIPT_SCHEMA_VERSION,
      receiptId: `dispatch-failed:${batch.batchId}:${d.paymentId}`,
      paymentId: d.paymentId,
      batchId: batch.batchId,
      outcome: 'failed',
      attempts: Math.max(1, attempts),
      reasonText: reason.slice(0, 500),
      bankMessageId: batch.batchId,
      receivedAt,
    }));
    await this.bus.publish(
      BANK_RECEIPTS_TOPIC,
      receipts.map((r) => ({
        key: r.paymentId,
        value: JSON.stringify(r),
        headers: { 'x-receipt-id': r.receiptId },
      })),
    );
    this.logger.error({ msg: 'batch marked failed', batchId: batch.batchId, attempts, reason });
    return { batchId: batch.batchId, payments: dispatches.length, attempts, outcome: 'failed' };
  }
}
