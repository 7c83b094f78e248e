import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { JSONWebKeySet } from 'jose';
import { paymentStreamId, toIsoId } from '@ledger/events';
import {
  AccountStatement,
  BookedEntry,
  loadOrCreateSigningKey,
  parseBankMessage,
  verifyIso20022,
} from '@ledger/iso20022';
import { EmbeddedEventStore } from '@ledger/infra';
import { ibanEndingWith } from '../bank/bank-fixtures';
import { RunningApp, startApp } from '../support/app-process';
import {
  approvedClaim,
  auditStream,
  DispatchReply,
  ledgerTokens,
  paymentReaching,
  Tokens,
} from '../support/bank/ledger-bank-flow';
import { Api, TEST_AUDIENCE, TEST_ISSUER, TEST_JWT_SECRET } from '../support/http-client';

jest.setTimeout(180_000);

interface SandboxBalance {
  readonly account: { readonly iban?: string };
  readonly currency: string;
  readonly booked: { readonly value: string };
  readonly reserved: { readonly value: string };
}

/**
 * The connector dies between sending and recording: the standalone sandbox bank (its own process and
 * journal, so it outlives the ledger) takes the batch and pays, but never answers; the ledger is killed
 * with SIGKILL while it waits. Restarted on the same data directory, the connector resends the same
 * message, the bank recognises it, and every payment settles having left the bank exactly once.
 */
describe('bank connector killed between sending and recording', () => {
  const ledgerDir = mkdtempSync(join(tmpdir(), 'ledger-kill-connector-'));
  const bankDir = mkdtempSync(join(tmpdir(), 'sandbox-bank-kill-connector-'));
  const debtorIban = ibanEndingWith('9990', 91);
  const amounts = ['111.11', '222.22', '333.33'];
  const totalMinor = amounts.reduce((sum, value) => sum + minor(value), 0n);
  let bank: RunningApp | undefined;
  let ledger: RunningApp | undefined;
  let tokens: Tokens;
  let bankJwks: JSONWebKeySet;
  let ledgerEnv: Record<string, string>;

  beforeAll(async () => {
    // The connector's key exists before either process starts, so the bank can be told to trust it.
    const connectorKey = await loadOrCreateSigningKey(
      join(ledgerDir, 'bank-connector-signing-key.json'),
      'ledger-connector-dev',
    );
    const { d: _private, ...publicJwk } = connectorKey.publicJwk as Record<string, unknown>;
    bank = await startApp('apps/bank-connector/src/sandbox-bank/sandbox-bank.main.ts', {
      SANDBOX_BANK_DATA_DIR: bankDir,
      SANDBOX_BANK_TRUSTED_KEYS: JSON.stringify(publicJwk),
      // Long enough that nothing settles (and no camt.054 reaches the connector) before the kill.
      SANDBOX_BANK_SETTLE_AFTER_MS: '2000',
    });
    bankJwks = (await (await fetch(`${bank.url}/.well-known/jwks.json`)).json()) as JSONWebKeySet;
    ledgerEnv = {
      LEDGER_DATA_DIR: ledgerDir,
      AUTH_JWT_SECRET: TEST_JWT_SECRET,
      AUTH_JWT_ISSUER: TEST_ISSUER,
      AUTH_JWT_AUDIENCE: TEST_AUDIENCE,
      BANK_URL: bank.url,
      BANK_JWKS: JSON.stringify(bankJwks),
      // The connector must still be waiting for the bank's answer when it is killed.
      BANK_TIMEOUT_MS: '120000',
      BANK_RETRY_BASE_MS: '50',
      BANK_RETRY_MAX_MS: '200',
      // With MONGO_URL the ledger keeps its read models and the connector's checkpoint there: a database
      // of its own, or a run against a server used before would start from another log's checkpoints.
      ...(process.env.MONGO_URL ? { MONGO_URL: ownDatabase(process.env.MONGO_URL) } : {}),
    };
    ledger = await startApp('apps/ledger/src/main.ts', ledgerEnv);
    tokens = await ledgerTokens();
  });
  afterAll(async () => {
    await ledger?.stop();
    await bank?.stop();
    rmSync(ledgerDir, { recursive: true, force: true });
    rmSync(bankDir, { recursive: true, force: true });
  });

  it('resends after a restart, and the bank pays each payment once', async () => {
    const api = new Api(ledger!.url);
    const claimIds: string[] = [];
    for (const [i, amount] of amounts.entries()) {
      claimIds.push(await approvedClaim(api, tokens, { payeeIban: ibanEndingWith('4321', 30 + i), amount }));
    }
    const opening = await debtorBalance();

    await bankRequest('POST', '/sandbox/faults', {
      mode: 'hang',
      count: 1,
      afterProcessing: true,
      hangMs: 120_000,
    });
    const reply = await api.post<DispatchReply>('/payments/dispatch', tokens.tina, {
      claimIds,
      debtorAccount: { iban: debtorIban },
    });
    expect(reply.status).toBe(202);
    const { batchId, payments } = reply.body;
    const paymentIds = payments.map((p) => p.paymentId);

    // The bank has taken the transfers on (reserved) and is now holding its answer back.
    const deadline = Date.now() + 30_000;
    let taken = await debtorBalance();
    while (minor(taken?.reserved.value ?? '0') < totalMinor) {
      if (Date.now() > deadline)
        throw new Error(`the bank never took the batch on: ${JSON.stringify(taken)}`);
      await sleep(20);
      taken = await debtorBalance();
    }
    ledger!.child.kill('SIGKILL');
    expect(await ledger!.stop()).toBeNull();
    ledger = undefined;

    // Killed before it recorded anything: each payment stream holds its dispatch and nothing after.
    const log = new EmbeddedEventStore({ file: join(ledgerDir, 'events.sqlite') });
    try {
      for (const paymentId of paymentIds) {
        const events = await log.readStream(paymentStreamId(paymentId));
        expect(events.map((e) => e.type)).toEqual(['PaymentDispatched']);
      }
    } finally {
      await log.close();
    }
    await bankRequest('DELETE', '/sandbox/faults');
    // A witness that the restarted connector resends: its first send meets one 503, which it logs as a
    // retry of this batch (settlements alone could also arrive through the bank's feed).
    await bankRequest('POST', '/sandbox/faults', { mode: 'unavailable', count: 1 });

    ledger = await startApp('apps/ledger/src/main.ts', ledgerEnv);
    const restarted = new Api(ledger.url);
    for (const paymentId of paymentIds) {
      const payment = await paymentReaching(restarted, tokens.tina, paymentId, 'settled', 60_000);
      expect(payment.timeline.filter((entry) => entry.status === 'settled')).toHaveLength(1);
    }
    const retries = ledger
      .logs()
      .split('\n')
      .filter((line) => line.includes('bank send failed; retrying') && line.includes(batchId));
    expect(retries).toHaveLength(1);

    // Each payment stream records its settlement exactly once.
    for (const paymentId of paymentIds) {
      const events = await auditStream(ledger.url, tokens.audrey, paymentStreamId(paymentId));
      expect(events.filter((e) => e.type === 'PaymentSettled')).toHaveLength(1);
      expect(events.filter((e) => e.type === 'PaymentDispatched')).toHaveLength(1);
    }

    // Count the money that left the bank: its camt.054 notifications...
    const expected = new Map(payments.map((p, i) => [toIsoId(p.paymentId), minor(amounts[i])]));
    const notified = debitsByEndToEndId(await notificationEntries());
    expect(notified).toEqual(new Map([...expected].map(([id, units]) => [id, [units]])));
    // ...its end-of-day statement...
    const day = await bankRequest<{ messages: Array<{ jws: string }> }>('POST', '/sandbox/end-of-day', {});
    const statements: AccountStatement[] = [];
    for (const { jws } of day.messages) {
      const message = await readBankMessage(jws);
      if (message.type === 'camt.053.001.08' || message.type === 'camt.053.001.02')
        statements.push(...message.message.statements);
    }
    const ours = statements.filter((s) => s.account.iban === debtorIban);
    expect(ours).toHaveLength(1);
    expect(debitsByEndToEndId(ours[0].entries)).toEqual(
      new Map([...expected].map(([id, units]) => [id, [units]])),
    );
    expect(minor(ours[0].openingBalance.amount.value) - minor(ours[0].closingBalance.amount.value)).toBe(
      totalMinor,
    );
    // ...and its balance.
    const closing = await debtorBalance();
    expect(minor(closing!.reserved.value)).toBe(0n);
    const openingBooked = opening === undefined ? minor('1000000000.00') : minor(opening.booked.value);
    expect(openingBooked - minor(closing!.booked.value)).toBe(totalMinor);

    const batch = await restarted.get<{ counts: Record<string, number> }>(
      `/payment-batches/${batchId}`,
      tokens.tina,
    );
    expect(batch.body.counts).toMatchObject({ settled: amounts.length, dispatched: 0, accepted: 0 });
  });

  async function bankRequest<T = unknown>(method: string, path: string, body?: unknown): Promise<T> {
    const response = await fetch(`${bank!.url}${path}`, {
      method,
      ...(body !== undefined
        ? { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }
        : {}),
    });
    const text = await response.text();
    if (response.status >= 300) throw new Error(`${method} ${path}: ${response.status} ${text}`);
    return (text ? JSON.parse(text) : undefined) as T;
  }

  async function debtorBalance(): Promise<SandboxBalance | undefined> {
    const balances = await bankRequest<SandboxBalance[]>('GET', '/sandbox/balances');
    return balances.find((b) => b.account.iban === debtorIban && b.currency === 'EUR');
  }

  async function readBankMessage(jws: string) {
    const { xml } = await verifyIso20022(jws, bankJwks);
    return parseBankMessage(xml);
  }

  /** Every entry of every camt.054 the bank published about the debtor account. */
  async function notificationEntries(): Promise<BookedEntry[]> {
    const entries: BookedEntry[] = [];
    let after: string | undefined;
    for (;;) {
      const page = await bankRequest<Array<{ cursor: string; jws: string }>>(
        'GET',
        `/iso20022/messages?limit=1000${after !== undefined ? `&after=${after}` : ''}`,
      );
      if (page.length === 0) return entries;
      for (const { jws } of page) {
        const message = await readBankMessage(jws);
        if (message.type === 'camt.054.001.08' && message.message.account.iban === debtorIban)
          entries.push(...message.message.entries);
      }
      after = page[page.length - 1].cursor;
    }
  }
});

/** The amounts debited per end-to-end id, in minor units. */
function debitsByEndToEndId(entries: readonly BookedEntry[]): Map<string, bigint[]> {
  const debits = new Map<string, bigint[]>();
  for (const entry of entries) {
    if (entry.creditDebit !== 'DBIT') continue;
    const lines = entry.transactions ?? [entry];
    for (const line of lines) {
      const id = line.endToEndId ?? '?';
      const amount = line.amount ?? entry.amount;
      debits.set(id, [...(debits.get(id) ?? []), minor(amount.value)]);
    }
  }
  return debits;
}

/** A EUR decimal string in cents; never a float. */
function minor(value: string): bigint {
  const [units, cents = ''] = value.replace(/^-/, '').split('.');
  const magnitude = BigInt(units) * 100n + BigInt(cents.padEnd(2, '0').slice(0, 2));
  return value.startsWith('-') ? -magnitude : magnitude;
}

/** The MongoDB URL with a database of this run's own. */
function ownDatabase(url: string): string {
  const own = new URL(url);
  own.pathname = `/kill_connector_${Date.now().toString(36)}`;
  return own.toString();
}
