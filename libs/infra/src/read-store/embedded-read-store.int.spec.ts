import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readStoreContract } from '../../../../test/contracts/read-store.contract';
import { createReadStore } from './create-read-store';
import { EmbeddedReadStore } from './embedded-read-store';

const dir = mkdtempSync(join(tmpdir(), 'ledger-read-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// One file for the whole suite, as in production: namespaces keep the runs apart.
readStoreContract(
  'embedded SQLite',
  async ({ namespace }) => new EmbeddedReadStore({ file: join(dir, 'read-models.sqlite'), namespace }),
);

describe('embedded read store specifics', () => {
  it('keeps documents and checkpoints in the file across reopening', async () => {
    const file = join(dir, 'reopen.sqlite');
    const first = new EmbeddedReadStore({ file });
    await first.commit(
      [{ ref: { collection: 'c', id: 'a' }, document: { _id: 'a', n: 1, lastPosition: 4 } }],
      {
        projection: 'p',
        position: 4n,
      },
    );
    await first.close();
    const second = new EmbeddedReadStore({ file });
    expect(await second.get('c', 'a')).toEqual({ _id: 'a', n: 1, lastPosition: 4 });
    expect(await second.checkpoint('p')).toBe(4n);
    await second.close();
  });

  it('is what createReadStore makes without MONGO_URL, under LEDGER_DATA_DIR', async () => {
    const store = createReadStore({ LEDGER_DATA_DIR: join(dir, 'data') }, { namespace: 'replay_1' });
    expect(store).toBeInstanceOf(EmbeddedReadStore);
    expect((await store.health()).detail).toBe(join(dir, 'data', 'read-models.sqlite'));
    await store.close();
  });
});
