import { Inject, Injectable } from '@nestjs/common';
import { READ_STORE, ReadModelDocument, ReadStore } from '@ledger/projections';

const DISPATCH_CHECKPOINT = 'bank-connector.dispatch';
const STATE_COLLECTION = 'bank_connector_state';
const PARKED_COLLECTION = 'bank_parked_messages';
// Documents written outside any projection still go through commit(), which records a checkpoint; this
// name is never read as one.
const STATE_WRITES = 'bank-connector.state';

export interface ParkedBankMessage {
  readonly id: string;
  readonly code: string;
  readonly reason: string;
  readonly parkedAt: string;
  /** What was received: the JWS, or the part of a message that was refused. */
  readonly received: string;
}

/**
 * The connector's own durable state, kept in the read store (MongoDB or embedded): how far it has
 * dispatched in the log, where it is in the bank's message feed, and the bank messages it parked.
 */
@Injectable()
export class ConnectorState {
  constructor(@Inject(READ_STORE) private readonly store: ReadStore) {}

  dispatchCheckpoint(): Promise<bigint | null> {
    return this.store.checkpoint(DISPATCH_CHECKPOINT);
  }

  saveDispatchCheckpoint(position: bigint): Promise<void> {
    return this.store.commit([], { projection: DISPATCH_CHECKPOINT, position });
  }

  async feedCursor(): Promise<string | undefined> {
    const doc = await this.store.get(STATE_COLLECTION, 'feed');
    return typeof doc?.cursor === 'string' ? doc.cursor : undefined;
  }

  saveFeedCursor(cursor: string): Promise<void> {
    return this.store.commit(
      [{ ref: { collection: STATE_COLLECTION, id: 'feed' }, document: { _id: 'feed', cursor } }],
      { projection: STATE_WRITES, position: 0n },
    );
  }

  park(messages: readonly ParkedBankMessage[]): Promise<void> {
    if (messages.length === 0) return Promise.resolve();
    return this.store.commit(
      messages.map((m) => ({
        ref: { collection: PARKED_COLLECTION, id: m.id },
        document: { _id: m.id, code: m.code, reason: m.reason, parkedAt: m.parkedAt, received: m.received },
      })),
      { projection: STATE_WRITES, position: 0n },
    );
  }

  async parked(limit = 100): Promise<ParkedBankMessage[]> {
    const page = await this.store.find(PARKED_COLLECTION, {
      limit,
      sort: { field: 'parkedAt', direction: 'desc' },
    });
    return page.items.map((doc: ReadModelDocument) => ({
      id: doc._id,
      code: String(doc.code),
      reason: String(doc.reason),
      parkedAt: String(doc.parkedAt),
      received: String(doc.received),
    }));
  }
}
