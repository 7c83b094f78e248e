import fc from 'fast-check';
import { AccountJson, currencyExponent, CurrencyCode, formatAmount } from '@ledger/events';
import {
  BankToCustomerStatement,
  BookedEntry,
  buildCamt053,
  buildCamt054,
  buildPain001,
  buildPain002,
  closeIso20022Validator,
  CreditTransferInitiation,
  DebitCreditNotification,
  parseCamt053,
  parseCamt054,
  parsePain001,
  parsePain002,
  PaymentStatusReport,
  validateIso20022,
} from './index';

/**
 * Random batches through every builder: what comes out validates against the official XSD and parses back to
 * the input, with free texts trimmed and cut to their schema length (the only change a builder may make).
 */

const RUNS = { numRuns: 20 };

afterAll(() => closeIso20022Validator());

// Names mix markup characters, non-ASCII letters, astral-plane emoji and spaces.
const textChar = fc.constantFrom(
  'a',
  'Z',
  '7',
  'ü',
  'ß',
  'é',
  'Ø',
  '山',
  '田',
  '😀',
  '&',
  '<',
  '>',
  '"',
  "'",
  ' ',
  '-',
  '.',
);
const freeText = (maxLength: number) =>
  fc.string({ unit: textChar, minLength: 1, maxLength }).filter((text) => text.trim() !== '');

/** What the builder does to a free text: trimmed, cut to `max` characters (code points). */
function fitted(text: string, max: number): string {
  return Array.from(text.trim()).slice(0, max).join('').trimEnd();
}

const currency = fc.constantFrom(
  'EUR',
  'USD',
  'CNY',
  'JPY',
  'KRW',
  'BHD',
  'KWD',
) as fc.Arbitrary<CurrencyCode>;
const amountIn = (code: CurrencyCode) =>
  fc
    .bigInt({ min: 1n, max: 10n ** BigInt(9 + currencyExponent(code)) })
    .map((minorUnits) => ({ value: formatAmount({ minorUnits, currency: code }), currency: code as string }));
const amount = currency.chain(amountIn);

const bic = fc.stringMatching(/^[A-Z]{6}[A-Z0-9]{2}([A-Z0-9]{3})?$/);
const ibanAccount: fc.Arbitrary<AccountJson> = fc
  .tuple(fc.stringMatching(/^[A-Z]{2}[0-9]{2}[A-Z0-9]{10,30}$/), fc.option(bic, { nil: undefined }))
  .map(([iban, code]) => (code === undefined ? { iban } : { iban, bic: code }));
const domesticAccount: fc.Arbitrary<AccountJson> = fc
  .tuple(
    fc.stringMatching(/^[0-9]{4,20}$/),
    fc.stringMatching(/^[A-Z0-9]{3,11}$/),
    fc.option(bic, { nil: undefined }),
  )
  .map(([number, bankCode, code]) =>
    code === undefined ? { number, bankCode } : { number, bankCode, bic: code },
  );
const account = fc.oneof(ibanAccount, domesticAccount);
const party = fc.record({ name: freeText(180), account });
const id = fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9.:_-]{0,34}$/);
const date = fc
  .date({ min: new Date('2000-01-01T00:00:00Z'), max: new Date('2099-12-31T00:00:00Z'), noInvalidDate: true })
  .map((value) => value.toISOString().slice(0, 10));
const dateTime = fc
  .date({ min: new Date('2000-01-01T00:00:00Z'), max: new Date('2099-12-31T00:00:00Z'), noInvalidDate: true })
  .map((value) => value.toISOString());

const pain001: fc.Arbitrary<CreditTransferInitiation> = fc
  .record({
    messageId: id,
    creationDateTime: dateTime,
    initiatingPartyName: freeText(180),
    blocks: fc.array(
      fc.record({
        debtor: party,
        requestedExecutionDate: date,
        transfers: fc.array(
          fc.record({
            amount,
            creditor: party,
            remittanceInformation: fc.option(freeText(300), { nil: undefined }),
            explicitInstructionId: fc.boolean(),
          }),
          { minLength: 1, maxLength: 6 },
        ),
      }),
      { minLength: 1, maxLength: 4 },
    ),
  })
  .map(({ blocks, ...header }) => ({
    ...header,
    paymentInformation: blocks.map((block, b) => ({
      paymentInformationId: `${header.messageId.slice(0, 30)}-${b}`,
      debtor: block.debtor,
      requestedExecutionDate: block.requestedExecutionDate,
      transfers: block.transfers.map(({ explicitInstructionId, ...transfer }, t) => ({
        ...transfer,
        endToEndId: `e2e-${b}-${t}`,
        ...(explicitInstructionId ? { instructionId: `instr-${b}-${t}` } : {}),
      })),
    })),
  }));

function expectedPain001(message: CreditTransferInitiation): CreditTransferInitiation {
  const fitParty = (p: { name: string; account: AccountJson }) => ({ ...p, name: fitted(p.name, 140) });
  return {
    ...message,
    initiatingPartyName: fitted(message.initiatingPartyName, 140),
    paymentInformation: message.paymentInformation.map((block) => ({
      ...block,
      debtor: fitParty(block.debtor),
      transfers: block.transfers.map(({ remittanceInformation, ...transfer }) => ({
        ...transfer,
        creditor: fitParty(transfer.creditor),
        ...(remittanceInformation !== undefined
          ? { remittanceInformation: fitted(remittanceInformation, 140) }
          : {}),
      })),
    })),
  };
}

/** Σ amounts as an exact decimal with the most decimals of the currencies involved. */
function exactSum(amounts: readonly { value: string; currency: string }[]): string {
  const scale = Math.max(0, ...amounts.map((a) => currencyExponent(a.currency as CurrencyCode)));
  const total = amounts.reduce((sum, a) => {
    const [whole, fraction = ''] = a.value.split('.');
    return sum + BigInt(whole + fraction.padEnd(scale, '0'));
  }, 0n);
  const digits = total.toString().padStart(scale + 1, '0');
  return scale === 0 ? digits : `${digits.slice(0, -scale)}.${digits.slice(-scale)}`;
}

describe('every builder, over random messages', () => {
  it('pain.001: validates, parses back, and totals NbOfTxs and CtrlSum exactly', async () => {
    await fc.assert(
      fc.asyncProperty(pain001, async (message) => {
        const xml = buildPain001(message);
        const validation = await validateIso20022(xml);
        expect(validation.errors).toEqual([]);
        expect(parsePain001(xml)).toEqual(expectedPain001(message));
        const transfers = message.paymentInformation.flatMap((block) => block.transfers);
        const header = /<GrpHdr>[\s\S]*?<NbOfTxs>(\d+)<\/NbOfTxs>\s*<CtrlSum>([0-9.]+)<\/CtrlSum>/.exec(xml);
        expect(header?.slice(1)).toEqual([
          String(transfers.length),
          exactSum(transfers.map((t) => t.amount)),
        ]);
      }),
      RUNS,
    );
  });

  const entry = (creditDebit: 'DBIT' | 'CRDT', index: number): fc.Arbitrary<BookedEntry> =>
    fc
      .record({
        amount,
        bookingDate: date,
        valueDate: date,
        bankReference: fc.option(id, { nil: undefined }),
        endToEndId: fc.option(id, { nil: undefined }),
        counterparty: fc.option(party, { nil: undefined }),
        returnReasonCode: fc.option(fc.constantFrom('AC04', 'AM04', 'MS03'), { nil: undefined }),
        remittanceInformation: fc.option(freeText(200), { nil: undefined }),
      })
      .map((fields) => {
        const defined = Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined));
        return { ...defined, entryReference: `ntry-${index}`, creditDebit } as BookedEntry;
      });
  const entries: fc.Arbitrary<BookedEntry[]> = fc
    .array(fc.constantFrom<'DBIT' | 'CRDT'>('DBIT', 'CRDT'), { maxLength: 6 })
    .chain((sides) =>
      sides.length === 0
        ? fc.constant<BookedEntry[]>([])
        : fc.tuple(...sides.map((side, i) => entry(side, i))),
    );

  function expectedEntries(list: readonly BookedEntry[]): BookedEntry[] {
    return list.map((e) => ({
      ...e,
      ...(e.counterparty
        ? { counterparty: { ...e.counterparty, name: fitted(e.counterparty.name, 140) } }
        : {}),
      ...(e.remittanceInformation ? { remittanceInformation: fitted(e.remittanceInformation, 140) } : {}),
    }));
  }

  it('camt.054: validates and parses back', async () => {
    const notification: fc.Arbitrary<DebitCreditNotification> = fc.record({
      messageId: id,
      creationDateTime: dateTime,
      notificationId: id,
      account,
      entries,
    });
    await fc.assert(
      fc.asyncProperty(notification, async (message) => {
        const xml = buildCamt054(message);
        expect((await validateIso20022(xml)).errors).toEqual([]);
        expect(parseCamt054(xml)).toEqual({ ...message, entries: expectedEntries(message.entries) });
      }),
      RUNS,
    );
  });

  it('camt.053: several statements validate and parse back with signed balances', async () => {
    const balance = (type: 'OPBD' | 'CLBD', code: CurrencyCode) =>
      fc
        .record({
          // Below a trillion major units even in a 0-decimal currency (the largest amount Money takes).
          minorUnits: fc.bigInt({ min: 1n - 10n ** 12n, max: 10n ** 12n - 1n }),
          date,
        })
        .map(({ minorUnits, date: day }) => ({
          type,
          amount: { value: formatAmount({ minorUnits, currency: code }), currency: code as string },
          date: day,
        }));
    const statement = currency.chain((code) =>
      fc.record({
        statementId: id,
        creationDateTime: dateTime,
        account,
        currency: fc.constant(code as string),
        openingBalance: balance('OPBD', code),
        closingBalance: balance('CLBD', code),
        entries,
      }),
    );
    const message: fc.Arbitrary<BankToCustomerStatement> = fc.record({
      version: fc.constant('camt.053.001.08' as const),
      messageId: id,
      creationDateTime: dateTime,
      statements: fc.array(statement, { minLength: 1, maxLength: 3 }),
    });
    await fc.assert(
      fc.asyncProperty(message, async (value) => {
        const xml = buildCamt053(value);
        expect((await validateIso20022(xml)).errors).toEqual([]);
        expect(parseCamt053(xml)).toEqual({
          ...value,
          statements: value.statements.map((s) => ({ ...s, entries: expectedEntries(s.entries) })),
        });
      }),
      RUNS,
    );
  });

  it('pain.002: validates and parses back', async () => {
    const line = (index: number) =>
      fc
        .record({
          status: fc.constantFrom('ACTC', 'ACCP', 'ACSP', 'PDNG', 'ACSC', 'RJCT' as const),
          reasonCode: fc.option(fc.constantFrom('AC04', 'AM04', 'FF01'), { nil: undefined }),
          reasonText: fc.option(freeText(200), { nil: undefined }),
          bankReference: fc.option(id, { nil: undefined }),
          block: fc.constantFrom('PMT-1', 'PMT-2'),
        })
        .map(({ block, reasonText, ...fields }) => ({
          ...Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined)),
          ...(reasonText !== undefined ? { reasonText: fitted(reasonText, 105) } : {}),
          statusId: `st-${index}`,
          originalEndToEndId: `e2e-${index}`,
          originalPaymentInformationId: block,
        }));
    const report = fc.record({
      messageId: id,
      creationDateTime: dateTime,
      originalMessageId: id,
      originalMessageNameId: fc.constant('pain.001.001.09' as const),
      groupStatus: fc.option(fc.constantFrom('ACTC', 'ACCP', 'PART', 'RJCT' as const), { nil: undefined }),
      transactions: fc
        .integer({ min: 0, max: 8 })
        .chain((n) => fc.tuple(...Array.from({ length: n }, (_, i) => line(i)))),
    });
    await fc.assert(
      fc.asyncProperty(report, async (generated) => {
        const value = Object.fromEntries(
          Object.entries(generated).filter(([, field]) => field !== undefined),
        ) as unknown as PaymentStatusReport;
        const xml = buildPain002(value);
        expect((await validateIso20022(xml)).errors).toEqual([]);
        expect(parsePain002(xml)).toEqual(value);
      }),
      RUNS,
    );
  });
});
