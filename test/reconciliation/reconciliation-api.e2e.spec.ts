import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EmbeddedEventStore } from '@ledger/infra';
import { BookedEntry, buildCamt053, buildCamt054 } from '@ledger/iso20022';
import { RunningApp, startApp } from '../support/app-process';
import { Api, Reply, TEST_AUDIENCE, TEST_ISSUER, TEST_JWT_SECRET, tokenFor } from '../support/http-client';
import { camt053v02 } from './support/camt053-v02';
import {
  COMPANY,
  COMPANY_LABEL,
  dayStatement,
  debitEntry,
  recordPaidPayment,
} from './support/ledger-history';

jest.setTimeout(90_000);

type Page = { items: Array<Record<string, unknown>>; next?: string; position: string };
type Outcome = {
  statementId: string;
  replayed: boolean;
  matched: number;
  unmatched: number;
  balance: Record<string, unknown>;
};
type Result = { messageId: string; created: boolean; statements: Outcome[]; position: string };

describe('reconciliation over HTTP (embedded adapters)', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'ledger-reconciliation-e2e-'));
  let app: RunningApp;
  let api: Api;
  let log: EmbeddedEventStore;
  const t: Record<string, string> = {};

  const day1 = dayStatement('S-0310', '2025-03-10', '1000.00', [
    debitEntry('E-1', '120.00', '2025-03-10', { endToEndId: 'pay-1' }),
    debitEntry('E-2', '80.00', '2025-03-10'),
  ]);
  const fee: BookedEntry = { ...debitEntry('E-3', '1.50', '2025-03-11'), counterparty: undefined };
  const day2 = dayStatement('S-0311', '2025-03-11', '800.00', [fee]);
  const v08 = buildCamt053({
    version: 'camt.053.001.08',
    messageId: 'M-0310',
    creationDateTime: '2025-03-10T22:00:00Z',
    statements: [day1],
  });

  const postXml = (xml: string, token: string, contentType = 'application/xml') =>
    api.request<Result & { code?: string }>('POST', '/reconciliation/statements', {
      token,
      body: xml,
      headers: { 'content-type': contentType },
    });

  async function refusedWithoutAppending(
    reply: Promise<Reply<{ code?: string }>>,
    status: number,
    code: string,
  ) {
    const head = await log.headPosition();
    const { status: actual, headers, body } = await reply;
    expect({ status: actual, code: body.code }).toEqual({ status, code });
    expect(headers.get('content-type')).toContain('application/problem+json');
    expect(await log.headPosition()).toBe(head);
  }

  beforeAll(async () => {
    app = await startApp('test/reconciliation/support/reconciliation-app.main.ts', {
      LEDGER_DATA_DIR: dataDir,
      AUTH_JWT_SECRET: TEST_JWT_SECRET,
      AUTH_JWT_ISSUER: TEST_ISSUER,
      AUTH_JWT_AUDIENCE: TEST_AUDIENCE,
    });
    api = new Api(app.url);
    for (const [name, roles] of Object.entries({
      tina: ['treasurer'],
      fiona: ['finance'],
      audrey: ['auditor'],
      erin: ['employee'],
    })) {
      t[name] = await tokenFor(name, roles);
    }
    // The ledger paid pay-1 and pay-2 on the 10th and pay-3 on the 11th; the bank connector that records
    // settlements is another part of the ledger, so the test writes them into the app's log itself.
    log = new EmbeddedEventStore({ file: join(dataDir, 'events.sqlite') });
    await recordPaidPayment(log, {
      paymentId: 'pay-1',
      amount: '120.00',
      settledAt: '2025-03-10T09:00:00.000Z',
    });
    await recordPaidPayment(log, {
      paymentId: 'pay-2',
      amount: '80.00',
      settledAt: '2025-03-10T09:30:00.000Z',
    });
    const last = await recordPaidPayment(log, {
      paymentId: 'pay-3',
      amount: '40.00',
      settledAt: '2025-03-11T09:00:00.000Z',
    });
    const seen = await api.get(`/payments/pay-3?minPosition=${last}`, t.fiona);
    expect(seen.status).toBe(200);
  });

  afterAll(async () => {
    await log?.close();
    await app?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('reconciles a camt.053.001.08 statement (201) and lists its outcome by status', async () => {
    const reply = await postXml(v08, t.tina);
    expect(reply.status).toBe(201);
    expect(reply.body).toMatchObject({ messageId: 'M-0310', created: true });
    expect(reply.body.statements).toEqual([
      expect.objectContaining({
        statementId: 'S-0310',
        accountLabel: COMPANY_LABEL,
        replayed: false,
        matched: 2,
        unmatched: 0,
        balance: {
          agreed: true,
          statementClosing: '800.00',
          ledgerClosing: '800.00',
          difference: '0.00',
          fullyExplained: true,
        },
      }),
    ]);
    const matched = await api.get<Page>(
      `/reconciliation?status=matched&kind=entry_matched&sort=date&minPosition=${reply.body.position}`,
      t.fiona,
    );
    expect(matched.status).toBe(200);
    expect(BigInt(matched.body.position)).toBeGreaterThanOrEqual(BigInt(reply.body.position));
    expect(
      matched.body.items.map((i) => [i.entryReference, i.paymentId, i.matchedBy, i.amount, i.currency]),
    ).toEqual(
      expect.arrayContaining([
        ['E-1', 'pay-1', 'end_to_end_id', '120.00', 'EUR'],
        ['E-2', 'pay-2', 'amount_creditor_date', '80.00', 'EUR'],
      ]),
    );
    const balance = await api.get<Page>(
      `/reconciliation?kind=balance_agreed&account=${COMPANY_LABEL}`,
      t.audrey,
    );
    expect(balance.body.items).toEqual([
      expect.objectContaining({
        status: 'matched',
        statementId: 'S-0310',
        amount: '0.00',
        ledgerClosing: '800.00',
      }),
    ]);
  });

  it('answers the same statement posted again with the first result (200) and appends nothing', async () => {
    const head = await log.headPosition();
    const first = await postXml(v08, t.tina);
    const again = await postXml(v08, t.fiona);
    for (const reply of [first, again]) {
      expect(reply.status).toBe(200);
      expect(reply.body.created).toBe(false);
      expect(reply.body.statements[0]).toMatchObject({ statementId: 'S-0310', replayed: true, matched: 2 });
    }
    expect(await log.headPosition()).toBe(head);
  });

  it('reconciles a camt.053.001.02 statement, and shows the balance difference with what explains it', async () => {
    const reply = await postXml(camt053v02('M-0311', [day2]), t.fiona);
    expect(reply.status).toBe(201);
    // Bank: 800 − 1.50 = 798.50. Ledger: 800 − pay-3 (40) = 760. Difference 38.50: the fee, and pay-3 not booked.
    expect(reply.body.statements[0]).toMatchObject({
      statementId: 'S-0311',
      matched: 0,
      unmatched: 1,
      balance: {
        agreed: false,
        statementClosing: '798.50',
        ledgerClosing: '760.00',
        difference: '38.50',
        fullyExplained: true,
      },
    });
    const exceptions = await api.get<Page>(
      `/reconciliation?status=exception&minPosition=${reply.body.position}`,
      t.fiona,
    );
    expect(exceptions.body.items).toEqual([
      expect.objectContaining({
        kind: 'balance_difference',
        statementId: 'S-0311',
        amount: '38.50',
        explanation: expect.objectContaining({
          items: [
            { kind: 'unmatched_entry', contribution: '-1.50', line: '0', entryReference: 'E-3' },
            { kind: 'not_on_statement', contribution: '40.00', paymentId: 'pay-3', missing: false },
          ],
          explained: '38.50',
          fullyExplained: true,
        }),
      }),
    ]);
    const unmatched = await api.get<Page>('/reconciliation?status=unmatched', t.fiona);
    expect(unmatched.body.items).toEqual([
      expect.objectContaining({
        entryReference: 'E-3',
        reason: 'no_candidate',
        amount: '1.50',
        creditDebit: 'DBIT',
      }),
    ]);
  });

  it('summarises each account and currency: counts and amounts per status, last statement and comparison', async () => {
    const summary = await api.get<Page>(`/reconciliation/summary?currency=EUR`, t.audrey);
    expect(summary.status).toBe(200);
    expect(summary.body.items).toEqual([
      expect.objectContaining({
        accountLabel: COMPANY_LABEL,
        currency: 'EUR',
        statements: 2,
        totals: {
          matched: { count: 2, amount: '200.00' },
          unmatched: { count: 1, amount: '1.50' },
          exception: { count: 0, amount: '0' },
        },
        lastStatement: expect.objectContaining({
          statementId: 'S-0311',
          closingBalance: '798.50',
          via: 'upload',
        }),
        lastComparison: expect.objectContaining({
          statementId: 'S-0311',
          difference: '38.50',
          agreed: false,
        }),
        balances: { agreed: 1, differences: 1 },
      }),
    ]);
    expect(typeof summary.body.position).toBe('string');
  });

  it('pages with a bounded size and refuses bad filters with 400 QUERY.INVALID', async () => {
    const first = await api.get<Page>('/reconciliation?limit=1&sort=-date', t.fiona);
    expect(first.body.items).toHaveLength(1);
    const second = await api.get<Page>(
      `/reconciliation?limit=1&sort=-date&cursor=${first.body.next}`,
      t.fiona,
    );
    expect(second.body.items).toHaveLength(1);
    expect(second.body.items[0]._id).not.toBe(first.body.items[0]._id);
    for (const bad of [
      '/reconciliation?status=maybe',
      '/reconciliation?limit=201',
      '/reconciliation?sort=amount',
      '/reconciliation?from=yesterday',
      '/reconciliation?account=DE89%20x',
      '/reconciliation/summary?currency=euro',
    ]) {
      const reply = await api.get<{ code: string }>(bad, t.fiona);
      expect({ bad, status: reply.status, code: reply.body.code }).toEqual({
        bad,
        status: 400,
        code: 'QUERY.INVALID',
      });
    }
  });

  it('refuses malformed, schema-invalid, unsupported and conflicting statements with problem+json, appending nothing', async () => {
    await refusedWithoutAppending(postXml('<Document><Stmt>', t.tina), 400, 'ISO20022.MALFORMED_XML');
    await refusedWithoutAppending(
      postXml(v08.replace('<Cd>CLBD</Cd>', '<Cd>CLBD</Cd><Unexpected/>'), t.tina),
      422,
      'ISO20022.SCHEMA_INVALID',
    );
    const notification = buildCamt054({
      messageId: 'N-1',
      creationDateTime: '2025-03-10T12:00:00Z',
      notificationId: 'N-1',
      account: COMPANY,
      entries: [debitEntry('E-1', '120.00', '2025-03-10', { endToEndId: 'pay-1' })],
    });
    await refusedWithoutAppending(postXml(notification, t.tina), 422, 'ISO20022.UNSUPPORTED_MESSAGE');
    const changed = v08.replace('<NtryRef>E-2</NtryRef>', '<NtryRef>E-2b</NtryRef>');
    await refusedWithoutAppending(postXml(changed, t.tina), 409, 'RECONCILIATION.STATEMENT_CONFLICT');
    for (const [body, type] of [
      [JSON.stringify({ statement: v08 }), 'application/json'],
      [v08, 'text/plain'],
    ]) {
      await refusedWithoutAppending(postXml(body, t.tina, type), 415, 'REQUEST.UNSUPPORTED_MEDIA_TYPE');
    }
    await refusedWithoutAppending(postXml('', t.tina), 400, 'ISO20022.MALFORMED_XML');
  });

  it('lets treasurers, finance and admins post, others read at most', async () => {
    await refusedWithoutAppending(postXml(v08, t.audrey), 403, 'AUTH.ROLE_REQUIRED');
    await refusedWithoutAppending(postXml(v08, t.erin), 403, 'AUTH.ROLE_REQUIRED');
    await refusedWithoutAppending(postXml(v08, ''), 401, 'AUTH.MISSING_TOKEN');
    expect((await api.get('/reconciliation', t.erin)).status).toBe(403);
    expect((await api.get('/reconciliation/summary', t.tina)).status).toBe(200);
  });

  it('takes statements larger than the 1 MiB JSON limit', async () => {
    const remittance = 'R'.repeat(140);
    const entries: BookedEntry[] = Array.from({ length: 1600 }, (_, i) => ({
      ...debitEntry(`B-${i}`, '1.00', '2025-03-12'),
      counterparty: undefined,
      remittanceInformation: remittance,
    }));
    const big = buildCamt053(
      {
        version: 'camt.053.001.08',
        messageId: 'M-BIG',
        creationDateTime: '2025-03-12T22:00:00Z',
        statements: [
          {
            ...dayStatement('S-0312', '2025-03-12', '798.50', entries),
            account: { iban: 'CH9300762011623852957' },
          },
        ],
      },
      // Indented, as banks commonly send it: the size is the point here.
      { layout: 'indented' },
    );
    expect(big.length).toBeGreaterThan(1 << 20);
    const reply = await postXml(big, t.tina);
    expect(reply.status).toBe(201);
    // A first statement of another account: its opening is the ledger's too, and the ledger paid nothing from it.
    expect(reply.body.statements[0]).toMatchObject({
      unmatched: 1600,
      balance: { agreed: false, difference: '-1600.00', fullyExplained: true },
    });
  });
});
