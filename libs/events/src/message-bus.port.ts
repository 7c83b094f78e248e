import { AdapterHealth } from './event-store.port';

/**
 * A durable, partitioned message log with consumer groups: Kafka in production, an embedded bus by
 * default. Every adapter passes test/contracts/message-bus.contract.ts.
 */
export interface MessageBus {
  /** Creates the topics if missing (idempotent). */
  ensureTopics(topics: readonly TopicSpec[]): Promise<void>;
  /**
   * Appends the messages; resolves once they are durable (acks from all in-sync replicas, or fsync).
   * Messages with the same key go to the same partition, in the order given.
   */
  publish(topic: string, messages: readonly OutgoingMessage[]): Promise<void>;
  /**
   * Delivers the topics' messages to `handler`, at least once. Messages with the same key are handled one
   * at a time, in order; by default so is a whole partition, and with `keyConcurrency` messages of other
   * keys in the partition may be handled meanwhile. An offset is committed only once its message and every
   * earlier one of its partition were handled; if the handler throws, the message is delivered again (after
   * a pause) before any later message of its key. Consumers sharing a `groupId` split the partitions; each
   * group sees every message. Without a committed offset, a group starts at the beginning of the topic.
   */
  subscribe(
    options: SubscribeOptions,
    handler: (message: BusMessage) => Promise<void>,
  ): Promise<BusSubscription>;
  health(): Promise<AdapterHealth>;
  close(): Promise<void>;
}

export interface TopicSpec {
  readonly topic: string;
  readonly partitions: number;
}

export interface OutgoingMessage {
  readonly key: string;
  /** UTF-8 text, usually JSON. */
  readonly value: string;
  readonly headers?: Readonly<Record<string, string>>;
}

export interface BusMessage {
  readonly topic: string;
  readonly partition: number;
  /** Decimal string; increases within a partition. */
  readonly offset: string;
  readonly key: string;
  readonly value: string;
  readonly headers: Readonly<Record<string, string>>;
  /** ISO date-time the bus stored the message. */
  readonly timestamp: string;
}

export interface SubscribeOptions {
  readonly groupId: string;
  readonly topics: readonly string[];
  /**
   * How many messages of one partition, each of another key, may be in their handlers at once (default 1:
   * one message at a time, in offset order). For handlers that wait on I/O, such as a durable append, with
   * far more keys than partitions.
   */
  readonly keyConcurrency?: number;
}

export interface BusSubscription {
  /**
   * Stops delivering; resolves once the handlers in flight (if any) have finished and the offsets of what
   * was handled (in each partition, up to the first message not handled) are committed.
   */
  stop(): Promise<void>;
}

export const MESSAGE_BUS = Symbol('MessageBus');
