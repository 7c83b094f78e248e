import {
  assertSchemaValid,
  buildPain001,
  CreditTransferInitiation,
  iso20022ValidatorStats,
  validateIso20022,
} from './index';

/** A pain.001 of `transfers` payments (a batch of 500 is about half a megabyte). */
function pain001(transfers: number, messageId = 'BATCH-1'): string {
  const message: CreditTransferInitiation = {
    messageId,
    creationDateTime: '2026-12-07T09:30:00Z',
    initiatingPartyName: 'Acme',
    paymentInformation: [
      {
        paymentInformationId: `${messageId}-1`,
        debtor: { name: 'Acme', account: { iban: 'DE89370400440532013000' } },
        requestedExecutionDate: '2026-12-08',
        transfers: Array.from({ length: transfers }, (_, i) => ({
          endToEndId: `pay-${i}`,
          amount: { value: `${i + 1}.50`, currency: 'EUR' },
          creditor: { name: `Creditor ${i}`, account: { iban: 'FR1420041010050500013M02606' } },
        })),
      },
    ],
  };
  return buildPain001(message, { layout: 'indented' });
}

describe('schema validation', () => {
  it('answers a large message it has just found valid from memory, without another xmllint run', async () => {
    const xml = pain001(200);
    expect(xml.length).toBeGreaterThan(16 * 1024);
    const runs = iso20022ValidatorStats.runs;
    const remembered = iso20022ValidatorStats.remembered;
    expect(await validateIso20022(xml)).toEqual({ valid: true, type: 'pain.001.001.09', errors: [] });
    await assertSchemaValid(xml, 'pain.001.001.09');
    expect(await validateIso20022(xml)).toEqual({ valid: true, type: 'pain.001.001.09', errors: [] });
    expect(iso20022ValidatorStats.runs - runs).toBe(1);
    expect(iso20022ValidatorStats.remembered - remembered).toBe(2);
  });

  it('validates other bytes anew: one character changed is another message, and its errors are found', async () => {
    const xml = pain001(200, 'BATCH-2');
    await validateIso20022(xml);
    const runs = iso20022ValidatorStats.runs;
    const broken = xml.replace('<Amt>', '<Amount>').replace('</Amt>', '</Amount>');
    const result = await validateIso20022(broken);
    expect(result.valid).toBe(false);
    expect(result.errors.join(' ')).toContain('Amount');
    // An invalid message is never remembered: its errors are reported each time it comes.
    expect((await validateIso20022(broken)).valid).toBe(false);
    await expect(assertSchemaValid(broken, 'pain.001.001.09')).rejects.toMatchObject({
      code: 'ISO20022.SCHEMA_INVALID',
    });
    expect(iso20022ValidatorStats.runs - runs).toBe(3);
  });

  it('remembers by message type: valid bytes checked as another type are validated, and fail', async () => {
    const xml = pain001(200, 'BATCH-3');
    await validateIso20022(xml);
    await expect(assertSchemaValid(xml, 'pain.002.001.11')).rejects.toMatchObject({
      code: 'ISO20022.SCHEMA_INVALID',
    });
  });

  it('does not remember small messages (hashing them costs more than it saves)', async () => {
    const xml = pain001(1, 'BATCH-4');
    expect(xml.length).toBeLessThan(16 * 1024);
    const runs = iso20022ValidatorStats.runs;
    await validateIso20022(xml);
    await validateIso20022(xml);
    expect(iso20022ValidatorStats.runs - runs).toBe(2);
  });
});
