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

  /** Forgets the oldest documents beyond `max`, but those `keep` names (all others must be stored by now). */
  trim(max: number, keep?: (key: string) => boolean): void {
    if (this.docs.size <= max) return;
    let drop = this.docs.size - max;
    for (const k of this.docs.keys()) {
      if (drop <= 0) break;
      if (keep?.(k)) continue;
      this.docs.delete(k);
      drop--;
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

/** What `applyBatch` changed, each document once, in the projection's working form. */
export interface AppliedBatch {
  /** By key: the document now (null: deleted or never created), and whether it existed before the batch. */
  readonly changed: Map<string, ChangedDocument>;
  readonly applied: number;
}

export interface ChangedDocument {
  readonly ref: DocumentRef;
  readonly existed: boolean;
  document: ReadModelDocument | null;
}

/**
 * Applies a batch of events to one projection in memory and returns each changed document's final
 * version once, as it is to be stored, in the order of the projection's `collections`; nothing is
 * written here. See `applyBatch`.
 */
export async function projectBatch(
  projection: Projection,
  handles: ReadonlySet<string>,
  events: readonly RecordedEvent[],
  store: ReadStore,
  cache?: DocumentCache,
  beforeLoad?: () => Promise<void>,
): Promise<ProjectedBatch> {
  const { changed, applied } = await applyBatch(projection, handles, events, store, cache, beforeLoad);
  return { changes: storedChanges(projection, changed.values()), applied };
}

/**
 * Applies a batch of events to one projection in memory; nothing is written here, and the changed
 * documents are in the cache (when given) and in the answer, in the projection's working form.
 * Follows the `Projection` protocol: the documents the events name by themselves are loaded for the
 * whole batch in one call (what the cache does not know, converted with `working.fromStored`); then,
 * in log order, `touches` is asked again with those documents as they stand at that event (a bank
 * outcome finds the accounts it moves on its claim's facts document), any document only that second
 * answer names is loaded, and `apply` gets the pre-event versions of every touched document as
 * `related`. An event is skipped for a document that already reflects it (`lastPosition >= position`:
 * a redelivery after a crash).
 */
export async function applyBatch(
  projection: Projection,
  handles: ReadonlySet<string>,
  events: readonly RecordedEvent[],
  store: ReadStore,
  cache?: DocumentCache,
  beforeLoad?: () => Promise<void>,
): Promise<AppliedBatch> {
  const working = projection.working;
  // The batch's documents (null: known absent). Kept apart from the cache, which may evict.
  const docs = new Map<string, ReadModelDocument | null>();
  const changed = new Map<string, ChangedDocument>();
  const missing = new Map<string, DocumentRef>();
  /** Brings the documents of these refs (keys alike) into `docs`, from the cache or, later, the store. */
  const need = (refs: readonly DocumentRef[], keys: readonly string[]) => {
    for (let i = 0; i < refs.length; i++) {
      const key = keys[i];
      if (docs.has(key) || missing.has(key)) continue;
      const cached = cache?.get(key);
      if (cached === undefined) missing.set(key, refs[i]);
      else docs.set(key, cached);
    }
  };
  const load = async () => {
    const refs = [...missing.values()];
    missing.clear();
    await beforeLoad?.();
    const loaded = await store.load(refs);
    for (const ref of refs) {
      const key = documentKey(ref);
      const stored = loaded.get(key);
      const doc = stored === undefined ? null : working ? working.fromStored(stored, ref) : stored;
      docs.set(key, doc);
      cache?.set(key, doc);
    }
  };
  const view = (keys: readonly string[]) => {
    const map = new Map<string, ReadModelDocument>();
    for (const key of keys) {
      const doc = docs.get(key);
      if (doc) map.set(key, doc);
    }
    return map;
  };

  const handled: RecordedEvent[] = [];
  const first: Array<{ refs: readonly DocumentRef[]; keys: string[] }> = [];
  for (const event of events) {
    if (!handles.has(event.type)) continue;
    const refs = projection.touches(event);
    const keys = refs.map(documentKey);
    handled.push(event);
    first.push({ refs, keys });
    need(refs, keys);
  }
  if (missing.size > 0) await load();

  let applied = 0;
  for (let n = 0; n < handled.length; n++) {
    const event = handled[n];
    const named = first[n];
    const before = view(named.keys);
    const refs = projection.touches(event, before);
    let keys = named.keys;
    let related = before;
    if (!sameRefs(refs, named.refs)) {
      keys = refs.map(documentKey);
      need(refs, keys);
      // Loading is rare here (the first answers were loaded for the whole batch): no await without it.
      if (missing.size > 0) await load();
      related = view(keys);
    }
    const position = Number(event.position);
    let used = false;
    for (let i = 0; i < refs.length; i++) {
      const ref = refs[i];
      const key = keys[i];
      const current = docs.get(key) ?? undefined;
      if (current !== undefined && (current.lastPosition ?? -1) >= position) continue;
      const next = projection.apply(current, event, ref, related);
      const document = next === null ? null : stamp(next, ref.id, position);
      docs.set(key, document);
      const entry = changed.get(key);
      if (entry === undefined) changed.set(key, { ref, existed: current !== undefined, document });
      else entry.document = document;
      used = true;
    }
    if (used) applied += 1;
  }
  if (cache) for (const [key, { document }] of changed) cache.set(key, document);
  return { changed, applied };
}

function sameRefs(a: readonly DocumentRef[], b: readonly DocumentRef[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++)
    if (a[i].id !== b[i].id || a[i].collection !== b[i].collection) return false;
  return true;
}

/**
 * The changes to store, converted out of the working form, in the order of the projection's
 * `collections` (a store writes them in that order). A document created and deleted again is left
 * out; `created` lets a store insert rather than replace (much cheaper on FerretDB).
 */
export function storedChanges(
  projection: Projection,
  documents: Iterable<ChangedDocument>,
): DocumentChange[] {
  const byCollection = new Map<string, DocumentChange[]>(projection.collections.map((c) => [c, []]));
  for (const { ref, existed, document: doc } of documents) {
    if (doc === null && !existed) continue;
    let group = byCollection.get(ref.collection);
    if (group === undefined) byCollection.set(ref.collection, (group = []));
    if (doc === null) {
      group.push({ ref, document: null });
      continue;
    }
    const document = projection.working ? stored(projection.working.toStored(doc, ref), doc) : doc;
    group.push(existed ? { ref, document } : { ref, document, created: true });
  }
  return [...byCollection.values()].flat();
}

/** The stored form carries the working document's `_id` and `lastPosition`. */
function stored(document: ReadModelDocument, working: ReadModelDocument): ReadModelDocument {
  if (document === working) return document;
  const writable = document as { _id: string; lastPosition?: number };
  writable._id = working._id;
  if (working.lastPosition !== undefined) writable.lastPosition = working.lastPosition;
  return document;
}

/**
 * Sets `_id` and `lastPosition` on the projection's new document. It is a fresh object or the
 * projection's own working document, so it is written in place rather than copied: a copy per event
 * was the rebuild's largest cost after decoding. A frozen one is copied.
 */
function stamp(document: ReadModelDocument, id: string, position: number): ReadModelDocument {
  if (Object.isFrozen(document)) return { ...document, _id: id, lastPosition: position };
  const writable = document as { _id: string; lastPosition?: number };
  writable._id = id;
  writable.lastPosition = position;
  return document;
}
