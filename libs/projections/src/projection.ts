import { MetadataField, MetadataSelection, RecordedEvent } from '@ledger/events';

/** A read-model document. Values are JSON: money as decimal strings, never floats, bigints or Decimal128. */
export interface ReadModelDocument {
  readonly _id: string;
  /**
   * Global log position of the last event applied to this document (set by the projector, not by
   * projections). An event at or below it is a redelivery and is skipped, so nothing counts twice.
   */
  readonly lastPosition?: number;
  readonly [field: string]: unknown;
}

export interface DocumentRef {
  readonly collection: string;
  readonly id: string;
}

/**
 * How a projection keeps its documents while the projector works on them, when that differs from what a
 * store keeps (amounts as bigint rather than decimal strings, say). Both are pure conversions.
 */
export interface WorkingForm {
  /**
   * The working form of a stored document. It may take `stored` over (change it, keep parts of it): the
   * projector hands it a document nobody else holds.
   */
  fromStored(stored: ReadModelDocument, ref: DocumentRef): ReadModelDocument;
  /**
   * The plain-JSON document to store, without changing `working`: a snapshot that later changes of
   * `working` in place leave as it is (a replay writes it while it applies the next events). Parts
   * that are replaced, never changed in place, may be shared. The projector stamps `_id` and
   * `lastPosition` on it.
   */
  toStored(working: ReadModelDocument, ref: DocumentRef): ReadModelDocument;
}

/**
 * A read model written once, as pure functions, and run against any read store. `touches` names the
 * documents an event changes; `apply` computes each one's next version (null deletes it). Neither
 * may read a clock, do I/O, or keep state between calls.
 */
export interface Projection {
  /** Unique; names the projection's checkpoint. */
  readonly name: string;
  /**
   * In the order the projector writes them: a crash during a commit may leave documents of a later
   * collection unwritten while an earlier one's are all written, never the reverse.
   */
  readonly collections: readonly string[];
  /** Event types this projection handles; the projector passes it no others. */
  readonly handles: readonly string[];
  /**
   * The metadata fields `touches` and `apply` read. A replay reads only these from the log (and
   * `schemaVersion`, for upcasting): reading a field not named here then throws. Absent: all of them.
   */
  readonly metadata?: readonly MetadataField[];
  /**
   * Names the documents `event` changes. Some cannot be named from the event alone (a bank settlement
   * carries only ids; the accounts it moves are recorded on the claim's fact document), so naming takes
   * two steps: called without `loaded`, `touches` names what the event tells; the projector loads those
   * documents and calls it again with them (keyed by `documentKey`, missing ones absent), and that second
   * answer, which includes the first, is what the event touches. Projections that need no lookup ignore
   * `loaded` and give the same answer twice. Optional, so callers written before it still compile.
   */
  touches(event: RecordedEvent, loaded?: ReadonlyMap<string, ReadModelDocument>): readonly DocumentRef[];
  /**
   * `related` holds every document the event touches (this one included) as loaded before the event,
   * keyed by `documentKey`, missing ones absent: one event's effect on several documents is then computed
   * from the same facts whatever order the projector applies them in. After a partial commit a redelivered
   * event may find some of them already past it (`lastPosition` at or above the event's position); a
   * projection that reads `related` must give the same answer then. Optional, so callers written before it
   * still compile; the projector passes it.
   */
  apply(
    document: ReadModelDocument | undefined,
    event: RecordedEvent,
    ref: DocumentRef,
    related?: ReadonlyMap<string, ReadModelDocument>,
  ): ReadModelDocument | null;
  /**
   * Optional, for speed (a replay applies millions of events). With it, the projector converts what it
   * loads with `fromStored`, gives `touches` and `apply` working documents, and converts with `toStored`
   * only when it writes; and `apply` may change the `document` it is given in place and return it, rather
   * than copy it for every event: each working document belongs to the projector alone. `related` holds
   * the same objects, so a document that `apply` reads through `related` (the balances facts) must be
   * replaced, not changed. Without it, documents are passed as stored and `apply` must not change them.
   */
  readonly working?: WorkingForm;
}

/**
 * The metadata fields the projections read, when each names them (`Projection.metadata`): a replay or
 * the projector thread reads only those from the embedded log. Undefined when one names none.
 */
export function metadataRead(projections: readonly Projection[]): MetadataSelection | undefined {
  const fields: MetadataField[] = [];
  for (const projection of projections) {
    if (projection.metadata === undefined) return undefined;
    fields.push(...projection.metadata);
  }
  return new MetadataSelection(fields);
}
