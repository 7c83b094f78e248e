import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { dirname, resolve as resolvePath } from 'node:path';
import Database from 'better-sqlite3';
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
import { partitionForKey } from './key-partitioner';

export interface EmbeddedMessageBusOptions {
  /** Path of the SQLite file. */
  readonly file: string;
  /** Partitions of a topic that is published to before `ensureTopics` named it (Kafka's `num.partitions`). */
  readonly defaultPartitions?: number;
  /** How often idle consumers look for messages written by another process (ms). */
  readonly pollIntervalMs?: number;
  /** How often a consumer renews its membership and partition leases, and rebalances (ms). */
  readonly heartbeatIntervalMs?: number;
  /** A consumer that has not renewed for this long is presumed dead and its partitions move (ms). */
  readonly sessionTimeoutMs?: number;
  /** Handled offsets are written at most this often (ms); `stop()` writes them at once. */
  readonly commitIntervalMs?: number;
  /** Pause before a message whose handler threw is delivered again; doubles per failure. */
  readonly retryDelayMs?: number;
  readonly maxRetryDelayMs?: number;
  /** Messages read from a partition per query. */
  readonly fetchSize?: number;
  readonly logger?: BusLogger;
}

const SCHEMA = `
  CREATE TABLE IF NOT EXISTS bus_topics (
    topic      TEXT    PRIMARY KEY,
    partitions INTEGER NOT NULL
  ) WITHOUT ROWID;
  CREATE TABLE IF NOT EXISTS bus_messages (
    topic      TEXT    NOT NULL,
    partition  INTEGER NOT NULL,
    offset     INTEGER NOT NULL,
    key        TEXT    NOT NULL,
    value      TEXT    NOT NULL,
    headers    TEXT,
    timestamp  INTEGER NOT NULL,
    PRIMARY KEY (topic, partition, offset)
  ) WITHOUT ROWID;
  CREATE TABLE IF NOT EXISTS bus_group_offsets (
    group_id    TEXT    NOT NULL,
    topic       TEXT    NOT NULL,
    partition   INTEGER NOT NULL,
    next_offset INTEGER NOT NULL,
    PRIMARY KEY (group_id, topic, partition)
  ) WITHOUT ROWID;
  CREATE TABLE IF NOT EXISTS bus_members (
    group_id   TEXT    NOT NULL,
    member_id  TEXT    NOT NULL,
    topics     TEXT    NOT NULL,
    expires_at INTEGER NOT NULL,
    PRIMARY KEY (group_id, member_id)
  ) WITHOUT ROWID;
  CREATE TABLE IF NOT EXISTS bus_leases (
    group_id   TEXT    NOT NULL,
    topic      TEXT    NOT NULL,
    partition  INTEGER NOT NULL,
    member_id  TEXT    NOT NULL,
    expires_at INTEGER NOT NULL,
    PRIMARY KEY (group_id, topic, partition)
  ) WITHOUT ROWID;
`;

type MessageRow = [offset: number, key: string, value: string, headers: string | null, timestamp: number];

interface QueuedPublish {
  readonly topic: string;
  readonly messages: readonly OutgoingMessage[];
  readonly resolve: () => void;
  readonly reject: (error: unknown) => void;
}

/** The buses open in this process, by file: members of one group on one file hear of each other at once. */
const openBuses = new Map<string, Set<EmbeddedMessageBus>>();

/** A topic-partition as one string, the key of the maps below. */
type PartitionId = string;
const partitionId = (topic: string, partition: number): PartitionId => `${partition}:${topic}`;
function parsePartitionId(id: PartitionId): { topic: string; partition: number } {
  const colon = id.indexOf(':');
  return { topic: id.slice(colon + 1), partition: Number(id.slice(0, colon)) };
}

interface Claim {
  /** Partitions this member should own and holds the lease of. */
  readonly held: Set<PartitionId>;
  /** Partitions it still holds but should hand over. */
  readonly surplus: Set<PartitionId>;
}

/**
 * A partitioned, durable message log with consumer groups in one SQLite file (WAL,
 * `synchronous=FULL`): no server. A `publish` that resolved is on disk and survives `kill -9`.
 *
 * - Publishes that arrive together are written in one transaction (one fsync for the group).
 * - A consumer group's members split the partitions through leases in the file: each member renews
 *   its membership and leases every heartbeat, computes the same assignment from the live members,
 *   takes a partition only when its lease is free or expired, and hands one over only after its
 *   in-flight handler finished and its offset is written. So members in other processes on the same
 *   file take part too, and a member that died loses its partitions after the session timeout.
 * - Offsets are committed only for handled messages, and only while the lease is held.
 * - Consumers wake on publishes of this process and poll `PRAGMA data_version` (which changes when
 *   another connection commits) for those of other processes.
 */
export class EmbeddedMessageBus implements MessageBus {
  readonly options: Required<Omit<EmbeddedMessageBusOptions, 'logger'>>;
  readonly logger: BusLogger;
  private readonly db: Database.Database;
  private readonly path: string;
  private readonly consumers = new Set<EmbeddedConsumer>();
  private queue: QueuedPublish[] = [];
  private flushScheduled = false;
  private closed = false;
  private readonly partitionCounts = new Map<string, number>();
  /** Topics the last publish transaction created. */
  private autoCreated: string[] = [];
  private readonly waiters = new Map<string, Set<() => void>>();
  private pollTimer?: NodeJS.Timeout;
  private dataVersion = -1;
  /** Publish transactions and the messages they carried: group commit shows as messages ≫ commits. */
  readonly stats = { publishCommits: 0, publishes: 0, messages: 0 };

  private readonly stmts: {
    topicPartitions: Database.Statement<[string]>;
    insertTopic: Database.Statement<[string, number]>;
    head: Database.Statement<[string, number]>;
    insertMessage: Database.Statement<[string, number, number, string, string, string | null, number]>;
    read: Database.Statement<[string, number, number, number]>;
    committed: Database.Statement<[string, string, number]>;
    commit: Database.Statement<[string, string, number, number, string, string, number, string]>;
    upsertMember: Database.Statement<[string, string, string, number]>;
    deleteExpiredMembers: Database.Statement<[string, number]>;
    liveMembers: Database.Statement<[string, number]>;
    lease: Database.Statement<[string, string, number]>;
    takeLease: Database.Statement<[string, string, number, string, number]>;
    renewLease: Database.Statement<[number, string, string, number, string]>;
    releaseLease: Database.Statement<[string, string, number, string]>;
    releaseAllLeases: Database.Statement<[string, string]>;
    deleteMember: Database.Statement<[string, string]>;
    dataVersion: Database.Statement<[]>;
  };

  constructor(options: EmbeddedMessageBusOptions) {
    this.options = {
      file: options.file,
      defaultPartitions: options.defaultPartitions ?? 1,
      pollIntervalMs: options.pollIntervalMs ?? 20,
      heartbeatIntervalMs: options.heartbeatIntervalMs ?? 500,
      sessionTimeoutMs: options.sessionTimeoutMs ?? 5_000,
      commitIntervalMs: options.commitIntervalMs ?? 50,
      retryDelayMs: options.retryDelayMs ?? 200,
      maxRetryDelayMs: options.maxRetryDelayMs ?? 10_000,
      fetchSize: options.fetchSize ?? 256,
    };
    this.logger = options.logger ?? nestBusLogger(EmbeddedMessageBus.name);
    mkdirSync(dirname(options.file), { recursive: true });
    this.db = new Database(options.file);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = FULL');
    // Another process may hold the write lock for a moment.
    this.db.pragma('busy_timeout = 5000');
    this.db.exec(SCHEMA);
    this.path = resolvePath(options.file);
    openBuses.set(this.path, (openBuses.get(this.path) ?? new Set()).add(this));
    const db = this.db;
    this.stmts = {
      topicPartitions: db.prepare('SELECT partitions FROM bus_topics WHERE topic = ?').pluck(),
      insertTopic: db.prepare(
        'INSERT INTO bus_topics (topic, partitions) VALUES (?, ?) ON CONFLICT DO NOTHING',
      ),
      head: db.prepare('SELECT max(offset) FROM bus_messages WHERE topic = ? AND partition = ?').pluck(),
      insertMessage: db.prepare(
        `INSERT INTO bus_messages (topic, partition, offset, key, value, headers, timestamp)
         VALUES (?, ?, ?, ?, ?, ?, ?)`,
      ),
      read: db
        .prepare(
          `SELECT offset, key, value, headers, timestamp FROM bus_messages
           WHERE topic = ? AND partition = ? AND offset >= ? ORDER BY offset LIMIT ?`,
        )
        .raw() as Database.Statement<[string, number, number, number]>,
      committed: db
        .prepare(
          'SELECT next_offset FROM bus_group_offsets WHERE group_id = ? AND topic = ? AND partition = ?',
        )
        .pluck(),
      // Only the lease holder's commit counts: a member that lost its lease cannot move the offset.
      commit: db.prepare(
        `INSERT INTO bus_group_offsets (group_id, topic, partition, next_offset)
         SELECT ?, ?, ?, ? WHERE EXISTS (SELECT 1 FROM bus_leases
           WHERE group_id = ? AND topic = ? AND partition = ? AND member_id = ?)
         ON CONFLICT (group_id, topic, partition) DO UPDATE SET next_offset = excluded.next_offset`,
      ),
      upsertMember: db.prepare(
        `INSERT INTO bus_members (group_id, member_id, topics, expires_at) VALUES (?, ?, ?, ?)
         ON CONFLICT (group_id, member_id) DO UPDATE SET topics = excluded.topics, expires_at = excluded.expires_at`,
      ),
      deleteExpiredMembers: db.prepare('DELETE FROM bus_members WHERE group_id = ? AND expires_at < ?'),
      liveMembers: db
        .prepare(
          'SELECT member_id, topics FROM bus_members WHERE group_id = ? AND expires_at >= ? ORDER BY member_id',
        )
        .raw() as Database.Statement<[string, number]>,
      lease: db
        .prepare(
          'SELECT member_id, expires_at FROM bus_leases WHERE group_id = ? AND topic = ? AND partition = ?',
        )
        .raw() as Database.Statement<[string, string, number]>,
      takeLease: db.prepare(
        `INSERT INTO bus_leases (group_id, topic, partition, member_id, expires_at) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (group_id, topic, partition) DO UPDATE SET member_id = excluded.member_id, expires_at = excluded.expires_at`,
      ),
      renewLease: db.prepare(
        `UPDATE bus_leases SET expires_at = ? WHERE group_id = ? AND topic = ? AND partition = ? AND member_id = ?`,
      ),
      releaseLease: db.prepare(
        'DELETE FROM bus_leases WHERE group_id = ? AND topic = ? AND partition = ? AND member_id = ?',
      ),
      releaseAllLeases: db.prepare('DELETE FROM bus_leases WHERE group_id = ? AND member_id = ?'),
      deleteMember: db.prepare('DELETE FROM bus_members WHERE group_id = ? AND member_id = ?'),
      dataVersion: db.prepare('PRAGMA data_version').pluck(),
    };
  }

  async ensureTopics(topics: readonly TopicSpec[]): Promise<void> {
    this.assertOpen();
    for (const spec of topics) {
      if (!Number.isInteger(spec.partitions) || spec.partitions < 1)
        throw new Error(`topic ${spec.topic} needs a whole number of partitions ≥ 1`);
    }
    // As Kafka does, an existing topic keeps its partition count: changing it would move keys.
    const created = this.db.transaction(() =>
      topics.filter((spec) => this.stmts.insertTopic.run(spec.topic, spec.partitions).changes > 0),
    )();
    this.topicsCreated(created.map((spec) => spec.topic));
  }

  /** Consumers of this process waiting for a topic to exist start on it now, not at their next heartbeat. */
  private topicsCreated(topics: readonly string[]): void {
    if (topics.length === 0) return;
    for (const bus of openBuses.get(this.path) ?? [])
      for (const consumer of bus.consumers)
        if (topics.some((t) => consumer.topics.includes(t))) void consumer.rebalance();
  }

  publish(topic: string, messages: readonly OutgoingMessage[]): Promise<void> {
    if (this.closed) return Promise.reject(new Error('message bus is closed'));
    if (messages.length === 0) return Promise.resolve();
    for (const message of messages) {
      if (typeof message.key !== 'string' || typeof message.value !== 'string')
        return Promise.reject(new Error(`a message to ${topic} needs a string key and value`));
    }
    return new Promise((resolve, reject) => {
      this.queue.push({ topic, messages, resolve, reject });
      if (!this.flushScheduled) {
        this.flushScheduled = true;
        // Publishes made in the same turn of the event loop share one transaction and one fsync.
        setImmediate(() => this.flushPublishes());
      }
    });
  }

  private flushPublishes(): void {
    this.flushScheduled = false;
    const batch = this.queue;
    this.queue = [];
    if (batch.length === 0) return;
    try {
      this.writePublishes(batch, Date.now());
    } catch (error) {
      this.autoCreated = [];
      // Rolled back: a topic created in it does not exist.
      this.partitionCounts.clear();
      for (const publish of batch) publish.reject(error);
      return;
    }
    this.topicsCreated(this.autoCreated);
    this.autoCreated = [];
    this.stats.publishCommits += 1;
    this.stats.publishes += batch.length;
    for (const publish of batch) {
      this.stats.messages += publish.messages.length;
      publish.resolve();
    }
    for (const topic of new Set(batch.map((p) => p.topic))) this.wake(topic);
  }

  /** IMMEDIATE: the write lock is taken first, so the heads read are the heads written after. */
  private readonly writePublishes = (batch: QueuedPublish[], now: number): void =>
    this.db
      .transaction(() => {
        const heads = new Map<PartitionId, number>();
        for (const { topic, messages } of batch) {
          const partitions = this.partitionCount(topic, true);
          for (const message of messages) {
            const partition = partitionForKey(message.key, partitions);
            const id = partitionId(topic, partition);
            let next = heads.get(id);
            if (next === undefined)
              next = ((this.stmts.head.get(topic, partition) as number | null) ?? -1) + 1;
            const headers =
              message.headers && Object.keys(message.headers).length > 0
                ? JSON.stringify(message.headers)
                : null;
            this.stmts.insertMessage.run(topic, partition, next, message.key, message.value, headers, now);
            heads.set(id, next + 1);
          }
        }
      })
      .immediate();

  /** Partition count of a topic; 0 if it does not exist (unless `create`, as Kafka's auto-creation). */
  partitionCount(topic: string, create = false): number {
    const cached = this.partitionCounts.get(topic);
    if (cached !== undefined) return cached;
    let count = this.stmts.topicPartitions.get(topic) as number | undefined;
    if (count === undefined && create) {
      this.stmts.insertTopic.run(topic, this.options.defaultPartitions);
      count = this.stmts.topicPartitions.get(topic) as number;
      this.autoCreated.push(topic);
    }
    if (count === undefined) return 0;
    // A topic's partition count never changes once it exists.
    this.partitionCounts.set(topic, count);
    return count;
  }

  async subscribe(
    options: SubscribeOptions,
    handler: (message: BusMessage) => Promise<void>,
  ): Promise<BusSubscription> {
    this.assertOpen();
    if (!options.groupId) throw new Error('subscribe needs a groupId');
    if (options.topics.length === 0) throw new Error('subscribe needs at least one topic');
    const consumer = new EmbeddedConsumer(
      this,
      options.groupId,
      [...new Set(options.topics)].sort(),
      handler,
      keyConcurrencyOf(options),
    );
    this.consumers.add(consumer);
    this.startPolling();
    await consumer.start();
    return { stop: () => consumer.stop() };
  }

  async health(): Promise<AdapterHealth> {
    try {
      if (this.closed) throw new Error('closed');
      this.db.prepare('SELECT 1').get();
      return { status: 'up', adapter: 'embedded-bus-sqlite', detail: this.db.name };
    } catch (error) {
      return { status: 'down', adapter: 'embedded-bus-sqlite', detail: (error as Error).message };
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all([...this.consumers].map((c) => c.stop()));
    // Publishes already accepted are written before the file closes.
    this.flushPublishes();
    this.stopPolling();
    openBuses.get(this.path)?.delete(this);
    if (openBuses.get(this.path)?.size === 0) openBuses.delete(this.path);
    this.db.close();
  }

  // --- used by EmbeddedConsumer -------------------------------------------------------------------

  /**
   * Other consumers of the group in this process (on any bus instance open on the same file): told to
   * rebalance at once when a member comes or goes, rather than at their next heartbeat.
   */
  peersOf(consumer: EmbeddedConsumer): EmbeddedConsumer[] {
    const buses = openBuses.get(this.path) ?? new Set([this]);
    return [...buses].flatMap((bus) =>
      [...bus.consumers].filter((c) => c !== consumer && c.groupId === consumer.groupId),
    );
  }

  forget(consumer: EmbeddedConsumer): void {
    this.consumers.delete(consumer);
    if (this.consumers.size === 0) this.stopPolling();
  }

  /**
   * One heartbeat of a member, in one transaction: renew its membership, compute the assignment
   * over the live members (partition p of a topic goes to subscriber p mod n, members in id order),
   * take the leases of its partitions that are free or expired, and renew those it holds.
   */
  claim(groupId: string, memberId: string, topics: readonly string[], owned: Iterable<PartitionId>): Claim {
    return this.db
      .transaction((): Claim => {
        const now = Date.now();
        const expires = now + this.options.sessionTimeoutMs;
        this.stmts.upsertMember.run(groupId, memberId, JSON.stringify(topics), expires);
        this.stmts.deleteExpiredMembers.run(groupId, now);
        const members = (this.stmts.liveMembers.all(groupId, now) as [string, string][]).map(([id, t]) => ({
          id,
          topics: new Set(JSON.parse(t) as string[]),
        }));
        const desired = new Set<PartitionId>();
        for (const topic of topics) {
          const subscribers = members.filter((m) => m.topics.has(topic)).map((m) => m.id);
          const index = subscribers.indexOf(memberId);
          const count = this.partitionCount(topic);
          for (let p = index; p < count; p += subscribers.length) desired.add(partitionId(topic, p));
        }
        const held = new Set<PartitionId>();
        for (const id of desired) {
          const { topic, partition } = parsePartitionId(id);
          const lease = this.stmts.lease.get(groupId, topic, partition) as [string, number] | undefined;
          if (!lease || lease[0] === memberId || lease[1] < now) {
            this.stmts.takeLease.run(groupId, topic, partition, memberId, expires);
            held.add(id);
          }
        }
        const surplus = new Set<PartitionId>();
        for (const id of owned) {
          if (desired.has(id)) continue;
          const { topic, partition } = parsePartitionId(id);
          if (this.stmts.renewLease.run(expires, groupId, topic, partition, memberId).changes > 0)
            surplus.add(id);
        }
        return { held, surplus };
      })
      .immediate();
  }

  committedOffset(groupId: string, topic: string, partition: number): number {
    return (this.stmts.committed.get(groupId, topic, partition) as number | undefined) ?? 0;
  }

  /** Writes handled offsets (dropped for partitions whose lease the member lost) and releases leases. */
  commit(
    groupId: string,
    memberId: string,
    offsets: ReadonlyMap<PartitionId, number>,
    release: Iterable<PartitionId> = [],
    leave = false,
  ): void {
    this.db
      .transaction(() => {
        for (const [id, next] of offsets) {
          const { topic, partition } = parsePartitionId(id);
          this.stmts.commit.run(groupId, topic, partition, next, groupId, topic, partition, memberId);
        }
        for (const id of release) {
          const { topic, partition } = parsePartitionId(id);
          this.stmts.releaseLease.run(groupId, topic, partition, memberId);
        }
        if (leave) {
          this.stmts.releaseAllLeases.run(groupId, memberId);
          this.stmts.deleteMember.run(groupId, memberId);
        }
      })
      .immediate();
  }

  read(topic: string, partition: number, fromOffset: number): BusMessage[] {
    const rows = this.stmts.read.all(topic, partition, fromOffset, this.options.fetchSize) as MessageRow[];
    return rows.map(([offset, key, value, headers, timestamp]) => ({
      topic,
      partition,
      offset: String(offset),
      key,
      value,
      headers: headers ? (JSON.parse(headers) as Record<string, string>) : {},
      timestamp: new Date(timestamp).toISOString(),
    }));
  }

  /** Resolves on the next publish to `topic` here, or a commit by another process, or `stop`. */
  waitForMessages(topic: string, signal: { wake?: () => void }): Promise<void> {
    return new Promise((resolve) => {
      let set = this.waiters.get(topic);
      if (!set) this.waiters.set(topic, (set = new Set()));
      const waiters = set;
      const done = () => {
        waiters.delete(done);
        signal.wake = undefined;
        resolve();
      };
      waiters.add(done);
      signal.wake = done;
    });
  }

  private wake(topic?: string): void {
    const sets = topic === undefined ? [...this.waiters.values()] : [this.waiters.get(topic)];
    for (const set of sets) for (const done of [...(set ?? [])]) done();
  }

  private startPolling(): void {
    if (this.pollTimer) return;
    this.dataVersion = this.stmts.dataVersion.get() as number;
    this.pollTimer = setInterval(() => {
      try {
        const version = this.stmts.dataVersion.get() as number;
        if (version !== this.dataVersion) {
          this.dataVersion = version;
          this.wake();
        }
      } catch (error) {
        this.logger.warn('message bus poll failed', { error: describeError(error) });
      }
    }, this.options.pollIntervalMs);
  }

  private stopPolling(): void {
    clearInterval(this.pollTimer);
    this.pollTimer = undefined;
    this.wake();
  }

  private assertOpen(): void {
    if (this.closed) throw new Error('message bus is closed');
  }
}

/**
 * One member of a consumer group: a worker per partition it holds, handling that partition's
 * messages one at a time, in order.
 */
class EmbeddedConsumer {
  readonly memberId = randomUUID();
  private readonly workers = new Map<PartitionId, PartitionWorker>();
  /** Next offset to read per partition, handled but not yet written. */
  private readonly pending = new Map<PartitionId, number>();
  private heartbeatTimer?: NodeJS.Timeout;
  private commitTimer?: NodeJS.Timeout;
  private rebalancing: Promise<void> = Promise.resolve();
  private stopping?: Promise<void>;

  constructor(
    private readonly bus: EmbeddedMessageBus,
    readonly groupId: string,
    readonly topics: readonly string[],
    readonly handler: (message: BusMessage) => Promise<void>,
    readonly keyConcurrency: number,
  ) {}

  async start(): Promise<void> {
    // Peers of this process hand over at once; members elsewhere do on their next heartbeat.
    await this.rebalance();
    await Promise.all(this.bus.peersOf(this).map((peer) => peer.rebalance()));
    await this.rebalance();
    this.heartbeatTimer = setInterval(() => void this.rebalance(), this.bus.options.heartbeatIntervalMs);
  }

  /**
   * One heartbeat (serialised per member). Resolves once the partitions it gave up are handed over,
   * which a joining member waits for; the next heartbeat does not.
   */
  rebalance(): Promise<void> {
    const beat = this.rebalancing.then(() => this.heartbeat());
    this.rebalancing = beat.then(
      () => undefined,
      (error) =>
        this.bus.logger.warn('message bus heartbeat failed', {
          groupId: this.groupId,
          error: describeError(error),
        }),
    );
    return beat.then(
      ({ handedOver }) => handedOver,
      () => undefined,
    );
  }

  /** Wrapped in an object so that the heartbeat chain does not wait for the hand-over. */
  private heartbeat(): { handedOver: Promise<void> } {
    if (this.stopping) return { handedOver: Promise.resolve() };
    const claim = this.bus.claim(this.groupId, this.memberId, this.topics, this.workers.keys());
    for (const id of claim.held) {
      if (this.workers.has(id)) continue;
      const { topic, partition } = parsePartitionId(id);
      const worker = new PartitionWorker(
        this,
        topic,
        partition,
        this.bus.committedOffset(this.groupId, topic, partition),
      );
      this.workers.set(id, worker);
      worker.start(this.bus);
    }
    const handOver: Promise<void>[] = [];
    for (const [id, worker] of this.workers) {
      if (claim.held.has(id) || worker.stopping) continue;
      // Surplus: finish the message in flight, write its offset, then free the lease. Lost (another
      // member took an expired lease): just stop; the offset write would be refused anyway.
      const release = claim.surplus.has(id);
      handOver.push(
        worker.stop().then(() => {
          this.workers.delete(id);
          const next = this.pending.get(id);
          this.pending.delete(id);
          if (!release) return;
          try {
            this.bus.commit(this.groupId, this.memberId, new Map(next === undefined ? [] : [[id, next]]), [
              id,
            ]);
          } catch (error) {
            // The lease then expires, and the next owner redelivers from the last written offset.
            this.bus.logger.warn('message bus hand-over failed', {
              partition: id,
              error: describeError(error),
            });
          }
        }),
      );
    }
    // Not awaited by the heartbeat: a slow handler must not stop this member renewing its other leases.
    if (handOver.length === 0) return { handedOver: Promise.resolve() };
    return { handedOver: Promise.all(handOver).then(() => this.notifyPeers()) };
  }

  private notifyPeers(): void {
    for (const peer of this.bus.peersOf(this)) void peer.rebalance();
  }

  handled(topic: string, partition: number, offset: number): void {
    this.pending.set(partitionId(topic, partition), offset + 1);
    if (!this.commitTimer)
      this.commitTimer = setTimeout(() => this.flushCommits(), this.bus.options.commitIntervalMs);
  }

  private flushCommits(): void {
    this.commitTimer = undefined;
    if (this.pending.size === 0) return;
    const offsets = new Map(this.pending);
    try {
      this.bus.commit(this.groupId, this.memberId, offsets);
      for (const [id, next] of offsets) if (this.pending.get(id) === next) this.pending.delete(id);
    } catch (error) {
      this.bus.logger.warn('message bus commit failed; retrying', { error: describeError(error) });
      this.commitTimer = setTimeout(() => this.flushCommits(), this.bus.options.commitIntervalMs);
    }
  }

  stop(): Promise<void> {
    this.stopping ??= (async () => {
      clearInterval(this.heartbeatTimer);
      await this.rebalancing;
      await Promise.all([...this.workers.values()].map((w) => w.stop()));
      clearTimeout(this.commitTimer);
      this.commitTimer = undefined;
      try {
        this.bus.commit(this.groupId, this.memberId, this.pending, [], true);
      } finally {
        this.pending.clear();
        this.workers.clear();
        this.bus.forget(this);
      }
      this.notifyPeers();
    })();
    return this.stopping;
  }
}

class PartitionWorker {
  stopping = false;
  private done: Promise<void> = Promise.resolve();
  private readonly signal: { wake?: () => void } = {};
  private readonly pauses = new Set<{ wake?: () => void }>();

  constructor(
    private readonly consumer: EmbeddedConsumer,
    private readonly topic: string,
    private readonly partition: number,
    private next: number,
  ) {}

  start(bus: EmbeddedMessageBus): void {
    this.done = this.run(bus).catch((error) =>
      bus.logger.error('message bus partition worker failed', {
        topic: this.topic,
        partition: this.partition,
        error: describeError(error),
      }),
    );
  }

  private async run(bus: EmbeddedMessageBus): Promise<void> {
    const { retryDelayMs, maxRetryDelayMs } = bus.options;
    while (!this.stopping) {
      let messages: BusMessage[];
      try {
        messages = bus.read(this.topic, this.partition, this.next);
      } catch (error) {
        // Keep the partition: a read that failed once (disk, lock) is tried again.
        bus.logger.warn('message bus read failed; trying again', {
          topic: this.topic,
          partition: this.partition,
          error: describeError(error),
        });
        await pause(maxRetryDelayMs, this.signal);
        continue;
      }
      if (messages.length === 0) {
        await bus.waitForMessages(this.topic, this.signal);
        continue;
      }
      const completed = await deliverInKeyOrder(
        messages,
        this.consumer.keyConcurrency,
        (message) =>
          deliverUntilHandled(() => this.consumer.handler(message), {
            initialDelayMs: retryDelayMs,
            maxDelayMs: maxRetryDelayMs,
            logger: bus.logger,
            context: {
              groupId: this.consumer.groupId,
              topic: this.topic,
              partition: this.partition,
              offset: message.offset,
            },
            pause: (ms) => this.pause(ms),
            stopped: () => this.stopping,
          }),
        (message) => {
          this.next = Number(message.offset) + 1;
          this.consumer.handled(this.topic, this.partition, Number(message.offset));
        },
      );
      if (!completed) return;
    }
  }

  /** A redelivery pause that `stop` cuts short; with several keys in flight there may be several at once. */
  private pause(ms: number): Promise<void> {
    const signal: { wake?: () => void } = {};
    this.pauses.add(signal);
    return pause(ms, signal).finally(() => this.pauses.delete(signal));
  }

  /** Resolves once the handlers in flight (if any) have returned. */
  stop(): Promise<void> {
    this.stopping = true;
    this.signal.wake?.();
    for (const signal of this.pauses) signal.wake?.();
    return this.done;
  }
}
