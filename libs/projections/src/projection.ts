import { RecordedEvent } from '@ledger/events';

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
 * A read model written once, as pure functions, and run against any read store. `touches` names the
 * documents an event changes; `apply` computes each one's next version (null deletes it). Neither
 * may read a clock, do I/O, or keep state between calls.
 */
export interface Projection {
  /** Unique; names the projection's checkpoint. */
  readonly name: string;
  readonly collections: readonly string[];
  /** Event types this projection handles; the projector passes it no others. */
  readonly handles: readonly string[];
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
}
