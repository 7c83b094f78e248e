import { RecordedEvent } from '@ledger/events';
import { DocumentRef, Projection, ReadModelDocument } from '../../projection';
import { documentKey } from '../../read-store.port';

export type DocumentMap = Map<string, ReadModelDocument>;

export interface RunOptions {
  /** Apply the touched documents in reverse order (the result must not depend on the order). */
  readonly reverse?: boolean;
  /**
   * Simulates a crash mid-commit: changes are committed collection by collection in the order of the
   * projection's `collections`, as a store does; in the first collection with a change this refuses,
   * only the accepted changes are committed, and nothing of the collections after it (default: all).
   */
  readonly commitOnly?: (ref: DocumentRef) => boolean;
}

/**
 * The projector's protocol, in memory, for tests: names the documents in two steps, loads them (a
 * copy, in the projection's working form), applies the event to each one not already past it
 * (redelivery skip on `lastPosition`) with `related` holding every touched document as loaded, stamps
 * `lastPosition` and stores JSON round-tripped copies of the stored form.
 */
export function projectEvent(
  projection: Projection,
  store: DocumentMap,
  event: RecordedEvent,
  options: RunOptions = {},
): void {
  if (!projection.handles.includes(event.type)) return;
  const working: DocumentMap = new Map();
  const load = (refs: readonly DocumentRef[]) => {
    const loaded: DocumentMap = new Map();
    for (const ref of refs) {
      const key = documentKey(ref);
      let document = working.get(key);
      if (document === undefined) {
        const stored = store.get(key);
        if (stored === undefined) continue;
        const copy = JSON.parse(JSON.stringify(stored)) as ReadModelDocument;
        document = projection.working ? projection.working.fromStored(copy, ref) : copy;
        working.set(key, document);
      }
      loaded.set(key, document);
    }
    return loaded;
  };
  const first = projection.touches(event);
  const refs = projection.touches(event, load(first));
  for (const ref of first) {
    if (!refs.some((r) => documentKey(r) === documentKey(ref))) {
      throw new Error(`${projection.name}: second touches dropped ${documentKey(ref)}`);
    }
  }
  const related = load(refs);
  const ordered = options.reverse ? [...refs].reverse() : refs;
  const changes: Array<[DocumentRef, ReadModelDocument | null]> = [];
  for (const ref of ordered) {
    const document = working.get(documentKey(ref));
    if (document?.lastPosition !== undefined && BigInt(document.lastPosition) >= event.position) continue;
    const next = projection.apply(document, event, ref, related);
    if (next === null) {
      changes.push([ref, null]);
      continue;
    }
    const stored = projection.working ? projection.working.toStored(next, ref) : next;
    changes.push([ref, { ...stored, _id: ref.id, lastPosition: Number(event.position) }]);
  }
  const rank = (ref: DocumentRef) => projection.collections.indexOf(ref.collection);
  changes.sort(([a], [b]) => rank(a) - rank(b));
  let crashedIn: string | undefined;
  for (const [ref, next] of changes) {
    if (crashedIn !== undefined && crashedIn !== ref.collection) break;
    if (options.commitOnly !== undefined && !options.commitOnly(ref)) {
      crashedIn = ref.collection;
      continue;
    }
    if (next === null) store.delete(documentKey(ref));
    else store.set(documentKey(ref), asStoredJson(next, `${projection.name} ${documentKey(ref)}`));
  }
}

export function projectAll(
  projection: Projection,
  events: readonly RecordedEvent[],
  options: RunOptions = {},
  store: DocumentMap = new Map(),
): DocumentMap {
  for (const event of events) projectEvent(projection, store, event, options);
  return store;
}

/** The documents of one collection, by id. */
export function collection(store: DocumentMap, name: string): ReadModelDocument[] {
  return [...store.entries()].filter(([key]) => key.startsWith(`${name}/`)).map(([, document]) => document);
}

/**
 * A copy as a document store would keep it; throws on anything that is not plain JSON (a bigint, an
 * undefined field, a number that is not finite, a class instance), since a store would change or refuse it.
 */
export function asStoredJson(value: ReadModelDocument, where: string): ReadModelDocument {
  assertPlainJson(value, where);
  return JSON.parse(JSON.stringify(value)) as ReadModelDocument;
}

function assertPlainJson(value: unknown, path: string): void {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new TypeError(`${path} is not a finite number`);
    return;
  }
  if (Array.isArray(value)) {
    value.forEach((item, index) => assertPlainJson(item, `${path}[${index}]`));
    return;
  }
  if (typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    for (const [key, item] of Object.entries(value)) assertPlainJson(item, `${path}.${key}`);
    return;
  }
  throw new TypeError(`${path} is not plain JSON: ${typeof value}`);
}
