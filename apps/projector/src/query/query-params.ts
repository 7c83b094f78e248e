import { ProblemError } from '@ledger/infra';

export const DEFAULT_PAGE = 50;
export const MAX_PAGE = 200;
/** The longest a `?minPosition=` request waits for the read model to catch up. */
export const MAX_WAIT_MS = 5_000;

export function invalid(detail: string, field: string): ProblemError {
  return new ProblemError(400, 'QUERY.INVALID', detail, { errors: [{ field, message: detail }] });
}

export function parseLimit(value: string | undefined): number {
  if (value === undefined) return DEFAULT_PAGE;
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < 1 || n > MAX_PAGE)
    throw invalid(`limit must be a whole number from 1 to ${MAX_PAGE}`, 'limit');
  return n;
}

export function parseCursor(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  if (!/^[A-Za-z0-9_-]{1,1000}$/.test(value))
    throw invalid('cursor must be the `next` value of a previous page', 'cursor');
  return value;
}

export function parsePosition(value: string | undefined, field: string): bigint | undefined {
  if (value === undefined) return undefined;
  if (!/^\d{1,19}$/.test(value)) throw invalid(`${field} must be a log position (digits)`, field);
  return BigInt(value);
}

/** `field` or `-field` (descending), from the endpoint's allowed fields. */
export function parseSort(
  value: string | undefined,
  allowed: readonly string[],
  fallback: { field: string; direction: 'asc' | 'desc' },
): { field: string; direction: 'asc' | 'desc' } {
  if (value === undefined) return fallback;
  const direction = value.startsWith('-') ? 'desc' : 'asc';
  const field = value.replace(/^[-+]/, '');
  if (!allowed.includes(field))
    throw invalid(`sort must be one of ${allowed.map((f) => `${f}, -${f}`).join(', ')}`, 'sort');
  return { field, direction };
}

export function parseEnum<T extends string>(
  value: string | undefined,
  allowed: readonly T[],
  field: string,
): T | undefined {
  if (value === undefined) return undefined;
  if (!(allowed as readonly string[]).includes(value))
    throw invalid(`${field} must be one of ${allowed.join(', ')}`, field);
  return value as T;
}

export function parseInstant(value: string | undefined, field: string): string | undefined {
  if (value === undefined) return undefined;
  const time = Date.parse(value);
  if (!/^\d{4}-\d{2}-\d{2}(T[\d:.]+(Z|[+-]\d{2}:\d{2}))?$/.test(value) || Number.isNaN(time)) {
    throw invalid(
      `${field} must be an ISO 8601 date or instant, such as 2026-11-01 or 2026-11-01T00:00:00Z`,
      field,
    );
  }
  return new Date(time).toISOString();
}

export function parseText(
  value: string | undefined,
  field: string,
  pattern = /^[A-Za-z0-9 _.:|@/-]{1,200}$/,
): string | undefined {
  if (value === undefined) return undefined;
  if (!pattern.test(value)) throw invalid(`${field} has characters or a length it may not have`, field);
  return value;
}
