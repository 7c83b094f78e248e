import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseCamt054, parsePain002, verifyIso20022 } from '@ledger/iso20022';
import type { JWK } from 'jose';
import { bankGatewayContract } from '../../../../test/contracts/bank-gateway.contract';
import { DEBTOR_IBAN, signedPain001, testKey, TestKey } from '../../../../test/bank/bank-fixtures';
import { freePort, RunningApp, startApp } from '../../../../test/support/app-process';
import { SandboxBank } from '../sandbox-bank/sandbox-bank';
import { ManualClock } from '../sandbox-bank/sandbox-clock';
import { SandboxBankServer } from '../sandbox-bank/sandbox-bank.server';
import { BankRefusedError, BankUnavailableError } from './bank-gateway.port';
import { HttpBankGateway } from './http-bank-gateway';

// The HTTP adapter against the standalone sandbox bank server on a real loopback socket.
bankGatewayContract('HTTP gateway against the sandbox bank server', async (bank) => {
  const server = await SandboxBankServer.start(bank, { port: 0 });
  const gateway = new HttpBankGateway({ baseUrl: server.url });
  return {
    gateway,
    bankPublicJwk: () => publishedKey(server.url),
    endOfDay: async (date) => {
      const response = await fetch(`${server.url}/sandbox/end-of-day`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(date === undefined ? {} : { date }),
      });
      if (!response.ok) {
        const problem = (await response.json()) as { code: string; detail: string };
        throw Object.assign(new Error(problem.detail), { status: response.status, code: problem.code });
      }
    },
    close: async () => {
      await gateway.close();
      await server.close();
    },
  };
});

async function publishedKey(url: string): Promise<JWK> {
  const response = await fetch(`${url}/.well-known/jwks.json`);
  expect(response.status).toBe(200);
  const { keys } = (await response.json()) as { keys: JWK[] };
  expect(keys).toHaveLength(1);
  return keys[0];
}

async function failureOf(promise: Promise<unknown>): Promise<Error> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(Error);
  return error as Error;
}

describe('HTTP bank gateway: transport failures', () => {
  jest.setTimeout(60_000);
  let connector: TestKey;
  let bankKey: TestKey;
  let clock: ManualClock;
  let bank: SandboxBank;
  let server: SandboxBankServer;
  let gateway: HttpBankGateway;

  beforeAll(async () => {
    [connector, bankKey] = await Promise.all([testKey('connector-http'), testKey('bank-http')]);
  });
  beforeEach(async () => {
    clock = new ManualClock();
    bank = await SandboxBank.open({
      signingKey: bankKey.key,
      trustedConnectorKeys: [connector.publicJwk],
      clock,
    });
    server = await SandboxBankServer.start(bank, { port: 0 });
    gateway = new HttpBankGateway({ baseUrl: server.url, submitTimeoutMs: 500, fetchTimeoutMs: 500 });
  });
  afterEach(async () => {
    await gateway.close();
    await server.close();
    await bank.stop();
  });

  const message = (id: string) =>
    signedPain001({ messageId: id, transfers: [{ endToEndId: `${id}-P` }] }, connector.key);
  const debits = async () => {
    clock.advance(10_000);
    const feed = await gateway.fetchMessages(undefined, 1_000);
    const notifications = await Promise.all(
      feed.map(async ({ jws }) =>
        parseCamt054((await verifyIso20022(jws, { keys: [bank.publicJwk()] })).xml),
      ),
    );
    return notifications.flatMap((n) =>
      n.entries.filter((e) => e.creditDebit === 'DBIT').map((e) => e.endToEndId),
    );
  };

  it('turns a 503 into BankUnavailableError; the bank did nothing, and the retry is taken', async () => {
    server.injectFault({ mode: 'unavailable', count: 1 });
    const jws = await message('M-503');
    const error = await failureOf(gateway.submitCreditTransfers(jws));
    expect(error).toBeInstanceOf(BankUnavailableError);
    expect((error as BankUnavailableError).status).toBe(503);
    expect(error.message).toMatch(/BANK\.INJECTED_FAULT/);
    expect(bank.balances()).toEqual([]);
    const ack = parsePain002(
      (await verifyIso20022(await gateway.submitCreditTransfers(jws), { keys: [bank.publicJwk()] })).xml,
    );
    expect(ack.transactions.map((t) => t.status)).toEqual(['ACCP']);
    expect(await debits()).toEqual(['M-503-P']);
  });

  it('turns a 503 on fetching messages into BankUnavailableError', async () => {
    server.injectFault({ mode: 'unavailable', count: 2, target: 'messages' });
    for (let i = 0; i < 2; i++) {
      const error = await failureOf(gateway.fetchMessages(undefined, 10));
      expect(error).toBeInstanceOf(BankUnavailableError);
      expect((error as BankUnavailableError).status).toBe(503);
    }
    expect(await gateway.fetchMessages(undefined, 10)).toEqual([]);
  });

  it('gives up on a bank that hangs past the timeout with BankUnavailableError', async () => {
    server.injectFault({ mode: 'hang', count: 1, hangMs: 30_000 });
    const error = await failureOf(gateway.submitCreditTransfers(await message('M-HANG')));
    expect(error).toBeInstanceOf(BankUnavailableError);
    expect(error.message).toMatch(/no answer .* within 500 ms/);
    expect(bank.balances()).toEqual([]);
  });

  it('when the answer is lost after the bank booked, the resend gets the acknowledgement and pays once', async () => {
    server.injectFault({ mode: 'hang', count: 1, hangMs: 30_000, afterProcessing: true });
    const jws = await message('M-LOST');
    expect(await failureOf(gateway.submitCreditTransfers(jws))).toBeInstanceOf(BankUnavailableError);
    expect(bank.balances()).toEqual([
      expect.objectContaining({ reserved: { value: '100.00', currency: 'EUR' } }),
    ]);
    // resent as the connector would, signed again (ES256 signatures differ each time)
    const resent = await gateway.submitCreditTransfers(await message('M-LOST'));
    const ack = parsePain002((await verifyIso20022(resent, { keys: [bank.publicJwk()] })).xml);
    expect(ack.transactions.map((t) => [t.originalEndToEndId, t.status])).toEqual([['M-LOST-P', 'ACCP']]);
    expect(await debits()).toEqual(['M-LOST-P']);
  });

  it('turns a refused or broken connection into BankUnavailableError', async () => {
    const nowhere = new HttpBankGateway({ baseUrl: `http://127.0.0.1:${await freePort()}` });
    try {
      const submitted = await failureOf(nowhere.submitCreditTransfers(await message('M-NOWHERE')));
      expect(submitted).toBeInstanceOf(BankUnavailableError);
      expect(submitted.message).toMatch(/ECONNREFUSED/);
      expect(await failureOf(nowhere.fetchMessages(undefined, 10))).toBeInstanceOf(BankUnavailableError);
    } finally {
      await nowhere.close();
    }
  });

  it('aborts the requests in flight when closed', async () => {
    server.injectFault({ mode: 'hang', count: 1, hangMs: 30_000 });
    const patient = new HttpBankGateway({ baseUrl: server.url, submitTimeoutMs: 60_000 });
    const pending = failureOf(patient.submitCreditTransfers(await message('M-CLOSED')));
    await new Promise((resolve) => setImmediate(resolve));
    await patient.close();
    expect(await pending).toBeInstanceOf(BankUnavailableError);
    expect(await failureOf(patient.fetchMessages(undefined, 1))).toBeInstanceOf(BankUnavailableError);
  });

  it('answers other media types 415, unknown routes 404 and bad faults 400, as problem+json', async () => {
    const post = await fetch(`${server.url}/iso20022/pain.001`, {
      method: 'POST',
      headers: { 'content-type': 'application/xml' },
      body: '<Document/>',
    });
    expect(post.status).toBe(415);
    expect(post.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(await post.json()).toMatchObject({ status: 415, code: 'BANK.UNSUPPORTED_MEDIA_TYPE' });
    const missing = await fetch(`${server.url}/iso20022/pain.008`);
    expect(missing.status).toBe(404);
    expect(await missing.json()).toMatchObject({ code: 'BANK.NOT_FOUND' });
    const badFault = await fetch(`${server.url}/sandbox/faults`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ mode: 'explode', count: 1 }),
    });
    expect(badFault.status).toBe(400);
    expect(await badFault.json()).toMatchObject({ code: 'BANK.INVALID_FAULT' });
    const badLimit = await fetch(`${server.url}/iso20022/messages?limit=ten`);
    expect(await badLimit.json()).toMatchObject({ status: 400, code: 'BANK.INVALID_LIMIT' });
  });

  it('injects faults over HTTP, answers 202 for a new message and 200 for a resend, and reports health', async () => {
    const fault = await fetch(`${server.url}/sandbox/faults`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ mode: 'unavailable', count: 1 }),
    });
    expect(fault.status).toBe(204);
    const jws = await message('M-STATUS');
    const post = () =>
      fetch(`${server.url}/iso20022/pain.001`, {
        method: 'POST',
        headers: { 'content-type': 'application/jose' },
        body: jws,
      });
    expect((await post()).status).toBe(503);
    const first = await post();
    expect(first.status).toBe(202);
    expect(first.headers.get('content-type')).toMatch(/^application\/jose/);
    const again = await post();
    expect(again.status).toBe(200);
    expect(await again.text()).toBe(await first.text());
    const health = await fetch(`${server.url}/health`);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ status: 'up' });
  });

  it('refuses with BankRefusedError carrying the problem code', async () => {
    const error = await failureOf(gateway.submitCreditTransfers('not.a.jws'));
    expect(error).toBeInstanceOf(BankRefusedError);
    expect(error).toMatchObject({ status: 401, code: 'ISO20022.BAD_SIGNATURE' });
  });
});

describe('sandbox bank as its own process (sandbox-bank.main.ts)', () => {
  jest.setTimeout(120_000);
  let dataDir: string;
  let app: RunningApp | undefined;

  beforeAll(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'sandbox-bank-main-'));
  });
  afterAll(async () => {
    await app?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('reads its environment, keeps its key and journal in the data dir, and remembers across a restart', async () => {
    const connector = await testKey('connector-main');
    const env = {
      SANDBOX_BANK_DATA_DIR: dataDir,
      SANDBOX_BANK_TRUSTED_KEYS: JSON.stringify({ keys: [connector.publicJwk] }),
      SANDBOX_BANK_SETTLE_AFTER_MS: '0',
      SANDBOX_BANK_OPENING_BALANCES: JSON.stringify([
        { account: { iban: DEBTOR_IBAN }, balance: { value: '500.00', currency: 'EUR' } },
      ]),
    };
    const jws = await signedPain001(
      {
        messageId: 'M-MAIN',
        debtor: { iban: DEBTOR_IBAN },
        transfers: [
          { endToEndId: 'P-MAIN-1', amount: '400.00', serial: 1 },
          { endToEndId: 'P-MAIN-2', amount: '400.00', serial: 2 },
        ],
      },
      connector.key,
    );

    app = await startApp('apps/bank-connector/src/sandbox-bank/sandbox-bank.main.ts', env);
    const key = await publishedKey(app.url);
    const gateway = new HttpBankGateway({ baseUrl: app.url });
    const ack = await gateway.submitCreditTransfers(jws);
    const report = parsePain002((await verifyIso20022(ack, { keys: [key] })).xml);
    expect(report.transactions.map((t) => [t.status, t.reasonCode])).toEqual([
      ['ACCP', undefined],
      ['RJCT', 'AM04'],
    ]);
    await gateway.close();
    expect(await app.stop()).toBe(0);

    app = await startApp('apps/bank-connector/src/sandbox-bank/sandbox-bank.main.ts', env);
    expect(await publishedKey(app.url)).toEqual(key);
    const restarted = new HttpBankGateway({ baseUrl: app.url });
    expect(await restarted.submitCreditTransfers(jws)).toBe(ack);
    const feed = await restarted.fetchMessages(undefined, 100);
    const entries = feed.flatMap(
      (m) => parseCamt054(Buffer.from(m.jws.split('.')[1], 'base64url').toString()).entries,
    );
    expect(entries.map((e) => [e.endToEndId, e.creditDebit])).toEqual([['P-MAIN-1', 'DBIT']]);
    await restarted.close();
    expect(await app.stop()).toBe(0);
    app = undefined;
  });
});
