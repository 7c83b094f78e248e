import { AccountJson } from '@ledger/events';
import {
  buildPain001,
  CreditTransfer,
  CreditTransferInitiation,
  generateSigningKey,
  signIso20022,
  SigningKey,
} from '@ledger/iso20022';
import type { JWK } from 'jose';

/**
 * Test data for the sandbox bank: valid IBANs whose last four digits pick the bank's behaviour, transfers and
 * pain.001 messages built by the ISO 20022 library, and signing keys.
 */

/** A German IBAN with valid check digits whose account number is `serial` followed by `ending`. */
export function ibanEndingWith(ending: string, serial = 1): string {
  const account = `${String(serial).padStart(6, '0')}${ending}`.slice(-10);
  const bban = `37040044${account}`;
  const digits = `${bban}131400`; // D = 13, E = 14, then check digits 00
  const check = 98n - (BigInt(digits) % 97n);
  return `DE${String(check).padStart(2, '0')}${bban}`;
}

export const DEBTOR_IBAN = ibanEndingWith('9990', 42);
export const DEBTOR: AccountJson = { iban: DEBTOR_IBAN, bic: 'COBADEFFXXX' };

export interface TransferSpec {
  readonly endToEndId: string;
  /** The creditor account's last four characters: `0000` closed, `0001` returned, `0002` pending, else paid. */
  readonly creditorEnding?: string;
  readonly amount?: string;
  readonly currency?: string;
  /** A domestic creditor account (number + bank code) instead of an IBAN. */
  readonly domestic?: boolean;
  readonly serial?: number;
}

export function creditTransfer(spec: TransferSpec): CreditTransfer {
  const ending = spec.creditorEnding ?? '1234';
  const account: AccountJson = spec.domestic
    ? { number: `55${String(spec.serial ?? 7).padStart(6, '0')}${ending}`, bankCode: '021000021' }
    : { iban: ibanEndingWith(ending, spec.serial ?? 7) };
  return {
    endToEndId: spec.endToEndId,
    amount: { value: spec.amount ?? '100.00', currency: spec.currency ?? 'EUR' },
    creditor: { name: `Creditor ${ending}`, account },
    remittanceInformation: `claim ${spec.endToEndId}`,
  };
}

export interface Pain001Spec {
  readonly messageId: string;
  /** One payment information block from `debtor` (default `DEBTOR`)... */
  readonly transfers?: readonly TransferSpec[];
  readonly debtor?: AccountJson;
  /** ...or several, one per debtor account. */
  readonly blocks?: readonly { readonly debtor: AccountJson; readonly transfers: readonly TransferSpec[] }[];
  readonly creationDateTime?: string;
}

export function creditTransferInitiation(spec: Pain001Spec): CreditTransferInitiation {
  const blocks = spec.blocks ?? [{ debtor: spec.debtor ?? DEBTOR, transfers: spec.transfers ?? [] }];
  return {
    messageId: spec.messageId,
    creationDateTime: spec.creationDateTime ?? '2026-01-05T08:00:00Z',
    initiatingPartyName: 'Ledger Test Co',
    paymentInformation: blocks.map((block, index) => ({
      paymentInformationId: `${spec.messageId}-${index + 1}`,
      debtor: { name: 'Ledger Test Co', account: block.debtor },
      requestedExecutionDate: '2026-01-05',
      transfers: block.transfers.map(creditTransfer),
    })),
  };
}

export function pain001Xml(spec: Pain001Spec): string {
  return buildPain001(creditTransferInitiation(spec));
}

export interface TestKey {
  readonly key: SigningKey;
  readonly publicJwk: JWK;
}

export async function testKey(kid: string): Promise<TestKey> {
  const { publicJwk, ...key } = await generateSigningKey(kid);
  return { key, publicJwk };
}

export async function signedPain001(spec: Pain001Spec, key: SigningKey): Promise<string> {
  return signIso20022(pain001Xml(spec), key);
}
