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
  touches(event: RecordedEvent): readonly DocumentRef[];
  apply(
    document: ReadModelDocument | undefined,
    event: RecordedEvent,
    ref: DocumentRef,
  ): ReadModelDocument | null;
}
