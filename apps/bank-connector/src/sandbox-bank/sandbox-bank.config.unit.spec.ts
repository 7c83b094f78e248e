import { parseTrustedKeys, sandboxBankConfigFromEnv, SandboxBankConfigError } from './sandbox-bank.config';

const PUBLIC = { kty: 'EC', crv: 'P-256', x: 'eHh4', y: 'eXl5', kid: 'connector-1' };

describe('sandbox bank configuration', () => {
  it('has defaults for everything but the keys it trusts', () => {
    const config = sandboxBankConfigFromEnv({
      LEDGER_DATA_DIR: '/var/ledger',
      SANDBOX_BANK_TRUSTED_KEYS: JSON.stringify(PUBLIC),
    });
    expect(config).toMatchObject({
      host: '127.0.0.1',
      port: 3003,
      dataDir: '/var/ledger/sandbox-bank',
      journalFile: '/var/ledger/sandbox-bank/journal.jsonl',
      keyFile: '/var/ledger/sandbox-bank/signing-key.json',
      keyId: 'sandbox-bank',
      timings: { settleAfterMs: 200, pendingForMs: 2000, returnAfterMs: 3000 },
      tickMs: 50,
      openingBalances: [],
    });
    expect(config.defaultOpeningBalance).toBeUndefined();
    expect(() => sandboxBankConfigFromEnv({})).toThrow(/SANDBOX_BANK_TRUSTED_KEYS/);
  });

  it('reads timings, balances and the default opening balance, and refuses nonsense', () => {
    const config = sandboxBankConfigFromEnv({
      SANDBOX_BANK_TRUSTED_KEYS: JSON.stringify(PUBLIC),
      SANDBOX_BANK_SETTLE_AFTER_MS: '0',
      SANDBOX_BANK_PENDING_FOR_MS: '10',
      SANDBOX_BANK_RETURN_AFTER_MS: '20',
      SANDBOX_BANK_DEFAULT_OPENING_BALANCE: '5000',
      SANDBOX_BANK_OPENING_BALANCES: JSON.stringify([
        {
          account: { number: '12345678', bankCode: '021000021' },
          balance: { value: '10.50', currency: 'USD' },
        },
      ]),
    });
    expect(config.timings).toEqual({ settleAfterMs: 0, pendingForMs: 10, returnAfterMs: 20 });
    expect(config.defaultOpeningBalance).toBe(5000n);
    expect(config.openingBalances).toHaveLength(1);
    const base = { SANDBOX_BANK_TRUSTED_KEYS: JSON.stringify(PUBLIC) };
    for (const bad of [
      { SANDBOX_BANK_SETTLE_AFTER_MS: '-1' },
      { SANDBOX_BANK_DEFAULT_OPENING_BALANCE: '1000.50' },
      {
        SANDBOX_BANK_OPENING_BALANCES:
          '[{"account":{"iban":"DE89370400440532013000"},"balance":{"value":"1.001","currency":"EUR"}}]',
      },
      { SANDBOX_BANK_OPENING_BALANCES: '[{"account":{},"balance":{"value":"1","currency":"EUR"}}]' },
    ]) {
      expect(() => sandboxBankConfigFromEnv({ ...base, ...bad })).toThrow(SandboxBankConfigError);
    }
  });

  it('trusts a JWK, a list or a JWKS, keeps only the public half, and needs a kid', () => {
    expect(parseTrustedKeys(JSON.stringify({ ...PUBLIC, d: 'c2VjcmV0' }))).toEqual([
      { ...PUBLIC, alg: 'ES256', use: 'sig' },
    ]);
    expect(parseTrustedKeys(JSON.stringify([PUBLIC, { ...PUBLIC, kid: 'connector-2' }]))).toHaveLength(2);
    expect(parseTrustedKeys(JSON.stringify({ keys: [PUBLIC] }))).toHaveLength(1);
    expect(() => parseTrustedKeys(JSON.stringify({ ...PUBLIC, kid: undefined }))).toThrow(/no kid/);
    expect(() => parseTrustedKeys(JSON.stringify({ kty: 'RSA', n: 'x', e: 'AQAB', kid: 'r' }))).toThrow(
      /EC P-256/,
    );
    expect(() => parseTrustedKeys('{"keys": []}')).toThrow(/no trusted/);
    expect(() => parseTrustedKeys('not json')).toThrow(/not JSON/);
  });
});
