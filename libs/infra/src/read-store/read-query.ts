import { FieldCondition, ReadQuery } from '@ledger/projections';

/** A query the store refuses: bad limit, field path or cursor. Maps to HTTP 400 at the edge. */
export class InvalidReadQueryError extends Error {
  readonly code = 'READ_STORE.INVALID_QUERY';
  constructor(message: string) {
    super(message);
    this.name = 'InvalidReadQueryError';
  }
}

export const MAX_PAGE_SIZE = 1000;

export type Scalar = string | number | boolean;
export type SortValue = string | number | boolean | null;

/** One condition on one field, normalised: every operator the port allows, as a list. */
export interface Condition {
  readonly field: string;
  readonly op: 'eq' | 'in' | 'prefix' | 'gt' | 'gte' | 'lt' | 'lte';
  readonly value: Scalar | readonly Scalar[];
}

export interface Cursor {
  /** Sort field the cursor was made for: a cursor of another query is refused, not misread. */
  readonly field: string;
  readonly value: SortValue;
  readonly id: string;
}

// Dotted paths of plain names only: they end up inside SQL text and Mongo field names.
const PATH = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$/;

export function checkPath(path: string): string {
  if (!PATH.test(path)) throw new InvalidReadQueryError(`invalid field path: ${JSON.stringify(path)}`);
  return path;
}

/** Checks a collection or namespace name: plain names, so they are safe as Mongo collection names. */
export function checkName(kind: string, name: string): string {
  if (!/^[A-Za-z0-9_-]{1,100}$/.test(name)) throw new Error(`invalid ${kind} name: ${JSON.stringify(name)}`);
  return name;
}

export function namespaced(namespace: string | undefined, name: string): string {
  return namespace ? `${namespace}__${name}` : name;
}

export function checkLimit(limit: number): number {
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE_SIZE)
    throw new InvalidReadQueryError(`limit must be an integer from 1 to ${MAX_PAGE_SIZE}, got ${limit}`);
  return limit;
}

export function conditions(where: ReadQuery['where']): Condition[] {
  const out: Condition[] = [];
  for (const [field, condition] of Object.entries(where ?? {})) {
    checkPath(field);
    for (const c of normalise(condition)) out.push({ field, ...c });
  }
  return out;
}

function normalise(condition: FieldCondition): Array<Omit<Condition, 'field'>> {
  if (typeof condition !== 'object' || condition === null) return [{ op: 'eq', value: condition }];
  const out: Array<Omit<Condition, 'field'>> = [];
  for (const [op, value] of Object.entries(condition)) {
    if (value === undefined) continue;
    switch (op) {
      case 'eq':
        out.push({ op, value: scalar(op, value) });
        break;
      case 'in':
        if (!Array.isArray(value) || value.length === 0 || value.length > MAX_PAGE_SIZE)
          throw new InvalidReadQueryError(`in needs 1 to ${MAX_PAGE_SIZE} values`);
        out.push({ op, value: value.map((v) => scalar(op, v)) });
        break;
      case 'prefix':
        if (typeof value !== 'string') throw new InvalidReadQueryError('prefix needs a string');
        out.push({ op, value });
        break;
      case 'gt':
      case 'gte':
      case 'lt':
      case 'lte':
        if (typeof value !== 'string' && typeof value !== 'number')
          throw new InvalidReadQueryError(`${op} needs a string or a number`);
        out.push({ op, value: scalar(op, value) });
        break;
      default:
        throw new InvalidReadQueryError(`unknown operator ${op}`);
    }
  }
  return out;
}

function scalar(op: string, value: unknown): Scalar {
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (typeof value === 'string' || typeof value === 'boolean') return value;
  throw new InvalidReadQueryError(`${op} needs strings, finite numbers or booleans`);
}

export function sortOf(query: ReadQuery): { field: string; direction: 'asc' | 'desc' } {
  const sort = query.sort ?? { field: '_id', direction: 'asc' as const };
  if (sort.direction !== 'asc' && sort.direction !== 'desc')
    throw new InvalidReadQueryError(`sort direction must be asc or desc`);
  return { field: checkPath(sort.field), direction: sort.direction };
}

/** The value of a dotted path in a document, `null` when absent (as both stores sort it). */
export function valueAt(document: Record<string, unknown>, path: string): SortValue {
  let value: unknown = document;
  for (const part of path.split('.')) {
    if (value === null || typeof value !== 'object') return null;
    value = (value as Record<string, unknown>)[part];
  }
  return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean' ? value : null;
}

export function encodeCursor(cursor: Cursor): string {
  return Buffer.from(JSON.stringify([cursor.field, cursor.value, cursor.id])).toString('base64url');
}

export function decodeCursor(after: string, field: string): Cursor {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(after, 'base64url').toString('utf8'));
  } catch {
    throw new InvalidReadQueryError('invalid cursor');
  }
  if (
    !Array.isArray(parsed) ||
    parsed.length !== 3 ||
    typeof parsed[2] !== 'string' ||
    !isSortValue(parsed[1])
  )
    throw new InvalidReadQueryError('invalid cursor');
  if (parsed[0] !== field)
    throw new InvalidReadQueryError('cursor belongs to a query sorted on another field');
  return { field, value: parsed[1] as SortValue, id: parsed[2] };
}

function isSortValue(value: unknown): value is SortValue {
  return value === null || ['string', 'number', 'boolean'].includes(typeof value);
}

/** Positions are stored as JS numbers (no Decimal128, no Long): refuse one that would lose digits. */
export function positionNumber(position: bigint): number {
  const n = Number(position);
  if (!Number.isSafeInteger(n)) throw new Error(`position ${position} does not fit a safe integer`);
  return n;
}
