import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ledgerUpcasters } from '@ledger/events';
import { APPROVALS, ledgerProjections } from '@ledger/projections';
import { EmbeddedEventStore, EmbeddedReadStore, ProjectionRunner } from '@ledger/infra';
import { generateHistory } from '../support/history-generator';
import { spawnTs } from '../support/run-ts';

jest.setTimeout(120_000);

function replay(dataDir: string, args: string[]): Promise<{ code: number | null; out: string }> {
  const child = spawnTs('scripts/replay.ts', args, {
    env: { LEDGER_DATA_DIR: dataDir, MONGO_URL: '', EVENTSTORE_URL: '' },
  });
  let out = '';
  child.stdout!.on('data', (c) => (out += c));
  child.stderr!.on('data', (c) => (out += c));
  return new Promise((resolve) => child.on('exit', (code) => resolve({ code, out })));
}

describe('npm run replay', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'ledger-replay-'));
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  beforeAll(async () => {
    const events = new EmbeddedEventStore({
      file: join(dataDir, 'events.sqlite'),
      upcasters: ledgerUpcasters,
    });
    await generateHistory(events, { events: 2_000, seed: 3 });
    const reads = new EmbeddedReadStore({ file: join(dataDir, 'read-models.sqlite') });
    const runner = new ProjectionRunner({
      eventStore: events,
      readStore: reads,
      projections: ledgerProjections,
    });
    await runner.start();
    await runner.waitFor(await events.headPosition(), 60_000);
    await runner.stop();
    await reads.close();
    await events.close();
  });

  it('rebuilds every read model and finds no difference from the live ones', async () => {
    const { code, out } = await replay(dataDir, ['--projection', 'all']);
    expect(out).toContain('no differences from the live read models');
    expect(out).toMatch(/events\/s/);
    expect(code).toBe(0);
  });

  it('answers the balances as of a position', async () => {
    const { code, out } = await replay(dataDir, ['--projection', 'balances', '--to-position', '400']);
    expect(code).toBe(0);
    expect(out).toContain('balances at position 400');
    expect(out).toMatch(/trial balance [A-Z]{3}: balanced/);
    expect(out).not.toContain('NOT BALANCED');
  });

  it('reports a live read model that drifted from the log, and exits 1', async () => {
    const reads = new EmbeddedReadStore({ file: join(dataDir, 'read-models.sqlite') });
    const [first] = (await reads.find(APPROVALS, { limit: 1 })).items;
    await reads.commit(
      [
        {
          ref: { collection: APPROVALS, id: first._id },
          document: { ...first, status: 'approved', claimant: 'mallory' },
        },
      ],
      {
        projection: 'approvals',
        position: (await reads.checkpoint('approvals'))!,
      },
    );
    await reads.close();
    const { code, out } = await replay(dataDir, ['--projection', 'approvals']);
    expect(out).toContain('1 differences from the live read models');
    expect(out).toContain(`approvals/${first._id}`);
    expect(code).toBe(1);
  });
});
