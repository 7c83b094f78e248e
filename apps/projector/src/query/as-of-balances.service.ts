import { Inject, Injectable } from '@nestjs/common';
import { EVENT_STORE, EventStore } from '@ledger/events';
import { BALANCES_ACCOUNTS, ledgerProjections, ReadQuery } from '@ledger/projections';
import { EmbeddedReadStore, rebuild } from '@ledger/infra';
import { ReadModelPage } from './read-models.service';

/**
 * Balances as they stood at a past time: the balances projection replayed from the log, up to the
 * last event that occurred at or before `asOf`, into a throw-away in-memory store. Costs one pass
 * over the log up to that time; for large logs, `npm run replay -- --as-of` does the same offline.
 */
@Injectable()
export class AsOfBalancesService {
  constructor(@Inject(EVENT_STORE) private readonly events: EventStore) {}

  async page(asOf: string, query: ReadQuery): Promise<ReadModelPage & { asOf: string }> {
    const store = new EmbeddedReadStore({ file: ':memory:' });
    try {
      const limit = Date.parse(asOf);
      const balances = ledgerProjections.filter((p) => p.name === 'balances');
      const result = await rebuild(this.events, balances, store, {
        until: (event) => Date.parse(event.metadata.occurredAt) > limit,
      });
      const page = await store.find(BALANCES_ACCOUNTS, query);
      return {
        items: page.items.map(({ lastPosition: _l, ...rest }) => rest as (typeof page.items)[number]),
        ...(page.next ? { next: page.next } : {}),
        position: (result.position ?? -1n).toString(),
        asOf,
      };
    } finally {
      await store.close();
    }
  }
}
