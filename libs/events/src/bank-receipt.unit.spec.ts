import { BANK_RECEIPT_SCHEMA_VERSION, parseBankReceipt } from './bank-receipt';

const settled = {
  schemaVersion: BANK_RECEIPT_SCHEMA_VERSION,
  receiptId: 'entry:EN-1',
  paymentId: 'pay-1',
  outcome: 'settled',
  bankMessageId: 'MSG-1',
  receivedAt: '2026-11-22T10:00:00.000Z',
};

describe('bank receipt message', () => {
  it('accepts a well-formed receipt, with or without the batch id', () => {
    expect(parseBankReceipt(JSON.stringify(settled))).toEqual({ receipt: settled });
    const withBatch = { ...settled, batchId: 'b-1' };
    expect(parseBankReceipt(JSON.stringify(withBatch))).toEqual({ receipt: withBatch });
  });

  it.each([
    ['not JSON', '{', 'not JSON'],
    ['an array', '[]', 'not an object'],
    [
      'another schema version',
      JSON.stringify({ ...settled, schemaVersion: 2 }),
      'unsupported schemaVersion 2',
    ],
    ['no payment id', JSON.stringify({ ...settled, paymentId: '' }), 'paymentId missing'],
    ['an unknown outcome', JSON.stringify({ ...settled, outcome: 'paid' }), 'unknown outcome paid'],
    ['a rejection without reason', JSON.stringify({ ...settled, outcome: 'rejected' }), 'needs a reasonCode'],
    [
      'a failure without attempts',
      JSON.stringify({ ...settled, outcome: 'failed', reasonText: 'x' }),
      'attempts',
    ],
    ['a numeric batch id', JSON.stringify({ ...settled, batchId: 7 }), 'batchId must be text'],
  ])('refuses %s', (_name, value, reason) => {
    const parsed = parseBankReceipt(value);
    expect('error' in parsed && parsed.error).toContain(reason);
  });
});
