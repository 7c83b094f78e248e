import { BankToCustomerStatement, buildCamt053, parseCamt053, validateIso20022 } from './index';
import { sample, codeOf } from './testing/spec-helpers';

const statement: BankToCustomerStatement = {
  version: 'camt.053.001.08',
  messageId: 'STMT-2025-03-03',
  creationDateTime: '2025-03-03T23:59:00Z',
  statements: [
    {
      statementId: 'STMT-EUR-1',
      creationDateTime: '2025-03-03T23:59:00Z',
      from: '2025-03-03T00:00:00Z',
      to: '2025-03-03T23:59:59Z',
      account: { iban: 'DE89370400440532013000', bic: 'COBADEFFXXX' },
      currency: 'EUR',
      openingBalance: { type: 'OPBD', amount: { value: '-100.00', currency: 'EUR' }, date: '2025-03-02' },
      closingBalance: { type: 'CLBD', amount: { value: '1134.50', currency: 'EUR' }, date: '2025-03-03' },
      entries: [
        {
          entryReference: 'E-1',
          amount: { value: '1234.50', currency: 'EUR' },
          creditDebit: 'CRDT',
          bookingDate: '2025-03-03',
          valueDate: '2025-03-03',
          endToEndId: 'pay-1',
          counterparty: { name: 'Returner & Sons', account: { iban: 'FR1420041010050500013M02606' } },
          returnReasonCode: 'AC04',
        },
      ],
    },
    {
      statementId: 'STMT-JPY-1',
      creationDateTime: '2025-03-03T23:59:00Z',
      account: { number: '1234567', bankCode: '0001-001' },
      currency: 'JPY',
      openingBalance: { type: 'OPBD', amount: { value: '0', currency: 'JPY' }, date: '2025-03-02' },
      closingBalance: { type: 'CLBD', amount: { value: '-5000', currency: 'JPY' }, date: '2025-03-03' },
      entries: [],
    },
  ],
};

describe('camt.053', () => {
  it('builds a camt.053.001.08 with several statements that validates', async () => {
    const xml = buildCamt053(statement);
    expect(await validateIso20022(xml)).toEqual({ valid: true, type: 'camt.053.001.08', errors: [] });
    expect(xml).toMatch(/<Cd>OPBD<\/Cd>[\s\S]*?<Amt Ccy="EUR">100.00<\/Amt>\s*<CdtDbtInd>DBIT<\/CdtDbtInd>/);
    expect(xml).toMatch(/<Cd>CLBD<\/Cd>[\s\S]*?<Amt Ccy="JPY">5000<\/Amt>\s*<CdtDbtInd>DBIT<\/CdtDbtInd>/);
  });

  it('round-trips, debit balances coming back negative', () => {
    expect(parseCamt053(buildCamt053(statement))).toEqual(statement);
  });

  it('builds only version .001.08', () => {
    expect(codeOf(() => buildCamt053({ ...statement, version: 'camt.053.001.02' }))).toBe(
      'ISO20022.INVALID_FIELD',
    );
  });

  it('parses the shared camt.053.001.08 sample', () => {
    const parsed = parseCamt053(sample('camt.053.001.08.sample.xml'));
    expect(parsed.version).toBe('camt.053.001.08');
    expect(parsed.messageId).toBe('CAMT053RIB000000000001');
    expect(parsed.statements).toHaveLength(1);
    const [first] = parsed.statements;
    expect(first).toMatchObject({
      statementId: '253EURNL26VAYB8060476890',
      creationDateTime: '2015-03-10T18:43:50+00:00',
      from: '2007-10-18T08:00:00+01:00',
      to: '2007-10-18T12:30:00+01:00',
      // Written as Othr/Id, but a valid IBAN.
      account: { iban: 'NL26VAYB8060476890' },
      // No Acct/Ccy: the opening balance's currency.
      currency: 'EUR',
      openingBalance: { type: 'OPBD', amount: { value: '18.15', currency: 'EUR' }, date: '2014-12-30' },
      closingBalance: { type: 'CLBD', amount: { value: '-27.00', currency: 'SEK' }, date: '2014-12-30' },
    });
    expect(first.entries).toEqual([
      {
        entryReference: 'AAAASESS-FP-CN_98765/01',
        bankReference: 'AAAASESS-FP-CN_98765/01',
        amount: { value: '8.85', currency: 'EUR' },
        creditDebit: 'CRDT',
        // BookgDt/DtTm: the date as the bank wrote it.
        bookingDate: '2014-12-31',
        valueDate: '2015-01-02',
        endToEndId: 'MUELL/FINP/RA12345',
        counterparty: { name: 'NAME NAME', account: { iban: 'NL56AGDH9619008421' } },
        remittanceInformation: '4654654654654654',
      },
    ]);
  });

  it('parses the shared camt.053.001.02 multi-statement sample', () => {
    const parsed = parseCamt053(sample('camt.053.001.02.multi-statement.sample.xml'));
    expect(parsed.version).toBe('camt.053.001.02');
    expect(parsed.statements.map((s) => s.statementId)).toEqual([
      '253EURNL26VAYB8060476890',
      '254EURNL26VAYB8060476890',
    ]);
    const [first, second] = parsed.statements;
    expect(first.account).toEqual({ iban: 'NL26VAYB8060476890' });
    expect(first.currency).toBe('EUR');
    expect(first.openingBalance.amount).toEqual({ value: '18.15', currency: 'EUR' });
    expect(first.closingBalance.amount).toEqual({ value: '27.00', currency: 'EUR' });
    expect(second.openingBalance).toEqual({
      type: 'OPBD',
      amount: { value: '27.00', currency: 'EUR' },
      date: '2014-12-30',
    });
    expect(second.closingBalance).toEqual({
      type: 'CLBD',
      amount: { value: '20.00', currency: 'EUR' },
      date: '2014-12-31',
    });
    expect(first.entries).toEqual([
      {
        // Neither NtryRef nor AcctSvcrRef: named by statement and position.
        entryReference: '253EURNL26VAYB8060476890/1',
        amount: { value: '8.85', currency: 'EUR' },
        creditDebit: 'CRDT',
        bookingDate: '2014-12-31',
        valueDate: '2015-01-02',
        endToEndId: '000000001',
        // The bank filled only Cdtr, with an account that is not the statement's own.
        counterparty: { name: 'Company Name 1', account: { iban: 'NL56AGDH9619008421' } },
        remittanceInformation: 'Transaction Description 1',
      },
    ]);
    expect(second.entries[0]).toMatchObject({
      entryReference: '254EURNL26VAYB8060476890/1',
      amount: { value: '7.00', currency: 'EUR' },
      creditDebit: 'DBIT',
      endToEndId: '000000002',
      counterparty: { name: 'Company Name 2', account: { iban: 'NL56AGDH9619008421' } },
    });
  });

  it('reads amounts written without minor digits exactly, and refuses more decimals than the currency has', () => {
    const old = sample('camt.053.001.02.multi-statement.sample.xml');
    const whole = parseCamt053(old.replace('<Amt Ccy="EUR">27.00</Amt>', '<Amt Ccy="EUR">100</Amt>'));
    expect(whole.statements[0].closingBalance.amount).toEqual({ value: '100.00', currency: 'EUR' });
    const short = parseCamt053(old.replace('<Amt Ccy="EUR">8.85</Amt>', '<Amt Ccy="EUR">8.5</Amt>'));
    expect(short.statements[0].entries[0].amount).toEqual({ value: '8.50', currency: 'EUR' });
    expect(
      codeOf(() => parseCamt053(old.replace('<Amt Ccy="EUR">8.85</Amt>', '<Amt Ccy="EUR">8.851</Amt>'))),
    ).toBe('ISO20022.INVALID_AMOUNT');
    expect(
      codeOf(() => parseCamt053(old.replace('<Amt Ccy="EUR">8.85</Amt>', '<Amt Ccy="JPY">8.85</Amt>'))),
    ).toBe('ISO20022.INVALID_AMOUNT');
  });

  it('refuses a statement without an opening balance, and a statement of an account it cannot identify', () => {
    const xml = buildCamt053(statement);
    expect(codeOf(() => parseCamt053(xml.replace(/<Cd>OPBD<\/Cd>/g, '<Cd>OPAV</Cd>')))).toBe(
      'ISO20022.MISSING_FIELD',
    );
    // A domestic account number with no clearing code of its bank.
    expect(
      codeOf(() => parseCamt053(xml.replace(/<Svcr>\s*<FinInstnId>\s*<ClrSysMmbId>[\s\S]*?<\/Svcr>/, ''))),
    ).toBe('ISO20022.MISSING_FIELD');
  });
});
