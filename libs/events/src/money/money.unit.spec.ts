import { addMoney, formatAmount, MoneyError, parseMoney, toMoneyJson } from './money';

function refusal(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    if (error instanceof MoneyError) return error.code;
    throw error;
  }
  return undefined;
}

describe('money', () => {
  it.each([
    ['1234.56', 'CNY', 123456n],
    ['1234.5', 'CNY', 123450n],
    ['1234', 'CNY', 123400n],
    ['0.01', 'EUR', 1n],
    ['1234', 'JPY', 1234n],
    ['1.234', 'BHD', 1234n],
    ['0.5', 'BHD', 500n],
  ])('parses %s %s as %s minor units', (value, currency, minor) => {
    expect(parseMoney({ value, currency }).minorUnits).toBe(minor);
  });

  it.each([
    [{ value: '1.234', currency: 'CNY' }, 'MONEY.TOO_MANY_DECIMALS'],
    [{ value: '1.5', currency: 'JPY' }, 'MONEY.TOO_MANY_DECIMALS'],
    [{ value: '1.2345', currency: 'BHD' }, 'MONEY.TOO_MANY_DECIMALS'],
    [{ value: '-5.00', currency: 'EUR' }, 'MONEY.NEGATIVE_AMOUNT'],
    [{ value: '0.00', currency: 'EUR' }, 'MONEY.ZERO_AMOUNT'],
    [{ value: '1000000000000', currency: 'EUR' }, 'MONEY.AMOUNT_TOO_LARGE'],
    [{ value: '99999999999999999999', currency: 'JPY' }, 'MONEY.AMOUNT_TOO_LARGE'],
    [{ value: '12.00', currency: 'XYZ' }, 'MONEY.UNKNOWN_CURRENCY'],
    [{ value: '12.00', currency: 'eur' }, 'MONEY.UNKNOWN_CURRENCY'],
    [{ value: '1e3', currency: 'EUR' }, 'MONEY.MALFORMED_AMOUNT'],
    [{ value: ' 12', currency: 'EUR' }, 'MONEY.MALFORMED_AMOUNT'],
    [{ value: '+12', currency: 'EUR' }, 'MONEY.MALFORMED_AMOUNT'],
    [{ value: '012.00', currency: 'EUR' }, 'MONEY.MALFORMED_AMOUNT'],
    [{ value: '12.', currency: 'EUR' }, 'MONEY.MALFORMED_AMOUNT'],
    [{ value: '1,200.00', currency: 'EUR' }, 'MONEY.MALFORMED_AMOUNT'],
    [{ value: 12.5 as unknown as string, currency: 'EUR' }, 'MONEY.MALFORMED_AMOUNT'],
  ])('refuses %j with %s', (json, code) => {
    expect(refusal(() => parseMoney(json))).toBe(code);
  });

  it('accepts zero only when asked to', () => {
    expect(parseMoney({ value: '0', currency: 'EUR' }, { allowZero: true }).minorUnits).toBe(0n);
  });

  it('formats with exactly the currency decimals and round-trips', () => {
    expect(formatAmount(parseMoney({ value: '1234.5', currency: 'CNY' }))).toBe('1234.50');
    expect(formatAmount(parseMoney({ value: '7', currency: 'JPY' }))).toBe('7');
    expect(formatAmount(parseMoney({ value: '0.005', currency: 'BHD' }))).toBe('0.005');
    expect(formatAmount({ ...parseMoney({ value: '0.05', currency: 'EUR' }), minorUnits: -5n })).toBe(
      '-0.05',
    );
    for (const value of ['0.01', '999999999999.99', '10.10']) {
      expect(toMoneyJson(parseMoney({ value, currency: 'USD' }))).toEqual({ value, currency: 'USD' });
    }
  });

  it('adds exactly, without the rounding a float would bring', () => {
    const tenCents = parseMoney({ value: '0.10', currency: 'EUR' });
    const twentyCents = parseMoney({ value: '0.20', currency: 'EUR' });
    expect(formatAmount(addMoney(tenCents, twentyCents))).toBe('0.30');
  });

  it('never mixes currencies', () => {
    const eur = parseMoney({ value: '1', currency: 'EUR' });
    const usd = parseMoney({ value: '1', currency: 'USD' });
    expect(refusal(() => addMoney(eur, usd))).toBe('MONEY.CURRENCY_MISMATCH');
  });
});
