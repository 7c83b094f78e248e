import { LedgerEvent } from './envelope';

/**
 * Turns one stored version of an event type into the next. Upcasters chain, so a v1 event read today
 * passes through v1→v2, v2→v3 ... up to the current version. They are pure and never fail on data their
 * own version wrote.
 */
export interface Upcaster {
  readonly type: string;
  readonly fromVersion: number;
  upcast(data: unknown): unknown;
}

export class Upcasters {
  private readonly byKey = new Map<string, Upcaster>();
  /** Types with at least one upcaster: every other event passes with one lookup (most of a log). */
  private readonly types = new Set<string>();

  constructor(upcasters: readonly Upcaster[]) {
    for (const upcaster of upcasters) {
      const key = `${upcaster.type}@${upcaster.fromVersion}`;
      if (this.byKey.has(key)) throw new Error(`two upcasters for ${key}`);
      this.byKey.set(key, upcaster);
      this.types.add(upcaster.type);
    }
  }

  /** Returns the event at its newest known version; events with no upcaster pass through untouched. */
  upcast<E extends LedgerEvent>(event: E): E {
    if (!this.types.has(event.type)) return event;
    let current: E = event;
    for (;;) {
      const upcaster = this.byKey.get(`${current.type}@${current.metadata.schemaVersion}`);
      if (!upcaster) return current;
      current = {
        ...current,
        data: upcaster.upcast(current.data),
        metadata: { ...current.metadata, schemaVersion: upcaster.fromVersion + 1 },
      };
    }
  }
}
