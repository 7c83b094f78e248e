/**
 * What a decider returns: the event's type and its data, nothing else. The application wraps each one in a
 * `LedgerEvent` with metadata (ids, actor, time, schema version) before appending it.
 */
export interface DomainEvent<Type extends string = string, Data = unknown> {
  readonly type: Type;
  readonly data: Data;
}
