import { Projection, ReadModelDocument } from '@ledger/projections';
import { ChangedDocument, storedChanges } from './project-batch';

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
