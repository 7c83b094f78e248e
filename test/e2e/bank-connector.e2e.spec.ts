import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ibanEndingWith } from '../bank/bank-fixtures';
import { RunningApp, startApp } from '../support/app-process';
import {
  approvedClaim,
  auditStream,
  DispatchReply,
  ledgerTokens,
  paymentReaching,
  PaymentView,
  Tokens,
} from '../support/bank/ledger-bank-flow';
import { Api, TEST_AUDIENCE, TEST_ISSUER, TEST_JWT_SECRET } from '../support/http-client';

jest.setTimeout(120_000);

/**
 * The whole bank round in one embedded ledger (in-process sandbox bank): claims approved over HTTP, one
 * batch dispatched, and every outcome the sandbox can give — settled, closed account, returned after
 * settling, pending then settled, insufficient funds — read back from the payments and balances models.
 */
describe('bank connector end to end (embedded ledger, in-process sandbox bank)', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'ledger-bank-e2e-'));
  const debtorIban = ibanEndingWith('9990', 77);
  // Enough for the three payments the bank takes on (100 + 300 + 400), not for the fifth (500).
  const openingBalance = { value: '800.00', currency: 'EUR' };
  const payees = [
    { name: 'ordinary', iban: ibanEndingWith('1234', 11), amount: '100.00' },
    { name: 'closed', iban: ibanEndingWith('0000', 12), amount: '200.00' },
    { name: 'returned', iban: ibanEndingWith('0001', 13), amount: '300.00' },
    { name: 'pending', iban: ibanEndingWith('0002', 14), amount: '400.00' },
    { name: 'unfunded', iban: ibanEndingWith('5678', 15), amount: '500.00' },
  ] as const;
  const dispatchRequest = (claimIds: string[]) => ({
    claimIds,
    debtorAccount: { iban: debtorIban },
  });
  let app: RunningApp;
  let api: Api;
  let tokens: Tokens;
  let dispatched: DispatchReply;
  const payments: Record<string, PaymentView> = {};

  beforeAll(async () => {
    app = await startApp('apps/ledger/src/main.ts', {
      LEDGER_DATA_DIR: dataDir,
      AUTH_JWT_SECRET: TEST_JWT_SECRET,
      AUTH_JWT_ISSUER: TEST_ISSUER,
      AUTH_JWT_AUDIENCE: TEST_AUDIENCE,
      SANDBOX_BANK_SETTLE_AFTER_MS: '50',
      SANDBOX_BANK_PENDING_FOR_MS: '300',
      SANDBOX_BANK_RETURN_AFTER_MS: '300',
      SANDBOX_BANK_OPENING_BALANCES: JSON.stringify([
        { account: { iban: debtorIban }, balance: openingBalance },
      ]),
    });
    api = new Api(app.url);
    tokens = await ledgerTokens();

    const claimIds: string[] = [];
    for (const payee of payees) {
      claimIds.push(await approvedClaim(api, tokens, { payeeIban: payee.iban, amount: payee.amount }));
    }
    const reply = await api.post<DispatchReply>(
      '/payments/dispatch',
      tokens.tina,
      dispatchRequest(claimIds),
      {
        'idempotency-key': 'bank-e2e-batch-1',
      },
    );
    if (reply.status !== 202) throw new Error(JSON.stringify(reply.body));
    dispatched = reply.body;
    const finalStatus = ['settled', 'rejected', 'returned', 'settled', 'rejected'] as const;
    for (const [i, payee] of payees.entries()) {
      const { paymentId } = dispatched.payments[i];
      payments[payee.name] = await paymentReaching(api, tokens.tina, paymentId, finalStatus[i]);
    }
  });
  afterAll(async () => {
    await app?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const statuses = (name: string) => payments[name].timeline.map((entry) => entry.status);

  it('an ordinary payee is accepted, then settled', () => {
    expect(payments.ordinary).toMatchObject({
      status: 'settled',
      amount: { value: '100.00', currency: 'EUR' },
    });
    expect(statuses('ordinary')).toEqual(['dispatched', 'accepted', 'settled']);
    expect(payments.ordinary.reasonCode).toBeUndefined();
  });

  it('a closed creditor account (…0000) is rejected with AC04', () => {
    expect(payments.closed).toMatchObject({ status: 'rejected', reasonCode: 'AC04' });
    expect(statuses('closed')).toEqual(['dispatched', 'rejected']);
  });

  it('a creditor account ending 0001 is settled, then returned with AC06', () => {
    expect(payments.returned).toMatchObject({ status: 'returned', reasonCode: 'AC06' });
    expect(statuses('returned')).toEqual(['dispatched', 'accepted', 'settled', 'returned']);
    expect(payments.returned.timeline[3].reasonCode).toBe('AC06');
  });

  it('a creditor account ending 0002 stays pending (nothing recorded), then settles', () => {
    expect(payments.pending.status).toBe('settled');
    // PDNG is not an outcome: the ledger records nothing until the bank books the transfer.
    expect(statuses('pending')).toEqual(['dispatched', 'settled']);
  });

  it('a payment beyond the debtor account balance is rejected with AM04', () => {
    expect(payments.unfunded).toMatchObject({ status: 'rejected', reasonCode: 'AM04' });
    expect(statuses('unfunded')).toEqual(['dispatched', 'rejected']);
  });

  it('the batch counts each final status', async () => {
    const batch = await api.get<{
      counts: Record<string, number>;
      totals: Record<string, string>;
    }>(`/payment-batches/${dispatched.batchId}`, tokens.tina);
    expect(batch.status).toBe(200);
    expect(batch.body.counts).toMatchObject({
      dispatched: 0,
      accepted: 0,
      settled: 2,
      rejected: 2,
      returned: 1,
      failed: 0,
      cancelled: 0,
    });
    expect(batch.body.totals).toEqual({ EUR: '1500.00' });
    const listed = await api.get<{ items: Array<{ paymentId: string; status: string }> }>(
      `/payments?batchId=${dispatched.batchId}&limit=100`,
      tokens.tina,
    );
    expect(listed.status).toBe(200);
    expect(listed.body.items.map((p) => p.paymentId).sort()).toEqual(
      dispatched.payments.map((p) => p.paymentId).sort(),
    );
  });

  it('balances: the bank account paid 800.00 and got 300.00 back, nothing is left in transit, every ledger balances', async () => {
    const bank = await api.get<{ items: Array<Record<string, string>> }>(
      `/balances/${encodeURIComponent(`bank:iban:${debtorIban}`)}`,
      tokens.audrey,
    );
    expect(bank.status).toBe(200);
    expect(bank.body.items).toHaveLength(1);
    expect(bank.body.items[0]).toMatchObject({
      ledger: 'EUR',
      creditsPosted: '800.00',
      debitsPosted: '300.00',
      creditsPending: '0.00',
      debitsPending: '0.00',
    });
    const inTransit = await api.get<{ items: Array<Record<string, string>> }>(
      `/balances/${encodeURIComponent(`bank-in-transit:iban:${debtorIban}`)}`,
      tokens.audrey,
    );
    expect(inTransit.status).toBe(200);
    expect(inTransit.body.items[0]).toMatchObject({
      creditsPending: '0.00',
      debitsPending: '0.00',
      debitsPosted: '800.00',
      creditsPosted: '800.00',
    });
    const trial = await api.get<{ ledgers: Array<Record<string, unknown>> }>('/trial-balance', tokens.audrey);
    expect(trial.status).toBe(200);
    expect(trial.body.ledgers.length).toBeGreaterThan(0);
    for (const ledger of trial.body.ledgers) {
      expect(ledger).toMatchObject({ balanced: true });
      expect(ledger.debitsPosted).toBe(ledger.creditsPosted);
      expect(ledger.debitsPending).toBe(ledger.creditsPending);
    }
  });

  it('parks no bank message: every one was signed, valid and about a known payment', async () => {
    const parked = await api.get<{ items: unknown[] }>('/bank/parked-messages', tokens.tina);
    expect(parked.status).toBe(200);
    expect(parked.body.items).toEqual([]);
  });

  it('the same dispatch again with the same Idempotency-Key changes nothing: one settlement per payment', async () => {
    const before = await auditStream(app.url, tokens.audrey, `payment-${payments.ordinary.paymentId}`);
    const again = await api.post<DispatchReply>(
      '/payments/dispatch',
      tokens.tina,
      dispatchRequest(dispatched.payments.map((p) => p.claimId)),
      { 'idempotency-key': 'bank-e2e-batch-1' },
    );
    expect(again.status).toBe(202);
    expect(again.body).toMatchObject({
      batchId: dispatched.batchId,
      payments: dispatched.payments,
      replayed: true,
    });

    const settledOnce = { ordinary: 1, closed: 0, returned: 1, pending: 1, unfunded: 0 };
    for (const [i, payee] of payees.entries()) {
      const events = await auditStream(app.url, tokens.audrey, `payment-${dispatched.payments[i].paymentId}`);
      expect(events.filter((e) => e.type === 'PaymentDispatched')).toHaveLength(1);
      expect({
        payee: payee.name,
        settled: events.filter((e) => e.type === 'PaymentSettled').length,
      }).toEqual({
        payee: payee.name,
        settled: settledOnce[payee.name],
      });
    }
    const view = await api.get<PaymentView>(`/payments/${payments.ordinary.paymentId}`, tokens.tina);
    expect(view.body.timeline.filter((entry) => entry.status === 'settled')).toHaveLength(1);
    expect(await auditStream(app.url, tokens.audrey, `payment-${payments.ordinary.paymentId}`)).toEqual(
      before,
    );
    const batch = await auditStream(app.url, tokens.audrey, `paymentBatch-${dispatched.batchId}`);
    expect(batch.map((e) => e.type)).toEqual(['PaymentBatchDispatched']);
  });

  it("the bank's end-of-day statement reaches reconciliation: every booked entry matched, the balance agrees", async () => {
    const closed = await api.post<{ statements: number; alreadyClosed: boolean }>(
      '/sandbox/end-of-day',
      tokens.tina,
      {},
    );
    expect(closed.status).toBe(200);
    expect(closed.body).toMatchObject({ statements: 1, alreadyClosed: false });

    type Item = { kind: string; status: string; paymentId?: string; leg?: string; amount: string };
    let items: Item[] = [];
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline) {
      const page = await api.get<{ items: Item[] }>('/reconciliation?limit=200', tokens.tina);
      items = page.body.items ?? [];
      if (items.some((i) => i.kind.startsWith('balance_'))) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    const matched = items
      .filter((i) => i.kind === 'entry_matched')
      .map((i) => `${i.paymentId}:${i.leg}:${i.amount}`)
      .sort();
    expect(matched).toEqual(
      [
        `${payments.ordinary.paymentId}:settlement:100.00`,
        `${payments.returned.paymentId}:settlement:300.00`,
        `${payments.returned.paymentId}:return:300.00`,
        `${payments.pending.paymentId}:settlement:400.00`,
      ].sort(),
    );
    expect(items.filter((i) => i.status !== 'matched')).toEqual([]);
    expect(items.map((i) => i.kind)).toContain('balance_agreed');

    const again = await api.post<{ alreadyClosed: boolean }>('/sandbox/end-of-day', tokens.tina, {});
    expect(again.body.alreadyClosed).toBe(true);
    const refused = await api.post('/sandbox/end-of-day', tokens.alice, {});
    expect(refused.status).toBe(403);
  });
});
