import { formatAmount, MoneyJson, parseMoney } from '../money';
import { AccountJson } from './shared';

/**
 * The deterministic key of the duplicate-payment guard: same payee account, same invoice number and same
 * amount mean the same invoice paid twice. Readable on purpose (operators grep for it), e.g.
 * `iban:DE89370400440532013000|inv:INV-1|EUR:1234.56`.
 *
 * Normalisation: IBAN without spaces, upper case; invoice number trimmed, inner whitespace removed, upper
 * case (`inv 1` and `INV1` are the same invoice typed twice); amount in the currency's canonical decimals
 * (`1234.5` and `1234.50` are equal). The invoice is then percent-encoded, so `|` and `:` in it cannot forge
 * another key and the result is safe in a stream name. The function is injective on normalised inputs.
 */
export function duplicateGuardKey(payeeAccount: AccountJson, invoiceNumber: string, amount: MoneyJson): string {
  const iban = normaliseIban(payeeAccount.iban);
  if (!/^[A-Z0-9]+$/.test(iban)) throw new TypeError('duplicateGuardKey: IBAN must be alphanumeric');
  const invoice = normaliseInvoiceNumber(invoiceNumber);
  if (invoice.length === 0) throw new TypeError('duplicateGuardKey: invoice number must not be empty');
  const money = parseMoney(amount);
  return `iban:${iban}|inv:${encodeURIComponent(invoice)}|${money.currency}:${formatAmount(money)}`;
}

/** The guard key of a claim, or `undefined` when it has no invoice number: such claims are not deduplicated. */
export function duplicateGuardKeyForClaim(claim: {
  readonly payee: { readonly account: AccountJson };
  readonly invoiceNumber?: string;
  readonly amount: MoneyJson;
}): string | undefined {
  if (claim.invoiceNumber === undefined || normaliseInvoiceNumber(claim.invoiceNumber) === '') return undefined;
  return duplicateGuardKey(claim.payee.account, claim.invoiceNumber, claim.amount);
}

export function normaliseIban(iban: string): string {
  return iban.replace(/\s+/g, '').toUpperCase();
}

function normaliseInvoiceNumber(invoiceNumber: string): string {
  return invoiceNumber.replace(/\s+/g, '').toUpperCase();
}
