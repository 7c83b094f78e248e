import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { EmbeddedEventStore } from '@ledger/infra';
import { collect, testEvent } from '../support/events';
import { spawnTs } from '../support/run-ts';

jest.setTimeout(120_000);

interface Ack {
  stream: string;
  batchId: string;
  size: number;
}

/**
 * kill -9 a writer mid-stream: every append it was told had succeeded must be in the log after
 * restart, and no batch may be there in part.
 */
describe('embedded event store under kill -9', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ledger-crash-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it.each([1, 2, 3])('keeps every acknowledged append and no half batch (run %i)', async (run) => {
    const file = join(dir, `events-${run}.sqlite`);
    const acks: Ack[] = [];
    const child = spawnTs('test/support/append-worker.ts', [file]);
    const exited = new Promise<NodeJS.Signals | null>((resolve) =>
      child.on('exit', (_code, signal) => resolve(signal)),
    );
    let stderr = '';
    child.stderr!.on('data', (chunk) => (stderr += chunk));
    const lines = createInterface({ input: child.stdout! });
    // Killed after a random number of acknowledged appends, not a random time: on a loaded machine
    // (other suites running beside this one) a fixed delay may see too few appends to prove anything.
    const killAfterAcks = 150 + Math.floor(Math.random() * 400);
    await new Promise<void>((resolve, reject) => {
      child.on('exit', () => reject(new Error(`writer exited early: ${stderr}`)));
      lines.on('line', (line) => {
        const [tag, stream, batchId, size] = line.split(' ');
        if (tag !== 'ack') return;
        acks.push({ stream, batchId, size: Number(size) });
        if (acks.length === killAfterAcks) resolve();
      });
    });
    child.kill('SIGKILL');
    expect(await exited).toBe('SIGKILL');

    const store = new EmbeddedEventStore({ file });
    try {
      const events = await collect(store.readAll({ filter: { streamPrefixes: ['crash-'] } }));
      const batches = new Map<string, number>();
      for (const event of events) {
        const { batchId } = event.data as { batchId: string };
        batches.set(batchId, (batches.get(batchId) ?? 0) + 1);
      }
      expect(acks.length).toBeGreaterThan(100);
      const lost = acks.filter((ack) => batches.get(ack.batchId) !== ack.size);
      expect(lost).toEqual([]);
      const sizes = new Map(
        events.map((e) => [(e.data as { batchId: string }).batchId, (e.data as { size: number }).size]),
      );
      const partial = [...batches].filter(([batchId, count]) => sizes.get(batchId) !== count);
      expect(partial).toEqual([]);
      // Per stream, revisions are still dense: nothing half-written left a hole.
      const byStream = new Map<string, bigint[]>();
      for (const e of events) byStream.set(e.streamId, [...(byStream.get(e.streamId) ?? []), e.revision]);
      for (const revisions of byStream.values()) {
        expect(revisions).toEqual(revisions.map((_, i) => BigInt(i)));
      }
      // The store takes appends again after the crash, right after the last surviving revision.
      const before = byStream.get('crash-0')?.length ?? 0;
      const after = await store.appendToStream('crash-0', [testEvent()], { expectedRevision: 'any' });
      expect(after.nextExpectedRevision).toBe(BigInt(before));
    } finally {
      await store.close();
    }
  });
});
