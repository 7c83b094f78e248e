/**
 * A publisher for the kill -9 test: eight publishers publish batches of keyed messages to the
 * embedded bus as fast as it takes them, and print `ack <batchId> <size>` for each batch only after
 * `publish` resolved. The parent kills it with SIGKILL at a random moment.
 */
import { randomUUID } from 'node:crypto';
import { EmbeddedMessageBus } from '@ledger/infra/bus';

const [file, topic] = process.argv.slice(2);
const bus = new EmbeddedMessageBus({ file });

async function publisher(w: number): Promise<never> {
  for (let seq = 0; ; seq++) {
    const batchId = randomUUID();
    const size = 1 + (seq % 9);
    await bus.publish(
      topic,
      Array.from({ length: size }, (_, i) => ({
        key: `p${w}-k${i % 3}`,
        value: JSON.stringify({ batchId, w, seq, i, size }),
        headers: { 'batch-id': batchId },
      })),
    );
    process.stdout.write(`ack ${batchId} ${size}\n`);
  }
}

void bus.ensureTopics([{ topic, partitions: 4 }]).then(() => {
  process.stdout.write('ready\n');
  for (let w = 0; w < 8; w++) void publisher(w);
});
