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
 * A document the projector knows: its entry in the cache, which a batch changes in place and the
 * rebuild hangs its bookkeeping on. Looking a document up once per event, rather than through a map per
 * batch, a map of changes and the cache's own, was a fifth of a rebuild's CPU.
 */
export interface Slot extends ChangedDocument {
  readonly key: string;
  /** The working form; null: known absent. */
  document: ReadModelDocument | null;
  /** `applyBatch`: the last batch that changed it; `existed` is whether it existed before that batch. */
  batch: number;
  existed: boolean;
}

/**
 * The documents a projector knows, written through after each commit: it is the only writer of its
 * projection's collections, so what it wrote is what is stored. `complete` means "a document not
 * here does not exist" (true after a rebuild reset, until the first eviction), which spares a
 * rebuild every load. Kept by collection, then by id: the ids are strings of the events, looked up
 * again and again, where a key of both would be a new string to build and hash at each lookup.
 * With `lru`, a document used moves to the end of its collection's map (which keeps insertion order),
 * so eviction drops the least recently used; without it, the oldest.
 */
export class DocumentCache<S extends Slot = Slot> {
  private readonly collections = new Map<string, Map<string, S>>();
  private count = 0;

  constructor(
    private readonly maxDocuments: number,
    public complete: boolean,
    private readonly create: (key: string, ref: DocumentRef, document: ReadModelDocument | null) => S = (
      key,
      ref,
      document,
    ) => ({ key, ref, document, batch: 0, existed: false }) as S,
    private readonly lru = true,
  ) {}

  /** The document's slot; unknown: undefined, or a new slot of an absent document when `complete`. */
  slot(ref: DocumentRef): S | undefined {
    const slot = this.collections.get(ref.collection)?.get(ref.id);
    if (slot !== undefined || !this.complete) return slot;
    return this.add(ref, null);
  }

  /** Records what the store holds (null: nothing). */
  add(ref: DocumentRef, document: ReadModelDocument | null): S {
    let slots = this.collections.get(ref.collection);
    if (slots === undefined) this.collections.set(ref.collection, (slots = new Map()));
    const slot = this.create(documentKey(ref), ref, document);
    const size = slots.size;
    slots.delete(ref.id);
    slots.set(ref.id, slot);
    this.count += slots.size - size;
    return slot;
  }

  /** Marks the slot most recently used (with `lru`). */
  touch(slot: S): void {
    if (!this.lru) return;
    const slots = this.collections.get(slot.ref.collection);
    if (slots?.get(slot.ref.id) !== slot) return;
    slots.delete(slot.ref.id);
    slots.set(slot.ref.id, slot);
  }

  get size(): number {
    return this.count;
  }

  /**
   * Forgets the oldest documents beyond `max`, from each collection in proportion to its size, but
   * those `keep` names (all others must be stored by now).
   */
  trim(max: number, keep?: (slot: S) => boolean): void {
    if (this.count <= max) return;
    const excess = this.count - max;
    const total = this.count;
    let left = excess;
    for (const slots of this.collections.values()) {
      let drop = Math.min(left, Math.ceil((excess * slots.size) / total));
      left -= drop;
      for (const [id, slot] of slots) {
        if (drop <= 0) break;
        if (keep?.(slot)) continue;
        slots.delete(id);
        this.count -= 1;
        drop--;
      }
    }
    this.complete = false;
  }

  /** Trims to 90% of the limit once it is passed (between batches: a batch holds on to its slots). */
  evict(): void {
    if (this.count > this.maxDocuments) this.trim(Math.floor(this.maxDocuments * 0.9));
  }

  clear(): void {
    this.collections.clear();
    this.count = 0;
    this.complete = false;
  }
}

export interface ProjectedBatch {
  readonly changes: DocumentChange[];
  /** Events of the batch this projection handled and applied to at least one document. */
  readonly applied: number;
}

/** What `applyBatch` changed, each document once, in the projection's working form. */
export interface AppliedBatch<S extends Slot = Slot> {
  /** The slots of the documents changed: each one's document now (null: deleted or never created). */
  readonly changed: readonly S[];
  readonly applied: number;
}

export interface ChangedDocument {
  readonly ref: DocumentRef;
  /** It existed before (in the store, for a write). */
  readonly existed: boolean;
  readonly document: ReadModelDocument | null;
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
  return { changes: storedChanges(projection, changed), applied };
}

/** Numbers batches, so a slot tells whether this batch changed it already. */
let batches = 0;

/**
 * Applies a batch of events to one projection in memory; nothing is written here. The documents
 * change in their slots in the cache (a batch-local one when none is given), in the projection's
 * working form. Follows the `Projection` protocol: unless the cache is complete, the documents the
 * events name by themselves are loaded for the whole batch in one call (converted with
 * `working.fromStored`); then, in log order, `touches` is asked again with those documents as they
 * stand at that event (a bank outcome finds the accounts it moves on its claim's facts document), any
 * document only that second answer names is loaded, and `apply` gets the pre-event versions of every
 * touched document as `related`. An event is skipped for a document that already reflects it
 * (`lastPosition >= position`: a redelivery after a crash).
 */
export async function applyBatch<S extends Slot>(
  projection: Projection,
  handles: ReadonlySet<string>,
  events: readonly RecordedEvent[],
  store: ReadStore,
  cache: DocumentCache<S> = new DocumentCache<S>(Number.POSITIVE_INFINITY, false),
  beforeLoad?: () => Promise<void>,
): Promise<AppliedBatch<S>> {
  const batch = ++batches;
  const working = projection.working;
  const changed: S[] = [];
  const missing = new Map<string, DocumentRef>();
  /**
   * The refs' slots, those of `known` (the slots of `knownRefs`) taken over where the ref is the same; a
   * document the cache does not know is noted in `missing` and its slot left undefined.
   */
  const slotsOf = (
    refs: readonly DocumentRef[],
    known?: readonly S[],
    knownRefs?: readonly DocumentRef[],
  ) => {
    const slots: Array<S | undefined> = [];
    for (let i = 0; i < refs.length; i++) {
      const ref = refs[i];
      const same = knownRefs !== undefined && i < knownRefs.length && sameRef(ref, knownRefs[i]);
      const slot = same ? known![i] : cache.slot(ref);
      if (slot === undefined) missing.set(documentKey(ref), ref);
      slots.push(slot);
    }
    return slots;
  };
  const load = async () => {
    const refs = [...missing.values()];
    missing.clear();
    await beforeLoad?.();
    const loaded = await store.load(refs);
    for (const ref of refs) {
      const stored = loaded.get(documentKey(ref));
      cache.add(ref, stored === undefined ? null : working ? working.fromStored(stored, ref) : stored);
    }
  };
  /** The slots of `refs`, loading what the cache does not know (rare after the batch's first load). */
  const resolve = async (
    refs: readonly DocumentRef[],
    known?: readonly S[],
    knownRefs?: readonly DocumentRef[],
  ): Promise<S[]> => {
    const slots = slotsOf(refs, known, knownRefs);
    if (missing.size === 0) return slots as S[];
    await load();
    return slotsOf(refs, known, knownRefs) as S[];
  };
  const view = (slots: readonly S[]) => {
    const map = new Map<string, ReadModelDocument>();
    for (const slot of slots) if (slot.document !== null) map.set(slot.key, slot.document);
    return map;
  };

  const handled = events.filter((event) => handles.has(event.type));
  // The first answers of the whole batch, loaded in one call; a complete cache has nothing to load.
  const first = cache.complete ? undefined : handled.map((event) => projection.touches(event));
  if (first !== undefined) {
    for (const refs of first) slotsOf(refs);
    if (missing.size > 0) await load();
  }

  let applied = 0;
  for (let n = 0; n < handled.length; n++) {
    const event = handled[n];
    const named = first?.[n] ?? projection.touches(event);
    const namedSlots = await resolve(named);
    const before = view(namedSlots);
    const refs = projection.touches(event, before);
    let slots = namedSlots;
    let related = before;
    if (!sameRefs(refs, named)) {
      slots = await resolve(refs, namedSlots, named);
      related = view(slots);
    }
    const position = Number(event.position);
    let used = false;
    for (let i = 0; i < refs.length; i++) {
      const slot = slots[i];
      const current = slot.document ?? undefined;
      if (current !== undefined && (current.lastPosition ?? -1) >= position) continue;
      if (slot.batch !== batch) {
        slot.batch = batch;
        slot.existed = current !== undefined;
        changed.push(slot);
      }
      const next = projection.apply(current, event, refs[i], related);
      slot.document = next === null ? null : stamp(next, refs[i].id, position);
      used = true;
    }
    if (used) applied += 1;
  }
  for (const slot of changed) cache.touch(slot);
  cache.evict();
  return { changed, applied };
}

function sameRefs(a: readonly DocumentRef[], b: readonly DocumentRef[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (!sameRef(a[i], b[i])) return false;
  return true;
}

function sameRef(a: DocumentRef, b: DocumentRef): boolean {
  return a.id === b.id && a.collection === b.collection;
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
