import { createHash } from 'node:crypto';
import {
  buildPain001,
  CreditTransferInitiation,
  parsePain001,
  readIso20022Document,
  validateIso20022,
} from './index';
import { sample, codeOf } from './testing/spec-helpers';

const batch: CreditTransferInitiation = {
  messageId: 'BATCH-2025-001',
  creationDateTime: '2025-03-01T09:30:00Z',
  initiatingPartyName: 'Acme & Söhne <GmbH>',
  paymentInformation: [
    {
      paymentInformationId: 'BATCH-2025-001-1',
      debtor: { name: 'Acme', account: { iban: 'DE89370400440532013000', bic: 'COBADEFFXXX' } },
      requestedExecutionDate: '2025-03-03',
      transfers: [
        {
          endToEndId: 'pay-1',
          amount: { value: '1234.50', currency: 'EUR' },
          creditor: { name: 'Zoë "Z" O\'Brien', account: { iban: 'FR1420041010050500013M02606' } },
          remittanceInformation: 'claim-1 invoice 42',
        },
        {
          endToEndId: 'pay-2',
          instructionId: 'instr-2',
          amount: { value: '5000', currency: 'JPY' },
          creditor: {
            name: '山田太郎',
            account: { number: '1234567', bankCode: '0001-001', bic: 'BOTKJPJT' },
          },
        },
      ],
    },
    {
      paymentInformationId: 'BATCH-2025-001-2',
      debtor: { name: 'Acme Bahrain', account: { number: '0099887766', bankCode: 'NBOB' } },
      requestedExecutionDate: '2025-03-04',
      transfers: [
        {
          endToEndId: 'pay-3',
          amount: { value: '0.125', currency: 'BHD' },
          creditor: { name: 'Ali', account: { iban: 'BH67BMAG00001299123456' } },
        },
      ],
    },
  ],
};

describe('pain.001.001.09', () => {
  it('builds a message that validates against the official XSD', async () => {
    const xml = buildPain001(batch);
    expect(await validateIso20022(xml)).toEqual({ valid: true, type: 'pain.001.001.09', errors: [] });
  });

  it('writes the same message indented on request: one element per line, valid, read back alike', async () => {
    const compact = buildPain001(batch);
    const indented = buildPain001(batch, { layout: 'indented' });
    // The declaration, then the whole document on one line.
    expect(compact.split('\n')).toEqual([expect.stringMatching(/^<\?xml /), expect.any(String), '']);
    expect(indented).toContain('\n  <CstmrCdtTrfInitn>\n    <GrpHdr>\n      <MsgId>BATCH-2025-001</MsgId>\n');
    expect(indented.replace(/>\s+</g, '><')).toBe(compact.replace('?>\n', '?>'));
    expect((await validateIso20022(indented)).valid).toBe(true);
    expect(parsePain001(indented)).toEqual(batch);
  });

  it('writes the indented layout byte for byte as every version did (what the dispatcher sends and resends)', () => {
    // A batch sent before an upgrade and resent after it must be the same bytes, or the bank takes it
    // for another message under the same id. The hash is that of the old fast-xml-parser output (the
    // bench:iso20022 check compares the two); change it only with a plan for batches in flight.
    const bytes = buildPain001(batch, { layout: 'indented' });
    expect(createHash('sha256').update(bytes).digest('hex')).toBe(
      'dd55490622c4c2365877baa67de668149815059b90daf893ff5105c5c8a516d4',
    );
  });

  it('writes NbOfTxs and an exact CtrlSum, per block and for the message', () => {
    const xml = buildPain001(batch);
    // 1234.50 EUR + 5000 JPY + 0.125 BHD, written with the most decimals (3) and no float rounding.
    expect(xml).toMatch(/<GrpHdr>[\s\S]*<NbOfTxs>3<\/NbOfTxs>\s*<CtrlSum>6234.625<\/CtrlSum>/);
    expect(xml).toMatch(
      /<PmtInfId>BATCH-2025-001-1<\/PmtInfId>[\s\S]*?<NbOfTxs>2<\/NbOfTxs>\s*<CtrlSum>6234.50<\/CtrlSum>/,
    );
    expect(xml).toMatch(
      /<PmtInfId>BATCH-2025-001-2<\/PmtInfId>[\s\S]*?<NbOfTxs>1<\/NbOfTxs>\s*<CtrlSum>0.125<\/CtrlSum>/,
    );
    const tenCents = { value: '0.10', currency: 'EUR' };
    const twentyCents = { value: '0.20', currency: 'EUR' };
    const block = batch.paymentInformation[0];
    const sums = buildPain001({
      ...batch,
      paymentInformation: [
        {
          ...block,
          transfers: [
            { ...block.transfers[0], amount: tenCents },
            { ...block.transfers[0], endToEndId: 'pay-9', amount: twentyCents },
          ],
        },
      ],
    });
    expect(sums).toContain('<CtrlSum>0.30</CtrlSum>');
  });

  it('writes amounts with the currency decimals and accounts in their ISO places', () => {
    const xml = buildPain001(batch);
    expect(xml).toContain('<InstdAmt Ccy="EUR">1234.50</InstdAmt>');
    expect(xml).toContain('<InstdAmt Ccy="JPY">5000</InstdAmt>');
    expect(xml).toContain('<InstdAmt Ccy="BHD">0.125</InstdAmt>');
    expect(xml).toContain('<IBAN>DE89370400440532013000</IBAN>');
    expect(xml).toMatch(/<Othr>\s*<Id>1234567<\/Id>\s*<\/Othr>/);
    expect(xml).toMatch(/<BICFI>BOTKJPJT<\/BICFI>\s*<ClrSysMmbId>\s*<MmbId>0001-001<\/MmbId>/);
    // The Bahraini debtor's bank is known only by its clearing code; the French creditor's not at all.
    expect(xml).toMatch(/<DbtrAgt>\s*<FinInstnId>\s*<ClrSysMmbId>\s*<MmbId>NBOB<\/MmbId>/);
    expect(xml).toMatch(/<EndToEndId>pay-1<\/EndToEndId>[\s\S]*?<\/Amt>\s*<Cdtr>/);
  });

  it('escapes markup in texts', () => {
    const xml = buildPain001(batch);
    expect(xml).toContain('<Nm>Acme &amp; Söhne &lt;GmbH&gt;</Nm>');
    expect(parsePain001(xml).initiatingPartyName).toBe('Acme & Söhne <GmbH>');
  });

  it('round-trips: parse(build(m)) equals m', () => {
    expect(parsePain001(buildPain001(batch))).toEqual(batch);
  });

  it('parses a document read once to tell its type, and refuses one of another type', () => {
    const xml = buildPain001(batch);
    const document = readIso20022Document(`\uFEFF${xml}`);
    expect(document.type).toBe('pain.001.001.09');
    expect(parsePain001(document)).toEqual(batch);
    const notification = readIso20022Document(sample('camt.054.001.08.sample.xml'));
    expect(codeOf(() => parsePain001(notification))).toBe('ISO20022.UNSUPPORTED_MESSAGE');
    expect(codeOf(() => readIso20022Document(xml.slice(0, -20)))).toBe('ISO20022.MALFORMED_XML');
  });

  it('writes NOTPROVIDED for a debtor bank it knows nothing about, and still validates', async () => {
    const block = batch.paymentInformation[0];
    const xml = buildPain001({
      ...batch,
      paymentInformation: [
        { ...block, debtor: { name: 'Acme', account: { iban: 'DE89370400440532013000' } } },
      ],
    });
    expect(xml).toMatch(/<DbtrAgt>\s*<FinInstnId>\s*<Othr>\s*<Id>NOTPROVIDED<\/Id>/);
    expect((await validateIso20022(xml)).valid).toBe(true);
    expect(parsePain001(xml).paymentInformation[0].debtor.account).toEqual({
      iban: 'DE89370400440532013000',
    });
  });

  it('cuts long free texts to the schema length and drops characters XML cannot carry', async () => {
    const block = batch.paymentInformation[0];
    const longName = `${'N'.repeat(139)}€€€`;
    const xml = buildPain001({
      ...batch,
      initiatingPartyName: `  ${'😀'.repeat(150)}  `,
      paymentInformation: [
        {
          ...block,
          transfers: [
            {
              ...block.transfers[0],
              creditor: { ...block.transfers[0].creditor, name: longName },
              remittanceInformation: `line one\r\nline two\u0007 ${'x'.repeat(300)}`,
            },
          ],
        },
      ],
    });
    expect((await validateIso20022(xml)).valid).toBe(true);
    const parsed = parsePain001(xml);
    expect(parsed.initiatingPartyName).toBe('😀'.repeat(140));
    const transfer = parsed.paymentInformation[0].transfers[0];
    expect(transfer.creditor.name).toBe(`${'N'.repeat(139)}€`);
    expect(transfer.remittanceInformation).toBe(`line one line two ${'x'.repeat(122)}`);
  });

  it.each([
    ['an end-to-end id longer than 35 characters', { endToEndId: 'p'.repeat(36) }, 'ISO20022.INVALID_FIELD'],
    ['an empty end-to-end id', { endToEndId: '' }, 'ISO20022.INVALID_FIELD'],
    [
      'more decimals than the currency has',
      { amount: { value: '1.5', currency: 'JPY' } },
      'ISO20022.INVALID_AMOUNT',
    ],
    ['a zero amount', { amount: { value: '0.00', currency: 'EUR' } }, 'ISO20022.INVALID_AMOUNT'],
    ['a float-looking amount', { amount: { value: '1e3', currency: 'EUR' } }, 'ISO20022.INVALID_AMOUNT'],
    ['an unknown currency', { amount: { value: '1.00', currency: 'XYZ' } }, 'ISO20022.INVALID_AMOUNT'],
    [
      'a malformed IBAN',
      { creditor: { name: 'X', account: { iban: 'not an iban' } } },
      'ISO20022.INVALID_FIELD',
    ],
    [
      'a malformed BIC',
      { creditor: { name: 'X', account: { iban: 'DE89370400440532013000', bic: 'B' } } },
      'ISO20022.INVALID_FIELD',
    ],
    [
      'an empty creditor name',
      { creditor: { name: '  ', account: { iban: 'DE89370400440532013000' } } },
      'ISO20022.INVALID_FIELD',
    ],
  ])('refuses %s', (_, change, code) => {
    const block = batch.paymentInformation[0];
    const message = {
      ...batch,
      paymentInformation: [{ ...block, transfers: [{ ...block.transfers[0], ...change }] }],
    } as CreditTransferInitiation;
    expect(codeOf(() => buildPain001(message))).toBe(code);
  });

  it('refuses a bad date, a duplicate end-to-end id and an empty batch', () => {
    const block = batch.paymentInformation[0];
    expect(codeOf(() => buildPain001({ ...batch, creationDateTime: '2025-02-30T00:00:00Z' }))).toBe(
      'ISO20022.INVALID_FIELD',
    );
    expect(
      codeOf(() =>
        buildPain001({ ...batch, paymentInformation: [{ ...block, requestedExecutionDate: '03/03/2025' }] }),
      ),
    ).toBe('ISO20022.INVALID_FIELD');
    expect(
      codeOf(() =>
        buildPain001({
          ...batch,
          paymentInformation: [{ ...block, transfers: [block.transfers[0], block.transfers[0]] }],
        }),
      ),
    ).toBe('ISO20022.INVALID_FIELD');
    expect(codeOf(() => buildPain001({ ...batch, paymentInformation: [] }))).toBe('ISO20022.INVALID_FIELD');
  });

  it('parses the shared sample', () => {
    expect(parsePain001(sample('pain.001.001.09.sample.xml'))).toEqual({
      messageId: 'OurMessageIdentification',
      creationDateTime: '2025-08-19T08:32:02+00:00',
      initiatingPartyName: 'OurCorp',
      paymentInformation: [
        {
          paymentInformationId: 'OurPaymentInfo',
          debtor: { name: 'OurCorp', account: { iban: 'BG87200500001234567890', bic: 'BANKBGFFXXX' } },
          requestedExecutionDate: '2025-08-19',
          transfers: [
            {
              endToEndId: 'SomethingUnique',
              amount: { value: '12.34', currency: 'EUR' },
              creditor: { name: 'John Doe', account: { iban: 'DE87200500001234567890', bic: 'BANKDEFFXXX' } },
              // The sample has only a structured creditor reference.
              remittanceInformation: 'CdtrRefInf-Ref',
            },
          ],
        },
      ],
    });
  });

  it('refuses a message whose NbOfTxs or CtrlSum disagree with its transfers', () => {
    const xml = buildPain001(batch);
    expect(
      codeOf(() => parsePain001(xml.replace('<CtrlSum>6234.625</CtrlSum>', '<CtrlSum>6234.62</CtrlSum>'))),
    ).toBe('ISO20022.CONTROL_SUM_MISMATCH');
    expect(codeOf(() => parsePain001(xml.replace('<NbOfTxs>3</NbOfTxs>', '<NbOfTxs>4</NbOfTxs>')))).toBe(
      'ISO20022.CONTROL_SUM_MISMATCH',
    );
    // The same sum spelled with another number of decimals is the same sum.
    expect(parsePain001(xml.replace('<CtrlSum>6234.625</CtrlSum>', '<CtrlSum>6234.6250</CtrlSum>'))).toEqual(
      batch,
    );
  });

  it('refuses amounts with more decimals than their currency when parsing', () => {
    const xml = buildPain001(batch).replace('Ccy="JPY">5000<', 'Ccy="JPY">5000.5<');
    expect(codeOf(() => parsePain001(xml))).toBe('ISO20022.INVALID_AMOUNT');
  });

  it('refuses garbage, other messages and missing data with their codes', () => {
    const xml = buildPain001(batch);
    expect(codeOf(() => parsePain001('<Document><unclosed></Document>'))).toBe('ISO20022.MALFORMED_XML');
    expect(codeOf(() => parsePain001('not xml at all'))).toBe('ISO20022.MALFORMED_XML');
    expect(codeOf(() => parsePain001(xml.replace('pain.001.001.09"', 'pain.001.001.03"')))).toBe(
      'ISO20022.UNSUPPORTED_MESSAGE',
    );
    expect(codeOf(() => parsePain001(sample('camt.054.001.08.sample.xml')))).toBe(
      'ISO20022.UNSUPPORTED_MESSAGE',
    );
    expect(codeOf(() => parsePain001(xml.replace('<MsgId>BATCH-2025-001</MsgId>', '')))).toBe(
      'ISO20022.MISSING_FIELD',
    );
    expect(codeOf(() => parsePain001(xml.replace(/<Cdtr>\s*<Nm>Ali<\/Nm>\s*<\/Cdtr>/, '')))).toBe(
      'ISO20022.MISSING_FIELD',
    );
  });

  it('refuses a DOCTYPE (no entity expansion) and undefined entities', () => {
    const xml = buildPain001(batch).replace('<?xml version="1.0" encoding="UTF-8"?>', '');
    const bomb = `<!DOCTYPE Document [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]>${xml.replace('Acme &amp;', '&b;')}`;
    expect(codeOf(() => parsePain001(bomb))).toBe('ISO20022.MALFORMED_XML');
    expect(codeOf(() => parsePain001(xml.replace('Acme &amp;', 'Acme &nbsp;')))).toBe(
      'ISO20022.MALFORMED_XML',
    );
    // Character references are decoded, once.
    expect(parsePain001(xml.replace('Acme &amp;', 'Acme &#x26;amp; &#252;')).initiatingPartyName).toBe(
      'Acme &amp; ü Söhne <GmbH>',
    );
  });
});
