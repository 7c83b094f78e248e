import { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { BusMessage } from '@ledger/events';
import { EmbeddedMessageBus, partitionForKey } from '@ledger/infra/bus';
import { spawnTs } from '../support/run-ts';

jest.setTimeout(120_000);

const quiet = { warn: () => undefined, error: () => undefined };

/** Resolves on the child's `ready` line; `onLine` sees every line. */
function started(child: ChildProcess, onLine: (words: string[]) => void): Promise<void> {
  let stderr = '';
  child.stderr!.on('data', (chunk) => (stderr += chunk));
  return new Promise<void>((resolve, reject) => {
    child.on('exit', (code, signal) =>
      reject(new Error(`child exited early (${code ?? signal}): ${stderr}`)),
    );
    createInterface({ input: child.stdout! }).on('line', (line) => {
      const words = line.split(' ');
      if (words[0] === 'ready') resolve();
      onLine(words);
    });
  });
}

function killed(child: ChildProcess): Promise<NodeJS.Signals | null> {
  const exited = new Promise<NodeJS.Signals | null>((resolve) =>
    child.on('exit', (_code, signal) => resolve(signal)),
  );
  child.kill('SIGKILL');
  return exited;
}

async function waitFor(what: string, condition: () => boolean, ms = 30_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('embedded message bus across processes', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ledger-bus-kill-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it.each([1, 2, 3])(
    'keeps every publish that resolved, and no batch in part, after kill -9 of the publisher (run %i)',
    async (run) => {
      const file = join(dir, `kill-${run}.sqlite`);
      const topic = 'receipts';
      const acks = new Map<string, number>();
      const child = spawnTs('test/bus/bus-publish-worker.ts', [file, topic]);
      await started(child, ([tag, batchId, size]) => tag === 'ack' && acks.set(batchId, Number(size)));
      // After a random number of resolved publishes, not a random time: under other suites' load a
      // fixed delay may see too few to prove anything.
      const killAfterAcks = 60 + Math.floor(Math.random() * 300);
      await waitFor(`${killAfterAcks} resolved publishes`, () => acks.size >= killAfterAcks);
      expect(await killed(child)).toBe('SIGKILL');

      // Read everything back through the bus: a marker published now to each partition comes after
      // everything the killed publisher wrote there.
      const bus = new EmbeddedMessageBus({ file, logger: quiet });
      const markers = [0, 1, 2, 3].map((p) => {
        for (let n = 0; ; n++) if (partitionForKey(`marker-${n}`, 4) === p) return `marker-${n}`;
      });
      await bus.publish(
        topic,
        markers.map((key) => ({ key, value: 'marker' })),
      );
      const received: BusMessage[] = [];
      const subscription = await bus.subscribe({ groupId: 'verify', topics: [topic] }, async (m) => {
        received.push(m);
      });
      await waitFor('the markers', () => received.filter((m) => m.value === 'marker').length === 4);
      await subscription.stop();
      await bus.close();

      const batches = new Map<string, { size: number; count: number }>();
      const seqByKey = new Map<string, number[]>();
      for (const m of received.filter((r) => r.value !== 'marker')) {
        const { batchId, size, w, seq } = JSON.parse(m.value) as {
          batchId: string;
          size: number;
          w: number;
          seq: number;
        };
        const batch = batches.get(batchId) ?? { size, count: 0 };
        batches.set(batchId, { size, count: batch.count + 1 });
        seqByKey.set(m.key, [...(seqByKey.get(m.key) ?? []), w * 1e6 + seq]);
      }
      expect(acks.size).toBeGreaterThan(50);
      const lost = [...acks].filter(([batchId, size]) => batches.get(batchId)?.count !== size);
      expect(lost).toEqual([]);
      const partial = [...batches].filter(([, b]) => b.count !== b.size);
      expect(partial).toEqual([]);
      for (const [key, seqs] of seqByKey) expect([key, seqs]).toEqual([key, [...seqs].sort((a, b) => a - b)]);
      // Offsets stay dense per partition: nothing half-written left a hole.
      for (let p = 0; p < 4; p++) {
        const offsets = received.filter((m) => m.partition === p).map((m) => Number(m.offset));
        expect(offsets).toEqual(offsets.map((_, i) => i));
      }
    },
  );

  it('splits a group with a consumer in another process, and takes over its partitions when it is killed', async () => {
    const file = join(dir, 'group.sqlite');
    const topic = 'receipts';
    const groupId = 'command-side';
    const bus = new EmbeddedMessageBus({
      file,
      heartbeatIntervalMs: 100,
      sessionTimeoutMs: 1_500,
      logger: quiet,
    });
    await bus.ensureTopics([{ topic, partitions: 8 }]);
    const byChild = new Map<string, number>();
    const byParent = new Map<string, number>();
    const child = spawnTs('test/bus/bus-consume-worker.ts', [file, groupId, topic]);
    try {
      await started(
        child,
        ([tag, value]) => tag === 'handled' && byChild.set(value, (byChild.get(value) ?? 0) + 1),
      );
      const subscription = await bus.subscribe({ groupId, topics: [topic] }, async (m) => {
        byParent.set(m.value, (byParent.get(m.value) ?? 0) + 1);
      });
      const publish = async (prefix: string, count: number) => {
        const values = Array.from({ length: count }, (_, i) => `${prefix}-${i}`);
        await bus.publish(
          topic,
          values.map((value, i) => ({ key: `k${i % 53}`, value })),
        );
        return values;
      };
      const handled = (value: string) => (byChild.get(value) ?? 0) + (byParent.get(value) ?? 0);

      // Warm-up rounds until the two members have split the partitions (the child hears of the
      // parent at its next heartbeat).
      for (let round = 0; byChild.size === 0 || byParent.size === 0; round++) {
        const values = await publish(`warmup${round}`, 50);
        await waitFor(`warm-up round ${round}`, () => values.every((v) => handled(v) > 0));
        if (round > 200) throw new Error('the group never split');
      }
      const steady = await publish('steady', 400);
      await waitFor('the steady round', () => steady.every((v) => handled(v) > 0));
      expect(steady.filter((v) => handled(v) !== 1)).toEqual([]);
      expect(steady.filter((v) => byChild.has(v)).length).toBeGreaterThan(0);
      expect(steady.filter((v) => byParent.has(v)).length).toBeGreaterThan(0);

      expect(await killed(child)).toBe('SIGKILL');
      const after = await publish('after-kill', 400);
      // The child's leases expire after its session timeout; then the parent takes its partitions.
      await waitFor('the parent to handle everything', () => after.every((v) => byParent.has(v)));
      expect(after.filter((v) => byChild.has(v))).toEqual([]);
      // At least once: what the child handled but had not yet committed when it died comes again, to
      // the parent; nothing else does.
      const twice = steady.filter((v) => handled(v) > 1);
      expect(twice.filter((v) => byChild.get(v) !== 1 || byParent.get(v) !== 1)).toEqual([]);
      await subscription.stop();
    } finally {
      child.kill('SIGKILL');
      await bus.close();
    }
  });
});
