import { CLAIM_EVENT_TYPES, isClaimEvent } from './claim-events';
import { DUPLICATE_GUARD_EVENT_TYPES } from './duplicate-guard-events';
import { RECONCILIATION_EVENT_TYPES } from './reconciliation-events';
import { duplicateGuardKey, duplicateGuardKeyForClaim } from './duplicate-guard-key';
import { isPaymentEvent, PAYMENT_EVENT_TYPES } from './payment-events';
import { PAYMENT_BATCH_EVENT_TYPES } from './payment-batch-events';
import { AccountJson, accountLabel, isIbanAccount } from './shared';
import { CURRENT_SCHEMA_VERSIONS, currentSchemaVersion } from './schema-versions';
import {
  CLAIM_STREAM_PREFIX,
  claimStreamId,
  DUPLICATE_GUARD_STREAM_PREFIX,
  duplicateGuardStreamId,
  PAYMENT_BATCH_STREAM_PREFIX,
  PAYMENT_STREAM_PREFIX,
  paymentBatchStreamId,
  paymentStreamId,
} from './stream-names';

const IBAN = 'DE89370400440532013000';

describe('stream names', () => {
  it('builds one name per stream', () => {
    expect(claimStreamId('c-1')).toBe('claim-c-1');
    expect(paymentStreamId('p-1')).toBe('payment-p-1');
    expect(paymentBatchStreamId('b-1')).toBe('paymentBatch-b-1');
    expect(duplicateGuardStreamId('k')).toBe('duplicateGuard-k');
  });

  it('uses prefixes that never match another category', () => {
    const prefixes = [
      CLAIM_STREAM_PREFIX,
      PAYMENT_STREAM_PREFIX,
      PAYMENT_BATCH_STREAM_PREFIX,
      DUPLICATE_GUARD_STREAM_PREFIX,
    ];
    for (const a of prefixes) for (const b of prefixes) if (a !== b) expect(b.startsWith(a)).toBe(false);
  });

  it('refuses an empty id or one with whitespace', () => {
    expect(() => claimStreamId('')).toThrow('claimId must be a non-empty string');
    expect(() => paymentStreamId('a b')).toThrow('paymentId');
  });
});

describe('accounts', () => {
  const domestic: AccountJson = { number: '12345678', bankCode: 'CN-102100099996' };

  it('tells the two forms apart', () => {
    expect(isIbanAccount({ iban: IBAN })).toBe(true);
    expect(isIbanAccount({ iban: IBAN, bic: 'COBADEFFXXX' })).toBe(true);
    expect(isIbanAccount(domestic)).toBe(false);
  });

  it('gives a sort code or account number retyped with or without dashes the same label', () => {
    expect(accountLabel({ number: '31926819', bankCode: '20-00-00' })).toBe(
      accountLabel({ number: '319-268-19', bankCode: '200000' }),
    );
  });

  it('labels an account by its identity, normalised, without its BIC', () => {
    expect(accountLabel({ iban: 'de89 3704 0044 0532 0130 00', bic: 'COBADEFFXXX' })).toBe(`iban:${IBAN}`);
    expect(accountLabel(domestic)).toBe('acct:CN102100099996:12345678');
    expect(accountLabel({ number: '12 34-ab', bankCode: ' 20-00-00 ', bic: 'BARCGB22' })).toBe(
      'acct:200000:1234AB',
    );
  });
});

describe('duplicateGuardKey', () => {
  it('is readable', () => {
    expect(duplicateGuardKey({ iban: IBAN }, 'INV-1', { value: '1234.56', currency: 'EUR' })).toBe(
      `iban:${IBAN}|inv:INV-1|EUR:1234.56`,
    );
    expect(
      duplicateGuardKey({ number: '000123456789', bankCode: '021000021' }, 'INV-1', {
        value: '10',
        currency: 'USD',
      }),
    ).toBe('acct:021000021:000123456789|inv:INV-1|USD:10.00');
  });

  it('keeps the keys of IBAN accounts byte for byte (stored guard streams depend on them)', () => {
    // Literal keys as the IBAN-only version computed them: never derive the expectation from the code.
    expect(
      duplicateGuardKey({ iban: 'gb82 west 1234 5698 7654 32' }, 'r 2024/7', { value: '5', currency: 'GBP' }),
    ).toBe('iban:GB82WEST12345698765432|inv:R2024%2F7|GBP:5.00');
    expect(duplicateGuardKey({ iban: IBAN, bic: 'cobadeffxxx' }, 'A1', { value: '1', currency: 'JPY' })).toBe(
      'iban:DE89370400440532013000|inv:A1|JPY:1',
    );
  });

  it('gives the same key to a domestic account typed differently, and another to another bank', () => {
    const amount = { value: '10.00', currency: 'USD' };
    const key = duplicateGuardKey({ number: '000123456789', bankCode: '021000021' }, 'INV-1', amount);
    expect(
      duplicateGuardKey(
        { number: '0001 2345 6789', bankCode: ' 021000021', bic: 'CHASUS33' },
        ' inv-1 ',
        amount,
      ),
    ).toBe(key);
    expect(duplicateGuardKey({ number: '000123456789', bankCode: '026009593' }, 'INV-1', amount)).not.toBe(
      key,
    );
    expect(duplicateGuardKey({ number: '000123456780', bankCode: '021000021' }, 'INV-1', amount)).not.toBe(
      key,
    );
  });

  it('cannot confuse the two forms or shift the bank code into the number', () => {
    const amount = { value: '1.00', currency: 'EUR' };
    const keys = [
      duplicateGuardKey({ iban: IBAN }, 'INV-1', amount),
      duplicateGuardKey({ number: IBAN, bankCode: 'DE' }, 'INV-1', amount),
      duplicateGuardKey({ number: '3-4', bankCode: '1-2' }, 'INV-1', amount),
      duplicateGuardKey({ number: '2-3-4', bankCode: '1' }, 'INV-1', amount),
    ];
    expect(new Set(keys).size).toBe(keys.length);
  });

  it('stays safe in a stream name with a domestic account', () => {
    const key = duplicateGuardKey({ number: '12 34-56', bankCode: 'cn-102100099996' }, 'Ré/çu 1', {
      value: '2.00',
      currency: 'CNY',
    });
    expect(key).toBe('acct:CN102100099996:123456|inv:R%C3%89%2F%C3%87U1|CNY:2.00');
    expect(key).toMatch(/^[A-Za-z0-9|:.%_~*'()!/-]+$/);
    expect(duplicateGuardStreamId(key)).toBe(`duplicateGuard-${key}`);
  });

  it('refuses an account no validation would accept', () => {
    const amount = { value: '1.00', currency: 'EUR' };
    for (const account of [
      { iban: 'DE89|inv:X' },
      { number: '12:34', bankCode: '021000021' },
      { number: '1234', bankCode: '' },
      { number: '1234' },
      { number: '1234', bankCode: 'a|b' },
    ]) {
      expect(() => duplicateGuardKey(account as AccountJson, 'INV-1', amount)).toThrow('payee account');
    }
  });

  it('treats the same invoice typed differently as the same key', () => {
    const key = duplicateGuardKey({ iban: IBAN }, 'INV-1', { value: '10.50', currency: 'EUR' });
    expect(
      duplicateGuardKey({ iban: 'de89 3704 0044 0532 0130 00' }, ' inv-1 ', {
        value: '10.5',
        currency: 'EUR',
      }),
    ).toBe(key);
    expect(
      duplicateGuardKey({ iban: IBAN, bic: 'COBADEFFXXX' }, 'INV-1', { value: '10.50', currency: 'EUR' }),
    ).toBe(key);
  });

  it('differs on payee account, invoice, amount or currency', () => {
    const key = duplicateGuardKey({ iban: IBAN }, 'INV-1', { value: '10.50', currency: 'EUR' });
    expect(
      duplicateGuardKey({ iban: 'NL91ABNA0417164300' }, 'INV-1', { value: '10.50', currency: 'EUR' }),
    ).not.toBe(key);
    expect(duplicateGuardKey({ iban: IBAN }, 'INV-2', { value: '10.50', currency: 'EUR' })).not.toBe(key);
    expect(duplicateGuardKey({ iban: IBAN }, 'INV-1', { value: '10.51', currency: 'EUR' })).not.toBe(key);
    expect(duplicateGuardKey({ iban: IBAN }, 'INV-1', { value: '10.50', currency: 'USD' })).not.toBe(key);
  });

  it('escapes separators and spaces so an invoice number cannot forge another key', () => {
    const forged = duplicateGuardKey({ iban: IBAN }, 'X|EUR:1', { value: '2.00', currency: 'EUR' });
    expect(forged).toBe(`iban:${IBAN}|inv:X%7CEUR%3A1|EUR:2.00`);
    expect(duplicateGuardKey({ iban: IBAN }, 'Ré/çu', { value: '2.00', currency: 'EUR' })).toMatch(
      /^[A-Za-z0-9|:.%_~*'()!/-]+$/,
    );
    expect(duplicateGuardStreamId(forged)).not.toMatch(/\s/);
  });

  it('refuses an empty invoice number or a malformed amount', () => {
    expect(() => duplicateGuardKey({ iban: IBAN }, '  ', { value: '1.00', currency: 'EUR' })).toThrow(
      'invoice number',
    );
    expect(() => duplicateGuardKey({ iban: IBAN }, 'INV-1', { value: '1,00', currency: 'EUR' })).toThrow();
  });

  it('gives no key for a claim without an invoice number', () => {
    const claim = { payee: { account: { iban: IBAN } }, amount: { value: '1.00', currency: 'EUR' } };
    expect(duplicateGuardKeyForClaim(claim)).toBeUndefined();
    expect(duplicateGuardKeyForClaim({ ...claim, invoiceNumber: 'A1' })).toBe(`iban:${IBAN}|inv:A1|EUR:1.00`);
  });
});

describe('schema versions', () => {
  it('lists every event type once, ClaimSubmitted at version 2', () => {
    const all = [
      ...CLAIM_EVENT_TYPES,
      ...PAYMENT_EVENT_TYPES,
      ...PAYMENT_BATCH_EVENT_TYPES,
      ...DUPLICATE_GUARD_EVENT_TYPES,
      ...RECONCILIATION_EVENT_TYPES,
    ];
    expect(new Set(all).size).toBe(all.length);
    expect(Object.keys(CURRENT_SCHEMA_VERSIONS).sort()).toEqual([...all].sort());
    expect(currentSchemaVersion('ClaimSubmitted')).toBe(2);
    expect(currentSchemaVersion('PaymentDispatched')).toBe(1);
    expect(() => currentSchemaVersion('ClaimTeleported')).toThrow('unknown event type');
  });

  it('tells the streams apart', () => {
    expect(isClaimEvent({ type: 'ClaimApproved' })).toBe(true);
    expect(isClaimEvent({ type: 'PaymentSettled' })).toBe(false);
    expect(isPaymentEvent({ type: 'PaymentSettled' })).toBe(true);
  });
});
