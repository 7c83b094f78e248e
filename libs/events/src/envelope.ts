/** Who caused an event: the verified token's subject and roles, or a service identity. */
export interface Actor {
  readonly subject: string;
  readonly roles: readonly string[];
}

export interface EventMetadata {
  /** Unique per event; appending the same id again at the same expected revision is a no-op. */
  readonly eventId: string;
  /** Shared by every event caused, directly or not, by one request. */
  readonly correlationId: string;
  /** The id of the command or event that directly caused this one. */
  readonly causationId: string;
  readonly actor: Actor;
  /** The client's `Idempotency-Key` or client-supplied id, when the command carried one. */
  readonly idempotencyKey?: string;
  /**
   * Fingerprint of the request that carried the idempotency key: a retry with the same key and the
   * same request gets the first answer; the same key with another request is refused.
   */
  readonly requestHash?: string;
  /** ISO 8601 instant, taken from the command: never from a clock inside the domain. */
  readonly occurredAt: string;
  /** Version of the `data` schema for this `type`; older versions are upcast when read. */
  readonly schemaVersion: number;
}

/** Every event is plain data; it never carries an entity or a class instance. */
export interface LedgerEvent<Type extends string = string, Data = unknown> {
  readonly type: Type;
  readonly data: Data;
  readonly metadata: EventMetadata;
}

/** An event as read back from the log: where it stands in its stream and in the global order. */
export type RecordedEvent<E extends LedgerEvent = LedgerEvent> = E & {
  readonly streamId: string;
  /** 0-based index of the event in its stream. */
  readonly revision: bigint;
  /** Position in the global log; strictly increasing in log order. */
  readonly position: bigint;
};
