import { currencyOf, formatAmount, LedgerDomainEvent, parseMoney, RecordedEvent } from '@ledger/events';
import { DocumentRef, ReadModelDocument } from '../projection';
import { documentKey } from '../read-store.port';

/**
 * The event's type and data as the catalog declares them, so a `switch` on `type` narrows `data`. The
 * projector passes a projection only the types it `handles`; anything else falls to a `default` branch.
 */
export function known(event: RecordedEvent): LedgerDomainEvent {
  return event as unknown as LedgerDomainEvent;
}

/** Minor units of a decimal string in the currency's decimals; a leading `-` is allowed (a net balance). */
export function minorUnits(value: string, currency: string): bigint {
  const negative = value.startsWith('-');
  const { minorUnits: units } = parseMoney(
    { value: negative ? value.slice(1) : value, currency },
    { allowZero: true },
  );
  return negative ? -units : units;
}

/** A signed amount in minor units as a decimal string with exactly the currency's decimals. */
export function decimal(units: bigint, currency: string): string {
  return formatAmount({ minorUnits: units, currency: currencyOf(currency) });
}

/** A `MoneyJson` normalised to the currency's decimals ("10.5" EUR becomes "10.50"). */
export function normalisedMoney(json: { readonly value: string; readonly currency: string }): {
  value: string;
  currency: string;
} {
  const money = parseMoney(json, { allowZero: true });
  return { value: formatAmount(money), currency: money.currency };
}

/** True when the projector already applied this event (or a later one) to the document. */
export function alreadyApplied(document: ReadModelDocument | undefined, event: RecordedEvent): boolean {
  return document?.lastPosition !== undefined && BigInt(document.lastPosition) >= event.position;
}

export function loadedDocument<T extends ReadModelDocument>(
  documents: ReadonlyMap<string, ReadModelDocument> | undefined,
  ref: DocumentRef,
): T | undefined {
  return documents?.get(documentKey(ref)) as T | undefined;
}

/** The refs without repeats, first occurrence kept. */
export function distinctRefs(refs: readonly DocumentRef[]): DocumentRef[] {
  const seen = new Set<string>();
  return refs.filter((ref) => {
    const key = documentKey(ref);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
