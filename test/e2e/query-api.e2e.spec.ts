import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RunningApp, startApp } from '../support/app-process';
import { Api, TEST_AUDIENCE, TEST_ISSUER, TEST_JWT_SECRET, tokenFor } from '../support/http-client';

jest.setTimeout(60_000);

type Page = { items: Array<Record<string, unknown>>; next?: string; position: string };

describe('query API and audit trail over HTTP (embedded adapters)', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'ledger-query-'));
  let app: RunningApp;
  let api: Api;
  const t: Record<string, string> = {};
  let claimId: string;
  let paymentId: string;
  let lastPosition: string;
  let beforeDispatch: string;

  beforeAll(async () => {
    app = await startApp('apps/ledger/src/main.ts', {
      LEDGER_DATA_DIR: dataDir,
      AUTH_JWT_SECRET: TEST_JWT_SECRET,
      AUTH_JWT_ISSUER: TEST_ISSUER,
      AUTH_JWT_AUDIENCE: TEST_AUDIENCE,
    });
    api = new Api(app.url);
    const people: Record<string, string[]> = {
      alice: ['employee'],
      erin: ['employee'],
      mike: ['manager'],
      fiona: ['finance'],
      tina: ['treasurer'],
      audrey: ['auditor'],
    };
    for (const [name, roles] of Object.entries(people)) t[name] = await tokenFor(name, roles);
    const submitted = await api.post<{ claimId: string }>('/claims', t.alice, {
      payee: { name: 'ACME', account: { iban: 'DE89370400440532013000' } },
      amount: { value: '250000.00', currency: 'EUR' },
      costCenter: 'CC-100',
      category: 'travel',
      description: 'Fleet',
      invoiceNumber: `INV-${randomUUID().slice(0, 8)}`,
    });
    claimId = submitted.body.claimId;
    await api.post(`/claims/${claimId}/approvals`, t.mike, {});
    await api.post(`/claims/${claimId}/approvals`, t.fiona, {});
    const approved = await api.post<{ position: string }>(
      `/claims/${claimId}/approvals`,
      await tokenFor('carl', ['cfo']),
      {},
    );
    beforeDispatch = approved.body.position;
    await new Promise((r) => setTimeout(r, 1100));
    const dispatched = await api.post<{ payments: Array<{ paymentId: string }>; position: string }>(
      '/payments/dispatch',
      t.tina,
      {
        claimIds: [claimId],
        debtorAccount: { iban: 'GB82WEST12345698765432' },
      },
    );
    paymentId = dispatched.body.payments[0].paymentId;
    lastPosition = dispatched.body.position;
  });
  afterAll(async () => {
    await app?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('answers with what a command just wrote when asked for its position', async () => {
    const payment = await api.get<{ status: string; position: string }>(
      `/payments/${paymentId}?minPosition=${lastPosition}`,
      t.fiona,
    );
    expect(payment.status).toBe(200);
    expect(payment.body.status).toBe('dispatched');
    expect(BigInt(payment.body.position)).toBeGreaterThanOrEqual(BigInt(lastPosition));
    const approvals = await api.get<Page>(`/approvals?status=approved&minPosition=${lastPosition}`, t.fiona);
    expect(approvals.body.items.map((i) => i.claimId)).toContain(claimId);
    expect(typeof approvals.body.items[0].ageSeconds).toBe('number');
  });

  it('keeps balanced books: the trial balance of every ledger sums to zero, payable moved to in-transit', async () => {
    const trial = await api.get<{ ledgers: Array<{ ledger: string; balanced: boolean }>; position: string }>(
      `/trial-balance?minPosition=${lastPosition}`,
      t.fiona,
    );
    expect(trial.status).toBe(200);
    expect(trial.body.ledgers).toEqual([expect.objectContaining({ ledger: 'EUR', balanced: true })]);
    const transit = await api.get<Page>(`/balances?ledger=EUR&accountPrefix=bank-in-transit:`, t.fiona);
    expect(transit.body.items).toEqual([
      expect.objectContaining({ creditsPending: '250000.00', ledger: 'EUR' }),
    ]);
    const one = await api.get<Page>(
      `/balances/${encodeURIComponent(String(transit.body.items[0].account))}`,
      t.audrey,
    );
    expect(one.body.items).toHaveLength(1);
  });

  it('answers balances as of a past time from the log', async () => {
    const asOf = new Date(Date.now() - 24 * 3600 * 1000).toISOString();
    const before = await api.get<Page & { asOf: string }>(`/balances?asOf=${asOf}`, t.fiona);
    expect(before.status).toBe(200);
    expect(before.body.items).toEqual([]);
    const now = await api.get<Page>(
      `/balances?asOf=${new Date().toISOString()}&accountPrefix=payable:`,
      t.fiona,
    );
    expect(now.body.items).toEqual([
      expect.objectContaining({ creditsPosted: '250000.00', debitsPending: '250000.00' }),
    ]);
    expect(BigInt(beforeDispatch)).toBeLessThan(BigInt(lastPosition));
  });

  it('lists the large-payment alert for risk', async () => {
    const alerts = await api.get<Page>(
      `/risk/alerts?kind=large_payment&minPosition=${lastPosition}`,
      t.fiona,
    );
    expect(alerts.body.items).toEqual([expect.objectContaining({ paymentId, claimId })]);
  });

  it('pages with cursors, and refuses bad filters with 400 problem+json', async () => {
    const first = await api.get<Page>('/approvals?limit=1', t.fiona);
    expect(first.body.items).toHaveLength(1);
    for (const bad of [
      '/approvals?limit=0',
      '/approvals?status=maybe',
      '/payments?from=yesterday',
      '/payments?sort=-amount',
      '/balances?cursor=%24%24',
    ]) {
      const reply = await api.get<{ code: string }>(bad, t.fiona);
      expect({ bad, status: reply.status, code: reply.body.code }).toEqual({
        bad,
        status: 400,
        code: 'QUERY.INVALID',
      });
      expect(reply.headers.get('content-type')).toContain('application/problem+json');
    }
  });

  it('shows employees only their own claims, and keeps balances from them', async () => {
    const own = await api.get<Page>('/approvals', t.alice);
    expect(own.body.items.map((i) => i.claimId)).toEqual([claimId]);
    const other = await api.get<Page>('/approvals', t.erin);
    expect(other.body.items).toEqual([]);
    expect((await api.get('/balances', t.alice)).status).toBe(403);
    expect((await api.get('/audit/events', t.fiona)).status).toBe(403);
  });

  it('streams the full history to auditors as NDJSON, in log order, and one stream', async () => {
    const response = await fetch(`${app.url}/audit/events?fromPosition=0`, {
      headers: { authorization: `Bearer ${t.audrey}` },
    });
    expect(response.headers.get('content-type')).toContain('application/x-ndjson');
    const lines = (await response.text())
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { position: string; type: string });
    expect(lines[0].type).toBe('DuplicateGuardReserved');
    expect(lines.map((l) => BigInt(l.position))).toEqual(
      lines.map((l) => BigInt(l.position)).sort((a, b) => (a < b ? -1 : 1)),
    );
    // Every event up to the dispatch is there, once, in order (the embedded log's positions are
    // consecutive); the in-process bank may have answered for it since, which comes after.
    const positions = lines.map((l) => BigInt(l.position));
    const upToDispatch = positions.filter((p) => p <= BigInt(lastPosition));
    const expected = Array.from(
      { length: Number(BigInt(lastPosition) - positions[0]) + 1 },
      (_, i) => positions[0] + BigInt(i),
    );
    expect(upToDispatch).toEqual(expected);
    expect(upToDispatch[upToDispatch.length - 1]).toBe(BigInt(lastPosition));
    const stream = await fetch(`${app.url}/audit/streams/claim-${claimId}`, {
      headers: { authorization: `Bearer ${t.audrey}` },
    });
    const types = (await stream.text())
      .trim()
      .split('\n')
      .map((l) => (JSON.parse(l) as { type: string }).type);
    expect(types[0]).toBe('ClaimSubmitted');
    expect(types[types.length - 1]).toBe('ClaimPaymentDispatched');
  });
});
