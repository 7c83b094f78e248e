import { buildCamt054, DebitCreditNotification, parseCamt054, validateIso20022 } from './index';
import { sample, codeOf } from './testing/spec-helpers';

const notification: DebitCreditNotification = {
  messageId: 'NTF-1',
  creationDateTime: '2025-03-03T18:00:00Z',
  notificationId: 'NTF-1-A',
  account: { iban: 'DE89370400440532013000', bic: 'COBADEFFXXX' },
  entries: [
    {
      entryReference: 'E-1',
      amount: { value: '1234.50', currency: 'EUR' },
      creditDebit: 'DBIT',
      bookingDate: '2025-03-03',
      valueDate: '2025-03-03',
      bankReference: 'BR-1',
      endToEndId: 'pay-1',
      counterparty: {
        name: 'Zoë & Co',
        account: { iban: 'FR1420041010050500013M02606', bic: 'BNPAFRPPXXX' },
      },
      remittanceInformation: 'claim-1 invoice 42',
    },
    {
      entryReference: 'E-2',
      amount: { value: '5000', currency: 'JPY' },
      creditDebit: 'CRDT',
      bookingDate: '2025-03-05',
      valueDate: '2025-03-04',
      endToEndId: 'pay-2',
      counterparty: { name: '山田太郎', account: { number: '1234567', bankCode: '0001-001' } },
      returnReasonCode: 'AC04',
      returnReasonText: 'Account closed',
    },
    {
      entryReference: 'E-3',
      amount: { value: '10.000', currency: 'BHD' },
      creditDebit: 'DBIT',
      bookingDate: '2025-03-03',
      valueDate: '2025-03-03',
      transactions: [
        { endToEndId: 'pay-3', amount: { value: '4.000', currency: 'BHD' } },
        {
          endToEndId: 'pay-4',
          amount: { value: '6.000', currency: 'BHD' },
          counterparty: { name: 'Ali', account: { iban: 'BH67BMAG00001299123456' } },
        },
      ],
    },
  ],
};

describe('camt.054.001.08', () => {
  it('builds a notification that validates', async () => {
    expect(await validateIso20022(buildCamt054(notification))).toEqual({
      valid: true,
      type: 'camt.054.001.08',
      errors: [],
    });
  });

  it('puts the creditor of a debit and the debtor of a credit in RltdPties, and the return reason in RtrInf', () => {
    const xml = buildCamt054(notification);
    expect(xml).toMatch(/<Cdtr>\s*<Pty>\s*<Nm>Zoë &amp; Co<\/Nm>[\s\S]*?<CdtrAcct>\s*<Id>\s*<IBAN>FR14/);
    expect(xml).toMatch(
      /<Dbtr>\s*<Pty>\s*<Nm>山田太郎<\/Nm>[\s\S]*?<DbtrAcct>\s*<Id>\s*<Othr>\s*<Id>1234567</,
    );
    expect(xml).toMatch(/<RtrInf>\s*<Rsn>\s*<Cd>AC04<\/Cd>\s*<\/Rsn>\s*<AddtlInf>Account closed<\/AddtlInf>/);
    expect(xml).toMatch(/<Sts>\s*<Cd>BOOK<\/Cd>\s*<\/Sts>/);
    expect(xml).toContain('<Amt Ccy="BHD">10.000</Amt>');
  });

  it('round-trips', () => {
    expect(parseCamt054(buildCamt054(notification))).toEqual(notification);
  });

  it('parses the shared sample: a batch-booked debit with three transfers', () => {
    const parsed = parseCamt054(sample('camt.054.001.08.sample.xml'));
    expect(parsed).toMatchObject({
      messageId: 'AAAASESS-FP-ACCR001',
      creationDateTime: '2007-10-18T12:30:00+01:00',
      notificationId: 'AAAASESS-FP-ACCR001',
      account: { iban: 'CH2801234000123456789', bic: 'UBSWCHZH80A' },
    });
    expect(parsed.entries).toHaveLength(1);
    const [entry] = parsed.entries;
    expect(entry).toMatchObject({
      // No NtryRef: the bank's reference names the entry.
      entryReference: 'ACSR160617103200001',
      bankReference: 'ACSR160617103200001',
      amount: { value: '200000.00', currency: 'SEK' },
      creditDebit: 'DBIT',
      bookingDate: '2007-10-18',
      valueDate: '2007-10-18',
    });
    expect(entry.endToEndId).toBeUndefined();
    expect(entry.transactions).toEqual([
      {
        endToEndId: 'UXC06170000006PI00001EE00001',
        amount: { value: '3.10', currency: 'CHF' },
        counterparty: { name: 'Example Creditor 3 - V1', account: { iban: 'CH4112345003131313131' } },
        remittanceInformation: 'Unstructured Remittance Information V1',
      },
      {
        endToEndId: 'UXC06170000006PI00001EE00002',
        amount: { value: '3.20', currency: 'CHF' },
        counterparty: {
          name: 'Example Creditor 3 - V2',
          account: { iban: 'CH7212345003232323232', bic: 'BANKCHBE' },
        },
        remittanceInformation: 'ISR ref number V2',
      },
      {
        endToEndId: 'UXC06170000006PI00001EE00002',
        amount: { value: '3.20', currency: 'CHF' },
        counterparty: {
          name: 'Example Creditor 3 - V3',
          account: { iban: 'CH7212345003232323232', bic: 'BANKCHBE' },
        },
        remittanceInformation:
          'Unstructured Remittance Information V3 block 1 Unstructured Remittance Information V3 block 2',
      },
    ]);
  });

  it('leaves out entries that are not booked', () => {
    const xml = buildCamt054(notification).replace('<Cd>BOOK</Cd>', '<Cd>PDNG</Cd>');
    expect(parseCamt054(xml).entries.map((entry) => entry.entryReference)).toEqual(['E-2', 'E-3']);
  });

  it('refuses amounts with more decimals than the currency, and garbage', () => {
    const xml = buildCamt054(notification);
    expect(codeOf(() => parseCamt054(xml.replace('Ccy="JPY">5000<', 'Ccy="JPY">5000.1<')))).toBe(
      'ISO20022.INVALID_AMOUNT',
    );
    expect(codeOf(() => parseCamt054(xml.replace('Ccy="EUR">1234.50<', 'Ccy="EUR">-1234.50<')))).toBe(
      'ISO20022.INVALID_AMOUNT',
    );
    expect(
      codeOf(() => parseCamt054(xml.replace('<CdtDbtInd>DBIT</CdtDbtInd>', '<CdtDbtInd>BOTH</CdtDbtInd>'))),
    ).toBe('ISO20022.MISSING_FIELD');
    expect(codeOf(() => parseCamt054(xml.slice(0, xml.length / 2)))).toBe('ISO20022.MALFORMED_XML');
    expect(codeOf(() => parseCamt054(sample('camt.053.001.08.sample.xml')))).toBe(
      'ISO20022.UNSUPPORTED_MESSAGE',
    );
  });
});
