import {
  BankMessage,
  BankToCustomerStatement,
  buildCamt054,
  Iso20022MessageType,
  parseBankMessage,
  parsePain002,
  signIso20022,
  validateIso20022,
  verifyIso20022,
} from '@ledger/iso20022';
import type { JWK } from 'jose';
import {
  BankGateway,
  BankMessageEnvelope,
  BankRefusedError,
} from '../../apps/bank-connector/src/bank-gateway/bank-gateway.port';
import {
  OpeningBalance,
  SandboxBank,
  SandboxBankTimings,
} from '../../apps/bank-connector/src/sandbox-bank/sandbox-bank';
import { ManualClock } from '../../apps/bank-connector/src/sandbox-bank/sandbox-clock';
import {
  DEBTOR,
  DEBTOR_IBAN,
  ibanEndingWith,
  Pain001Spec,
  pain001Xml,
  signedPain001,
  testKey,
  TestKey,
} from '../bank/bank-fixtures';

/** One adapter of the bank gateway port, wired to a sandbox bank the contract made. */
export interface BankGatewayUnderTest {
  readonly gateway: BankGateway;
  /** The bank's public key, as this adapter publishes it (the HTTP one: `/.well-known/jwks.json`). */
  bankPublicJwk(): Promise<JWK>;
  /** Closes a day at the bank the way this adapter reaches it. */
  endOfDay(date?: string): Promise<void>;
  close(): Promise<void>;
}

export type ConnectBankGateway = (bank: SandboxBank) => Promise<BankGatewayUnderTest>;

/** A message the bank published, read as the connector reads it, with its place in the feed. */
type Decoded = BankMessage & { readonly cursor: string };

const DAY = '2026-01-05';
const START = `${DAY}T09:00:00.000Z`;

/**
 * The one contract every bank gateway adapter passes, against the sandbox bank with a clock the test moves:
 * the bank's deterministic behaviour by creditor account, deduplication, balances and statements, refusals, the
 * signed feed and its paging. Every bank message is opened with the bank's published key.
 */
export function bankGatewayContract(name: string, connect: ConnectBankGateway): void {
  describe(`BankGateway contract: ${name}`, () => {
    jest.setTimeout(60_000);
    let connectorKey: TestKey;
    let bankKey: TestKey;
    let strangerKey: TestKey;
    const opened: { bank: SandboxBank; under: BankGatewayUnderTest }[] = [];

    beforeAll(async () => {
      [connectorKey, bankKey, strangerKey] = await Promise.all([
        testKey('connector-1'),
        testKey('sandbox-bank-1'),
        testKey('connector-1'), // same kid, another key: an impostor
      ]);
    });
    afterEach(async () => {
      for (const { bank, under } of opened.splice(0)) {
        await under.close();
        await bank.stop();
      }
    });

    async function given(
      options: { timings?: Partial<SandboxBankTimings>; openingBalances?: readonly OpeningBalance[] } = {},
    ) {
      const clock = new ManualClock(START);
      const bank = await SandboxBank.open({
        signingKey: bankKey.key,
        trustedConnectorKeys: [connectorKey.publicJwk],
        clock,
        instanceId: 'SBTEST',
        ...options,
      });
      const under = await connect(bank);
      opened.push({ bank, under });
      const bankJwk = await under.bankPublicJwk();
      const open = async (jws: string): Promise<string> =>
        (await verifyIso20022(jws, { keys: [bankJwk] })).xml;
      const decode = async ({ cursor, jws }: BankMessageEnvelope): Promise<Decoded> => {
        return { cursor, ...(await parseBankMessage(await open(jws))) };
      };
      let cursor: string | undefined;
      return {
        clock,
        bank,
        under,
        gateway: under.gateway,
        bankJwk,
        /** Submits, and opens the acknowledgement. */
        submit: async (spec: Pain001Spec | string) => {
          const xml = typeof spec === 'string' ? spec : pain001Xml(spec);
          const ack = await under.gateway.submitCreditTransfers(await signIso20022(xml, connectorKey.key));
          return parsePain002(await open(ack));
        },
        /** The messages published since the last call, opened. */
        newMessages: async (): Promise<Decoded[]> => {
          const page = await under.gateway.fetchMessages(cursor, 1_000);
          cursor = page.at(-1)?.cursor ?? cursor;
          return Promise.all(page.map(decode));
        },
        decode,
        open,
      };
    }

    const eur = (value: string) => ({ value, currency: 'EUR' });
    const notifications = (messages: readonly Decoded[]) =>
      messages.filter(
        (m): m is Extract<Decoded, { type: 'camt.054.001.08' }> => m.type === 'camt.054.001.08',
      );
    const entriesOf = (messages: readonly Decoded[]) =>
      notifications(messages).flatMap((m) => m.message.entries);

    describe('decisions by creditor account', () => {
      it('accepts a transfer (ACCP), then settles it after settleAfterMs with a camt.054 DBIT entry', async () => {
        const bank = await given();
        const ack = await bank.submit({
          messageId: 'M-ACCP',
          transfers: [{ endToEndId: 'P-1', creditorEnding: '1234', amount: '100.00' }],
        });
        expect(ack).toMatchObject({
          originalMessageId: 'M-ACCP',
          originalMessageNameId: 'pain.001.001.09',
          groupStatus: 'ACCP',
        });
        expect(ack.transactions).toEqual([
          expect.objectContaining({
            originalEndToEndId: 'P-1',
            status: 'ACCP',
            originalPaymentInformationId: 'M-ACCP-1',
          }),
        ]);
        const { bankReference } = ack.transactions[0];
        expect(bankReference).toMatch(/^SBTEST-TX\d+$/);
        expect(ack.transactions[0].reasonCode).toBeUndefined();

        bank.clock.advance(199);
        expect(await bank.newMessages()).toEqual([]);
        bank.clock.advance(1);
        const messages = await bank.newMessages();
        expect(messages.map((m) => m.type)).toEqual(['camt.054.001.08']);
        const notification = notifications(messages)[0].message;
        expect(notification.account).toEqual({ iban: DEBTOR_IBAN });
        expect(notification.entries).toEqual([
          expect.objectContaining({
            creditDebit: 'DBIT',
            amount: eur('100.00'),
            endToEndId: 'P-1',
            bankReference,
            bookingDate: DAY,
            valueDate: DAY,
            counterparty: expect.objectContaining({ account: { iban: ibanEndingWith('1234', 7) } }),
            remittanceInformation: 'claim P-1',
          }),
        ]);
        bank.clock.advance(60_000);
        expect(await bank.newMessages()).toEqual([]);
      });

      it('rejects a transfer to an account ending 0000 with AC04 (IBAN or domestic number) and never books it', async () => {
        const bank = await given();
        const ack = await bank.submit({
          messageId: 'M-AC04',
          transfers: [
            { endToEndId: 'P-IBAN', creditorEnding: '0000' },
            { endToEndId: 'P-DOMESTIC', creditorEnding: '0000', domestic: true },
          ],
        });
        expect(ack.groupStatus).toBe('RJCT');
        expect(ack.transactions.map((t) => [t.originalEndToEndId, t.status, t.reasonCode])).toEqual([
          ['P-IBAN', 'RJCT', 'AC04'],
          ['P-DOMESTIC', 'RJCT', 'AC04'],
        ]);
        expect(ack.transactions[0].reasonText).toBe('Closed account number');
        bank.clock.advance(3_600_000);
        expect(await bank.newMessages()).toEqual([]);
      });

      it('settles a transfer to an account ending 0001, then returns it after returnAfterMs (CRDT with RtrInf)', async () => {
        const bank = await given();
        const ack = await bank.submit({
          messageId: 'M-RETURN',
          transfers: [{ endToEndId: 'P-R', creditorEnding: '0001', amount: '250.00' }],
        });
        expect(ack.transactions[0].status).toBe('ACCP');
        bank.clock.advance(200);
        expect(entriesOf(await bank.newMessages())).toEqual([
          expect.objectContaining({ creditDebit: 'DBIT', endToEndId: 'P-R', amount: eur('250.00') }),
        ]);
        bank.clock.advance(2_999);
        expect(await bank.newMessages()).toEqual([]);
        bank.clock.advance(1);
        const returned = entriesOf(await bank.newMessages());
        expect(returned).toEqual([
          expect.objectContaining({
            creditDebit: 'CRDT',
            endToEndId: 'P-R',
            amount: eur('250.00'),
            returnReasonCode: 'AC06',
            bookingDate: DAY,
          }),
        ]);
        expect(returned[0].bankReference).not.toBe(ack.transactions[0].bankReference);
      });

      it('keeps a transfer to an account ending 0002 pending (PDNG) for pendingForMs, then settles it', async () => {
        const bank = await given();
        const ack = await bank.submit({
          messageId: 'M-PDNG',
          transfers: [
            { endToEndId: 'P-PENDING', creditorEnding: '0002' },
            { endToEndId: 'P-PLAIN', creditorEnding: '5555' },
          ],
        });
        expect(ack.groupStatus).toBe('ACTC');
        expect(ack.transactions.map((t) => [t.originalEndToEndId, t.status])).toEqual([
          ['P-PENDING', 'PDNG'],
          ['P-PLAIN', 'ACCP'],
        ]);
        bank.clock.advance(1_999);
        expect(entriesOf(await bank.newMessages()).map((e) => e.endToEndId)).toEqual(['P-PLAIN']);
        bank.clock.advance(1);
        expect(entriesOf(await bank.newMessages())).toEqual([
          expect.objectContaining({
            creditDebit: 'DBIT',
            endToEndId: 'P-PENDING',
            bankReference: ack.transactions[0].bankReference,
          }),
        ]);
      });

      it('rejects AM04 when the debtor cannot pay, counting money already promised, per currency', async () => {
        const bank = await given({ openingBalances: [{ account: DEBTOR, balance: eur('250.00') }] });
        const ack = await bank.submit({
          messageId: 'M-FUNDS',
          transfers: [
            { endToEndId: 'P-A', amount: '100.00', serial: 1 },
            { endToEndId: 'P-B', amount: '100.00', creditorEnding: '0002', serial: 2 },
            { endToEndId: 'P-C', amount: '100.00', serial: 3 },
            { endToEndId: 'P-D', amount: '50.00', serial: 4 },
            // another currency of the same account has the default opening balance
            { endToEndId: 'P-USD', amount: '100000.00', currency: 'USD', serial: 5 },
          ],
        });
        expect(ack.groupStatus).toBe('PART');
        expect(ack.transactions.map((t) => [t.originalEndToEndId, t.status, t.reasonCode])).toEqual([
          ['P-A', 'ACCP', undefined],
          ['P-B', 'PDNG', undefined],
          ['P-C', 'RJCT', 'AM04'],
          ['P-D', 'ACCP', undefined],
          ['P-USD', 'ACCP', undefined],
        ]);
        const later = await bank.submit({
          messageId: 'M-FUNDS-2',
          transfers: [{ endToEndId: 'P-E', amount: '0.01' }],
        });
        expect(later.transactions[0]).toMatchObject({ status: 'RJCT', reasonCode: 'AM04' });
      });

      it('makes one camt.054 per debtor account for the transfers settled together, every entry in it', async () => {
        const bank = await given();
        const second = { iban: ibanEndingWith('8880', 43) };
        await bank.submit({
          messageId: 'M-GROUP',
          blocks: [
            {
              debtor: DEBTOR,
              transfers: [
                { endToEndId: 'G-1', serial: 1 },
                { endToEndId: 'G-2', serial: 2, amount: '2.50' },
                { endToEndId: 'G-3', creditorEnding: '0000' },
              ],
            },
            { debtor: second, transfers: [{ endToEndId: 'G-4', serial: 4 }] },
          ],
        });
        bank.clock.advance(200);
        const messages = notifications(await bank.newMessages());
        expect(messages.map((m) => [m.message.account, m.message.entries.map((e) => e.endToEndId)])).toEqual([
          [{ iban: DEBTOR_IBAN }, ['G-1', 'G-2']],
          [second, ['G-4']],
        ]);
        const references = messages.flatMap((m) => m.message.entries.map((e) => e.entryReference));
        expect(new Set(references).size).toBe(3);
      });

      it('with all timings 0 settles and returns on the next fetch without the clock moving', async () => {
        const bank = await given({ timings: { settleAfterMs: 0, pendingForMs: 0, returnAfterMs: 0 } });
        await bank.submit({
          messageId: 'M-INSTANT',
          transfers: [
            { endToEndId: 'I-1', serial: 1 },
            { endToEndId: 'I-2', creditorEnding: '0001' },
            { endToEndId: 'I-3', creditorEnding: '0002' },
          ],
        });
        const entries = entriesOf(await bank.newMessages());
        expect(entries.map((e) => [e.endToEndId, e.creditDebit])).toEqual([
          ['I-1', 'DBIT'],
          ['I-2', 'DBIT'],
          ['I-3', 'DBIT'],
          ['I-2', 'CRDT'],
        ]);
      });
    });

    describe('deduplication', () => {
      it('answers a resent message with the same acknowledgement and pays nothing twice', async () => {
        const bank = await given();
        const xml = pain001Xml({
          messageId: 'M-ONCE',
          transfers: [{ endToEndId: 'P-ONCE', amount: '10.00' }],
        });
        const first = await bank.gateway.submitCreditTransfers(await signIso20022(xml, connectorKey.key));
        const again = await bank.gateway.submitCreditTransfers(await signIso20022(xml, connectorKey.key));
        expect(again).toBe(first);
        bank.clock.advance(200);
        const resentAfterSettling = await bank.gateway.submitCreditTransfers(
          await signIso20022(xml, connectorKey.key),
        );
        expect(resentAfterSettling).toBe(first);
        bank.clock.advance(10_000);
        expect(entriesOf(await bank.newMessages()).map((e) => e.endToEndId)).toEqual(['P-ONCE']);
        expect(bank.bank.balances()).toEqual([
          expect.objectContaining({ currency: 'EUR', booked: eur('999999990.00'), reserved: eur('0.00') }),
        ]);
      });

      it('rejects with DUPL an end-to-end id already taken on, under a new message id or twice in one', async () => {
        const bank = await given();
        await bank.submit({
          messageId: 'M-FIRST',
          transfers: [
            { endToEndId: 'P-PAID', serial: 1 },
            { endToEndId: 'P-PENDING', creditorEnding: '0002', serial: 2 },
            { endToEndId: 'P-RETURNED', creditorEnding: '0001', serial: 3 },
            { endToEndId: 'P-CLOSED', creditorEnding: '0000', serial: 4 },
          ],
        });
        bank.clock.advance(500);
        const second = pain001Xml({
          messageId: 'M-SECOND',
          transfers: [
            { endToEndId: 'P-PAID', serial: 1 },
            { endToEndId: 'P-PENDING', serial: 2 },
            { endToEndId: 'P-RETURNED', serial: 3 },
            // rejected before, so it may be sent again (to a corrected account)
            { endToEndId: 'P-CLOSED', serial: 5 },
            { endToEndId: 'P-NEW', serial: 6 },
            { endToEndId: 'P-NEW-TWIN', serial: 6 },
          ],
        });
        // the library's builder refuses one end-to-end id twice in a message; a bank still has to cope
        const ack = await bank.submit(second.replaceAll('P-NEW-TWIN', 'P-NEW'));
        expect(ack.transactions.map((t) => [t.originalEndToEndId, t.status, t.reasonCode])).toEqual([
          ['P-PAID', 'RJCT', 'DUPL'],
          ['P-PENDING', 'RJCT', 'DUPL'],
          ['P-RETURNED', 'RJCT', 'DUPL'],
          ['P-CLOSED', 'ACCP', undefined],
          ['P-NEW', 'ACCP', undefined],
          ['P-NEW', 'RJCT', 'DUPL'],
        ]);
        expect(new Set(ack.transactions.map((t) => t.statusId)).size).toBe(6);
        bank.clock.advance(10_000);
        const debits = entriesOf(await bank.newMessages()).filter((e) => e.creditDebit === 'DBIT');
        expect(debits.map((e) => e.endToEndId).sort()).toEqual(
          ['P-CLOSED', 'P-NEW', 'P-PAID', 'P-PENDING', 'P-RETURNED'].sort(),
        );
      });

      it('refuses a known message id with other contents (409 BANK.DUPLICATE_MESSAGE_ID)', async () => {
        const bank = await given();
        await bank.submit({ messageId: 'M-REUSED', transfers: [{ endToEndId: 'P-1' }] });
        await expectRefusal(
          bank.submit({ messageId: 'M-REUSED', transfers: [{ endToEndId: 'P-2' }] }),
          409,
          'BANK.DUPLICATE_MESSAGE_ID',
        );
        bank.clock.advance(1_000);
        expect(entriesOf(await bank.newMessages()).map((e) => e.endToEndId)).toEqual(['P-1']);
      });
    });

    describe('refusals', () => {
      const valid: Pain001Spec = { messageId: 'M-REFUSED', transfers: [{ endToEndId: 'P-REFUSED' }] };

      const rows: [string, number, string, () => Promise<string>][] = [
        ['unsigned XML', 401, 'ISO20022.BAD_SIGNATURE', async () => pain001Xml(valid)],
        [
          'signed by an untrusted key with a trusted kid',
          401,
          'ISO20022.BAD_SIGNATURE',
          () => signedPain001(valid, strangerKey.key),
        ],
        [
          'signed by an unknown kid',
          401,
          'ISO20022.BAD_SIGNATURE',
          () => signIso20022(pain001Xml(valid), { ...strangerKey.key, kid: 'nobody' }),
        ],
        [
          'tampered after signing',
          401,
          'ISO20022.BAD_SIGNATURE',
          async () => {
            const [header, , signature] = (await signedPain001(valid, connectorKey.key)).split('.');
            const tampered = pain001Xml({
              ...valid,
              transfers: [{ endToEndId: 'P-REFUSED', amount: '9999.00' }],
            });
            return `${header}.${Buffer.from(tampered).toString('base64url')}.${signature}`;
          },
        ],
        [
          'schema-invalid (no InitgPty)',
          422,
          'ISO20022.SCHEMA_INVALID',
          () =>
            signIso20022(pain001Xml(valid).replace(/<InitgPty>[\s\S]*?<\/InitgPty>/, ''), connectorKey.key),
        ],
        [
          'malformed XML',
          400,
          'ISO20022.MALFORMED_XML',
          () => signIso20022('<Document><CstmrCdtTrfInitn>', connectorKey.key),
        ],
        [
          'a message the bank does not take (a camt.054)',
          422,
          'ISO20022.UNSUPPORTED_MESSAGE',
          () =>
            signIso20022(
              buildCamt054({
                messageId: 'N-1',
                creationDateTime: START,
                notificationId: 'N-1',
                account: { iban: DEBTOR_IBAN },
                entries: [],
              }),
              connectorKey.key,
            ),
        ],
      ];

      it.each(rows)('refuses %s (%d %s) and does nothing', async (_label, status, code, make) => {
        const bank = await given();
        await expectRefusal(bank.gateway.submitCreditTransfers(await make()), status, code);
        bank.clock.advance(60_000);
        expect(await bank.newMessages()).toEqual([]);
        expect(bank.bank.balances()).toEqual([]);
        // the refusal kept nothing: the genuine message is then taken normally
        const ack = await bank.submit(valid);
        expect(ack.transactions[0].status).toBe('ACCP');
      });

      it('refuses a cursor it never gave and a limit out of range (400)', async () => {
        const bank = await given();
        await expectRefusal(bank.gateway.fetchMessages('not-a-cursor', 10), 400, 'BANK.INVALID_CURSOR');
        await expectRefusal(bank.gateway.fetchMessages(undefined, 0), 400, 'BANK.INVALID_LIMIT');
        await expectRefusal(bank.gateway.fetchMessages(undefined, 1_001), 400, 'BANK.INVALID_LIMIT');
      });
    });

    describe('end-of-day statements', () => {
      it('publishes a camt.053 per debtor account whose balances add up, and chains the days', async () => {
        const bank = await given({ openingBalances: [{ account: DEBTOR, balance: eur('1000.00') }] });
        await bank.submit({
          messageId: 'M-DAY1',
          transfers: [
            { endToEndId: 'D-PAID', amount: '100.00', serial: 1 },
            { endToEndId: 'D-RETURNED', amount: '200.00', creditorEnding: '0001', serial: 2 },
            { endToEndId: 'D-PENDING', amount: '50.00', creditorEnding: '0002', serial: 3 },
            { endToEndId: 'D-CLOSED', amount: '70.00', creditorEnding: '0000', serial: 4 },
          ],
        });
        bank.clock.advance(5_000);
        await bank.newMessages();
        await bank.under.endOfDay(DAY);
        const statements = (await bank.newMessages()).filter((m) => m.type === 'camt.053.001.08');
        expect(statements).toHaveLength(1);
        const [statement] = (statements[0].message as BankToCustomerStatement).statements;
        expect(statement).toMatchObject({
          account: { iban: DEBTOR_IBAN },
          currency: 'EUR',
          openingBalance: { type: 'OPBD', amount: eur('1000.00'), date: DAY },
          closingBalance: { type: 'CLBD', amount: eur('850.00'), date: DAY },
        });
        expect(statement.entries.map((e) => [e.endToEndId, e.creditDebit, e.amount.value])).toEqual([
          ['D-PAID', 'DBIT', '100.00'],
          ['D-RETURNED', 'DBIT', '200.00'],
          ['D-PENDING', 'DBIT', '50.00'],
          ['D-RETURNED', 'CRDT', '200.00'],
        ]);
        expect(minor(statement.closingBalance.amount.value)).toBe(
          minor(statement.openingBalance.amount.value) + signedSum(statement.entries),
        );

        // closing the same day again publishes nothing new
        await bank.under.endOfDay(DAY);
        expect(await bank.newMessages()).toEqual([]);

        // settled after the cut-off: booked on the next day, whose statement opens where this one closed
        await bank.submit({
          messageId: 'M-LATE',
          transfers: [{ endToEndId: 'D-LATE', amount: '25.00', serial: 5 }],
        });
        bank.clock.advance(200);
        expect(entriesOf(await bank.newMessages())).toEqual([
          expect.objectContaining({ endToEndId: 'D-LATE', bookingDate: '2026-01-06' }),
        ]);
        await expect(bank.under.endOfDay('2026-01-06')).rejects.toMatchObject({
          status: 422,
          code: 'BANK.DAY_NOT_STARTED',
        });
        bank.clock.set('2026-01-06T18:00:00Z');
        await bank.under.endOfDay();
        const [next] = (await bank.newMessages()).filter((m) => m.type === 'camt.053.001.08');
        const [nextStatement] = (next.message as BankToCustomerStatement).statements;
        expect(nextStatement).toMatchObject({
          openingBalance: { amount: eur('850.00'), date: '2026-01-06' },
          closingBalance: { amount: eur('825.00'), date: '2026-01-06' },
        });
        expect(nextStatement.entries.map((e) => e.endToEndId)).toEqual(['D-LATE']);
      });

      it('states each currency of an account, and accounts with no movement that day', async () => {
        const bank = await given({
          openingBalances: [{ account: DEBTOR, balance: { value: '5000', currency: 'JPY' } }],
        });
        await bank.submit({
          messageId: 'M-CCY',
          transfers: [
            { endToEndId: 'C-EUR', amount: '1.00', serial: 1 },
            { endToEndId: 'C-JPY', amount: '1200', currency: 'JPY', serial: 2 },
          ],
        });
        bank.clock.advance(1_000);
        await bank.under.endOfDay(DAY);
        const first = (await bank.newMessages()).filter((m) => m.type === 'camt.053.001.08');
        const byCurrency = (first[0].message as BankToCustomerStatement).statements.map((s) => [
          s.currency,
          s.openingBalance.amount.value,
          s.closingBalance.amount.value,
        ]);
        expect(byCurrency).toEqual([
          ['EUR', '1000000000.00', '999999999.00'],
          ['JPY', '5000', '3800'],
        ]);
        bank.clock.set('2026-01-07T08:00:00Z');
        await bank.under.endOfDay('2026-01-06');
        const quiet = (await bank.newMessages()).filter((m) => m.type === 'camt.053.001.08');
        const statements = (quiet[0].message as BankToCustomerStatement).statements;
        expect(
          statements.map((s) => [
            s.openingBalance.amount.value,
            s.closingBalance.amount.value,
            s.entries.length,
          ]),
        ).toEqual([
          ['999999999.00', '999999999.00', 0],
          ['3800', '3800', 0],
        ]);
      });
    });

    describe('the feed', () => {
      it('signs every message with the published bank key, and every message validates against its XSD', async () => {
        const bank = await given();
        const acks = [
          await bank.gateway.submitCreditTransfers(
            await signedPain001(
              {
                messageId: 'M-ALL',
                transfers: [
                  { endToEndId: 'A-1', serial: 1 },
                  { endToEndId: 'A-2', creditorEnding: '0001', serial: 2 },
                  { endToEndId: 'A-3', creditorEnding: '0002', serial: 3 },
                  { endToEndId: 'A-4', creditorEnding: '0000', serial: 4 },
                ],
              },
              connectorKey.key,
            ),
          ),
        ];
        // one notification per account per tick: three ticks, three camt.054
        for (const step of [200, 1_800, 1_200]) {
          bank.clock.advance(step);
          await bank.gateway.fetchMessages(undefined, 1);
        }
        await bank.under.endOfDay(DAY);
        const feed = await bank.gateway.fetchMessages(undefined, 1_000);
        const all = [...acks, ...feed.map((m) => m.jws)];
        const xmls = await Promise.all(all.map((jws) => bank.open(jws)));
        const results = await Promise.all(xmls.map((xml) => validateIso20022(xml)));
        expect(results.map((r) => [r.type, r.valid, r.errors])).toEqual([
          ['pain.002.001.11', true, []],
          ['camt.054.001.08', true, []], // settled
          ['camt.054.001.08', true, []], // A-3 settled after pending
          ['camt.054.001.08', true, []], // A-2 returned
          ['camt.053.001.08', true, []],
        ] satisfies [Iso20022MessageType, boolean, string[]][]);
        // the bank's key, not the connector's, signs them
        await expect(verifyIso20022(all[0], { keys: [connectorKey.publicJwk] })).rejects.toMatchObject({
          code: 'ISO20022.BAD_SIGNATURE',
        });
        expect(bank.bankJwk).toMatchObject({ kty: 'EC', crv: 'P-256', kid: 'sandbox-bank-1' });
        expect(bank.bankJwk).not.toHaveProperty('d');
      });

      it('pages with cursors: the same messages, in order, whatever the page size', async () => {
        const bank = await given();
        for (let i = 1; i <= 5; i++) {
          await bank.submit({ messageId: `M-PAGE-${i}`, transfers: [{ endToEndId: `PG-${i}`, serial: i }] });
          bank.clock.advance(200);
        }
        await bank.gateway.fetchMessages(undefined, 1); // does the due work
        const all = await bank.gateway.fetchMessages(undefined, 1_000);
        expect(all).toHaveLength(5);
        const paged: BankMessageEnvelope[] = [];
        let cursor: string | undefined;
        for (;;) {
          const page = await bank.gateway.fetchMessages(cursor, 2);
          expect(page.length).toBeLessThanOrEqual(2);
          if (page.length === 0) break;
          paged.push(...page);
          cursor = page.at(-1)!.cursor;
        }
        expect(paged).toEqual(all);
        const cursors = all.map((m) => m.cursor);
        expect([...cursors].sort()).toEqual(cursors);
        expect(new Set(cursors).size).toBe(5);
        const order = await Promise.all(
          all.map(async (m) => entriesOf([await bank.decode(m)])[0].endToEndId),
        );
        expect(order).toEqual(['PG-1', 'PG-2', 'PG-3', 'PG-4', 'PG-5']);
        expect(await bank.gateway.fetchMessages(cursors[2], 1_000)).toEqual(all.slice(3));
        expect(await bank.gateway.fetchMessages(cursors[4], 1_000)).toEqual([]);
      });
    });
  });
}

async function expectRefusal(promise: Promise<unknown>, status: number, code: string): Promise<void> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(Error);
  expect(error).toBeInstanceOf(BankRefusedError);
  expect({ status: (error as BankRefusedError).status, code: (error as BankRefusedError).code }).toEqual({
    status,
    code,
  });
}

function minor(value: string): bigint {
  const negative = value.startsWith('-');
  const [whole, fraction = ''] = value.replace('-', '').split('.');
  const units = BigInt(whole + fraction.padEnd(2, '0'));
  return negative ? -units : units;
}

function signedSum(entries: readonly { creditDebit: 'DBIT' | 'CRDT'; amount: { value: string } }[]): bigint {
  return entries.reduce((sum, e) => sum + (e.creditDebit === 'CRDT' ? 1n : -1n) * minor(e.amount.value), 0n);
}
