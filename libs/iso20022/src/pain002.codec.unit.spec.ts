import { buildPain002, parsePain002, PaymentStatusReport, validateIso20022 } from './index';
import { codeOf } from './testing/spec-helpers';

const report: PaymentStatusReport = {
  messageId: 'ACK-1',
  creationDateTime: '2025-03-01T09:31:00.123+01:00',
  originalMessageId: 'BATCH-2025-001',
  originalMessageNameId: 'pain.001.001.09',
  groupStatus: 'PART',
  transactions: [
    {
      statusId: 'ST-1',
      originalEndToEndId: 'pay-1',
      status: 'ACCP',
      bankReference: 'BANKREF-1',
      originalPaymentInformationId: 'BATCH-2025-001-1',
    },
    {
      statusId: 'ST-2',
      originalEndToEndId: 'pay-2',
      status: 'RJCT',
      reasonCode: 'AC04',
      reasonText: 'Account closed & <archived>',
      originalPaymentInformationId: 'BATCH-2025-001-1',
    },
    {
      statusId: 'ST-3',
      originalEndToEndId: 'pay-3',
      status: 'PDNG',
      originalPaymentInformationId: 'BATCH-2025-001-2',
    },
  ],
};

describe('pain.002.001.11', () => {
  it('builds a report that validates, with its status lines grouped by payment information block', async () => {
    const xml = buildPain002(report);
    expect(await validateIso20022(xml)).toEqual({ valid: true, type: 'pain.002.001.11', errors: [] });
    expect(xml.match(/<OrgnlPmtInfAndSts>/g)).toHaveLength(2);
    expect(xml).toMatch(
      /<OrgnlMsgId>BATCH-2025-001<\/OrgnlMsgId>\s*<OrgnlMsgNmId>pain.001.001.09<\/OrgnlMsgNmId>\s*<GrpSts>PART<\/GrpSts>/,
    );
    expect(xml).toMatch(
      /<TxSts>RJCT<\/TxSts>\s*<StsRsnInf>\s*<Rsn>\s*<Cd>AC04<\/Cd>\s*<\/Rsn>\s*<AddtlInf>Account closed &amp; &lt;archived&gt;<\/AddtlInf>/,
    );
  });

  it('round-trips', () => {
    expect(parsePain002(buildPain002(report))).toEqual(report);
  });

  it('reports a whole message rejected with a group reason and no lines', async () => {
    const rejected: PaymentStatusReport = {
      messageId: 'ACK-2',
      creationDateTime: '2025-03-01T09:31:00Z',
      originalMessageId: 'BATCH-2025-002',
      originalMessageNameId: 'pain.001.001.09',
      groupStatus: 'RJCT',
      groupReasonCode: 'FF01',
      transactions: [],
    };
    const xml = buildPain002(rejected);
    expect((await validateIso20022(xml)).valid).toBe(true);
    expect(parsePain002(xml)).toEqual(rejected);
  });

  it('uses the original message id as block id when none is given, and names lines without StsId by position', () => {
    const xml = buildPain002({
      ...report,
      transactions: [{ statusId: 'S', originalEndToEndId: 'pay-1', status: 'ACSC' }],
    });
    expect(xml).toContain('<OrgnlPmtInfId>BATCH-2025-001</OrgnlPmtInfId>');
    const parsed = parsePain002(xml.replace('<StsId>S</StsId>', ''));
    expect(parsed.transactions[0]).toEqual({
      statusId: 'ACK-1:1',
      originalEndToEndId: 'pay-1',
      status: 'ACSC',
      originalPaymentInformationId: 'BATCH-2025-001',
    });
  });

  it('cuts the reason text to Max105Text and refuses codes and ids that do not fit', async () => {
    const long = buildPain002({
      ...report,
      transactions: [{ ...report.transactions[1], reasonText: 'r'.repeat(300) }],
    });
    expect((await validateIso20022(long)).valid).toBe(true);
    expect(parsePain002(long).transactions[0].reasonText).toBe('r'.repeat(105));
    const line = report.transactions[0];
    expect(
      codeOf(() => buildPain002({ ...report, transactions: [{ ...line, reasonCode: 'TOOLONG' }] })),
    ).toBe('ISO20022.INVALID_FIELD');
    expect(
      codeOf(() => buildPain002({ ...report, transactions: [{ ...line, statusId: 's'.repeat(36) }] })),
    ).toBe('ISO20022.INVALID_FIELD');
    expect(
      codeOf(() => buildPain002({ ...report, transactions: [{ ...line, status: 'NOPE' as 'ACCP' }] })),
    ).toBe('ISO20022.INVALID_FIELD');
  });

  it('refuses statuses the ledger does not understand rather than guessing', () => {
    const xml = buildPain002(report);
    expect(codeOf(() => parsePain002(xml.replace('<TxSts>PDNG</TxSts>', '<TxSts>ACWC</TxSts>')))).toBe(
      'ISO20022.INVALID_FIELD',
    );
    expect(codeOf(() => parsePain002(xml.replace('<GrpSts>PART</GrpSts>', '<GrpSts>RCVD</GrpSts>')))).toBe(
      'ISO20022.INVALID_FIELD',
    );
    expect(codeOf(() => parsePain002(xml.replace('<TxSts>PDNG</TxSts>', '')))).toBe('ISO20022.MISSING_FIELD');
    expect(
      codeOf(() =>
        parsePain002(xml.replace('pain.001.001.09</OrgnlMsgNmId>', 'pain.008.001.08</OrgnlMsgNmId>')),
      ),
    ).toBe('ISO20022.UNSUPPORTED_MESSAGE');
    expect(codeOf(() => parsePain002(xml.replace('pain.002.001.11"', 'pain.002.001.03"')))).toBe(
      'ISO20022.UNSUPPORTED_MESSAGE',
    );
  });
});
