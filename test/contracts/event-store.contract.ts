import { randomUUID } from 'node:crypto';
import { EventStore, RecordedEvent, WrongExpectedVersionError } from '@ledger/events';
import { collect, take, testEvent, testEvents } from '../support/events';

/**
 * The one contract every EventStore adapter passes. Stream names carry a per-run prefix so the suite
 * can run against a shared server (EventStoreDB) without seeing other runs' events.
 */
export function eventStoreContract(name: string, connect: () => Promise<EventStore>): void {
  describe(`EventStore contract: ${name}`, () => {
    let store: EventStore;
    const run = `t${randomUUID().replace(/-/g, '').slice(0, 12)}`;
    let counter = 0;
    const stream = (label: string) => `${run}_${label}${counter++}-s`;
    const mine = { streamPrefixes: [`${run}_`] };

    beforeAll(async () => {
      store = await connect();
    });
    afterAll(async () => {
      await store?.close();
    });

    describe('appendToStream and readStream', () => {
      it('appends to a new stream and reads the events back in order with their revisions', async () => {
        const s = stream('basic');
        const result = await store.appendToStream(s, testEvents(3), { expectedRevision: 'no_stream' });
        expect(result.nextExpectedRevision).toBe(2n);
        const events = await store.readStream(s);
        expect(events.map((e) => e.revision)).toEqual([0n, 1n, 2n]);
        expect(events.map((e) => e.data)).toEqual([{ i: 0 }, { i: 1 }, { i: 2 }]);
        expect(events[2].position).toBe(result.position);
        expect(events[0].position < events[1].position && events[1].position < events[2].position).toBe(true);
        expect(events[0].metadata.actor).toEqual({ subject: 'test', roles: ['admin'] });
      });

      it('returns an empty list for a stream that does not exist', async () => {
        expect(await store.readStream(stream('missing'))).toEqual([]);
      });

      it('reads forwards from a revision, backwards from the end, and honours maxCount', async () => {
        const s = stream('read');
        await store.appendToStream(s, testEvents(5), { expectedRevision: 'no_stream' });
        const from2 = await store.readStream(s, { fromRevision: 2n });
        expect(from2.map((e) => e.revision)).toEqual([2n, 3n, 4n]);
        const lastTwo = await store.readStream(s, {
          fromRevision: 'end',
          direction: 'backwards',
          maxCount: 2,
        });
        expect(lastTwo.map((e) => e.revision)).toEqual([4n, 3n]);
        const firstTwo = await store.readStream(s, { maxCount: 2 });
        expect(firstTwo.map((e) => e.revision)).toEqual([0n, 1n]);
      });

      it('reads several streams at once, each complete and in order, missing ones empty', async () => {
        const a = stream('many-a');
        const b = stream('many-b');
        await store.appendToStream(a, testEvents(3), { expectedRevision: 'no_stream' });
        await store.appendToStream(b, testEvents(2), { expectedRevision: 'no_stream' });
        await store.appendToStream(a, testEvents(1, 'Later'), { expectedRevision: 2n });
        const missing = stream('many-missing');
        const read = await store.readStreams([b, missing, a, b]);
        expect([...read.keys()].sort()).toEqual([a, b, missing].sort());
        expect(read.get(a)!.map((e) => [e.revision, e.type])).toEqual([
          [0n, 'TestEvent'],
          [1n, 'TestEvent'],
          [2n, 'TestEvent'],
          [3n, 'Later'],
        ]);
        expect(read.get(a)).toEqual(await store.readStream(a));
        expect(read.get(b)).toEqual(await store.readStream(b));
        expect(read.get(missing)).toEqual([]);
        expect((await store.readStreams([])).size).toBe(0);
      });
    });

    describe('expected revision', () => {
      async function expectWrongVersion(promise: Promise<unknown>, actual: bigint | 'no_stream') {
        const error = await promise.then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(error).toBeInstanceOf(WrongExpectedVersionError);
        expect((error as WrongExpectedVersionError).actual).toBe(actual);
      }

      it('refuses no_stream on an existing stream and appends nothing', async () => {
        const s = stream('nostream');
        await store.appendToStream(s, testEvents(1), { expectedRevision: 'no_stream' });
        await expectWrongVersion(
          store.appendToStream(s, testEvents(2), { expectedRevision: 'no_stream' }),
          0n,
        );
        expect(await store.readStream(s)).toHaveLength(1);
      });

      it('refuses stream_exists on a missing stream and creates nothing', async () => {
        const s = stream('exists');
        await expectWrongVersion(
          store.appendToStream(s, testEvents(1), { expectedRevision: 'stream_exists' }),
          'no_stream',
        );
        expect(await store.readStream(s)).toEqual([]);
        await store.appendToStream(s, testEvents(1), { expectedRevision: 'any' });
        const ok = await store.appendToStream(s, testEvents(1), { expectedRevision: 'stream_exists' });
        expect(ok.nextExpectedRevision).toBe(1n);
      });

      it('refuses a stale exact revision and accepts the current one', async () => {
        const s = stream('exact');
        await store.appendToStream(s, testEvents(2), { expectedRevision: 'no_stream' });
        await expectWrongVersion(store.appendToStream(s, testEvents(1), { expectedRevision: 0n }), 1n);
        await expectWrongVersion(store.appendToStream(s, testEvents(1), { expectedRevision: 5n }), 1n);
        const ok = await store.appendToStream(s, testEvents(1), { expectedRevision: 1n });
        expect(ok.nextExpectedRevision).toBe(2n);
        expect(await store.readStream(s)).toHaveLength(3);
      });

      it('appends with any whatever the state of the stream', async () => {
        const s = stream('any');
        await store.appendToStream(s, testEvents(1), { expectedRevision: 'any' });
        const second = await store.appendToStream(s, testEvents(1), { expectedRevision: 'any' });
        expect(second.nextExpectedRevision).toBe(1n);
      });
    });

    describe('atomicity and idempotency', () => {
      it('writes a multi-event append all or nothing', async () => {
        const s = stream('atomic');
        await store.appendToStream(s, testEvents(1), { expectedRevision: 'no_stream' });
        await expect(
          store.appendToStream(s, testEvents(50), { expectedRevision: 7n }),
        ).rejects.toBeInstanceOf(WrongExpectedVersionError);
        expect(await store.readStream(s)).toHaveLength(1);
        await store.appendToStream(s, testEvents(50), { expectedRevision: 0n });
        const events = await store.readStream(s);
        expect(events).toHaveLength(51);
        expect(events.map((e) => e.revision)).toEqual(Array.from({ length: 51 }, (_, i) => BigInt(i)));
      });

      it('treats a re-append of the same event ids at the same expected revision as done', async () => {
        const s = stream('idem');
        const batch = testEvents(3);
        const first = await store.appendToStream(s, batch, { expectedRevision: 'no_stream' });
        const again = await store.appendToStream(s, batch, { expectedRevision: 'no_stream' });
        expect(again).toEqual(first);
        const next = [testEvent()];
        const third = await store.appendToStream(s, next, { expectedRevision: 2n });
        expect(await store.appendToStream(s, next, { expectedRevision: 2n })).toEqual(third);
        expect(await store.readStream(s)).toHaveLength(4);
      });

      it('still refuses different events at a revision that is taken', async () => {
        const s = stream('idem-diff');
        await store.appendToStream(s, testEvents(2), { expectedRevision: 'no_stream' });
        await expect(
          store.appendToStream(s, testEvents(2), { expectedRevision: 'no_stream' }),
        ).rejects.toBeInstanceOf(WrongExpectedVersionError);
        expect(await store.readStream(s)).toHaveLength(2);
      });
    });

    describe('concurrency', () => {
      it('lets exactly one of many racing writers win each revision', async () => {
        const s = stream('race');
        const writers = 16;
        for (let revision = -1; revision < 9; revision++) {
          const expected = revision === -1 ? ('no_stream' as const) : BigInt(revision);
          const outcomes = await Promise.allSettled(
            Array.from({ length: writers }, (_, w) =>
              store.appendToStream(s, [testEvent('Raced', { w, revision })], { expectedRevision: expected }),
            ),
          );
          const won = outcomes.filter((o) => o.status === 'fulfilled');
          const lost = outcomes.filter((o) => o.status === 'rejected') as PromiseRejectedResult[];
          expect(won).toHaveLength(1);
          expect(lost).toHaveLength(writers - 1);
          for (const loss of lost) expect(loss.reason).toBeInstanceOf(WrongExpectedVersionError);
        }
        const events = await store.readStream(s);
        expect(events.map((e) => e.revision)).toEqual(Array.from({ length: 10 }, (_, i) => BigInt(i)));
      });

      it('loses no update when writers retry on conflict (read, decide, append)', async () => {
        const s = stream('counter');
        const writers = 8;
        const perWriter = 10;
        await Promise.all(
          Array.from({ length: writers }, async (_, w) => {
            for (let n = 0; n < perWriter; n++) {
              for (;;) {
                const [last] = await store.readStream(s, {
                  fromRevision: 'end',
                  direction: 'backwards',
                  maxCount: 1,
                });
                try {
                  await store.appendToStream(s, [testEvent('Counted', { w, n })], {
                    expectedRevision: last ? last.revision : 'no_stream',
                  });
                  break;
                } catch (error) {
                  if (!(error instanceof WrongExpectedVersionError)) throw error;
                }
              }
            }
          }),
        );
        const events = await store.readStream(s);
        expect(events).toHaveLength(writers * perWriter);
        for (let w = 0; w < writers; w++) {
          const ns = events
            .filter((e) => (e.data as { w: number }).w === w)
            .map((e) => (e.data as { n: number }).n);
          expect(ns).toEqual(Array.from({ length: perWriter }, (_, i) => i));
        }
      });

      it('keeps one global order under concurrent appends to many streams', async () => {
        const streams = Array.from({ length: 40 }, () => stream('many'));
        const from = (await store.headPosition()) + 1n;
        await Promise.all(
          streams.map(async (s) => {
            for (let i = 0; i < 10; i++) {
              await store.appendToStream(s, testEvents(2), {
                expectedRevision: i === 0 ? 'no_stream' : BigInt(i * 2 - 1),
              });
            }
          }),
        );
        const all = await collect(store.readAll({ fromPosition: from < 0n ? 'start' : from, filter: mine }));
        const ours = all.filter((e) => streams.includes(e.streamId));
        expect(ours).toHaveLength(40 * 20);
        assertStrictlyIncreasing(all);
        for (const s of streams) {
          const revisions = ours.filter((e) => e.streamId === s).map((e) => e.revision);
          expect(revisions).toEqual(Array.from({ length: 20 }, (_, i) => BigInt(i)));
        }
      });
    });

    describe('readAll', () => {
      it('filters by stream prefix and by event type prefix, from an inclusive position, up to maxCount', async () => {
        const a = `${run}_filterA-${randomUUID()}`;
        const b = `${run}_filterB-${randomUUID()}`;
        await store.appendToStream(a, [testEvent('Alpha.One'), testEvent('Beta.One')], {
          expectedRevision: 'no_stream',
        });
        await store.appendToStream(b, [testEvent('Alpha.Two'), testEvent('Beta.Two')], {
          expectedRevision: 'no_stream',
        });
        const byStream = await collect(store.readAll({ filter: { streamPrefixes: [`${run}_filterA`] } }));
        expect(byStream.map((e) => e.type)).toEqual(['Alpha.One', 'Beta.One']);
        const byType = await collect(
          store.readAll({ filter: { streamPrefixes: [`${run}_filter`], eventTypePrefixes: ['Beta.'] } }),
        );
        expect(byType.map((e) => e.type)).toEqual(['Beta.One', 'Beta.Two']);
        const fromSecond = await collect(
          store.readAll({ fromPosition: byType[1].position, filter: { streamPrefixes: [`${run}_filter`] } }),
        );
        expect(fromSecond.map((e) => e.type)).toEqual(['Beta.Two']);
        const limited = await collect(
          store.readAll({ maxCount: 1, filter: { streamPrefixes: [`${run}_filterB`] } }),
        );
        expect(limited.map((e) => e.type)).toEqual(['Alpha.Two']);
      });
    });

    describe('subscribeToAll', () => {
      it('catches up, then goes live under concurrent writes with no gap and no reordering', async () => {
        const prefix = `${run}_sub-${randomUUID().slice(0, 8)}`;
        const streams = Array.from({ length: 8 }, (_, i) => `${prefix}-${i}`);
        for (const s of streams)
          await store.appendToStream(s, testEvents(25), { expectedRevision: 'no_stream' });
        const subscription = store.subscribeToAll({ filter: { streamPrefixes: [prefix] } });
        const writing = (async () => {
          for (let round = 0; round < 25; round++) {
            await Promise.all(
              streams.map((s) =>
                store.appendToStream(s, testEvents(1), { expectedRevision: BigInt(24 + round) }),
              ),
            );
          }
        })();
        const received = await take(subscription, 8 * 50);
        await writing;
        await subscription.close();
        const logged = await collect(store.readAll({ filter: { streamPrefixes: [prefix] } }));
        expect(logged).toHaveLength(400);
        expect(received.map((e) => e.position)).toEqual(logged.map((e) => e.position));
        assertStrictlyIncreasing(received);
      });

      it('resumes after the checkpoint a subscriber stored, with nothing skipped', async () => {
        const prefix = `${run}_resume-${randomUUID().slice(0, 8)}`;
        await store.appendToStream(`${prefix}-a`, testEvents(30), { expectedRevision: 'no_stream' });
        const first = store.subscribeToAll({ filter: { streamPrefixes: [prefix] } });
        const handled = await take(first, 12);
        await first.close();
        const checkpoint = handled[handled.length - 1].position;
        await store.appendToStream(`${prefix}-a`, testEvents(5), { expectedRevision: 29n });
        const resumed = store.subscribeToAll({
          fromPosition: checkpoint,
          filter: { streamPrefixes: [prefix] },
        });
        const rest = await take(resumed, 23);
        await resumed.close();
        expect([...handled, ...rest].map((e) => e.revision)).toEqual(
          Array.from({ length: 35 }, (_, i) => BigInt(i)),
        );
      });

      it('stops delivering once closed', async () => {
        const prefix = `${run}_close-${randomUUID().slice(0, 8)}`;
        await store.appendToStream(`${prefix}-a`, testEvents(2), { expectedRevision: 'no_stream' });
        const subscription = store.subscribeToAll({ filter: { streamPrefixes: [prefix] } });
        const iterator = subscription[Symbol.asyncIterator]();
        expect((await iterator.next()).done).toBe(false);
        expect((await iterator.next()).done).toBe(false);
        const pending = iterator.next();
        await subscription.close();
        await store.appendToStream(`${prefix}-a`, testEvents(1), { expectedRevision: 1n });
        expect((await pending).done).toBe(true);
      });
    });
  });
}

function assertStrictlyIncreasing(events: RecordedEvent[]): void {
  for (let i = 1; i < events.length; i++) {
    if (!(events[i].position > events[i - 1].position)) {
      throw new Error(`positions out of order at ${i}: ${events[i - 1].position} then ${events[i].position}`);
    }
  }
}
