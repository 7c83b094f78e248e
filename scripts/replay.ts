/**
 * npm run replay -- --projection <name|all> [--to-position N | --as-of <ISO time>] [--keep]
 *
 * Rebuilds read models from the start of the log into fresh collections (a `replay_<time>`
 * namespace beside the live ones) with a progress bar, and reports events/s. Without a bound, it
 * replays up to where the live read models stand and prints every difference from them (none is
 * expected). With --to-position or --as-of it answers "what were the balances then". Uses the same
 * environment as the apps (EVENTSTORE_URL, MONGO_URL, LEDGER_DATA_DIR).
 */
import { parseArgs } from 'node:util';
import { ledgerUpcasters } from '@ledger/events';
import { BALANCES_ACCOUNTS, ledgerProjections, ReadStore, trialBalance } from '@ledger/projections';
import { createEventStore, createReadStore, findAllDocuments, rebuild } from '@ledger/infra';

const { values } = parseArgs({
  options: {
    projection: { type: 'string', default: 'all' },
    'to-position': { type: 'string' },
    'as-of': { type: 'string' },
    keep: { type: 'boolean', default: false },
  },
});

async function main(): Promise<number> {
  const chosen =
    values.projection === 'all'
      ? ledgerProjections
      : ledgerProjections.filter((p) => p.name === values.projection);
  if (chosen.length === 0)
    throw new Error(
      `unknown projection ${values.projection}; one of: all, ${ledgerProjections.map((p) => p.name).join(', ')}`,
    );
  const toPosition = values['to-position'] === undefined ? undefined : parsePosition(values['to-position']);
  const asOf = values['as-of'] === undefined ? undefined : parseInstant(values['as-of']);
  const events = createEventStore(process.env, ledgerUpcasters);
  const live = createReadStore(process.env);
  const namespace = `replay_${new Date().toISOString().replace(/\D/g, '').slice(0, 14)}`;
  const replay = createReadStore(process.env, { namespace });
  try {
    const head = await events.headPosition();
    // Compare like with like: without a bound, replay exactly as far as the live read models got.
    const liveAt = await lowestCheckpoint(
      live,
      chosen.map((p) => p.name),
    );
    const bound = toPosition ?? (asOf === undefined ? (liveAt ?? -1n) : undefined);
    process.stderr.write(
      `replaying ${chosen.map((p) => p.name).join(', ')} into namespace ${namespace} (log head ${head})\n`,
    );
    const result = await rebuild(events, chosen, replay, {
      ...(bound !== undefined ? { toPosition: bound } : {}),
      ...(asOf !== undefined ? { until: (e) => Date.parse(e.metadata.occurredAt) > Date.parse(asOf) } : {}),
      onProgress: (p) => bar(p.events, p.position ?? 0n, bound ?? head, p.eventsPerSecond),
    });
    process.stderr.write('\n');
    console.log(
      `replayed ${result.events.toLocaleString('en-US')} events to position ${result.position ?? -1n} in ${(result.elapsedMs / 1000).toFixed(2)} s: ${Math.round(result.eventsPerSecond).toLocaleString('en-US')} events/s`,
    );
    let differences = 0;
    if (toPosition === undefined && asOf === undefined) {
      for (const projection of chosen) {
        for (const collection of projection.collections)
          differences += await compare(live, replay, collection);
      }
      console.log(
        differences === 0
          ? 'no differences from the live read models'
          : `${differences} differences from the live read models`,
      );
    }
    if (chosen.some((p) => p.name === 'balances') && (toPosition !== undefined || asOf !== undefined)) {
      const accounts = await findAllDocuments(replay, BALANCES_ACCOUNTS);
      console.log(`\nbalances ${asOf ? `as of ${asOf}` : `at position ${toPosition}`}:`);
      for (const a of accounts) {
        console.log(
          `  ${String(a.ledger)}  ${String(a.account).padEnd(60)} debits ${String(a.debitsPosted).padStart(16)} (+${String(a.debitsPending)} pending)  credits ${String(a.creditsPosted).padStart(16)} (+${String(a.creditsPending)} pending)`,
        );
      }
      for (const l of trialBalance(accounts))
        console.log(`  trial balance ${l.ledger}: ${l.balanced ? 'balanced' : 'NOT BALANCED'}`);
    }
    if (!values.keep) for (const p of chosen) await replay.reset(p.name, p.collections);
    else console.log(`kept the replayed read models in namespace ${namespace}`);
    return differences === 0 ? 0 : 1;
  } finally {
    await replay.close();
    await live.close();
    await events.close();
  }
}

async function lowestCheckpoint(store: ReadStore, names: string[]): Promise<bigint | null> {
  let lowest: bigint | null = null;
  for (const name of names) {
    const at = await store.checkpoint(name);
    if (at === null) return null;
    if (lowest === null || at < lowest) lowest = at;
  }
  return lowest;
}

async function compare(live: ReadStore, replay: ReadStore, collection: string): Promise<number> {
  const a = new Map((await findAllDocuments(live, collection)).map((d) => [d._id, JSON.stringify(d)]));
  const b = new Map((await findAllDocuments(replay, collection)).map((d) => [d._id, JSON.stringify(d)]));
  let differences = 0;
  for (const id of new Set([...a.keys(), ...b.keys()])) {
    if (a.get(id) === b.get(id)) continue;
    differences += 1;
    if (differences <= 5)
      console.log(
        `  ${collection}/${id}: live ${a.get(id) ?? 'missing'}\n  ${' '.repeat(collection.length + id.length + 1)}  replay ${b.get(id) ?? 'missing'}`,
      );
  }
  console.log(`${collection}: ${b.size} documents, ${differences} differences`);
  return differences;
}

function bar(events: number, position: bigint, target: bigint, perSecond: number): void {
  const share = target > 0n ? Math.min(1, Number(position) / Number(target)) : 1;
  const width = 30;
  const filled = Math.round(share * width);
  process.stderr.write(
    `\r[${'#'.repeat(filled)}${' '.repeat(width - filled)}] ${(share * 100).toFixed(0).padStart(3)}%  ${events.toLocaleString('en-US')} events  ${Math.round(perSecond).toLocaleString('en-US')}/s `,
  );
}

function parsePosition(value: string): bigint {
  if (!/^\d{1,19}$/.test(value)) throw new Error('--to-position must be a log position (digits)');
  return BigInt(value);
}

function parseInstant(value: string): string {
  const time = Date.parse(value);
  if (Number.isNaN(time)) throw new Error('--as-of must be an ISO 8601 time, such as 2026-11-01T00:00:00Z');
  return new Date(time).toISOString();
}

main().then(
  (code) => process.exit(code),
  (error: Error) => {
    process.stderr.write(`replay failed: ${error.message}\n`);
    process.exit(2);
  },
);
