/**
 * A projector for the crash test: runs the ProjectionRunner over an embedded event log into a read
 * store and prints `ready <checkpoint>` once started, `batch <projection> <position>` after each
 * batch, and `done <position>` once every projection reached the head of the log (then it stops
 * gracefully and exits 0). The parent kills it with SIGKILL at random moments before that.
 *
 * Usage: projector-worker.ts <events.sqlite> embedded|mongo <read-models file or MONGO_URL> <namespace> <batchSize> [fault|ledger]
 *
 * `fault` (the default) runs small, self-checking projections, so the test depends on no other read
 * model: a counter and a sum per stream plus totals (money as decimal strings), and a per-stream
 * document deleted when the stream closes. `ledger` runs the ledger's own projections (balances,
 * approvals, payments, risk, reconciliation) over a log of the ledger's events.
 */
import { ledgerUpcasters, RecordedEvent } from '@ledger/events';
import {
  DocumentRef,
  ledgerProjections,
  Projection,
  ReadModelDocument,
  ReadStore,
} from '@ledger/projections';
import { EmbeddedEventStore } from '../../libs/infra/src/event-store/embedded-event-store';
import { ProjectionRunner } from '../../libs/infra/src/projection/projection-runner';
import { EmbeddedReadStore } from '../../libs/infra/src/read-store/embedded-read-store';
import { MongoReadStore } from '../../libs/infra/src/read-store/mongo-read-store';

interface Amount {
  readonly amount: string;
}

export const faultCounters: Projection = {
  name: 'fault_counters',
  collections: ['fault_streams', 'fault_totals'],
  handles: ['FaultCredited', 'FaultDebited'],
  touches: (event: RecordedEvent): DocumentRef[] => [
    { collection: 'fault_streams', id: event.streamId },
    { collection: 'fault_totals', id: 'all' },
  ],
  apply(doc: ReadModelDocument | undefined, event: RecordedEvent, ref: DocumentRef): ReadModelDocument {
    const signed = BigInt((event.data as Amount).amount) * (event.type === 'FaultDebited' ? -1n : 1n);
    const events = ((doc?.events as number | undefined) ?? 0) + 1;
    const sum = (BigInt((doc?.sum as string | undefined) ?? '0') + signed).toString();
    if (ref.collection === 'fault_totals') return { _id: ref.id, events, sum };
    // Events of a stream must arrive in revision order, each once: anything else is counted.
    const lastRevision = (doc?.lastRevision as number | undefined) ?? -1;
    const anomalies =
      ((doc?.anomalies as number | undefined) ?? 0) + (Number(event.revision) > lastRevision ? 0 : 1);
    return { _id: ref.id, events, sum, lastRevision: Number(event.revision), anomalies };
  },
};

export const faultOpen: Projection = {
  name: 'fault_open',
  collections: ['fault_open'],
  handles: ['FaultOpened', 'FaultClosed'],
  touches: (event: RecordedEvent): DocumentRef[] => [{ collection: 'fault_open', id: event.streamId }],
  apply: (_doc, event, ref) =>
    event.type === 'FaultClosed' ? null : { _id: ref.id, openedAt: event.metadata.occurredAt },
};

export const faultProjections = [faultCounters, faultOpen];

/** The projections a worker runs for `fault` or `ledger`. */
export function workerProjections(set: string | undefined): readonly Projection[] {
  return set === 'ledger' ? ledgerProjections : faultProjections;
}

export function openReadStore(kind: string, target: string, namespace: string): ReadStore {
  return kind === 'mongo'
    ? new MongoReadStore({ url: target, namespace })
    : new EmbeddedReadStore({ file: target, namespace });
}

async function main(): Promise<void> {
  const [eventsFile, kind, target, namespace, batchSize, set] = process.argv.slice(2);
  const projections = workerProjections(set);
  const eventStore = new EmbeddedEventStore({
    file: eventsFile,
    pollIntervalMs: 20,
    ...(set === 'ledger' ? { upcasters: ledgerUpcasters } : {}),
  });
  const readStore = openReadStore(kind, target, namespace);
  const say = (line: string) => process.stdout.write(`${line}\n`);
  const runner = new ProjectionRunner({
    eventStore,
    readStore,
    projections,
    batchSize: Number(batchSize),
    // Every batch commits its checkpoint, even one of events a projection ignores: a kill after each
    // projection's first batch then always finds a checkpoint for every one of them.
    checkpointIntervalMs: 0,
    onBatch: (report) => say(`batch ${report.projection} ${report.position}`),
    onError: (projection, error) => process.stderr.write(`${projection}: ${(error as Error).stack}\n`),
  });
  await runner.start();
  const positions = projections.map((p) => runner.position(p.name) ?? -1n);
  say(`ready ${positions.reduce((a, b) => (a < b ? a : b))}`);
  // The parent stops appending before it lets a run finish, so the head is final by then.
  for (;;) {
    const head = await eventStore.headPosition();
    if (await runner.waitFor(head, 200)) {
      if (head === (await eventStore.headPosition())) {
        await runner.stop();
        say(`done ${head}`);
        break;
      }
    }
  }
  await readStore.close();
  await eventStore.close();
}

if (require.main === module) {
  main().then(
    () => process.exit(0),
    (error) => {
      process.stderr.write(`${(error as Error).stack}\n`);
      process.exit(1);
    },
  );
}
