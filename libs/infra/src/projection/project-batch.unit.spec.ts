import { Projection, ReadModelDocument } from '@ledger/projections';
import { ChangedDocument, DocumentCache, storedChanges } from './project-batch';

/** Counts kept as bigint while projecting, written as decimal strings. */
const counting: Projection = {
  name: 'counting',
  collections: ['first', 'second'],
  handles: [],
  touches: () => [],
  apply: (document) => document ?? null,
  working: {
    fromStored: (stored) => ({ ...stored, count: BigInt(stored.count as string) }),
    toStored: (working) => ({ ...working, count: String(working.count) }),
  },
};

function changed(collection: string, id: string, existed: boolean, count: bigint | null): ChangedDocument {
  const document: ReadModelDocument | null = count === null ? null : { _id: id, count, lastPosition: 9 };
  return { ref: { collection, id }, existed, document };
}

describe('storedChanges', () => {
  it('orders changes by the projection collections, converts them to the stored form and marks new ones', () => {
    const working = changed('second', 'b', true, 2n);
    const changes = storedChanges(counting, [
      working,
      changed('first', 'a', false, 1n),
      changed('second', 'c', false, null), // created and deleted within the batch: nothing to write
      changed('first', 'd', true, null),
    ]);
    expect(changes).toStrictEqual([
      {
        ref: { collection: 'first', id: 'a' },
        document: { _id: 'a', count: '1', lastPosition: 9 },
        created: true,
      },
      { ref: { collection: 'first', id: 'd' }, document: null },
      { ref: { collection: 'second', id: 'b' }, document: { _id: 'b', count: '2', lastPosition: 9 } },
    ]);
    // The stored form is a snapshot: the working document is left as it was.
    expect(working.document).toStrictEqual({ _id: 'b', count: 2n, lastPosition: 9 });
  });

  it('passes the documents of a projection without a working form as they are', () => {
    const plain: Projection = { ...counting, working: undefined };
    const document = { _id: 'a', count: '1', lastPosition: 3 };
    const [change] = storedChanges(plain, [
      { ref: { collection: 'first', id: 'a' }, existed: true, document },
    ]);
    expect(change.document).toBe(document);
  });
});

describe('DocumentCache', () => {
  const ref = (collection: string, id: string) => ({ collection, id });

  it('knows documents by collection and id; when complete, an unknown one is absent, otherwise unknown', () => {
    const complete = new DocumentCache(10, true);
    expect(complete.slot(ref('a', '1'))).toMatchObject({ key: 'a/1', document: null });
    expect(complete.size).toBe(1);
    const partial = new DocumentCache(10, false);
    expect(partial.slot(ref('a', '1'))).toBeUndefined();
    const added = partial.add(ref('a', '1'), { _id: '1' });
    expect(partial.slot(ref('a', '1'))).toBe(added);
    expect(partial.slot(ref('b', '1'))).toBeUndefined();
  });

  it('evicts the least recently used beyond its limit, from each collection in proportion to its size, and is then incomplete', () => {
    const cache = new DocumentCache(10, true);
    for (let i = 0; i < 8; i++) cache.add(ref('many', `m${i}`), { _id: `m${i}` });
    for (let i = 0; i < 3; i++) cache.add(ref('few', `f${i}`), { _id: `f${i}` });
    const m0 = cache.slot(ref('many', 'm0'))!;
    const f0 = cache.slot(ref('few', 'f0'))!;
    cache.touch(m0);
    cache.evict();
    // 11 > 10: trimmed to 9, the two dropped from the larger collection, its least recently used
    // (m0 was used last).
    expect(cache.size).toBe(9);
    expect(cache.complete).toBe(false);
    expect(cache.slot(ref('many', 'm1'))).toBeUndefined();
    expect(cache.slot(ref('many', 'm2'))).toBeUndefined();
    expect(cache.slot(ref('many', 'm0'))).toBe(m0);
    expect(cache.slot(ref('few', 'f0'))).toBe(f0);
    // A larger excess comes out of both.
    cache.trim(6);
    expect(cache.size).toBe(6);
    expect(cache.slot(ref('few', 'f0'))).toBeUndefined();
  });

  it('without LRU evicts the oldest, and keeps what trim is told to keep', () => {
    const cache = new DocumentCache(Number.POSITIVE_INFINITY, true, undefined, false);
    for (let i = 0; i < 5; i++) cache.add(ref('c', `d${i}`), { _id: `d${i}` });
    cache.touch(cache.slot(ref('c', 'd0'))!);
    cache.trim(3, (slot) => slot.key === 'c/d1');
    expect(['d0', 'd1', 'd2', 'd3', 'd4'].filter((id) => cache.slot(ref('c', id)))).toEqual([
      'd1',
      'd3',
      'd4',
    ]);
  });
});
