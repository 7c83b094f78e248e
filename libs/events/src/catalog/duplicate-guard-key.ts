import { formatAmount, MoneyJson, parseMoney } from '../money';
import { AccountJson, accountLabel } from './shared';

// What `accountLabel` gives for an account the domain accepted; anything else could break the key apart.
const ACCOUNT_LABEL = /^(iban:[A-Z0-9]+|acct:[A-Z0-9-]+:[A-Z0-9-]+)$/;

/**
 * The deterministic key of the duplicate-payment guard: same payee account, same invoice number and same
 * amount mean the same invoice paid twice. Readable on purpose (operators grep for it), e.g.
 * `iban:DE89370400440532013000|inv:INV-1|EUR:1234.56` or `acct:021000021:12345678|inv:INV-1|USD:10.00`.
 *
 * Normalisation: the account as `accountLabel` gives it (no spaces, upper case; the BIC is left out, as it
 * routes the payment but does not identify the account); invoice number trimmed, inner whitespace removed,
 * upper case (`inv 1` and `INV1` are the same invoice typed twice); amount in the currency's canonical
 * decimals (`1234.5` and `1234.50` are equal). The invoice is then percent-encoded, so `|` and `:` in it
 * cannot forge another key; the account label is letters, digits, `-` and `:` only, so the result is safe in
 * a stream name. The function is injective on normalised inputs. IBAN keys are unchanged since the number
 * form was added: stored guard streams depend on them.
 */
export function duplicateGuardKey(
  payeeAccount: AccountJson,
  invoiceNumber: string,
  amount: MoneyJson,
): string {
  const account = accountLabel(payeeAccount);
  if (!ACCOUNT_LABEL.test(account)) {
    throw new TypeError(
      'duplicateGuardKey: the payee account must be an alphanumeric IBAN, or a bank code and number of letters, digits and -',
    );
  }
  const invoice = normaliseInvoiceNumber(invoiceNumber);
  if (invoice.length === 0) throw new TypeError('duplicateGuardKey: invoice number must not be empty');
  const money = parseMoney(amount);
  return `${account}|inv:${encodeURIComponent(invoice)}|${money.currency}:${formatAmount(money)}`;
}

/** The guard key of a claim, or `undefined` when it has no invoice number: such claims are not deduplicated. */
export function duplicateGuardKeyForClaim(claim: {
  readonly payee: { readonly account: AccountJson };
  readonly invoiceNumber?: string;
  readonly amount: MoneyJson;
}): string | undefined {
  if (claim.invoiceNumber === undefined || normaliseInvoiceNumber(claim.invoiceNumber) === '')
    return undefined;
  return duplicateGuardKey(claim.payee.account, claim.invoiceNumber, claim.amount);
}

function normaliseInvoiceNumber(invoiceNumber: string): string {
  return invoiceNumber.replace(/\s+/g, '').toUpperCase();
}
