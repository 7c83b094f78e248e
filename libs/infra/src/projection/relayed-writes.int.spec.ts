import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MessageChannel } from 'node:worker_threads';
import { DocumentChange } from '@ledger/projections';
import { EmbeddedReadStore } from '../read-store/embedded-read-store';
import { RelayedWrite, RelayedWrites, writeRelayed } from './relayed-writes';

const dir = mkdtempSync(join(tmpdir(), 'ledger-relay-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;

/**
 * A helper's store and the main thread's writer over a real message channel (as between threads),
 * both connections on one file; `parts` records each message the helper sent.
 */
function relay(answer?: (write: RelayedWrite) => void) {
  n += 1;
  const file = join(dir, `reads-${n}.sqlite`);
  const main = new EmbeddedReadStore({ file, namespace: 'rebuild' });
  const { port1, port2 } = new MessageChannel();
  const helper = new RelayedWrites(new EmbeddedReadStore({ file, namespace: 'rebuild' }), port1);
  const parts: RelayedWrite[] = [];
  const write = writeRelayed(main, (message) => port2.postMessage(message));
  port2.on('message', (message: RelayedWrite) => {
    parts.push(message);
    (answer ?? write)(message);
  });
  const close = async () => {
    await helper.close();
    await main.close();
    port2.close();
  };
  return { main, helper, parts, port2, close };
}

const counts = (from: number, count: number): DocumentChange[] =>
  Array.from({ length: count }, (_, i) => ({
    ref: { collection: 'counts', id: `c-${from + i}` },
    document: { _id: `c-${from + i}`, count: from + i, lastPosition: 40 },
    created: true,
  }));

describe('writes relayed from a rebuild helper to the main thread', () => {
  it('sends a commit in parts, the checkpoint with the last, and resolves once the main thread wrote it all', async () => {
    const { main, helper, parts, close } = relay();
    await helper.reset('counter', ['counts']);
    await helper.commit(counts(0, 4500), { projection: 'counter', position: 40n });
    expect(parts.map((p) => [p.changes.collection.length, p.checkpoint])).toEqual([
      [2000, undefined],
      [2000, undefined],
      [500, { projection: 'counter', position: '40' }],
    ]);
    expect(await main.get('counts', 'c-4499')).toEqual({ _id: 'c-4499', count: 4499, lastPosition: 40 });
    // The helper's own connection reads what the main thread wrote, in the same namespace.
    expect(await helper.checkpoint('counter')).toBe(40n);
    expect(await helper.load([{ collection: 'counts', id: 'c-7' }])).toEqual(
      new Map([['counts/c-7', { _id: 'c-7', count: 7, lastPosition: 40 }]]),
    );
    // Ids and documents of any characters, a document without lastPosition, and a delete travel too.
    await helper.commit(
      [
        {
          ref: { collection: 'counts', id: 'Zürich-€-😀' },
          document: { _id: 'Zürich-€-😀', name: 'Łódź 😀' },
        },
        { ref: { collection: 'counts', id: 'plain' }, document: { _id: 'plain', count: 1 } },
      ],
      { projection: 'counter', position: 40n },
    );
    expect(await main.get('counts', 'Zürich-€-😀')).toEqual({ _id: 'Zürich-€-😀', name: 'Łódź 😀' });
    expect(await main.get('counts', 'plain')).toEqual({ _id: 'plain', count: 1 });
    // A delete travels too.
    await helper.commit([{ ref: { collection: 'counts', id: 'c-7' }, document: null }], {
      projection: 'counter',
      position: 41n,
    });
    expect(await main.get('counts', 'c-7')).toBeUndefined();
    expect(await main.checkpoint('counter')).toBe(41n);
    await close();
  });

  it('fails the commit when the main thread cannot write it, and writes none of it', async () => {
    const { main, helper, close } = relay();
    // A collection name the store refuses, in the second part: the transaction rolls back.
    const changes = [
      ...counts(0, 2500),
      { ref: { collection: 'bad name', id: 'x' }, document: { _id: 'x' }, created: true },
    ];
    await expect(helper.commit(changes, { projection: 'counter', position: 9n })).rejects.toThrow(
      /the main thread could not write: .*bad name/,
    );
    expect(await main.get('counts', 'c-0')).toBeUndefined();
    expect(await main.checkpoint('counter')).toBeNull();
    await close();
  });

  it('refuses a document whose _id is not its ref before sending the last part', async () => {
    const { main, helper, parts, close } = relay();
    const changes = [...counts(0, 2000), { ref: { collection: 'counts', id: 'a' }, document: { _id: 'b' } }];
    await expect(helper.commit(changes, { projection: 'counter', position: 3n })).rejects.toThrow(
      'document _id b does not match its ref counts/a',
    );
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(parts.every((p) => p.checkpoint === undefined)).toBe(true);
    expect(await main.checkpoint('counter')).toBeNull();
    await close();
  });

  it('fails commits still waiting for an answer when it is closed', async () => {
    const { helper, close } = relay(() => undefined);
    const pending = helper.commit(counts(0, 3), { projection: 'counter', position: 1n });
    await helper.close();
    await expect(pending).rejects.toThrow('the read store was closed');
    await close();
  });
});
