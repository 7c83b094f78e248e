import { Iso20022Error } from '../iso20022.error';

/**
 * Field rules shared by the builders. Free text (names, remittance information, reason texts) is cut to the
 * schema's length, since a shortened name still pays the right account. Identifiers, codes, dates and account
 * numbers are refused instead: a shortened end-to-end id would silently break reconciliation.
 */

// Characters XML 1.0 cannot carry at all (controls other than tab/LF/CR, U+FFFE/FFFF, unpaired surrogates).
const NOT_XML =
  // eslint-disable-next-line no-control-regex -- matching those control characters is the point
  /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;
// Line breaks and tabs become spaces: banks print names on one line, and XML parsers rewrite CR anyway.
const LINE_BREAKS = /[\t\r\n]+/g;
const HAS_NOT_XML = new RegExp(NOT_XML.source);
const HAS_LINE_BREAK = /[\t\r\n]/;

/**
 * Free text for a `MaxNText` element: unencodable characters dropped, line breaks turned into spaces, trimmed,
 * and cut to `max` characters (code points, as XSD counts them). Empty after that yields undefined.
 */
export function fitText(value: string | undefined, max: number): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw invalid('text', `expected a text, got ${typeof value}`);
  const cleaned = value.replace(NOT_XML, '').replace(LINE_BREAKS, ' ').trim();
  // A text no longer than `max` UTF-16 units has at most `max` code points: only longer ones are split.
  const codePoints = cleaned.length > max ? Array.from(cleaned) : undefined;
  const fitted =
    codePoints !== undefined && codePoints.length > max
      ? codePoints.slice(0, max).join('').trimEnd()
      : cleaned;
  return fitted === '' ? undefined : fitted;
}

/** Like `fitText`, for a text the message cannot do without (a party name). */
export function requiredText(value: string | undefined, max: number, field: string): string {
  const fitted = fitText(value, max);
  if (fitted === undefined) throw invalid(field, `${field} must not be empty`);
  return fitted;
}

/** An identifier (`Max35Text` ids): used as is, or refused. */
export function identifier(value: unknown, field: string, max = 35): string {
  if (typeof value !== 'string' || value === '') throw invalid(field, `${field} must be a non-empty text`);
  if (value !== value.trim() || HAS_NOT_XML.test(value) || HAS_LINE_BREAK.test(value)) {
    throw invalid(
      field,
      `${field} ${JSON.stringify(value)} has surrounding whitespace or control characters`,
    );
  }
  if (value.length > max && Array.from(value).length > max) {
    throw invalid(
      field,
      `${field} ${JSON.stringify(value)} is longer than the ${max} characters ISO 20022 allows`,
    );
  }
  return value;
}

/** A code such as `AC04` or `ACSC` (`Max4Text` external codes). */
export function code(value: unknown, field: string, max = 4): string {
  if (typeof value !== 'string' || !/^[A-Za-z0-9]+$/.test(value) || value.length > max) {
    throw invalid(
      field,
      `${field} must be a code of 1 to ${max} letters or digits, got ${JSON.stringify(value)}`,
    );
  }
  return value;
}

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const ISO_DATE_TIME =
  /^(\d{4}-\d{2}-\d{2})T([01]\d|2[0-3]):[0-5]\d:[0-5]\d(\.\d+)?(Z|[+-](?:[01]\d|2[0-3]):[0-5]\d)?$/;

export function isoDate(value: unknown, field: string): string {
  const match = typeof value === 'string' ? ISO_DATE.exec(value) : null;
  if (!match || !isCalendarDate(value as string)) {
    throw invalid(field, `${field} must be an ISO date YYYY-MM-DD, got ${JSON.stringify(value)}`);
  }
  return value as string;
}

export function isoDateTime(value: unknown, field: string): string {
  const match = typeof value === 'string' ? ISO_DATE_TIME.exec(value) : null;
  if (!match || !isCalendarDate(match[1])) {
    throw invalid(
      field,
      `${field} must be an ISO date-time such as 2025-01-31T09:30:00Z, got ${JSON.stringify(value)}`,
    );
  }
  return value as string;
}

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** Whether `YYYY-MM-DD` (already matched as digits) names a day of the Gregorian calendar, year 1 onwards. */
function isCalendarDate(date: string): boolean {
  const year = Number(date.slice(0, 4));
  const month = Number(date.slice(5, 7));
  const day = Number(date.slice(8, 10));
  if (year < 1 || month < 1 || month > 12 || day < 1) return false;
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  return day <= (month === 2 && leap ? 29 : DAYS_IN_MONTH[month - 1]);
}

/** The date part of an ISODate or ISODateTime as a bank writes it (`2014-12-31`, `2014-12-31T13:15:00+01:00`). */
export function datePart(value: string, field: string): string {
  const date = value.slice(0, 10);
  if (!ISO_DATE.test(date) || !isCalendarDate(date)) {
    throw new Iso20022Error('ISO20022.INVALID_FIELD', `${field} is not a date: ${JSON.stringify(value)}`, {
      field,
    });
  }
  return date;
}

export function invalid(field: string, message: string): Iso20022Error {
  return new Iso20022Error('ISO20022.INVALID_FIELD', message, { field });
}
