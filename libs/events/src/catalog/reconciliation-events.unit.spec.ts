import { isReconciliationEvent, RECONCILIATION_EVENT_TYPES } from './reconciliation-events';
import { currentSchemaVersion } from './schema-versions';
import {
  BANK_STATEMENT_STREAM_PREFIX,
  bankStatementKey,
  bankStatementStreamId,
  CLAIM_STREAM_PREFIX,
  DUPLICATE_GUARD_STREAM_PREFIX,
  PAYMENT_BATCH_STREAM_PREFIX,
  PAYMENT_STREAM_PREFIX,
} from './stream-names';

describe('bank statement streams', () => {
  it('names one stream per account and statement id, the account normalised', () => {
    expect(bankStatementStreamId({ iban: 'gb33 bukb 2020 1555 5555 55' }, 'S-1')).toBe(
      'bankStatement-iban:GB33BUKB20201555555555|S-1',
    );
    expect(bankStatementKey({ number: '12-34 56', bankCode: '20-00-00', bic: 'BARCGB22' }, 'S-1')).toBe(
      'acct:200000:123456|S-1',
    );
  });

  it('encodes statement ids so spaces, slashes and separators cannot forge another statement', () => {
    const key = bankStatementKey({ iban: 'GB33BUKB20201555555555' }, '2025/03 10|x');
    expect(key).toBe('iban:GB33BUKB20201555555555|2025%2F03%2010%7Cx');
    expect(bankStatementStreamId({ iban: 'GB33BUKB20201555555555' }, '2025/03 10|x')).not.toMatch(/\s/);
  });

  it('uses a prefix no other stream category starts with, nor it with theirs', () => {
    for (const other of [
      CLAIM_STREAM_PREFIX,
      PAYMENT_STREAM_PREFIX,
      PAYMENT_BATCH_STREAM_PREFIX,
      DUPLICATE_GUARD_STREAM_PREFIX,
    ]) {
      expect(other.startsWith(BANK_STATEMENT_STREAM_PREFIX)).toBe(false);
      expect(BANK_STATEMENT_STREAM_PREFIX.startsWith(other)).toBe(false);
    }
  });

  it('refuses an empty statement id and an account no validation would accept', () => {
    expect(() => bankStatementKey({ iban: 'GB33BUKB20201555555555' }, ' ')).toThrow('statement id');
    expect(() => bankStatementKey({ iban: 'GB33|x' }, 'S-1')).toThrow('cannot name a stream');
  });
});

describe('reconciliation events', () => {
  it('are in the catalog at schema version 1 and told apart from others', () => {
    for (const type of RECONCILIATION_EVENT_TYPES) expect(currentSchemaVersion(type)).toBe(1);
    expect(isReconciliationEvent({ type: 'BankBalanceDifferenceFound' })).toBe(true);
    expect(isReconciliationEvent({ type: 'PaymentSettled' })).toBe(false);
  });
});
