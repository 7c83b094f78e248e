import { AccountJson, isIbanAccount } from '@ledger/events';
import { at, textAt, XmlNode } from './xml-document';
import { identifier, invalid } from './fields';

const IBAN = /^[A-Z]{2}[0-9]{2}[A-Za-z0-9]{1,30}$/;
const BIC = /^[A-Z0-9]{4}[A-Z]{2}[A-Z0-9]{2}([A-Z0-9]{3})?$/;

/** `CashAccount` content: `Id/IBAN` for an IBAN, `Id/Othr/Id` for a domestic account number. */
export function accountElement(account: AccountJson, field: string): Record<string, unknown> {
  if (isIbanAccount(account)) {
    const iban = typeof account.iban === 'string' ? account.iban.replace(/\s+/g, '').toUpperCase() : '';
    if (!IBAN.test(iban))
      throw invalid(`${field}.iban`, `${field}.iban ${JSON.stringify(account.iban)} is not an IBAN`);
    return { Id: { IBAN: iban } };
  }
  if (account === null || typeof account !== 'object' || account.number === undefined) {
    throw invalid(
      field,
      `${field} must be an IBAN account {iban, bic?} or a domestic one {number, bankCode, bic?}`,
    );
  }
  return { Id: { Othr: { Id: identifier(account.number, `${field}.number`, 34) } } };
}

/**
 * `FinInstnId` of the account's bank: the BIC and, for a domestic account, its clearing code as `ClrSysMmbId`.
 * With nothing known the schema still wants an identification, so it says `Othr/Id NOTPROVIDED` (the EPC's
 * convention for an unknown agent).
 */
export function agentElement(account: AccountJson | undefined, field: string): Record<string, unknown> {
  const institution: Record<string, unknown> = {};
  if (account?.bic !== undefined) institution.BICFI = bicOf(account.bic, `${field}.bic`);
  if (account !== undefined && !isIbanAccount(account)) {
    institution.ClrSysMmbId = { MmbId: identifier(account.bankCode, `${field}.bankCode`, 35) };
  }
  if (Object.keys(institution).length === 0) institution.Othr = { Id: 'NOTPROVIDED' };
  return { FinInstnId: institution };
}

/** Whether anything is known about the account's bank (an optional agent element is written only then). */
export function knowsAgent(account: AccountJson): boolean {
  return account.bic !== undefined || !isIbanAccount(account);
}

function bicOf(value: unknown, field: string): string {
  const bic = typeof value === 'string' ? value.replace(/\s+/g, '').toUpperCase() : '';
  if (!BIC.test(bic)) throw invalid(field, `${field} ${JSON.stringify(value)} is not a BIC`);
  return bic;
}

/**
 * Reads an account (`CashAccount`) and its bank (`BranchAndFinancialInstitutionIdentification`, BICFI in newer
 * versions, BIC in .001.02). An `Othr/Id` that is a valid IBAN is read as one (some banks write IBANs there); any
 * other `Othr/Id` needs the bank's clearing code. Undefined when the account cannot be told apart from others.
 */
export function readAccount(accountNode: XmlNode, agentNode: XmlNode): AccountJson | undefined {
  if (accountNode === undefined) return undefined;
  const institution = at(agentNode, 'FinInstnId');
  const bic = textAt(institution, 'BICFI') ?? textAt(institution, 'BIC');
  const withBic = bic ? { bic } : {};
  const iban = textAt(accountNode, 'Id', 'IBAN');
  if (iban) return { iban, ...withBic };
  const other = textAt(accountNode, 'Id', 'Othr', 'Id');
  if (!other) return undefined;
  if (isValidIban(other)) return { iban: other.replace(/\s+/g, '').toUpperCase(), ...withBic };
  const bankCode = textAt(institution, 'ClrSysMmbId', 'MmbId');
  if (!bankCode) return undefined;
  return { number: other, bankCode, ...withBic };
}

/** The ISO 13616 check: the shape and the mod-97 check digits. */
export function isValidIban(value: string): boolean {
  const iban = value.replace(/\s+/g, '').toUpperCase();
  if (!/^[A-Z]{2}[0-9]{2}[A-Z0-9]{11,30}$/.test(iban)) return false;
  const rearranged = iban.slice(4) + iban.slice(0, 4);
  let remainder = 0;
  for (const char of rearranged) {
    const digits = /[A-Z]/.test(char) ? String(char.charCodeAt(0) - 55) : char;
    for (const digit of digits) remainder = (remainder * 10 + Number(digit)) % 97;
  }
  return remainder === 1;
}

/** A party's name: `Pty/Nm` (camt .08 `Party40Choice`) or `Nm` (pain.001, camt .02). */
export function partyName(partyNode: XmlNode): string | undefined {
  return textAt(partyNode, 'Pty', 'Nm') ?? textAt(partyNode, 'Nm');
}
