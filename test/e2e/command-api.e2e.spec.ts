import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BANK_RECEIPT_SCHEMA_VERSION, BANK_RECEIPTS_TOPIC, BankReceipt } from '@ledger/events';
import { EmbeddedEventStore } from '@ledger/infra';
import { EmbeddedMessageBus } from '@ledger/infra/bus';
import { RunningApp, startApp } from '../support/app-process';
import { Api, Reply, TEST_AUDIENCE, TEST_ISSUER, TEST_JWT_SECRET, tokenFor } from '../support/http-client';

jest.setTimeout(60_000);

type ClaimReply = {
  claimId: string;
  status: string;
  requiredLevels: string[];
  approvals: Array<{ level: string; approvedBy: string }>;
  position: string | null;
  replayed: boolean;
};
type Problem = { status: number; code: string; detail: string; details?: Record<string, unknown> };

describe('command API over HTTP (embedded adapters)', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'ledger-e2e-'));
  let app: RunningApp;
  let api: Api;
  let log: EmbeddedEventStore;
  const tokens: Record<string, string> = {};
  const people: Record<string, string[]> = {
    alice: ['employee'],
    erin: ['employee'],
    mallory: ['employee', 'manager'],
    mike: ['manager'],
    maria: ['manager'],
    fiona: ['finance'],
    frank: ['manager', 'finance'],
    carl: ['cfo'],
    tina: ['treasurer'],
    tom: ['treasurer', 'employee'],
    audrey: ['auditor'],
  };

  beforeAll(async () => {
    app = await startApp('apps/ledger/src/main.ts', {
      LEDGER_DATA_DIR: dataDir,
      // The bank's answers would append receipts while refusals check that nothing was appended; the
      // bank side has its own e2e suite.
      LEDGER_BANK_CONNECTOR: 'off',
      AUTH_JWT_SECRET: TEST_JWT_SECRET,
      AUTH_JWT_ISSUER: TEST_ISSUER,
      AUTH_JWT_AUDIENCE: TEST_AUDIENCE,
    });
    api = new Api(app.url);
    log = new EmbeddedEventStore({ file: join(dataDir, 'events.sqlite') });
    for (const [name, roles] of Object.entries(people)) tokens[name] = await tokenFor(name, roles);
  });
  afterAll(async () => {
    await log?.close();
    await app?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  function claimBody(overrides: Record<string, unknown> = {}) {
    return {
      payee: { name: 'ACME Supplies Ltd', account: { iban: 'DE89370400440532013000' } },
      amount: { value: '1234.56', currency: 'CNY' },
      costCenter: 'CC-100',
      category: 'travel',
      description: 'Conference trip',
      invoiceNumber: `INV-${randomUUID().slice(0, 8)}`,
      ...overrides,
    };
  }

  async function submit(
    who = 'alice',
    overrides: Record<string, unknown> = {},
    headers?: Record<string, string>,
  ) {
    return api.post<ClaimReply>('/claims', tokens[who], claimBody(overrides), headers);
  }

  async function approve(claimId: string, who: string, body: Record<string, unknown> = {}) {
    return api.post<ClaimReply & Problem>(`/claims/${claimId}/approvals`, tokens[who], body);
  }

  /** Runs a request that must be refused, and proves the refusal appended nothing. */
  async function refused(status: number, code: string, request: () => Promise<Reply>): Promise<Problem> {
    const before = await log.headPosition();
    const reply = await request();
    expect(reply.headers.get('content-type')).toContain('application/problem+json');
    expect({ status: reply.status, code: reply.body.code }).toEqual({ status, code });
    expect(await log.headPosition()).toBe(before);
    return reply.body as unknown as Problem;
  }

  describe('happy paths, one per approval tier', () => {
    it.each([
      ['5000.00', 'CNY', ['manager'], ['mike']],
      ['5000.01', 'CNY', ['manager', 'finance'], ['mike', 'fiona']],
      ['50000.00', 'EUR', ['manager', 'finance'], ['mike', 'fiona']],
      ['50000.01', 'EUR', ['manager', 'finance', 'cfo'], ['mike', 'fiona', 'carl']],
      ['7000000', 'JPY', ['manager', 'finance', 'cfo'], ['mike', 'fiona', 'carl']],
    ])('%s %s needs %j, approved in order, then dispatched', async (value, currency, levels, approvers) => {
      const submitted = await submit('alice', { amount: { value, currency } });
      expect(submitted.status).toBe(201);
      expect(submitted.body).toMatchObject({
        status: 'pending_approval',
        requiredLevels: levels,
        approvals: [],
      });
      expect(BigInt(submitted.body.position!)).toBeGreaterThan(0n);
      expect(submitted.headers.get('location')).toBe(`/claims/${submitted.body.claimId}`);
      const { claimId } = submitted.body;

      let last = submitted;
      for (const [i, approver] of approvers.entries()) {
        const approved = await approve(claimId, approver);
        expect(approved.status).toBe(200);
        expect(approved.body.approvals).toHaveLength(i + 1);
        expect(BigInt(approved.body.position!)).toBeGreaterThan(BigInt(last.body.position!));
        last = approved;
      }
      expect(last.body.status).toBe('approved');
      expect(last.body.approvals).toEqual(levels.map((level, i) => ({ level, approvedBy: approvers[i] })));

      const dispatched = await api.post<{
        batchId: string;
        payments: Array<{ claimId: string; paymentId: string }>;
        position: string;
      }>('/payments/dispatch', tokens.tina, {
        claimIds: [claimId],
        debtorAccount: { iban: 'GB82WEST12345698765432' },
      });
      expect(dispatched.status).toBe(202);
      expect(dispatched.body.payments).toEqual([{ claimId, paymentId: expect.any(String) }]);

      const read = await api.get<{ status: string; paymentId: string; events: Array<{ type: string }> }>(
        `/claims/${claimId}`,
        tokens.alice,
      );
      expect(read.status).toBe(200);
      expect(read.body.status).toBe('payment_dispatched');
      expect(read.body.paymentId).toBe(dispatched.body.payments[0].paymentId);
      expect(read.body.events.map((e) => e.type)).toEqual([
        'ClaimSubmitted',
        ...levels.map(() => 'ClaimLevelApproved'),
        'ClaimApproved',
        'ClaimPaymentDispatched',
      ]);
      const payment = await log.readStream(`payment-${dispatched.body.payments[0].paymentId}`);
      expect(payment.map((e) => e.type)).toContain('PaymentDispatched');
      expect(payment[0].metadata.actor.subject).toBe('tina');
    });

    it('accepts a domestic { number, bankCode } account, as used for CNY', async () => {
      const reply = await submit('alice', {
        payee: { name: '上海供应商', account: { number: '6222021001115555', bankCode: '102100099996' } },
      });
      expect(reply.status).toBe(201);
    });

    it('dispatches a batch of claims in one request with one payment per claim', async () => {
      const ids: string[] = [];
      for (let i = 0; i < 3; i++) {
        const { body } = await submit('alice', { amount: { value: `${100 + i}.00`, currency: 'EUR' } });
        await approve(body.claimId, 'mike');
        ids.push(body.claimId);
      }
      const reply = await api.post<{
        batchId: string;
        payments: Array<{ claimId: string; paymentId: string }>;
      }>('/payments/dispatch', tokens.tina, {
        claimIds: ids,
        debtorAccount: { iban: 'GB82WEST12345698765432' },
        requestedExecutionDate: '2099-01-02',
      });
      expect(reply.status).toBe(202);
      expect(reply.body.payments.map((p) => p.claimId)).toEqual(ids);
      expect(new Set(reply.body.payments.map((p) => p.paymentId)).size).toBe(3);
    });
  });

  describe('refusals: a clear problem, and nothing appended', () => {
    it('400 for invalid input: unknown fields, bad money, bad accounts, oversized text', async () => {
      await refused(400, 'REQUEST.INVALID', () =>
        api.post('/claims', tokens.alice, { ...claimBody(), extra: 1 }),
      );
      await refused(400, 'REQUEST.INVALID', () =>
        api.post('/claims', tokens.alice, { ...claimBody(), description: 'x'.repeat(2001) }),
      );
      await refused(400, 'REQUEST.INVALID', () =>
        api.post(
          '/claims',
          tokens.alice,
          claimBody({
            payee: { name: 'X', account: { iban: 'DE89370400440532013000', number: '1', bankCode: '2' } },
          }),
        ),
      );
      await refused(400, 'REQUEST.INVALID', () =>
        api.post('/claims', tokens.alice, claimBody({ amount: { value: 12.5, currency: 'EUR' } })),
      );
      await refused(400, 'REQUEST.INVALID', () => api.post('/claims', tokens.alice, '{"payee":'));
      const decimals = await refused(400, 'CLAIM.INVALID_AMOUNT', () =>
        api.post('/claims', tokens.alice, claimBody({ amount: { value: '10.001', currency: 'CNY' } })),
      );
      expect(decimals.detail).toMatch(/decimal/);
      await refused(400, 'CLAIM.INVALID_AMOUNT', () =>
        api.post('/claims', tokens.alice, claimBody({ amount: { value: '10', currency: 'XXX' } })),
      );
      await refused(400, 'CLAIM.INVALID_AMOUNT', () =>
        api.post('/claims', tokens.alice, claimBody({ amount: { value: '-10.00', currency: 'EUR' } })),
      );
      await refused(400, 'CLAIM.INVALID_AMOUNT', () =>
        api.post(
          '/claims',
          tokens.alice,
          claimBody({ amount: { value: '9999999999999.00', currency: 'EUR' } }),
        ),
      );
      await refused(400, 'CLAIM.INVALID_PAYEE_ACCOUNT', () =>
        api.post(
          '/claims',
          tokens.alice,
          claimBody({ payee: { name: 'X', account: { iban: 'DE00370400440532013000' } } }),
        ),
      );
      await refused(400, 'REQUEST.INVALID', () =>
        api.post('/payments/dispatch', tokens.tina, {
          claimIds: [],
          debtorAccount: { iban: 'GB82WEST12345698765432' },
        }),
      );
    });

    it('401 for a missing, expired, not-yet-valid, wrong-issuer, wrong-audience, alg:none or tampered token', async () => {
      const body = claimBody();
      const bad = [
        undefined,
        await tokenFor('alice', ['employee'], { expiresIn: Math.floor(Date.now() / 1000) - 60 }),
        await tokenFor('alice', ['employee'], { notBefore: Math.floor(Date.now() / 1000) + 600 }),
        await tokenFor('alice', ['employee'], { issuer: 'https://evil.test' }),
        await tokenFor('alice', ['employee'], { audience: 'someone-else' }),
        await tokenFor('alice', ['employee'], { secret: 'another-secret-that-is-long-enough-too!!' }),
        unsignedToken({
          sub: 'alice',
          roles: ['admin'],
          iss: TEST_ISSUER,
          aud: TEST_AUDIENCE,
          exp: Math.floor(Date.now() / 1000) + 600,
        }),
        tamper(tokens.alice),
      ];
      for (const token of bad) {
        await refused(401, token ? 'AUTH.INVALID_TOKEN' : 'AUTH.MISSING_TOKEN', () =>
          api.request('POST', '/claims', { token, body }),
        );
      }
    });

    it('403 for a missing role, self-approval, one person approving two levels, and a claimant dispatching', async () => {
      const { body: claim } = await submit('mallory', { amount: { value: '20000.00', currency: 'EUR' } });
      await refused(403, 'AUTH.ROLE_REQUIRED', () => approve(claim.claimId, 'alice'));
      await refused(403, 'CLAIM.SELF_APPROVAL', () => approve(claim.claimId, 'mallory'));
      expect((await approve(claim.claimId, 'frank')).status).toBe(200);
      await refused(403, 'CLAIM.LEVEL_ALREADY_APPROVED_BY_ACTOR', () => approve(claim.claimId, 'frank'));
      await refused(403, 'CLAIM.APPROVER_ROLE_REQUIRED', () => approve(claim.claimId, 'mike'));
      expect((await approve(claim.claimId, 'fiona')).status).toBe(200);

      const { body: own } = await submit('tom', { amount: { value: '10.00', currency: 'EUR' } });
      await approve(own.claimId, 'mike');
      await refused(403, 'PAYMENT.TREASURER_IS_CLAIMANT', () =>
        api.post('/payments/dispatch', tokens.tom, {
          claimIds: [own.claimId],
          debtorAccount: { iban: 'GB82WEST12345698765432' },
        }),
      );
      await refused(403, 'AUTH.ROLE_REQUIRED', () =>
        api.post('/payments/dispatch', tokens.mike, {
          claimIds: [own.claimId],
          debtorAccount: { iban: 'GB82WEST12345698765432' },
        }),
      );
      const { body: pending } = await submit('alice');
      await refused(403, 'CLAIM.NOT_CLAIMANT', () =>
        api.post(`/claims/${pending.claimId}/withdrawal`, tokens.erin),
      );
    });

    it('404 for an unknown claim, and for someone else\u2019s claim', async () => {
      await refused(404, 'CLAIM.NOT_FOUND', () => approve('no-such-claim', 'mike'));
      const missing = await api.get<Problem>('/claims/no-such-claim', tokens.audrey);
      expect({ status: missing.status, code: missing.body.code }).toEqual({
        status: 404,
        code: 'CLAIM.NOT_FOUND',
      });
      const { body: claim } = await submit('alice');
      expect((await api.get(`/claims/${claim.claimId}`, tokens.erin)).status).toBe(404);
      expect((await api.get(`/claims/${claim.claimId}`, tokens.audrey)).status).toBe(200);
      await refused(404, 'CLAIM.NOT_FOUND', () =>
        api.post('/payments/dispatch', tokens.tina, {
          claimIds: ['no-such-claim'],
          debtorAccount: { iban: 'GB82WEST12345698765432' },
        }),
      );
    });

    it('409 for a duplicate invoice, naming the first claim; a rejected first claim frees the invoice', async () => {
      const body = claimBody();
      const first = await api.post<ClaimReply>('/claims', tokens.alice, body);
      const duplicate = await refused(409, 'CLAIM.DUPLICATE', () => api.post('/claims', tokens.erin, body));
      expect(duplicate.details).toMatchObject({ firstClaimId: first.body.claimId });
      expect(duplicate.detail).toContain(first.body.claimId);
      // Same invoice, different amount: not a duplicate.
      expect(
        (await api.post('/claims', tokens.alice, { ...body, amount: { value: '1.00', currency: 'CNY' } }))
          .status,
      ).toBe(201);
      expect(
        (
          await api.post(`/claims/${first.body.claimId}/rejection`, tokens.mike, {
            reason: 'wrong cost centre',
          })
        ).status,
      ).toBe(200);
      expect((await api.post('/claims', tokens.alice, body)).status).toBe(201);
    });

    it('409 for wrong states: withdrawing after approval, approving a withdrawn claim, dispatching twice, dispatching unapproved claims', async () => {
      const { body: a } = await submit('alice', { amount: { value: '10.00', currency: 'EUR' } });
      await approve(a.claimId, 'mike');
      await refused(409, 'CLAIM.ALREADY_APPROVED', () =>
        api.post(`/claims/${a.claimId}/withdrawal`, tokens.alice),
      );
      await refused(409, 'CLAIM.ALREADY_APPROVED', () => approve(a.claimId, 'maria'));

      const { body: b } = await submit('alice', { amount: { value: '10.00', currency: 'EUR' } });
      expect(
        (await api.post(`/claims/${b.claimId}/withdrawal`, tokens.alice, { reason: 'paid privately' }))
          .status,
      ).toBe(200);
      await refused(409, 'CLAIM.CLOSED', () => approve(b.claimId, 'mike'));

      const { body: c } = await submit('alice', { amount: { value: '10.00', currency: 'EUR' } });
      const batch = { claimIds: [a.claimId, c.claimId], debtorAccount: { iban: 'GB82WEST12345698765432' } };
      const notApproved = await refused(409, 'CLAIM.NOT_APPROVED', () =>
        api.post('/payments/dispatch', tokens.tina, batch),
      );
      expect(notApproved.details).toMatchObject({ claimIds: [c.claimId] });

      const single = { claimIds: [a.claimId], debtorAccount: { iban: 'GB82WEST12345698765432' } };
      expect((await api.post('/payments/dispatch', tokens.tina, single)).status).toBe(202);
      await refused(409, 'PAYMENT.ALREADY_DISPATCHED', () =>
        api.post('/payments/dispatch', tokens.tina, single),
      );
    });

    it('412 when If-Match names a revision the claim has moved past', async () => {
      const { body: claim, headers } = await submit('alice', {
        amount: { value: '20000.00', currency: 'EUR' },
      });
      expect(headers.get('etag')).toBe('"0"');
      const first = await api.post(
        `/claims/${claim.claimId}/approvals`,
        tokens.mike,
        {},
        { 'if-match': '"0"' },
      );
      expect(first.status).toBe(200);
      expect(first.headers.get('etag')).toBe('"1"');
      await refused(412, 'PRECONDITION.STALE', () =>
        api.post(`/claims/${claim.claimId}/approvals`, tokens.fiona, {}, { 'if-match': '"0"' }),
      );
    });

    it('422 when an Idempotency-Key is reused for a different request', async () => {
      const key = randomUUID();
      expect((await submit('alice', {}, { 'idempotency-key': key })).status).toBe(201);
      await refused(422, 'IDEMPOTENCY.KEY_REUSED', () =>
        submit('alice', { description: 'something else' }, { 'idempotency-key': key }),
      );
    });
  });

  describe('idempotent retries', () => {
    it('ten concurrent submissions with one Idempotency-Key make one claim and get one answer', async () => {
      const key = randomUUID();
      const body = claimBody();
      const before = await log.headPosition();
      const replies = await Promise.all(
        Array.from({ length: 10 }, () =>
          api.post<ClaimReply>('/claims', tokens.alice, body, { 'idempotency-key': key }),
        ),
      );
      expect(replies.map((r) => r.status)).toEqual(Array(10).fill(201));
      expect(new Set(replies.map((r) => r.body.claimId)).size).toBe(1);
      expect(new Set(replies.map((r) => r.body.position)).size).toBe(1);
      const claimId = replies[0].body.claimId;
      const written = await collectAfter(before);
      expect(written.filter((e) => e.streamId === `claim-${claimId}`).map((e) => e.type)).toEqual([
        'ClaimSubmitted',
      ]);
      expect(written.filter((e) => e.type === 'ClaimSubmitted')).toHaveLength(1);
      // A later retry gets the first answer, even after the claim moved on.
      await approve(claimId, 'mike');
      const later = await api.post<ClaimReply>('/claims', tokens.alice, body, { 'idempotency-key': key });
      expect(later.body).toMatchObject({
        claimId,
        status: 'pending_approval',
        position: replies[0].body.position,
        replayed: true,
      });
    });

    it('a client-chosen claimId makes a retry return the first response', async () => {
      const claimId = `exp-${randomUUID()}`;
      const body = claimBody({ claimId });
      const first = await api.post<ClaimReply>('/claims', tokens.alice, body);
      const retry = await api.post<ClaimReply>('/claims', tokens.alice, body);
      expect(first.status).toBe(201);
      expect(retry.status).toBe(201);
      expect(retry.body).toMatchObject({ claimId, position: first.body.position, replayed: true });
      expect(await log.readStream(`claim-${claimId}`)).toHaveLength(1);
    });

    it('a retried dispatch with the same key pays once', async () => {
      const { body: claim } = await submit('alice', { amount: { value: '42.00', currency: 'EUR' } });
      await approve(claim.claimId, 'mike');
      const key = randomUUID();
      const request = { claimIds: [claim.claimId], debtorAccount: { iban: 'GB82WEST12345698765432' } };
      const replies = await Promise.all(
        Array.from({ length: 5 }, () =>
          api.post<{ batchId: string; payments: unknown[] }>('/payments/dispatch', tokens.tina, request, {
            'idempotency-key': key,
          }),
        ),
      );
      expect(replies.map((r) => r.status)).toEqual(Array(5).fill(202));
      expect(new Set(replies.map((r) => JSON.stringify(r.body.payments))).size).toBe(1);
      const dispatches = (await collectAfter(-1n)).filter(
        (e) => e.type === 'PaymentDispatched' && (e.data as { claimId: string }).claimId === claim.claimId,
      );
      expect(dispatches).toHaveLength(1);
    });
  });

  describe('concurrency', () => {
    it('two approvers racing on one level: one wins, the other gets a clear 409, no lost update', async () => {
      for (let round = 0; round < 5; round++) {
        const { body: claim } = await submit('alice', { amount: { value: '20000.00', currency: 'EUR' } });
        const [a, b] = await Promise.all([
          approve(claim.claimId, 'mike', { level: 'manager' }),
          approve(claim.claimId, 'maria', { level: 'manager' }),
        ]);
        const statuses = [a.status, b.status].sort();
        expect(statuses).toEqual([200, 409]);
        const loser = a.status === 409 ? a : b;
        expect(loser.body.code).toBe('CLAIM.LEVEL_NOT_PENDING');
        const events = await log.readStream(`claim-${claim.claimId}`);
        expect(events.map((e) => e.type)).toEqual(['ClaimSubmitted', 'ClaimLevelApproved']);
      }
    });

    it('approvers of consecutive levels racing: both land, in order', async () => {
      const { body: claim } = await submit('alice', { amount: { value: '20000.00', currency: 'EUR' } });
      const [m, f] = await Promise.all([approve(claim.claimId, 'mike'), approve(claim.claimId, 'fiona')]);
      // Finance may only approve after the manager; if it came first it is refused, never lost silently.
      expect(m.status).toBe(200);
      expect([200, 403, 409]).toContain(f.status);
      const events = await log.readStream(`claim-${claim.claimId}`);
      const approvals = events
        .filter((e) => e.type === 'ClaimLevelApproved')
        .map((e) => (e.data as { level: string }).level);
      expect(approvals).toEqual(f.status === 200 ? ['manager', 'finance'] : ['manager']);
    });
  });

  describe('after a bank rejection or a failed delivery (recorded here as the bank connector would)', () => {
    /** A dispatched payment of a new claim (for `invoiceNumber`), then the bank's rejection or a failed delivery. */
    async function undeliveredPayment(
      outcome: 'rejected' | 'failed' = 'rejected',
      overrides: Record<string, unknown> = {},
    ): Promise<{ claimId: string; paymentId: string }> {
      const { body: claim } = await submit('alice', {
        amount: { value: '75.00', currency: 'EUR' },
        ...overrides,
      });
      await approve(claim.claimId, 'mike');
      const dispatched = await api.post<{ payments: Array<{ paymentId: string }>; batchId: string }>(
        '/payments/dispatch',
        tokens.tina,
        {
          claimIds: [claim.claimId],
          debtorAccount: { iban: 'GB82WEST12345698765432' },
        },
      );
      const paymentId = dispatched.body.payments[0].paymentId;
      const stream = await log.readStream(`payment-${paymentId}`);
      const { attempt, batchId } = stream[0].data as { attempt: number; batchId: string };
      const bankOutcome = { paymentId, claimId: claim.claimId, receiptId: randomUUID(), attempt };
      await log.appendToStream(
        `payment-${paymentId}`,
        [
          {
            ...(outcome === 'rejected'
              ? {
                  type: 'PaymentRejectedByBank',
                  data: { ...bankOutcome, reasonCode: 'AC04', reasonText: 'Closed account' },
                }
              : {
                  type: 'PaymentDispatchFailed',
                  data: { ...bankOutcome, batchId, attempts: 5, reason: 'bank timed out' },
                }),
            metadata: {
              eventId: randomUUID(),
              correlationId: 'bank',
              causationId: 'bank',
              actor: { subject: 'bank-connector', roles: ['bank-connector'] },
              occurredAt: new Date().toISOString(),
              schemaVersion: 1,
            },
          },
        ],
        { expectedRevision: stream[stream.length - 1].revision },
      );
      return { claimId: claim.claimId, paymentId };
    }
    const rejectedPayment = () => undeliveredPayment('rejected');

    it('a treasurer re-dispatches it with a corrected debtor account, as a batch of its own', async () => {
      const { paymentId } = await rejectedPayment();
      const reply = await api.post<{ status: string; batchId: string }>(
        `/payments/${paymentId}/redispatch`,
        tokens.tina,
        {
          correctedDebtorAccount: { iban: 'DE89370400440532013000' },
        },
      );
      expect(reply.status).toBe(202);
      expect(reply.body.status).toBe('dispatched');
      const batch = await log.readStream(`paymentBatch-${reply.body.batchId}`);
      expect(batch.map((e) => e.type)).toEqual(['PaymentBatchDispatched']);
      await refused(409, 'PAYMENT.NOT_REJECTED', () =>
        api.post(`/payments/${paymentId}/redispatch`, tokens.tina, {}),
      );
    });

    it('refuses to send it to another payee account: that needs a new claim', async () => {
      const { paymentId } = await rejectedPayment();
      await refused(403, 'PAYMENT.PAYEE_ACCOUNT_CHANGE_NEEDS_NEW_CLAIM', () =>
        api.post(`/payments/${paymentId}/redispatch`, tokens.tina, {
          correctedPayee: { name: 'Someone Else', account: { iban: 'GB82WEST12345698765432' } },
        }),
      );
    });

    it('a treasurer cancels a rejected one: the claim ends cancelled and its invoice is free for a corrected claim', async () => {
      const invoiceNumber = `INV-${randomUUID().slice(0, 8)}`;
      const { claimId, paymentId } = await undeliveredPayment('rejected', { invoiceNumber });
      const reply = await api.post<{ status: string }>(`/payments/${paymentId}/cancellation`, tokens.tina, {
        reason: 'Payee left',
      });
      expect(reply.status).toBe(200);
      expect(reply.body.status).toBe('cancelled');
      const claim = await api.get<{ status: string }>(`/claims/${claimId}`, tokens.alice);
      expect(claim.body.status).toBe('cancelled');
      const again = await submit('alice', { amount: { value: '75.00', currency: 'EUR' }, invoiceNumber });
      expect(again.status).toBe(201);
    });

    it('cancelling one whose delivery failed keeps its invoice held: the bank may have paid it', async () => {
      const invoiceNumber = `INV-${randomUUID().slice(0, 8)}`;
      const { claimId, paymentId } = await undeliveredPayment('failed', { invoiceNumber });
      const reply = await api.post<{ status: string }>(`/payments/${paymentId}/cancellation`, tokens.tina, {
        reason: 'Gave up on the bank',
      });
      expect(reply.status).toBe(200);
      expect(reply.body.status).toBe('cancelled');
      expect((await api.get<{ status: string }>(`/claims/${claimId}`, tokens.alice)).body.status).toBe(
        'cancelled',
      );
      const [cancelled] = (await log.readStream(`claim-${claimId}`)).filter(
        (e) => e.type === 'ClaimPaymentCancelled',
      );
      expect(cancelled.data).toMatchObject({ paymentId, invoiceHeld: true });
      // Another claim for the same invoice is refused, and appends nothing: it would pay it twice.
      const duplicate = await refused(409, 'CLAIM.DUPLICATE', () =>
        submit('alice', { amount: { value: '75.00', currency: 'EUR' }, invoiceNumber }),
      );
      expect(duplicate.details).toMatchObject({ firstClaimId: claimId, reason: 'payment_outcome_unknown' });
      expect(duplicate.detail).toContain('the bank may have paid it');

      // It had: the bank's settlement arrives through the receipts topic, and is booked, not refused.
      const bus = new EmbeddedMessageBus({ file: join(dataDir, 'bus.sqlite') });
      try {
        const receipt: BankReceipt = {
          schemaVersion: BANK_RECEIPT_SCHEMA_VERSION,
          receiptId: `entry:${randomUUID()}`,
          paymentId,
          outcome: 'settled',
          bankReference: 'LATE-1',
          bankMessageId: 'NT-LATE-1',
          receivedAt: new Date().toISOString(),
        };
        await bus.publish(BANK_RECEIPTS_TOPIC, [{ key: paymentId, value: JSON.stringify(receipt) }]);
      } finally {
        await bus.close();
      }
      const settled = await eventually(async () => {
        const events = await log.readStream(`payment-${paymentId}`);
        return events.find((e) => e.type === 'PaymentSettled');
      });
      expect(settled.data).toMatchObject({ paymentId, afterCancellation: true, bankReference: 'LATE-1' });
      const position = String(settled.position);
      const read = await api.get<{ status: string }>(
        `/payments/${paymentId}?minPosition=${position}`,
        tokens.tina,
      );
      expect(read.body.status).toBe('settled');
      const alerts = await api.get<{ items: Array<{ kind: string; paymentId: string }> }>(
        `/risk/alerts?kind=settled_after_cancellation&minPosition=${position}`,
        tokens.audrey,
      );
      expect(alerts.body.items).toContainEqual(
        expect.objectContaining({ kind: 'settled_after_cancellation', paymentId }),
      );
      // The invoice stays held: the claim was paid, once.
      await refused(409, 'CLAIM.DUPLICATE', () =>
        submit('alice', { amount: { value: '75.00', currency: 'EUR' }, invoiceNumber }),
      );
    });
  });

  it('serves the OpenAPI document at /docs', async () => {
    const docs = await api.request<{ openapi: string; paths: Record<string, unknown> }>('GET', '/docs');
    expect(docs.status).toBe(200);
    expect(docs.body.openapi).toMatch(/^3\./);
    expect(Object.keys(docs.body.paths)).toEqual(
      expect.arrayContaining([
        '/claims',
        '/claims/{claimId}/approvals',
        '/payments/dispatch',
        '/claims/{claimId}',
      ]),
    );
  });

  /** Polls `probe` until it answers (the app consumes the bus on its own schedule), for up to 15 s. */
  async function eventually<T>(probe: () => Promise<T | undefined>): Promise<T> {
    for (let i = 0; i < 150; i++) {
      const found = await probe();
      if (found !== undefined) return found;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error('not there after 15 s');
  }

  async function collectAfter(position: bigint) {
    const out = [];
    for await (const e of log.readAll({ fromPosition: position + 1n })) out.push(e);
    return out;
  }
});

function unsignedToken(payload: Record<string, unknown>): string {
  const encode = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
  return `${encode({ alg: 'none', typ: 'JWT' })}.${encode(payload)}.`;
}

function tamper(token: string): string {
  const [header, payload, signature] = token.split('.');
  const claims = JSON.parse(Buffer.from(payload, 'base64url').toString());
  claims.roles = ['admin', 'cfo'];
  return `${header}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.${signature}`;
}
