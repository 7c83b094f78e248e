import {
  Admin,
  Consumer,
  EachBatchPayload,
  IHeaders,
  Kafka,
  KafkaMessage,
  logLevel,
  Partitioners,
  Producer,
  RetryOptions,
} from 'kafkajs';
import {
  AdapterHealth,
  BusMessage,
  BusSubscription,
  MessageBus,
  OutgoingMessage,
  SubscribeOptions,
  TopicSpec,
} from '@ledger/events';
import { BusLogger, deliverUntilHandled, describeError, nestBusLogger, pause } from './bus-logger';
import { deliverInKeyOrder, keyConcurrencyOf } from './key-ordered-delivery';

export interface KafkaMessageBusOptions {
  readonly brokers: readonly string[];
  readonly clientId?: string;
  readonly connectionTimeoutMs?: number;
  readonly requestTimeoutMs?: number;
  /**
   * kafkajs retries of requests (producer sends, consumer fetches, admin calls). The default rides
   * out a broker restart of about a minute before a `publish` rejects.
   */
  readonly retry?: RetryOptions;
  /** Replication factor of topics `ensureTopics` creates; -1 (default) takes the broker's default. */
  readonly replicationFactor?: number;
  /** Idempotent producer: a send the client retries is written once. Default true. */
  readonly idempotent?: boolean;
  readonly sessionTimeoutMs?: number;
  readonly heartbeatIntervalMs?: number;
  /** How often handled offsets are committed while a batch is worked through (ms). */
  readonly autoCommitIntervalMs?: number;
  /** Partitions of one consumer handled at the same time (each still one message at a time). */
  readonly partitionsConsumedConcurrently?: number;
  /** Pause before a message whose handler threw is delivered again; doubles per failure. */
  readonly retryDelayMs?: number;
  readonly maxRetryDelayMs?: number;
  readonly logger?: BusLogger;
}

const DEFAULT_RETRY: RetryOptions = { initialRetryTime: 300, maxRetryTime: 10_000, retries: 10 };

/**
 * The message bus on Kafka through kafkajs. Producer: `acks: -1` (all in-sync replicas), idempotent,
 * Kafka's murmur2 key partitioner (the embedded bus uses the same). Consumer: one kafkajs consumer per
 * subscription; messages of a batch are handled one by one, each offset resolved only after its
 * handler resolved and committed at the end of the batch (and every `autoCommitIntervalMs`); a
 * handler that throws is called again after a pause, in place, so the rest of its partition waits.
 * A consumer that crashes on an error kafkajs will not restart from is rebuilt after a pause.
 *
 * Not built on @nestjs/microservices' ServerKafka/ClientKafka: the port needs a programmatic
 * subscription per group with raw key/value/headers, batched keyed sends and control over
 * redelivery, which those classes wrap in their own pattern routing, JSON envelope and one-message
 * `emit`. The Nest side is `MessageBusServer` (message-bus.transport.ts) over any MessageBus.
 */
export class KafkaMessageBus implements MessageBus {
  private readonly kafka: Kafka;
  private readonly options: KafkaMessageBusOptions;
  private readonly logger: BusLogger;
  private producer?: Promise<Producer>;
  private admin?: Promise<Admin>;
  private readonly subscriptions = new Set<KafkaSubscription>();
  private closed = false;

  constructor(options: KafkaMessageBusOptions) {
    if (options.brokers.length === 0) throw new Error('KafkaMessageBus needs at least one broker');
    this.options = options;
    this.logger = options.logger ?? nestBusLogger(KafkaMessageBus.name);
    const logger = this.logger;
    this.kafka = new Kafka({
      clientId: options.clientId ?? 'payment-ledger',
      brokers: [...options.brokers],
      connectionTimeout: options.connectionTimeoutMs ?? 3_000,
      requestTimeout: options.requestTimeoutMs ?? 30_000,
      retry: options.retry ?? DEFAULT_RETRY,
      logLevel: logLevel.WARN,
      logCreator:
        () =>
        ({ namespace, level, log }) => {
          const { message, ...extra } = log;
          const context = { kafkajs: namespace, ...extra };
          if (level === logLevel.ERROR) logger.error(message, context);
          else logger.warn(message, context);
        },
    });
  }

  async ensureTopics(topics: readonly TopicSpec[]): Promise<void> {
    const admin = await this.connectedAdmin();
    const existing = new Set(await admin.listTopics());
    const missing = topics.filter((t) => !existing.has(t.topic));
    if (missing.length === 0) return;
    try {
      await admin.createTopics({
        waitForLeaders: true,
        topics: missing.map((t) => ({
          topic: t.topic,
          numPartitions: t.partitions,
          replicationFactor: this.options.replicationFactor ?? -1,
        })),
      });
    } catch (error) {
      // Another client created it meanwhile: idempotent, as the port asks.
      if ((error as { type?: string }).type !== 'TOPIC_ALREADY_EXISTS') throw error;
    }
  }

  async publish(topic: string, messages: readonly OutgoingMessage[]): Promise<void> {
    if (this.closed) throw new Error('message bus is closed');
    if (messages.length === 0) return;
    const producer = await this.connectedProducer();
    await producer.send({
      topic,
      acks: -1,
      messages: messages.map((m) => ({
        key: m.key,
        value: m.value,
        headers: m.headers ? { ...m.headers } : undefined,
      })),
    });
  }

  async subscribe(
    options: SubscribeOptions,
    handler: (message: BusMessage) => Promise<void>,
  ): Promise<BusSubscription> {
    if (this.closed) throw new Error('message bus is closed');
    if (!options.groupId) throw new Error('subscribe needs a groupId');
    if (options.topics.length === 0) throw new Error('subscribe needs at least one topic');
    const subscription = new KafkaSubscription(this.kafka, this.options, this.logger, options, handler, () =>
      this.subscriptions.delete(subscription),
    );
    this.subscriptions.add(subscription);
    try {
      await subscription.start();
    } catch (error) {
      await subscription.stop();
      throw error;
    }
    return { stop: () => subscription.stop() };
  }

  async health(): Promise<AdapterHealth> {
    let timer: NodeJS.Timeout | undefined;
    // A health check answers promptly: kafkajs would retry an unreachable broker for a minute.
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error('no answer from the brokers within 5 s')), 5_000);
    });
    try {
      const cluster = await Promise.race([
        this.connectedAdmin().then((admin) => admin.describeCluster()),
        timeout,
      ]);
      return {
        status: 'up',
        adapter: 'kafka',
        detail: `${cluster.brokers.length} broker(s), controller ${cluster.controller}`,
      };
    } catch (error) {
      return { status: 'down', adapter: 'kafka', detail: describeError(error) };
    } finally {
      clearTimeout(timer);
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all([...this.subscriptions].map((s) => s.stop()));
    const producer = await this.producer?.catch(() => undefined);
    const admin = await this.admin?.catch(() => undefined);
    await Promise.all([producer?.disconnect(), admin?.disconnect()]);
  }

  private connectedProducer(): Promise<Producer> {
    this.producer ??= (async () => {
      const producer = this.kafka.producer({
        idempotent: this.options.idempotent ?? true,
        // One request in flight keeps a key's messages in order across client retries.
        maxInFlightRequests: 1,
        createPartitioner: Partitioners.DefaultPartitioner,
        retry: this.options.retry ?? DEFAULT_RETRY,
      });
      await producer.connect();
      return producer;
    })().catch((error) => {
      this.producer = undefined;
      throw error;
    });
    return this.producer;
  }

  private connectedAdmin(): Promise<Admin> {
    this.admin ??= (async () => {
      const admin = this.kafka.admin({ retry: this.options.retry ?? DEFAULT_RETRY });
      await admin.connect();
      return admin;
    })().catch((error) => {
      this.admin = undefined;
      throw error;
    });
    return this.admin;
  }
}

class KafkaSubscription {
  private consumer?: Consumer;
  private stopping?: Promise<void>;
  /** Redelivery pauses in progress (one per key in flight at most), cut short by `stop`. */
  private readonly pauses = new Set<{ wake?: () => void }>();
  private rebuildTimer?: NodeJS.Timeout;
  private readonly keyConcurrency: number;

  constructor(
    private readonly kafka: Kafka,
    private readonly options: KafkaMessageBusOptions,
    private readonly logger: BusLogger,
    private readonly subscribe: SubscribeOptions,
    private readonly handler: (message: BusMessage) => Promise<void>,
    private readonly onStopped: () => void,
  ) {
    this.keyConcurrency = keyConcurrencyOf(subscribe);
  }

  async start(): Promise<void> {
    const consumer = this.kafka.consumer({
      groupId: this.subscribe.groupId,
      sessionTimeout: this.options.sessionTimeoutMs ?? 30_000,
      heartbeatInterval: this.options.heartbeatIntervalMs ?? 3_000,
      maxWaitTimeInMs: 500,
      retry: this.options.retry ?? DEFAULT_RETRY,
    });
    this.consumer = consumer;
    consumer.on(consumer.events.CRASH, (event) => {
      if (event.payload.restart || this.stopping) return;
      // kafkajs gave up on this consumer (an error it does not retry): build a new one.
      this.logger.error('kafka consumer crashed; rebuilding it', {
        groupId: this.subscribe.groupId,
        error: describeError(event.payload.error),
      });
      this.scheduleRebuild(consumer);
    });
    await consumer.connect();
    // Without a committed offset a group starts at the beginning, as the port says.
    await consumer.subscribe({ topics: [...this.subscribe.topics], fromBeginning: true });
    await consumer.run({
      autoCommit: true,
      autoCommitInterval: this.options.autoCommitIntervalMs ?? 1_000,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: this.options.partitionsConsumedConcurrently ?? 4,
      eachBatch: (payload) => this.handleBatch(payload),
    });
  }

  private scheduleRebuild(crashed: Consumer): void {
    clearTimeout(this.rebuildTimer);
    this.rebuildTimer = setTimeout(async () => {
      if (this.stopping) return;
      await crashed.disconnect().catch(() => undefined);
      try {
        await this.start();
      } catch (error) {
        this.logger.error('kafka consumer rebuild failed; trying again', {
          groupId: this.subscribe.groupId,
          error: describeError(error),
        });
        if (this.consumer) this.scheduleRebuild(this.consumer);
      }
    }, this.options.maxRetryDelayMs ?? 5_000);
  }

  private async handleBatch(payload: EachBatchPayload): Promise<void> {
    const { batch, resolveOffset, heartbeat, isRunning, isStale, commitOffsetsIfNecessary } = payload;
    const initialDelay = this.options.retryDelayMs ?? 200;
    const maxDelay = this.options.maxRetryDelayMs ?? 10_000;
    // Stopping, or the partition moved to another member: what is not handled stays uncommitted, so it
    // is delivered again wherever the partition is consumed next.
    const stopped = () => !isRunning() || isStale() || this.stopping !== undefined;
    await deliverInKeyOrder(
      batch.messages.map((raw) => toBusMessage(batch.topic, batch.partition, raw)),
      this.keyConcurrency,
      (message) =>
        deliverUntilHandled(() => this.handler(message), {
          initialDelayMs: initialDelay,
          maxDelayMs: maxDelay,
          logger: this.logger,
          context: {
            groupId: this.subscribe.groupId,
            topic: batch.topic,
            partition: batch.partition,
            offset: message.offset,
          },
          pause: (ms) => {
            const signal = {};
            this.pauses.add(signal);
            return pause(ms, signal).finally(() => this.pauses.delete(signal));
          },
          stopped,
          // Throws if the group is rebalancing, which hands the partition over.
          beforeRetry: heartbeat,
        }),
      async (message) => {
        resolveOffset(message.offset);
        await commitOffsetsIfNecessary();
        await heartbeat();
      },
    );
  }

  stop(): Promise<void> {
    this.stopping ??= (async () => {
      clearTimeout(this.rebuildTimer);
      for (const signal of this.pauses) signal.wake?.();
      try {
        // Waits for the batch in flight, whose resolved offsets kafkajs then commits, and leaves the group.
        await this.consumer?.disconnect();
      } finally {
        this.onStopped();
      }
    })();
    return this.stopping;
  }
}

function toBusMessage(topic: string, partition: number, message: KafkaMessage): BusMessage {
  return {
    topic,
    partition,
    offset: message.offset,
    key: message.key?.toString('utf8') ?? '',
    value: message.value?.toString('utf8') ?? '',
    headers: decodeHeaders(message.headers),
    timestamp: new Date(Number(message.timestamp)).toISOString(),
  };
}

function decodeHeaders(headers: IHeaders | undefined): Record<string, string> {
  const decoded: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers ?? {})) {
    if (value === undefined) continue;
    const first = Array.isArray(value) ? value[0] : value;
    decoded[name] = first.toString();
  }
  return decoded;
}
