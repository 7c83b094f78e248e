import { RecordedEvent } from '@ledger/events';
import {
  DocumentChange,
  DocumentRef,
  documentKey,
  Projection,
  ReadModelDocument,
  ReadStore,
} from '@ledger/projections';

/**
 * The documents a projector knows, written through after each commit: it is the only writer of its
 * projection's collections, so what it wrote is what is stored. `complete` means "a document not
 * here does not exist" (true after a rebuild reset, until the first eviction), which spares a
 * rebuild every load.
 */
export class DocumentCache {
  private readonly docs = new Map<string, ReadModelDocument | null>();

  constructor(
    private readonly maxDocuments: number,
    public complete: boolean,
  ) {}

  /** The document, `null` if known absent, `undefined` if unknown. */
  get(key: string): ReadModelDocument | null | undefined {
    const doc = this.docs.get(key);
    if (doc !== undefined) return doc;
    return this.complete ? null : undefined;
  }

  set(key: string, doc: ReadModelDocument | null): void {
    this.docs.delete(key);
    this.docs.set(key, doc);
    // Oldest first (Map keeps insertion order, and set() re-inserts): a cheap LRU.
    if (this.docs.size > this.maxDocuments) this.trim(Math.floor(this.maxDocuments * 0.9));
  }

  get size(): number {
    return this.docs.size;
  }

  /** Forgets the oldest documents beyond `max` (they must all be stored by now). */
  trim(max: number): void {
    if (this.docs.size <= max) return;
    let drop = this.docs.size - max;
    for (const k of this.docs.keys()) {
      if (drop-- <= 0) break;
      this.docs.delete(k);
    }
    this.complete = false;
  }

  clear(): void {
    this.docs.clear();
    this.complete = false;
  }
}

export interface ProjectedBatch {
  readonly changes: DocumentChange[];
  /** Events of the batch this projection handled and applied to at least one document. */
  readonly applied: number;
}

/**
 * Applies a batch of events to one projection in memory and returns each changed document's final
 * version once; nothing is written here. Follows the `Projection` protocol: the documents an event
 * names by itself are loaded for the whole batch in one call (what the cache does not know); then, in
 * log order, `touches` is asked again with those documents as they stand at that event (a bank
 * outcome finds the accounts it moves on its claim's facts document), any document only that second
 * answer names is loaded, and `apply` gets the pre-event versions of every touched document as
 * `related`. An event is skipped for a document that already reflects it (`lastPosition >= position`:
 * a redelivery after a crash).
 */
export async function projectBatch(
  projection: Projection,
  handles: ReadonlySet<string>,
  events: readonly RecordedEvent[],
  store: ReadStore,
  cache?: DocumentCache,
  beforeLoad?: () => Promise<void>,
): Promise<ProjectedBatch> {
  const handled = events.filter((event) => handles.has(event.type));
  // key -> document now (undefined while unknown), and whether it existed before the batch
  const working = new Map<string, { doc: ReadModelDocument | null | undefined; existed: boolean }>();
  const known = (refs: readonly DocumentRef[]): DocumentRef[] => {
    const toLoad: DocumentRef[] = [];
    for (const ref of refs) {
      const key = documentKey(ref);
      if (working.has(key)) continue;
      const cached = cache?.get(key);
      working.set(key, { doc: cached, existed: cached !== null && cached !== undefined });
      if (cached === undefined) toLoad.push(ref);
    }
    return toLoad;
  };
  const load = async (toLoad: DocumentRef[]) => {
    if (toLoad.length === 0) return;
    await beforeLoad?.();
    const loaded = await store.load(toLoad);
    for (const ref of toLoad) {
      const key = documentKey(ref);
      const doc = loaded.get(key) ?? null;
      working.set(key, { doc, existed: doc !== null });
      cache?.set(key, doc);
    }
  };
  const view = (refs: readonly DocumentRef[]) => {
    const map = new Map<string, ReadModelDocument>();
    for (const ref of refs) {
      const doc = working.get(documentKey(ref))?.doc;
      if (doc) map.set(documentKey(ref), doc);
    }
    return map;
  };

  const first = handled.map((event) => projection.touches(event));
  await load(known(first.flat()));

  const dirty = new Map<string, DocumentRef>();
  let applied = 0;
  for (const [n, event] of handled.entries()) {
    const refs = projection.touches(event, view(first[n]));
    await load(known(refs));
    const related = view(refs);
    const position = Number(event.position);
    let used = false;
    for (const ref of refs) {
      const key = documentKey(ref);
      const entry = working.get(key)!;
      const current = entry.doc ?? undefined;
      if (current && (current.lastPosition ?? -1) >= position) continue;
      const next = projection.apply(current, event, ref, related);
      entry.doc = next === null ? null : stamp(next, ref.id, position);
      dirty.set(key, ref);
      used = true;
    }
    if (used) applied += 1;
  }

  const changes: DocumentChange[] = [];
  for (const [key, ref] of dirty) {
    const { doc, existed } = working.get(key)!;
    const document = doc ?? null;
    if (document === null && !existed) {
      cache?.set(key, null);
      continue;
    }
    // `created` lets a store insert instead of replace (much cheaper on FerretDB).
    changes.push(document !== null && !existed ? { ref, document, created: true } : { ref, document });
    cache?.set(key, document);
  }
  return { changes, applied };
}

/**
 * Sets `_id` and `lastPosition` on the projection's new document. It is a fresh object (projections
 * are pure), so it is written in place rather than copied: a copy per event was the rebuild's largest
 * cost after decoding. A frozen one is copied.
 */
function stamp(document: ReadModelDocument, id: string, position: number): ReadModelDocument {
  if (Object.isFrozen(document)) return { ...document, _id: id, lastPosition: position };
  const writable = document as { _id: string; lastPosition?: number };
  writable._id = id;
  writable.lastPosition = position;
  return document;
}
