import { DomainError } from './domain-error';
import { dateOf, isIsoDate, isValidIban, requireAccount } from './validation';

describe('validation', () => {
  it.each([
    'DE89370400440532013000',
    'GB82WEST12345698765432',
    'FR1420041010050500013M02606',
    'NL91ABNA0417164300',
  ])('accepts the valid IBAN %s', (iban) => expect(isValidIban(iban)).toBe(true));

  it.each([
    'DE88370400440532013000',
    'DE8937040044',
    'de89370400440532013000',
    'DE89 3704 0044 0532 0130 00',
  ])('refuses %s (checksum, length, or not normalised)', (iban) => expect(isValidIban(iban)).toBe(false));

  it('normalises an account before checking it', () => {
    expect(
      requireAccount({ iban: ' de89 3704 0044 0532 0130 00' }, 'acc', 'PAYMENT.INVALID_ACCOUNT'),
    ).toStrictEqual({
      iban: 'DE89370400440532013000',
    });
    expect(() => requireAccount(undefined, 'acc', 'PAYMENT.INVALID_ACCOUNT')).toThrow(DomainError);
  });

  it('normalises a domestic account: number without spaces, bank code and BIC upper case', () => {
    expect(
      requireAccount(
        { number: ' 6222 0202 0011 2233 ', bankCode: ' cn-102100099996 ', bic: 'icbkcnbjxxx' },
        'acc',
        'PAYMENT.INVALID_ACCOUNT',
      ),
    ).toStrictEqual({ number: '6222020200112233', bankCode: 'CN-102100099996', bic: 'ICBKCNBJXXX' });
    // The number keeps its letters' case: the bank, not the ledger, says whether case matters.
    expect(
      requireAccount({ number: '12-ab', bankCode: '200000' }, 'acc', 'PAYMENT.INVALID_ACCOUNT'),
    ).toStrictEqual({ number: '12-ab', bankCode: '200000' });
  });

  it.each([
    ['both forms', { iban: 'DE89370400440532013000', number: '1', bankCode: '2' }, 'acc', 'not both'],
    ['an iban with a bankCode', { iban: 'DE89370400440532013000', bankCode: '2' }, 'acc', 'not both'],
    ['neither form', { bic: 'COBADEFFXXX' }, 'acc', 'must have an iban, or a number and a bankCode'],
    ['an empty object', {}, 'acc', 'must have an iban, or a number and a bankCode'],
    ['a number without bankCode', { number: '12345678' }, 'acc.bankCode', 'is required with number'],
    ['a bankCode without number', { bankCode: '021000021' }, 'acc.number', 'is required with bankCode'],
    ['an empty number', { number: '  ', bankCode: '021000021' }, 'acc.number', '1 to 34'],
    ['a number of 35 characters', { number: '1'.repeat(35), bankCode: '021000021' }, 'acc.number', '1 to 34'],
    ['a number with a separator', { number: '123|456', bankCode: '021000021' }, 'acc.number', '1 to 34'],
    ['a bank code with a colon', { number: '123', bankCode: '02:1' }, 'acc.bankCode', '1 to 35'],
    ['a bank code with inner spaces', { number: '123', bankCode: '20 00 00' }, 'acc.bankCode', '1 to 35'],
    ['a bank code of 36 characters', { number: '123', bankCode: '9'.repeat(36) }, 'acc.bankCode', '1 to 35'],
    ['a non-text number', { number: 123, bankCode: '021000021' }, 'acc.number', '1 to 34'],
    [
      'a malformed BIC',
      { number: '123', bankCode: '021000021', bic: 'CHASUS' },
      'acc.bic',
      'not a valid BIC',
    ],
  ])('refuses %s', (_name, account, field, message) => {
    let refusal: unknown;
    try {
      requireAccount(account as never, 'acc', 'CLAIM.INVALID_PAYEE_ACCOUNT');
    } catch (error) {
      refusal = error;
    }
    expect(refusal).toBeInstanceOf(DomainError);
    expect(refusal).toMatchObject({
      code: 'CLAIM.INVALID_PAYEE_ACCOUNT',
      kind: 'invalid',
      details: { field },
    });
    expect((refusal as DomainError).message).toContain(message);
  });

  it('checks calendar dates', () => {
    expect(isIsoDate('2024-02-29')).toBe(true);
    expect(isIsoDate('2025-02-29')).toBe(false);
    expect(isIsoDate('2025-13-01')).toBe(false);
    expect(dateOf('2025-03-14T23:59:59.999Z', 'PAYMENT.INVALID_FIELD')).toBe('2025-03-14');
    expect(() => dateOf('yesterday', 'PAYMENT.INVALID_FIELD')).toThrow(DomainError);
  });
});
