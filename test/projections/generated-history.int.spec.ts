import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ledgerUpcasters, RecordedEvent } from '@ledger/events';
import { BALANCES_ACCOUNTS, ledgerProjections, PAYMENTS, trialBalance } from '@ledger/projections';
import { EmbeddedEventStore } from '@ledger/infra';
import { collection, projectAll } from '@ledger/projections/projections/testing/in-memory-runner';
import { collect } from '../support/events';
import { generateHistory } from '../support/history-generator';

jest.setTimeout(60_000);

/** The projections over a history the real deciders wrote: balanced ledgers, consistent statuses. */
describe('read models over a generated history', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ledger-history-'));
  let events: RecordedEvent[];
  beforeAll(async () => {
    const store = new EmbeddedEventStore({ file: join(dir, 'events.sqlite'), upcasters: ledgerUpcasters });
    await generateHistory(store, { events: 5_000, seed: 7 });
    events = await collect(store.readAll());
    await store.close();
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('keeps every ledger balanced, pending and posted', () => {
    const balances = ledgerProjections.find((p) => p.name === 'balances')!;
    const store = projectAll(balances, events);
    const ledgers = trialBalance(collection(store, BALANCES_ACCOUNTS));
    expect(ledgers.map((l) => l.ledger).sort()).toEqual(['BHD', 'CNY', 'EUR', 'JPY']);
    for (const ledger of ledgers) expect(ledger).toMatchObject({ balanced: true });
  });

  it('settles most payments and tracks every one the log dispatched', () => {
    const payments = ledgerProjections.find((p) => p.name === 'payments')!;
    const documents = collection(projectAll(payments, events), PAYMENTS);
    const dispatched = new Set(
      events
        .filter((e) => e.type === 'PaymentDispatched')
        .map((e) => (e.data as { paymentId: string }).paymentId),
    );
    expect(documents.map((d) => d.paymentId).sort()).toEqual([...dispatched].sort());
    const settled = documents.filter((d) => d.status === 'settled').length;
    expect(settled / documents.length).toBeGreaterThan(0.8);
  });
});
