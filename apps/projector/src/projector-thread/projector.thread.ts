import { parentPort, workerData } from 'node:worker_threads';
import { ledgerUpcasters } from '@ledger/events';
import { ledgerProjections, metadataRead } from '@ledger/projections';
import { EmbeddedEventStore, EmbeddedReadStore, ProjectionRunner } from '@ledger/infra';
import { FromProjectorThread, ProjectorThreadData, ToProjectorThread } from './projector-thread.messages';

/**
 * The projector thread's body: the same ProjectionRunner the projector runs in process, over its own
 * read-only connection to the embedded log and its own connection to the embedded read store. The host
 * relays each commit of appends, so the subscriptions wake at once rather than at their next poll.
 */
async function main(): Promise<void> {
  const port = parentPort;
  if (port === null) throw new Error('projector.thread runs in a worker thread');
  const post = (message: FromProjectorThread) => port.postMessage(message);
  const {
    eventsFile,
    upcast,
    readStore: readStoreOptions,
    pollIntervalMs,
  } = workerData as ProjectorThreadData;
  const events = new EmbeddedEventStore({
    file: eventsFile,
    ...(upcast ? { upcasters: ledgerUpcasters } : {}),
    ...(pollIntervalMs !== undefined ? { pollIntervalMs } : {}),
    readOnly: true,
    // The projections' metadata fields only: most of an event's bytes are metadata they never read.
    metadata: metadataRead(ledgerProjections),
  });
  const readStore = new EmbeddedReadStore(readStoreOptions);
  const runner = new ProjectionRunner({
    eventStore: events,
    readStore,
    projections: ledgerProjections,
    onBatch: (report) =>
      post({ kind: 'progress', projection: report.projection, position: report.position.toString() }),
    onError: (projection, error) => post({ kind: 'failed', projection, error: String(error) }),
  });
  port.on('message', (message: ToProjectorThread) => {
    if (message.kind === 'appended') events.notifyAppended(BigInt(message.head));
    if (message.kind === 'stop') {
      void (async () => {
        await runner.stop();
        await events.close();
        await readStore.close();
        // With the port closed the thread has nothing left to do and exits, which is what stop() awaits.
        port.close();
      })();
    }
  });
  await runner.start();
  const positions: Record<string, string | null> = {};
  for (const p of ledgerProjections) positions[p.name] = runner.position(p.name)?.toString() ?? null;
  post({ kind: 'started', positions });
}

main().catch((error: unknown) => {
  parentPort?.postMessage({ kind: 'fatal', error: String(error) } satisfies FromProjectorThread);
});
