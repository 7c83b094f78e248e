import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ledgerUpcasters } from '@ledger/events';
import { ledgerProjections } from '@ledger/projections';
import { EmbeddedEventStore } from '../../libs/infra/src/event-store/embedded-event-store';
import { rebuild } from '../../libs/infra/src/projection/rebuild';
import { EmbeddedReadStore } from '../../libs/infra/src/read-store/embedded-read-store';
import { generateHistory } from '../support/history-generator';
import { everything, killRepeatedly, lastLifeFinishes, startProjector } from '../support/projector-lives';

jest.setTimeout(300_000);

/**
 * The ledger's own read models under kill -9: a realistic history (claims, approvals, batches,
 * dispatches, bank outcomes, returns), the projector killed several times during its catch-up and once
 * while it follows more history being written, restarted each time. At the end every document of every
 * collection of balances, approvals, payments, risk and reconciliation equals a clean rebuild, and each
 * ledger's trial balance is zero.
 */
describe('the ledger read models under kill -9 (embedded read store)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ledger-kill-ledger-projector-'));
  const eventsFile = join(dir, 'events.sqlite');
  const target = join(dir, 'read-models.sqlite');
  const run = `l${randomUUID().replace(/-/g, '').slice(0, 10)}`;
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const start = () =>
    startProjector({
      eventsFile,
      kind: 'embedded',
      target,
      namespace: `${run}_live`,
      batchSize: 25,
      set: 'ledger',
      projections: ledgerProjections.length,
    });

  it('ends with every document of every ledger read model equal to a clean rebuild', async () => {
    const events = new EmbeddedEventStore({ file: eventsFile, upcasters: ledgerUpcasters });
    await generateHistory(events, { events: 24_000, seed: 11 });
    const firstHead = await events.headPosition();

    const { resumedFrom, killedAt } = await killRepeatedly(
      start,
      3 + Math.floor(Math.random() * 2),
      (life) =>
        life === 2
          ? generateHistory(events, { events: 3_000, seed: 12 }).then(() => undefined)
          : Promise.resolve(),
    );
    const head = await events.headPosition();
    expect(head).toBeGreaterThan(firstHead);

    await lastLifeFinishes(start, head, { resumedFrom, killedAt });

    const live = new EmbeddedReadStore({ file: target, namespace: `${run}_live` });
    const clean = new EmbeddedReadStore({ file: join(dir, 'clean.sqlite') });
    try {
      await rebuild(events, ledgerProjections, clean, { parallel: false });
      let documents = 0;
      for (const p of ledgerProjections) {
        expect([p.name, await live.checkpoint(p.name)]).toEqual([p.name, head]);
        for (const collection of p.collections) {
          const fromLive = await everything(live, collection);
          expect({ collection, documents: fromLive }).toEqual({
            collection,
            documents: await everything(clean, collection),
          });
          documents += fromLive.length;
        }
      }
      expect(documents).toBeGreaterThan(1_000);
      // Double-entry: every ledger (currency) sums to zero, killed or not.
      const sums = new Map<string, bigint>();
      for (const account of await everything(live, 'balances_accounts')) {
        const a = account as unknown as Record<
          'ledger' | `${'debits' | 'credits'}${'Pending' | 'Posted'}`,
          string
        >;
        const debits = minorUnits(a.debitsPending) + minorUnits(a.debitsPosted);
        const credits = minorUnits(a.creditsPending) + minorUnits(a.creditsPosted);
        sums.set(a.ledger, (sums.get(a.ledger) ?? 0n) + debits - credits);
      }
      expect(sums.size).toBeGreaterThan(1);
      for (const [ledger, sum] of sums) expect([ledger, sum]).toEqual([ledger, 0n]);
    } finally {
      await live.close();
      await clean.close();
      await events.close();
    }
  });
});

/** A decimal string as an integer count of its smallest digits (all of one ledger share a scale). */
function minorUnits(decimal: string): bigint {
  const [whole, fraction = ''] = decimal.replace('-', '').split('.');
  const units = BigInt(whole + fraction.padEnd(3, '0'));
  return decimal.startsWith('-') ? -units : units;
}
