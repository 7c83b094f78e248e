import { randomUUID } from 'node:crypto';
import { BusMessage, BusSubscription, MessageBus } from '@ledger/events';

export interface MessageBusContractOptions {
  /** How long the suite waits for deliveries before it fails (Kafka group joins take seconds). */
  readonly waitMs?: number;
}

/**
 * The one contract every MessageBus adapter passes. `connect` opens a new bus instance on the same
 * storage (the same file, the same brokers) each time, so two instances stand for two processes and
 * a new instance for a restarted one. The adapter under test should redeliver after a short pause
 * (tens of milliseconds) so the redelivery tests do not wait long. Topic and group names carry a
 * per-run prefix so runs on a shared broker never meet.
 */
export function messageBusContract(
  name: string,
  connect: () => Promise<MessageBus>,
  options: MessageBusContractOptions = {},
): void {
  const waitMs = options.waitMs ?? 10_000;

  describe(`MessageBus contract: ${name}`, () => {
    const run = `t${randomUUID().replace(/-/g, '').slice(0, 12)}`;
    let counter = 0;
    const unique = (label: string) => `${run}-${label}-${counter++}`;
    const opened: MessageBus[] = [];
    const subscriptions: BusSubscription[] = [];

    async function open(): Promise<MessageBus> {
      const bus = await connect();
      opened.push(bus);
      return bus;
    }
    async function subscribe(
      bus: MessageBus,
      groupId: string,
      topics: string[],
      handler: (message: BusMessage) => Promise<void>,
      keyConcurrency?: number,
    ): Promise<BusSubscription> {
      const subscription = await bus.subscribe({ groupId, topics, keyConcurrency }, handler);
      subscriptions.push(subscription);
      return subscription;
    }
    async function waitFor(what: string, condition: () => boolean): Promise<void> {
      const deadline = Date.now() + waitMs;
      while (!condition()) {
        if (Date.now() > deadline) throw new Error(`gave up after ${waitMs} ms waiting for ${what}`);
        await sleep(10);
      }
    }

    let bus: MessageBus;
    beforeAll(async () => {
      bus = await open();
    });
    afterEach(async () => {
      await Promise.all(subscriptions.splice(0).map((s) => s.stop()));
    });
    afterAll(async () => {
      await Promise.all(opened.map((b) => b.close()));
    });

    it('delivers key, value, headers, offset and timestamp; a new group starts at the beginning', async () => {
      const topic = unique('basic');
      await bus.ensureTopics([{ topic, partitions: 3 }]);
      await bus.ensureTopics([{ topic, partitions: 3 }]);
      await bus.publish(topic, [
        { key: 'k1', value: '{"n":1}', headers: { 'message-id': 'a', 'content-type': 'application/json' } },
        { key: 'k2', value: 'plain text ✓' },
        { key: 'k1', value: '{"n":3}' },
      ]);
      await bus.publish(topic, []);
      const received: BusMessage[] = [];
      await subscribe(bus, unique('g'), [topic], async (m) => void received.push(m));
      await waitFor('3 messages', () => received.length >= 3);

      const byValue = new Map(received.map((m) => [m.value, m]));
      expect([...byValue.keys()].sort()).toEqual(['plain text ✓', '{"n":1}', '{"n":3}']);
      const first = byValue.get('{"n":1}')!;
      expect(first).toMatchObject({
        topic,
        key: 'k1',
        headers: { 'message-id': 'a', 'content-type': 'application/json' },
      });
      expect(byValue.get('plain text ✓')!.headers).toEqual({});
      const third = byValue.get('{"n":3}')!;
      expect(third.partition).toBe(first.partition);
      expect(BigInt(third.offset)).toBeGreaterThan(BigInt(first.offset));
      for (const m of received) {
        expect(m.offset).toMatch(/^\d+$/);
        expect(m.partition).toBeGreaterThanOrEqual(0);
        expect(m.partition).toBeLessThan(3);
        // Stored moments ago: a sanity check of the unit (ms, ISO), not of speed.
        expect(Math.abs(Date.parse(m.timestamp) - Date.now())).toBeLessThan(10 * 60_000);
        expect(new Date(m.timestamp).toISOString()).toBe(m.timestamp);
      }
    });

    it('keeps each key in order and on one partition across many keys and partitions', async () => {
      const topic = unique('order');
      await bus.ensureTopics([{ topic, partitions: 8 }]);
      const keys = Array.from({ length: 40 }, (_, k) => `key-${k}`);
      for (let seq = 0; seq < 25; seq++) {
        await bus.publish(
          topic,
          keys.map((key) => ({ key, value: JSON.stringify({ key, seq }) })),
        );
      }
      const seen = new Map<string, number[]>();
      const partitionsOfKey = new Map<string, Set<number>>();
      const lastOffset = new Map<number, bigint>();
      let backwards = 0;
      let total = 0;
      await subscribe(bus, unique('g'), [topic], async (m) => {
        // Yield now and then: ordering must not depend on handlers finishing synchronously.
        if (Number(m.offset) % 3 === 0) await new Promise((r) => setImmediate(r));
        const { key, seq } = JSON.parse(m.value) as { key: string; seq: number };
        seen.set(key, [...(seen.get(key) ?? []), seq]);
        partitionsOfKey.set(key, (partitionsOfKey.get(key) ?? new Set()).add(m.partition));
        const previous = lastOffset.get(m.partition);
        if (previous !== undefined && BigInt(m.offset) <= previous) backwards += 1;
        lastOffset.set(m.partition, BigInt(m.offset));
        total += 1;
      });
      await waitFor('1,000 messages', () => total >= 1000);

      const inOrder = Array.from({ length: 25 }, (_, i) => i);
      for (const key of keys) expect([key, seen.get(key)]).toEqual([key, inOrder]);
      for (const key of keys) expect([key, partitionsOfKey.get(key)!.size]).toEqual([key, 1]);
      expect(lastOffset.size).toBeGreaterThanOrEqual(4);
      expect(backwards).toBe(0);
    });

    it('delivers every message to each of two groups', async () => {
      const topic = unique('groups');
      await bus.ensureTopics([{ topic, partitions: 4 }]);
      const ids = Array.from({ length: 100 }, (_, i) => `m${i}`);
      await bus.publish(
        topic,
        ids.map((id, i) => ({ key: `k${i % 13}`, value: id })),
      );
      const first: string[] = [];
      const second: string[] = [];
      await subscribe(bus, unique('g1'), [topic], async (m) => void first.push(m.value));
      await subscribe(await open(), unique('g2'), [topic], async (m) => void second.push(m.value));
      await waitFor('both groups to see 100', () => first.length >= 100 && second.length >= 100);
      expect([...first].sort()).toEqual([...ids].sort());
      expect([...second].sort()).toEqual([...ids].sort());
    });

    it('splits the partitions between two consumers of one group, each message handled once', async () => {
      const topic = unique('split');
      const groupId = unique('g');
      await bus.ensureTopics([{ topic, partitions: 8 }]);
      const handled = new Map<string, number>();
      const byConsumer = [0, 0];
      const handler = (consumer: number) => async (m: BusMessage) => {
        handled.set(m.value, (handled.get(m.value) ?? 0) + 1);
        byConsumer[consumer] += 1;
      };
      const a = await subscribe(await open(), groupId, [topic], handler(0));
      const b = await subscribe(await open(), groupId, [topic], handler(1));
      const ids = Array.from({ length: 400 }, (_, i) => `m${i}`);
      for (let i = 0; i < ids.length; i += 100) {
        await bus.publish(
          topic,
          ids.slice(i, i + 100).map((id, j) => ({ key: `k${(i + j) % 47}`, value: id })),
        );
      }
      await waitFor('400 messages', () => handled.size >= 400);
      await Promise.all([a.stop(), b.stop()]);
      expect([...handled.keys()].sort()).toEqual([...ids].sort());
      expect([...handled.values()].filter((n) => n !== 1)).toEqual([]);
      expect(byConsumer[0]).toBeGreaterThan(0);
      expect(byConsumer[1]).toBeGreaterThan(0);
    });

    it('delivers a message whose handler threw again, and holds back the later ones of its partition', async () => {
      const topic = unique('retry');
      await bus.ensureTopics([{ topic, partitions: 2 }]);
      await bus.publish(
        topic,
        Array.from({ length: 5 }, (_, i) => ({ key: 'one-key', value: `a${i}` })),
      );
      const deliveries: string[] = [];
      let failuresLeft = 2;
      await subscribe(bus, unique('g'), [topic], async (m) => {
        deliveries.push(m.value);
        if (m.value === 'a2' && failuresLeft > 0) {
          failuresLeft -= 1;
          throw new Error('handler failed on purpose');
        }
      });
      await waitFor('a4', () => deliveries.includes('a4'));
      expect(deliveries).toEqual(['a0', 'a1', 'a2', 'a2', 'a2', 'a3', 'a4']);
    });

    it('resumes after the last committed offset on restart and redelivers what was not committed', async () => {
      const topic = unique('restart');
      const groupId = unique('g');
      await bus.ensureTopics([{ topic, partitions: 1 }]);
      await bus.publish(
        topic,
        Array.from({ length: 10 }, (_, i) => ({ key: `k${i}`, value: `m${i}` })),
      );
      const before = await open();
      const firstRun: string[] = [];
      const subscription = await before.subscribe({ groupId, topics: [topic] }, async (m) => {
        firstRun.push(m.value);
        if (m.value === 'm5') throw new Error('m5 cannot be handled yet');
      });
      await waitFor('m5 twice', () => firstRun.filter((v) => v === 'm5').length >= 2);
      await subscription.stop();
      await before.close();
      expect(firstRun.slice(0, 6)).toEqual(['m0', 'm1', 'm2', 'm3', 'm4', 'm5']);
      expect(firstRun).not.toContain('m6');

      const after = await open();
      const secondRun: string[] = [];
      await subscribe(after, groupId, [topic], async (m) => void secondRun.push(m.value));
      await waitFor('m9', () => secondRun.includes('m9'));
      expect(secondRun).toEqual(['m5', 'm6', 'm7', 'm8', 'm9']);
    });

    it('with keyConcurrency, handles other keys of a partition side by side and each key in order', async () => {
      const topic = unique('keys');
      await bus.ensureTopics([{ topic, partitions: 1 }]);
      const keys = ['a', 'b', 'c', 'd', 'e', 'f'];
      await bus.publish(
        topic,
        Array.from({ length: 5 }, (_, seq) => keys.map((key) => ({ key, value: `${key}${seq}` }))).flat(),
      );
      const seen = new Map<string, string[]>();
      const busy = new Set<string>();
      let inFlight = 0;
      let mostInFlight = 0;
      let keyTwiceAtOnce = 0;
      let total = 0;
      await subscribe(
        bus,
        unique('g'),
        [topic],
        async (m) => {
          if (busy.has(m.key)) keyTwiceAtOnce += 1;
          busy.add(m.key);
          inFlight += 1;
          mostInFlight = Math.max(mostInFlight, inFlight);
          await sleep(5);
          seen.set(m.key, [...(seen.get(m.key) ?? []), m.value]);
          inFlight -= 1;
          busy.delete(m.key);
          total += 1;
        },
        3,
      );
      await waitFor('30 messages', () => total >= 30);

      for (const key of keys) expect(seen.get(key)).toEqual([0, 1, 2, 3, 4].map((seq) => `${key}${seq}`));
      expect(keyTwiceAtOnce).toBe(0);
      expect(mostInFlight).toBeGreaterThan(1);
      expect(mostInFlight).toBeLessThanOrEqual(3);
    });

    it('with keyConcurrency, a failing message holds back its key only, and its offset stays uncommitted', async () => {
      const topic = unique('keyfail');
      const groupId = unique('g');
      await bus.ensureTopics([{ topic, partitions: 1 }]);
      await bus.publish(topic, [
        { key: 'a', value: 'a0' },
        { key: 'b', value: 'b0' },
        { key: 'a', value: 'a1' },
        { key: 'b', value: 'b1' },
        { key: 'b', value: 'b2' },
      ]);
      const before = await open();
      const firstRun: string[] = [];
      const subscription = await before.subscribe(
        { groupId, topics: [topic], keyConcurrency: 2 },
        async (m) => {
          firstRun.push(m.value);
          if (m.value === 'a0') throw new Error('a0 cannot be handled yet');
        },
      );
      await waitFor(
        'b2 and a0 twice',
        () => firstRun.includes('b2') && firstRun.filter((v) => v === 'a0').length >= 2,
      );
      await subscription.stop();
      await before.close();
      // b's messages went through while a0 kept failing; a1 waited behind it.
      expect(firstRun.filter((v) => v.startsWith('b'))).toEqual(['b0', 'b1', 'b2']);
      expect(firstRun).not.toContain('a1');

      // Nothing before a0 was handled, so nothing was committed: all of it comes again, none skipped.
      const after = await open();
      const secondRun: string[] = [];
      await subscribe(after, groupId, [topic], async (m) => void secondRun.push(m.value));
      await waitFor('b2', () => secondRun.includes('b2'));
      expect(secondRun).toEqual(['a0', 'b0', 'a1', 'b1', 'b2']);
    });

    it('stop() waits for the handler in flight and commits its offset', async () => {
      const topic = unique('stop');
      const groupId = unique('g');
      await bus.ensureTopics([{ topic, partitions: 1 }]);
      await bus.publish(topic, [
        { key: 'k', value: 'm0' },
        { key: 'k', value: 'm1' },
      ]);
      const events: string[] = [];
      let open_!: () => void;
      const gate = new Promise<void>((resolve) => (open_ = resolve));
      const consumer = await open();
      const subscription = await consumer.subscribe({ groupId, topics: [topic] }, async (m) => {
        events.push(`start ${m.value}`);
        if (m.value === 'm0') await gate;
        events.push(`end ${m.value}`);
      });
      await waitFor('m0 to start', () => events.includes('start m0'));
      const stopped = subscription.stop().then(() => events.push('stopped'));
      // Plenty of turns of the event loop for a stop() that does not wait to resolve.
      await sleep(200);
      expect(events).toEqual(['start m0']);
      open_();
      await stopped;
      expect(events).toEqual(['start m0', 'end m0', 'stopped']);
      await consumer.close();

      const next: string[] = [];
      await subscribe(await open(), groupId, [topic], async (m) => void next.push(m.value));
      await waitFor('m1', () => next.includes('m1'));
      expect(next).toEqual(['m1']);
    });

    it('reports itself up', async () => {
      const health = await bus.health();
      expect(health.status).toBe('up');
      expect(health.adapter).toEqual(expect.any(String));
    });
  });
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
