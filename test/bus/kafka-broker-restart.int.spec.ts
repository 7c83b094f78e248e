import { execFile, execFileSync, spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { BusMessage } from '@ledger/events';
import { KafkaMessageBus, KafkaMessageBusOptions } from '@ledger/infra/bus';

/**
 * A broker restart in the middle of a steady stream: a producer publishes keyed messages the whole
 * time (a publish that fails is published again: at least once), a consumer applies them to a sink
 * idempotently by the message-id header. After the restart every message must have been applied
 * exactly once, and each key's messages in the order they were published. Needs the broker that
 * scripts/servers/kafka.sh runs (it restarts it, keeping its data).
 */
const brokers = process.env.KAFKA_BROKERS;
const root = join(__dirname, '..', '..');
const script = join(root, 'scripts/servers/kafka.sh');
const run = promisify(execFile);

/** Why the test cannot run here, if it cannot: it must restart the very broker it talks to. */
function skipReason(): string | undefined {
  if (!brokers) return 'KAFKA_BROKERS is not set (bash scripts/servers/kafka.sh start prints it)';
  const scriptBrokers = execFileSync('bash', [script, 'env'])
    .toString()
    .trim()
    .replace(/^KAFKA_BROKERS=/, '');
  if (scriptBrokers !== brokers)
    return `KAFKA_BROKERS=${brokers} is not the broker scripts/servers/kafka.sh runs (${scriptBrokers}), which the test restarts`;
  if (spawnSync('bash', [script, 'status']).status !== 0)
    return 'the broker of scripts/servers/kafka.sh is not running';
  return undefined;
}
const reason = skipReason();

if (!reason && brokers) {
  jest.setTimeout(600_000);

  it('applies every message exactly once, in key order, across a broker restart', async () => {
    const options: KafkaMessageBusOptions = {
      brokers: brokers.split(',').map((b) => b.trim()),
      clientId: 'broker-restart-test',
      heartbeatIntervalMs: 500,
      sessionTimeoutMs: 10_000,
      retryDelayMs: 50,
      maxRetryDelayMs: 1_000,
      // A restart of the single broker takes seconds: reconnect within a second or so of its return.
      retry: { initialRetryTime: 200, maxRetryTime: 1_000, retries: 30 },
      logger: { warn: () => undefined, error: () => undefined },
    };
    const producerBus = new KafkaMessageBus(options);
    const consumerBus = new KafkaMessageBus(options);
    const topic = `restart-${randomUUID()}`;
    const keys = Array.from({ length: 20 }, (_, k) => `account-${k}`);
    await producerBus.ensureTopics([{ topic, partitions: 4 }]);

    // The sink: what was applied, by message id, and the last sequence applied per key.
    const applied = new Map<string, number>();
    const lastSeq = new Map<string, number>();
    const outOfOrder: string[] = [];
    let redeliveries = 0;
    const subscription = await consumerBus.subscribe(
      { groupId: `${topic}-sink`, topics: [topic] },
      async (m: BusMessage) => {
        const id = m.headers['message-id'];
        if (applied.has(id)) {
          redeliveries += 1;
          return;
        }
        const { key, seq } = JSON.parse(m.value) as { key: string; seq: number };
        if (seq !== (lastSeq.get(key) ?? -1) + 1) outOfOrder.push(`${key}: ${lastSeq.get(key)} then ${seq}`);
        lastSeq.set(key, seq);
        applied.set(id, (applied.get(id) ?? 0) + 1);
      },
    );

    let rounds = 0;
    let failedPublishes = 0;
    let stop = false;
    const producing = (async () => {
      while (!stop) {
        const seq = rounds;
        const batch = keys.map((key) => ({
          key,
          value: JSON.stringify({ key, seq }),
          headers: { 'message-id': `${key}#${seq}` },
        }));
        // Until it is acknowledged: a failed publish may have been written in part, which the
        // sink's idempotence absorbs; publishing the next round first would break key order.
        for (;;) {
          try {
            await producerBus.publish(topic, batch);
            break;
          } catch {
            failedPublishes += 1;
            await new Promise((resolve) => setTimeout(resolve, 200));
          }
        }
        rounds += 1;
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    })();

    const until = async (what: string, condition: () => boolean, ms = 180_000) => {
      const deadline = Date.now() + ms;
      while (!condition()) {
        if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    };

    try {
      await until('the stream to flow', () => applied.size >= 400);
      const roundsBefore = rounds;
      await run('bash', [script, 'restart'], { cwd: root });
      const roundsAtRestart = rounds;
      await until('the stream to flow after the restart', () => rounds >= roundsAtRestart + 50);
      stop = true;
      await producing;
      await until('every published message to be applied', () => applied.size >= rounds * keys.length);

      const expected = Array.from({ length: rounds }, (_, seq) => keys.map((key) => `${key}#${seq}`)).flat();
      expect(expected.filter((id) => !applied.has(id))).toEqual([]);
      expect([...applied.values()].filter((n) => n !== 1)).toEqual([]);
      expect(applied.size).toBe(expected.length);
      expect(outOfOrder).toEqual([]);
      for (const key of keys) expect(lastSeq.get(key)).toBe(rounds - 1);
      process.stdout.write(
        `broker restart: ${rounds} rounds (${expected.length} messages; ${roundsBefore} before the restart), ` +
          `${failedPublishes} failed publishes retried, ${redeliveries} redeliveries absorbed\n`,
      );
    } finally {
      stop = true;
      await producing.catch(() => undefined);
      await subscription.stop().catch(() => undefined);
      await Promise.all([producerBus.close(), consumerBus.close()]);
    }
  });
} else {
  const message = `Kafka broker restart test skipped: ${reason}.`;
  process.stdout.write(`\n${message}\n`);
  it.skip(message, () => undefined);
}
