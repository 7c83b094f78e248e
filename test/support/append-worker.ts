/**
 * A writer for the crash test: appends batches to several streams as fast as it can with 32 appends
 * in flight, and prints `ack <stream> <batchId> <size>` for each append only after the store
 * acknowledged it. The parent kills it with SIGKILL at a random moment.
 */
import { randomUUID } from 'node:crypto';
import { EmbeddedEventStore } from '@ledger/infra';
import { testEvent } from './events';

const file = process.argv[2];
const store = new EmbeddedEventStore({ file });

async function writer(w: number): Promise<never> {
  const stream = `crash-${w}`;
  for (let n = 0; ; n++) {
    const batchId = randomUUID();
    const size = 1 + (n % 7);
    const events = Array.from({ length: size }, (_, i) => testEvent('CrashTest', { batchId, i, size }));
    await store.appendToStream(stream, events, { expectedRevision: 'any' });
    process.stdout.write(`ack ${stream} ${batchId} ${size}\n`);
  }
}

// Ready once the store has taken a first append (the writer thread is up); the crash comes after.
void store.appendToStream('warmup', [testEvent('Warmup')], { expectedRevision: 'any' }).then(() => {
  process.stdout.write('ready\n');
  for (let w = 0; w < 32; w++) void writer(w);
});
