import { AdapterHealth } from '@ledger/events';
import { DocumentRef, ReadModelDocument } from './projection';

/** A condition on one (possibly dotted) field. A bare value means equality. */
export type FieldCondition =
  | string
  | number
  | boolean
  | {
      readonly eq?: string | number | boolean;
      readonly in?: ReadonlyArray<string | number | boolean>;
      readonly prefix?: string;
      readonly gt?: string | number;
      readonly gte?: string | number;
      readonly lt?: string | number;
      readonly lte?: string | number;
    };

export interface ReadQuery {
  /** All conditions must hold. */
  readonly where?: Readonly<Record<string, FieldCondition>>;
  /** One sort field (dotted path allowed); `_id` breaks ties. Default: `_id` ascending. */
  readonly sort?: { readonly field: string; readonly direction: 'asc' | 'desc' };
  /** Page size, 1..1000. */
  readonly limit: number;
  /** Opaque cursor from the previous page's `next`. */
  readonly after?: string;
}

export interface ReadPage {
  readonly items: ReadModelDocument[];
  /** Cursor for the next page; absent on the last page. */
  readonly next?: string;
}

export interface DocumentChange {
  readonly ref: DocumentRef;
  /** The new version (with `lastPosition` set), or null to delete. */
  readonly document: ReadModelDocument | null;
  /** The document did not exist before this change: a store may insert rather than replace it. */
  readonly created?: boolean;
}

/**
 * Where read models live: MongoDB in production, an embedded durable store by default. Every adapter
 * passes test/contracts/read-store.contract.ts.
 */
export interface ReadStore {
  /** The stored versions of these documents (missing ones are absent from the map), keyed `collection/id`. */
  load(refs: readonly DocumentRef[]): Promise<Map<string, ReadModelDocument>>;
  /**
   * Writes the changes, then records the checkpoint: the projection has applied every event up to
   * `position`. A crash between the two leaves documents ahead of the checkpoint, which redelivery
   * then skips by their `lastPosition`; so a crash loses nothing and counts nothing twice. A store
   * that cannot write them all at once writes them collection by collection, in the order their
   * collections first appear in `changes`, finishing one before it starts the next: a projection can
   * then rely on a document of a later collection being written only after every earlier one is.
   */
  commit(
    changes: readonly DocumentChange[],
    checkpoint: { readonly projection: string; readonly position: bigint },
  ): Promise<void>;
  /** The position the projection had reached, or null if it never ran. */
  checkpoint(projection: string): Promise<bigint | null>;
  get(collection: string, id: string): Promise<ReadModelDocument | undefined>;
  find(collection: string, query: ReadQuery): Promise<ReadPage>;
  /** Deletes the collections' documents and the projection's checkpoint (for a rebuild). */
  reset(projection: string, collections: readonly string[]): Promise<void>;
  health(): Promise<AdapterHealth>;
  close(): Promise<void>;
}

export const READ_STORE = Symbol('ReadStore');

export function documentKey(ref: DocumentRef): string {
  return `${ref.collection}/${ref.id}`;
}
