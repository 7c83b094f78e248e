import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bankStatementStreamId, EventStore } from '@ledger/events';
import { DEFAULT_RECONCILIATION_OPTIONS, ReconciliationError } from '@ledger/domain';
import {
  paymentsProjection,
  RECONCILIATION,
  RECONCILIATION_ACCOUNTS,
  RECONCILIATION_PAYMENTS,
  reconciliationProjection,
  ReadStore,
} from '@ledger/projections';
import { EmbeddedEventStore, EmbeddedReadStore, findAllDocuments, ProjectionRunner } from '@ledger/infra';
import { buildCamt053, BankToCustomerStatement, Iso20022Error } from '@ledger/iso20022';
import { ReconciliationLedgerReader } from '../../apps/bank-connector/src/reconciliation/reconciliation-ledger.reader';
import {
  ReconciliationReadModelBehindError,
  ReconciliationService,
} from '../../apps/bank-connector/src/reconciliation/reconciliation.service';
import { camt053v02 } from './support/camt053-v02';
import {
  COMPANY,
  COMPANY_LABEL,
  dayStatement,
  debitEntry,
  OTHER_SUPPLIER,
  recordPaidPayment,
} from './support/ledger-history';

jest.setTimeout(60_000);

const UUID = '6f1c2d3e-4a5b-4c6d-8e9f-0a1b2c3d4e5f';

function message(id: string, ...statements: BankToCustomerStatement['statements']): BankToCustomerStatement {
  return { version: 'camt.053.001.08', messageId: id, creationDateTime: '2025-03-12T22:00:00Z', statements };
}

describe('ReconciliationService against the embedded event and read stores', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ledger-reconciliation-'));
  let events: EventStore;
  let reads: ReadStore;
  let runner: ProjectionRunner;
  let service: ReconciliationService;

  beforeAll(async () => {
    events = new EmbeddedEventStore({ file: join(dir, 'events.sqlite'), pollIntervalMs: 20 });
    reads = new EmbeddedReadStore({ file: join(dir, 'read-models.sqlite') });
    runner = new ProjectionRunner({
      eventStore: events,
      readStore: reads,
      projections: [paymentsProjection, reconciliationProjection],
    });
    await runner.start();
    service = new ReconciliationService(events, reads, new ReconciliationLedgerReader(reads), {
      options: DEFAULT_RECONCILIATION_OPTIONS,
      readModelWaitMs: 10_000,
    });
    // Day 1: pay-a (by end-to-end id, sent as its UUID's hex digits), pay-b (found by amount and creditor),
    // pay-c paid the next day; pay-d settled on day 1 and returned on day 3; pay-e never on a statement.
    await recordPaidPayment(events, {
      paymentId: UUID,
      amount: '120.00',
      settledAt: '2025-03-10T09:00:00.000Z',
    });
    await recordPaidPayment(events, {
      paymentId: 'pay-b',
      amount: '80.00',
      settledAt: '2025-03-10T09:05:00.000Z',
    });
    await recordPaidPayment(events, {
      paymentId: 'pay-c',
      amount: '50.00',
      payee: OTHER_SUPPLIER,
      settledAt: '2025-03-11T09:00:00.000Z',
    });
    await recordPaidPayment(events, {
      paymentId: 'pay-d',
      amount: '30.00',
      settledAt: '2025-03-10T10:00:00.000Z',
      returnedAt: '2025-03-12T10:00:00.000Z',
    });
    const last = await recordPaidPayment(events, {
      paymentId: 'pay-e',
      amount: '10.00',
      settledAt: '2025-03-10T11:00:00.000Z',
    });
    expect(await runner.waitFor(last, 10_000)).toBe(true);
  });

  afterAll(async () => {
    await runner?.stop();
    await events?.close();
    await reads?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const day1 = dayStatement('S-0310', '2025-03-10', '1000.00', [
    debitEntry('E-1', '120.00', '2025-03-10', { endToEndId: UUID.replace(/-/g, '') }),
    debitEntry('E-2', '80.00', '2025-03-10'),
    debitEntry('E-3', '30.00', '2025-03-10', { endToEndId: 'pay-d' }),
  ]);

  it('reconciles a statement into its own stream: entries matched, the balance compared', async () => {
    const result = await service.reconcile(message('M-1', day1), { via: 'bank-feed' });
    expect(result).toMatchObject({ messageId: 'M-1', created: true });
    expect(result.statements[0]).toMatchObject({
      statementId: 'S-0310',
      accountLabel: COMPANY_LABEL,
      stream: bankStatementStreamId(COMPANY, 'S-0310'),
      replayed: false,
      matched: 3,
      unmatched: 0,
      missingPayments: 0,
      // The ledger also settled pay-e that day; the bank has not booked it.
      balance: { agreed: false, statementClosing: '770.00', ledgerClosing: '760.00', difference: '10.00' },
    });
    const stream = await events.readStream(bankStatementStreamId(COMPANY, 'S-0310'));
    expect(stream.map((e) => e.type)).toStrictEqual([
      'BankStatementReceived',
      'StatementEntryMatched',
      'StatementEntryMatched',
      'StatementEntryMatched',
      'BankBalanceDifferenceFound',
    ]);
    expect(stream[1].metadata.actor).toStrictEqual({ subject: 'bank-connector', roles: ['bank-connector'] });
    expect(stream.at(-1)?.data).toMatchObject({
      explanation: {
        items: [{ kind: 'not_on_statement', paymentId: 'pay-e', missing: false }],
        fullyExplained: true,
      },
    });
    expect(await runner.waitFor(BigInt(result.position), 10_000)).toBe(true);
    expect((await reads.get(RECONCILIATION, `${COMPANY_LABEL}|S-0310#1`))?.matchedBy).toBe(
      'amount_creditor_date',
    );
  });

  it('appends nothing for the same statement again, in either camt version, and answers the first result', async () => {
    const head = await events.headPosition();
    const first = await events.readStream(bankStatementStreamId(COMPANY, 'S-0310'));
    const again = await service.reconcile(message('M-1-resent', day1), { via: 'bank-feed' });
    const viaXml = await service.reconcileXml(camt053v02('M-1-v02', [day1]), { via: 'upload' });
    for (const result of [again, viaXml]) {
      expect(result.created).toBe(false);
      expect(result.statements[0]).toMatchObject({
        replayed: true,
        matched: 3,
        position: first.at(-1)!.position.toString(),
      });
    }
    expect(await events.headPosition()).toBe(head);
  });

  it('refuses the same statement id with other content, and appends nothing', async () => {
    const head = await events.headPosition();
    const changed = dayStatement('S-0310', '2025-03-10', '1000.00', [
      debitEntry('E-1', '120.00', '2025-03-10'),
    ]);
    await expect(service.reconcile(message('M-x', changed), { via: 'upload' })).rejects.toMatchObject({
      code: 'RECONCILIATION.STATEMENT_CONFLICT',
    });
    expect(await events.headPosition()).toBe(head);
  });

  it('sees the statements before it: a payment matched once, the balance chained, a missing payment reported once', async () => {
    // Two days in one message, listed out of order: day 3 after day 2 whatever the order in the message.
    const day2 = dayStatement('S-0311', '2025-03-11', '770.00', [
      debitEntry('E-4', '50.00', '2025-03-11', {
        counterparty: { name: 'Other BV', account: OTHER_SUPPLIER },
      }),
      debitEntry('E-5', '120.00', '2025-03-11', { endToEndId: UUID }),
    ]);
    const day3 = dayStatement('S-0313', '2025-03-13', '600.00', [
      debitEntry('E-6', '2.50', '2025-03-13', { counterparty: undefined }),
      debitEntry('E-7', '30.00', '2025-03-13', {
        creditDebit: 'CRDT',
        endToEndId: 'pay-d',
        counterparty: undefined,
      }),
    ]);
    const head = await events.headPosition();
    const result = await service.reconcile(message('M-2', day3, day2), { via: 'bank-feed' });
    expect(result.statements.map((s) => s.statementId)).toStrictEqual(['S-0313', 'S-0311']);
    const [third, second] = result.statements;
    expect(BigInt(second.position)).toBeGreaterThan(head);
    expect(BigInt(third.position)).toBeGreaterThan(BigInt(second.position));
    // Day 2: pay-c by amount and creditor; E-5 names pay-a, which day 1 already matched.
    expect(second).toMatchObject({ matched: 1, unmatched: 1 });
    const unmatched = (await events.readStream(bankStatementStreamId(COMPANY, 'S-0311'))).find(
      (e) => e.type === 'StatementEntryUnmatched',
    );
    expect(unmatched?.data).toMatchObject({
      entryReference: 'E-5',
      reason: 'payment_already_matched',
      paymentId: UUID,
    });
    // Day 3: pay-e (settled on the 10th) is now 3 days out; the fee is unmatched; pay-d's return matched.
    expect(third).toMatchObject({ matched: 1, unmatched: 1, missingPayments: 1 });
    const balance = (await events.readStream(bankStatementStreamId(COMPANY, 'S-0313'))).at(-1)!;
    expect(balance.type).toBe('BankBalanceDifferenceFound');
    expect(balance.data).toMatchObject({
      basis: 'previous_comparison',
      previousStatementId: 'S-0311',
      statementClosing: { value: '627.50', currency: 'EUR' },
      ledgerMovements: [{ paymentId: 'pay-d', leg: 'return', amount: { value: '30.00', currency: 'EUR' } }],
      explanation: { fullyExplained: true },
    });
    expect(await runner.waitFor(BigInt(result.position), 10_000)).toBe(true);
    expect(await reads.get(RECONCILIATION_PAYMENTS, 'pay-e')).toMatchObject({ missingReportedIn: 'S-0313' });
    const summary = await reads.get(RECONCILIATION_ACCOUNTS, `${COMPANY_LABEL}|EUR`);
    expect(summary).toMatchObject({
      statements: 3,
      reconciledSince: '2025-03-10',
      lastStatement: { statementId: 'S-0313' },
      lastComparison: { statementId: 'S-0313', agreed: false },
      totals: { matched: { count: 5 }, unmatched: { count: 2 }, exception: { count: 1, amount: '10.00' } },
      balances: { differences: 3 },
    });
  });

  it('refuses a statement older than the last one reconciled, and a period running backwards, appending nothing', async () => {
    const head = await events.headPosition();
    const older = dayStatement('S-0312', '2025-03-12', '600.00', []);
    await expect(service.reconcile(message('M-3', older), { via: 'bank-feed' })).rejects.toMatchObject({
      code: 'RECONCILIATION.STATEMENT_OUT_OF_ORDER',
    });
    const backwards = { ...dayStatement('S-9', '2025-03-20', '1.00', []), from: '2025-03-21T00:00:00Z' };
    const error = await service
      .reconcile(message('M-4', backwards), { via: 'upload' })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ReconciliationError);
    expect((error as ReconciliationError).code).toBe('RECONCILIATION.INVALID_STATEMENT');
    expect(await events.headPosition()).toBe(head);
  });

  it('refuses malformed, schema-invalid and other messages before appending anything', async () => {
    const head = await events.headPosition();
    const valid = buildCamt053(message('M-5', dayStatement('S-0314', '2025-03-14', '627.50', [])));
    const cases: Array<[string, string]> = [
      ['<Document><unclosed>', 'ISO20022.MALFORMED_XML'],
      [valid.replace('<Cd>CLBD</Cd>', '<Cd>CLBD</Cd><Unexpected/>'), 'ISO20022.SCHEMA_INVALID'],
      [valid.replace(/camt\.053\.001\.08/g, 'camt.052.001.08'), 'ISO20022.UNSUPPORTED_MESSAGE'],
    ];
    for (const [xml, code] of cases) {
      const error = await service.reconcileXml(xml, { via: 'upload' }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(Iso20022Error);
      expect((error as Iso20022Error).code).toBe(code);
    }
    expect(await events.headPosition()).toBe(head);
  });

  it('waits for its read model, and gives up with READ_MODEL.BEHIND rather than reconcile from a stale one', async () => {
    await runner.stop();
    try {
      // A statement appended while the projector is down: the next reconciliation must not read around it.
      const stalled = new ReconciliationService(events, reads, new ReconciliationLedgerReader(reads), {
        options: DEFAULT_RECONCILIATION_OPTIONS,
        readModelWaitMs: 300,
      });
      await stalled.reconcile(message('M-6', dayStatement('S-0314', '2025-03-14', '627.50', [])), {
        via: 'upload',
      });
      const head = await events.headPosition();
      const error = await stalled
        .reconcile(message('M-7', dayStatement('S-0315', '2025-03-15', '627.50', [])), { via: 'upload' })
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ReconciliationReadModelBehindError);
      expect(await events.headPosition()).toBe(head);
    } finally {
      runner = new ProjectionRunner({
        eventStore: events,
        readStore: reads,
        projections: [paymentsProjection, reconciliationProjection],
      });
      await runner.start();
    }
    const result = await service.reconcile(
      message('M-7', dayStatement('S-0315', '2025-03-15', '627.50', [])),
      {
        via: 'upload',
      },
    );
    expect(result.statements[0]).toMatchObject({ replayed: false });
    const balance = (await events.readStream(bankStatementStreamId(COMPANY, 'S-0315'))).at(-1)!;
    expect(balance.data).toMatchObject({ previousStatementId: 'S-0314' });
    expect(await runner.waitFor(BigInt(result.position), 10_000)).toBe(true);
    const items = await findAllDocuments(reads, RECONCILIATION, { where: { statementId: 'S-0315' } });
    expect(items.map((i) => i.kind)).toStrictEqual(['balance_difference']);
  });
});
