import {
  buildCamt054,
  buildPain001,
  buildPain002,
  closeIso20022Validator,
  parseBankMessage,
  validateIso20022,
} from './index';
import { sample, codeOfRejection as codeOf } from './testing/spec-helpers';

const report = buildPain002({
  messageId: 'ACK-1',
  creationDateTime: '2025-03-01T09:31:00Z',
  originalMessageId: 'BATCH-1',
  originalMessageNameId: 'pain.001.001.09',
  transactions: [{ statusId: 'S1', originalEndToEndId: 'pay-1', status: 'ACSC' }],
});

afterAll(() => closeIso20022Validator());

describe('validateIso20022', () => {
  it.each([
    ['pain.001.001.09.sample.xml', 'pain.001.001.09'],
    ['camt.054.001.08.sample.xml', 'camt.054.001.08'],
    ['camt.053.001.08.sample.xml', 'camt.053.001.08'],
    ['camt.053.001.02.multi-statement.sample.xml', 'camt.053.001.02'],
  ])('accepts the shared sample %s as %s', async (name, type) => {
    expect(await validateIso20022(sample(name))).toEqual({ valid: true, type, errors: [] });
  });

  it('reports a schema-invalid message (no MsgId) with xmllint errors', async () => {
    const result = await validateIso20022(report.replace('<MsgId>ACK-1</MsgId>', ''));
    expect(result.valid).toBe(false);
    expect(result.type).toBe('pain.002.001.11');
    expect(result.errors.join('\n')).toMatch(/line \d+: .*MsgId/);
  });

  it('reports malformed XML and unknown namespaces as invalid', async () => {
    expect(
      await validateIso20022('<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.002.001.11"><a>'),
    ).toMatchObject({
      valid: false,
      type: 'pain.002.001.11',
    });
    const foreign = await validateIso20022(report.replace('pain.002.001.11"', 'pain.002.001.03"'));
    expect(foreign).toEqual({
      valid: false,
      errors: [expect.stringContaining('unsupported document namespace')],
    });
    expect((await validateIso20022('hello')).valid).toBe(false);
  });

  it('accepts a prefixed root element', async () => {
    const prefixed = report
      .replace('<Document xmlns=', '<ns2:Document xmlns:ns2=')
      .replace('</Document>', '</ns2:Document>')
      .replace(/<(\/?)(?!ns2:|\?)([A-Za-z])/g, '<$1ns2:$2');
    expect(await validateIso20022(prefixed)).toEqual({ valid: true, type: 'pain.002.001.11', errors: [] });
    const parsed = await parseBankMessage(prefixed);
    expect(parsed.type === 'pain.002.001.11' && parsed.message.transactions[0].status).toBe('ACSC');
  });

  it('tells the type past a prolog of comments and processing instructions, and refuses a DOCTYPE', async () => {
    const body = report.replace(/^<\?xml[^>]*\?>\s*/, '');
    const prolog =
      '<?xml version="1.0" encoding="UTF-8"?>\n<!-- <Document xmlns="urn:x"> -->\n<?bank ref="1"?>\n';
    expect(await validateIso20022(prolog + body)).toEqual({
      valid: true,
      type: 'pain.002.001.11',
      errors: [],
    });
    const doctype = await validateIso20022(`<?xml version="1.0"?><!DOCTYPE Document []>${body}`);
    expect(doctype).toEqual({ valid: false, errors: [expect.stringContaining('DOCTYPE')] });
  });

  it('gives every message of a concurrent burst its own verdict', async () => {
    const invalid = report.replace('<TxSts>ACSC</TxSts>', '<TxSts>TOOLONG</TxSts>');
    const messages = Array.from({ length: 24 }, (_, index) =>
      index % 3 === 0 ? invalid : index % 3 === 1 ? report : sample('camt.054.001.08.sample.xml'),
    );
    const results = await Promise.all(messages.map((xml) => validateIso20022(xml)));
    expect(results.map((result) => result.valid)).toEqual(messages.map((_, index) => index % 3 !== 0));
    expect(results[0].errors.join()).toContain('TxSts');
  });
});

describe('parseBankMessage', () => {
  it('tells the bank messages apart and parses them', async () => {
    const status = await parseBankMessage(report);
    expect(status.type).toBe('pain.002.001.11');
    const notification = await parseBankMessage(sample('camt.054.001.08.sample.xml'));
    expect(notification.type === 'camt.054.001.08' && notification.message.account).toEqual({
      iban: 'CH2801234000123456789',
      bic: 'UBSWCHZH80A',
    });
    const old = await parseBankMessage(sample('camt.053.001.02.multi-statement.sample.xml'));
    expect(old.type === 'camt.053.001.02' && old.message.statements).toHaveLength(2);
    const current = await parseBankMessage(sample('camt.053.001.08.sample.xml'));
    expect(current.type).toBe('camt.053.001.08');
  });

  it('refuses with stable codes: malformed, foreign, schema-invalid, not from a bank', async () => {
    expect(
      await codeOf(parseBankMessage('<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.002.001.11"><a>')),
    ).toBe('ISO20022.MALFORMED_XML');
    expect(await codeOf(parseBankMessage(report.replace('pain.002.001.11"', 'pain.002.001.03"')))).toBe(
      'ISO20022.UNSUPPORTED_MESSAGE',
    );
    expect(await codeOf(parseBankMessage('<Invoice/>'))).toBe('ISO20022.UNSUPPORTED_MESSAGE');
    const invalid = parseBankMessage(report.replace('<MsgId>ACK-1</MsgId>', ''));
    await expect(invalid).rejects.toMatchObject({
      code: 'ISO20022.SCHEMA_INVALID',
      details: { errors: [expect.stringContaining('MsgId')] },
    });
    expect(await codeOf(parseBankMessage(sample('pain.001.001.09.sample.xml')))).toBe(
      'ISO20022.UNSUPPORTED_MESSAGE',
    );
  });

  it('refuses a schema-valid notification whose amount has more decimals than its currency', async () => {
    const xml = buildCamt054({
      messageId: 'N',
      creationDateTime: '2025-01-01T00:00:00Z',
      notificationId: 'N',
      account: { iban: 'DE89370400440532013000' },
      entries: [
        {
          entryReference: 'E',
          amount: { value: '12.00', currency: 'EUR' },
          creditDebit: 'DBIT',
          bookingDate: '2025-01-01',
          valueDate: '2025-01-01',
        },
      ],
    }).replace('>12.00<', '>12.001<');
    expect((await validateIso20022(xml)).valid).toBe(true);
    expect(await codeOf(parseBankMessage(xml))).toBe('ISO20022.INVALID_AMOUNT');
  });

  it('does not take a pain.001 built by the ledger for a bank message', async () => {
    const xml = buildPain001({
      messageId: 'B',
      creationDateTime: '2025-01-01T00:00:00Z',
      initiatingPartyName: 'Acme',
      paymentInformation: [
        {
          paymentInformationId: 'P',
          requestedExecutionDate: '2025-01-02',
          debtor: { name: 'Acme', account: { iban: 'DE89370400440532013000' } },
          transfers: [
            {
              endToEndId: 'E',
              amount: { value: '1.00', currency: 'EUR' },
              creditor: { name: 'B', account: { iban: 'FR1420041010050500013M02606' } },
            },
          ],
        },
      ],
    });
    expect(await codeOf(parseBankMessage(xml))).toBe('ISO20022.UNSUPPORTED_MESSAGE');
  });
});
