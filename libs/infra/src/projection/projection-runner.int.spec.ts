import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EventStore, RecordedEvent } from '@ledger/events';
import { Projection, ReadModelDocument } from '@ledger/projections';
import { collect, testEvent } from '../../../../test/support/events';
import { EmbeddedEventStore } from '../event-store/embedded-event-store';
import { EmbeddedReadStore } from '../read-store/embedded-read-store';
import { ProjectionRunner } from './projection-runner';
import { rebuild } from './rebuild';

const dir = mkdtempSync(join(tmpdir(), 'ledger-runner-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
const fresh = () => {
  n += 1;
  return {
    events: new EmbeddedEventStore({ file: join(dir, `events-${n}.sqlite`), pollIntervalMs: 20 }),
    reads: new EmbeddedReadStore({ file: join(dir, `reads-${n}.sqlite`) }),
  };
};

/** Counts `Counted` events per stream: `count` and the list of positions applied. */
const counter: Projection = {
  name: 'counter',
  collections: ['counts'],
  handles: ['Counted'],
  touches: (e) => [{ collection: 'counts', id: e.streamId }],
  apply: (doc, e, ref) => ({
    _id: ref.id,
    count: ((doc?.count as number) ?? 0) + 1,
    positions: [...((doc?.positions as number[]) ?? []), Number(e.position)],
  }),
};

describe('ProjectionRunner', () => {
  it('catches up, follows live appends, and waitFor answers read-your-writes', async () => {
    const { events, reads } = fresh();
    for (let i = 0; i < 50; i++)
      await events.appendToStream(`s-${i % 5}`, [testEvent('Counted')], { expectedRevision: 'any' });
    const runner = new ProjectionRunner({
      eventStore: events,
      readStore: reads,
      projections: [counter],
      batchSize: 7,
    });
    await runner.start();
    expect(await runner.waitFor(await events.headPosition(), 5000)).toBe(true);
    expect(await reads.get('counts', 's-0')).toMatchObject({ count: 10 });
    const { position } = await events.appendToStream('s-0', [testEvent('Counted')], {
      expectedRevision: 'any',
    });
    expect(await runner.waitFor(position, 5000)).toBe(true);
    expect(await reads.get('counts', 's-0')).toMatchObject({ count: 11, lastPosition: Number(position) });
    expect(await runner.waitFor(position + 100n, 50)).toBe(false);
    const [stats] = runner.stats();
    expect(stats).toMatchObject({ name: 'counter', eventsSeen: 51, eventsApplied: 51, position });
    expect(stats.batches).toBeGreaterThanOrEqual(8);
    expect(await runner.lag()).toEqual({ counter: 0n });
    await runner.stop();
    expect(await reads.checkpoint('counter')).toBe(position);
    await events.close();
  });

  it('advances past events it ignores, stores that checkpoint on stop, and resumes from it', async () => {
    const { events, reads } = fresh();
    await events.appendToStream('a', [testEvent('Counted')], { expectedRevision: 'any' });
    const { position: head } = await events.appendToStream('a', [testEvent('Other'), testEvent('Other')], {
      expectedRevision: 'any',
    });
    const first = new ProjectionRunner({
      eventStore: events,
      readStore: reads,
      projections: [counter],
      checkpointIntervalMs: 60_000,
    });
    await first.start();
    expect(await first.waitFor(head, 5000)).toBe(true);
    await first.stop();
    expect(await reads.checkpoint('counter')).toBe(head);

    await events.appendToStream('a', [testEvent('Counted')], { expectedRevision: 'any' });
    const second = new ProjectionRunner({ eventStore: events, readStore: reads, projections: [counter] });
    await second.start();
    expect(second.position('counter')).toBe(head);
    expect(await second.waitFor(head + 1n, 5000)).toBe(true);
    expect(await reads.get('counts', 'a')).toMatchObject({ count: 2 });
    expect(second.stats()[0].eventsSeen).toBe(1);
    await second.stop();
    await events.close();
  });

  it('skips events a document already reflects when they are redelivered', async () => {
    const { events, reads } = fresh();
    for (let i = 0; i < 6; i++)
      await events.appendToStream('r', [testEvent('Counted')], { expectedRevision: 'any' });
    const runner = new ProjectionRunner({ eventStore: events, readStore: reads, projections: [counter] });
    await runner.start();
    await runner.waitFor(6n, 5000);
    await runner.stop();
    // A crash that lost the checkpoint but kept the documents (possible on MongoDB): redelivery from 2.
    await reads.commit([], { projection: 'counter', position: 2n });
    const again = new ProjectionRunner({ eventStore: events, readStore: reads, projections: [counter] });
    await again.start();
    await again.waitFor(6n, 5000);
    await again.stop();
    const doc = (await reads.get('counts', 'r')) as ReadModelDocument;
    expect(doc.count).toBe(6);
    expect(doc.positions).toEqual([1, 2, 3, 4, 5, 6]);
    await events.close();
  });

  it('keeps retrying a failing commit and then carries on without losing events', async () => {
    const { events, reads } = fresh();
    for (let i = 0; i < 5; i++)
      await events.appendToStream('f', [testEvent('Counted')], { expectedRevision: 'any' });
    let failures = 2;
    const flaky = Object.create(reads) as EmbeddedReadStore;
    flaky.commit = async (changes, checkpoint) => {
      if (failures-- > 0) throw new Error('disk on fire');
      return reads.commit(changes, checkpoint);
    };
    const errors: string[] = [];
    const failingWhenReported: boolean[] = [];
    const runner: ProjectionRunner = new ProjectionRunner({
      eventStore: events,
      readStore: flaky,
      projections: [counter],
      retryDelayMs: 10,
      onError: (_p, e) => {
        errors.push((e as Error).message);
        failingWhenReported.push(runner.stats()[0].failing);
      },
    });
    await runner.start();
    expect(await runner.waitFor(5n, 5000)).toBe(true);
    await runner.stop();
    expect(errors).toEqual(['disk on fire', 'disk on fire']);
    expect(await reads.get('counts', 'f')).toMatchObject({ count: 5 });
    // Failing while it retried (what health reports), no longer once a batch went through.
    expect(failingWhenReported).toEqual([true, true]);
    expect(runner.stats()[0]).toMatchObject({ failures: 2, lastError: 'disk on fire', failing: false });
    await events.close();
  });
});

describe('rebuild', () => {
  it('rebuilds from the start into a namespaced store, up to a position or until a predicate', async () => {
    const { events, reads } = fresh();
    for (let i = 0; i < 30; i++)
      await events.appendToStream(`s-${i % 3}`, [testEvent('Counted', {}, undefined)], {
        expectedRevision: 'any',
      });
    const file = join(dir, `reads-${n}.sqlite`);
    const replay = new EmbeddedReadStore({ file, namespace: 'replay_1' });
    const progress: number[] = [];
    const full = await rebuild(events, [counter], replay, {
      batchSize: 4,
      flushDocuments: 2,
      onProgress: (p) => progress.push(p.events),
    });
    expect(full).toMatchObject({ events: 30, position: 30n, applied: { counter: 30 } });
    expect(progress).toEqual([4, 8, 12, 16, 20, 24, 28, 30]);
    expect(await replay.get('counts', 's-0')).toMatchObject({ count: 10, lastPosition: 28 });
    expect(await replay.checkpoint('counter')).toBe(30n);
    // The live namespace saw none of it.
    expect(await reads.get('counts', 's-0')).toBeUndefined();

    const asOf = await rebuild(events, [counter], replay, { toPosition: 10n });
    expect(asOf.events).toBe(10);
    expect(await replay.get('counts', 's-0')).toMatchObject({ count: 4 });
    expect(await replay.checkpoint('counter')).toBe(10n);

    await rebuild(events, [counter], replay, {
      until: (e) => e.position > 4n,
      cacheSize: 1,
      flushDocuments: 2,
    });
    expect(await replay.get('counts', 's-0')).toMatchObject({ count: 2, positions: [1, 4] });
    await replay.close();
    await events.close();
  });

  it('writes documents once they are cold and holds the hot ones back, its checkpoints never ahead of what is stored', async () => {
    const { events } = fresh();
    const log = await coldAndHotLog(events, 30);
    const { store, commits } = recordingStore(`cold-${n}.sqlite`, 'cold', log);
    await rebuild(events, [counter], store, { batchSize: 3, flushDocuments: 8, coldAfterEvents: 6 });
    // The cold streams were written once each, the hot one at the end only.
    const writes = commits.flatMap((c) => c.ids);
    for (let k = 0; k < 30; k++) expect(writes.filter((id) => id === `cold-${k}`)).toHaveLength(1);
    expect(writes.filter((id) => id === 'hot')).toHaveLength(1);
    expect(commits.length).toBeGreaterThan(1);
    expect(commits.slice(0, -1).every((c) => c.checkpoint < log[log.length - 1].position)).toBe(true);
    expect(await store.get('counts', 'hot')).toMatchObject({ count: 60 });
    expect(await store.checkpoint('counter')).toBe(log[log.length - 1].position);
    await store.close();
    await events.close();
  });
});

describe('ProjectionRunner and a read store of another log', () => {
  it('refuses to start from a checkpoint past the log it follows, and writes nothing', async () => {
    const { events, reads } = fresh();
    for (let i = 0; i < 4; i++)
      await events.appendToStream(`s-${i}`, [testEvent('Counted')], { expectedRevision: 'any' });
    const first = new ProjectionRunner({ eventStore: events, readStore: reads, projections: [counter] });
    await first.start();
    expect(await first.waitFor(await events.headPosition(), 5000)).toBe(true);
    await first.stop();
    // A new, shorter log beside the same read store.
    const other = new EmbeddedEventStore({ file: join(dir, `other-${n}.sqlite`) });
    await other.appendToStream('s-9', [testEvent('Counted')], { expectedRevision: 'any' });
    const second = new ProjectionRunner({ eventStore: other, readStore: reads, projections: [counter] });
    await expect(second.start()).rejects.toThrow(
      "projection counter: its checkpoint 4 is past the log's last position 1; the read store holds read models of another log",
    );
    await second.stop();
    expect(await reads.checkpoint('counter')).toBe(4n);
    expect(await reads.get('counts', 's-9')).toBeUndefined();
    await other.close();
    await reads.close();
    await events.close();
  });
});

describe('rebuild and event metadata', () => {
  it('reads only the metadata fields its projections name, and fails loudly on a field not named', async () => {
    const { events, reads } = fresh();
    for (let i = 0; i < 6; i++)
      await events.appendToStream(`s-${i % 2}`, [testEvent('Counted')], { expectedRevision: 'any' });
    const stamped: Projection = {
      ...counter,
      name: 'stamped',
      metadata: ['occurredAt'],
      apply: (doc, e, ref) => ({ _id: ref.id, at: e.metadata.occurredAt }),
    };
    await rebuild(events, [stamped], reads);
    expect(await reads.get('counts', 's-1')).toMatchObject({ at: '2026-01-01T00:00:00.000Z' });
    const nosy: Projection = {
      ...stamped,
      name: 'nosy',
      apply: (doc, e, ref) => ({ _id: ref.id, by: e.metadata.actor.subject }),
    };
    await expect(rebuild(events, [nosy], reads)).rejects.toThrow(
      "metadata.actor was not read from the log: name it in the projection's metadata",
    );
    // A bound by predicate sees whole events, whatever the projections name.
    const blind: Projection = { ...counter, name: 'blind', metadata: [] };
    const bounded = await rebuild(events, [blind], reads, {
      until: (e) => e.metadata.actor.subject !== 'test' || e.position > 4n,
    });
    expect(bounded.events).toBe(4);
    expect(await reads.get('counts', 's-1')).toMatchObject({ count: 2 });
    // Without a declaration, all of it.
    const { metadata: _, ...undeclared } = nosy;
    await rebuild(events, [undeclared], reads);
    expect(await reads.get('counts', 's-1')).toMatchObject({ by: 'test' });
    await reads.close();
    await events.close();
  });
});

describe('rebuild with cold batches (as on a server store)', () => {
  it('writes cold documents as soon as there are coldBatch of them, each once, checkpoints never ahead', async () => {
    const { events } = fresh();
    const log = await coldAndHotLog(events, 0);
    const { store, commits } = recordingStore(`cold-batch-${n}.sqlite`, 'cold_batch', log);
    await rebuild(events, [counter], store, {
      batchSize: 3,
      // Never reached: only the cold batches write before the end.
      flushDocuments: 1_000,
      coldAfterEvents: 12,
      coldBatch: 4,
    });
    const writes = commits.flatMap((c) => c.ids);
    for (let k = 0; k < 30; k++) expect(writes.filter((id) => id === `cold-${k}`)).toHaveLength(1);
    expect(writes.filter((id) => id === 'hot')).toHaveLength(1);
    // Cold documents went out in writes of at least coldBatch while the log was still being read.
    const early = commits.slice(0, -1);
    expect(early.length).toBeGreaterThan(3);
    for (const c of early) {
      expect(c.ids.length).toBeGreaterThanOrEqual(4);
      expect(c.ids).not.toContain('hot');
      expect(c.checkpoint).toBeLessThan(log[log.length - 1].position);
    }
    // The last write holds what was still hot or not yet cold: far fewer than all 31 documents.
    expect(commits[commits.length - 1].ids.length).toBeLessThan(10);
    expect(await store.get('counts', 'hot')).toMatchObject({ count: 30 });
    expect(await store.checkpoint('counter')).toBe(log[log.length - 1].position);
    await store.close();
    await events.close();
  });
});

/** Thirty streams written twice in a row and then never again (cold), one written throughout (hot). */
async function coldAndHotLog(events: EventStore, hotAfter: number): Promise<RecordedEvent[]> {
  const append = (stream: string) =>
    events.appendToStream(stream, [testEvent('Counted')], { expectedRevision: 'any' });
  for (let k = 0; k < 30; k++) {
    await append(`cold-${k}`);
    await append(`cold-${k}`);
    await append('hot');
  }
  for (let i = 0; i < hotAfter; i++) await append('hot');
  return collect(events.readAll());
}

/**
 * A store that records every commit, and checks at each that every event up to its checkpoint is in
 * what is stored by then.
 */
function recordingStore(
  file: string,
  namespace: string,
  log: readonly RecordedEvent[],
): { store: EmbeddedReadStore; commits: Array<{ ids: string[]; checkpoint: bigint }> } {
  const store = new EmbeddedReadStore({ file: join(dir, file), namespace });
  const stored = new Map<string, number>();
  const commits: Array<{ ids: string[]; checkpoint: bigint }> = [];
  const commit = store.commit.bind(store);
  store.commit = async (changes, checkpoint) => {
    await commit(changes, checkpoint);
    for (const { ref, document } of changes) stored.set(ref.id, document!.count as number);
    commits.push({ ids: changes.map((c) => c.ref.id), checkpoint: checkpoint.position });
    for (const [stream, count] of countsUpTo(log, checkpoint.position))
      expect(stored.get(stream) ?? 0).toBeGreaterThanOrEqual(count);
  };
  return { store, commits };
}

function countsUpTo(log: readonly RecordedEvent[], position: bigint): Map<string, number> {
  const counts = new Map<string, number>();
  for (const e of log) if (e.position <= position) counts.set(e.streamId, (counts.get(e.streamId) ?? 0) + 1);
  return counts;
}
