import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { JWK } from 'jose';
import { parseMoney } from '@ledger/events';
import { loadOrCreateSigningKey } from '@ledger/iso20022';
import {
  DEFAULT_SANDBOX_BANK_TIMINGS,
  OpeningBalance,
  SandboxBank,
  SandboxBankTimings,
} from './sandbox-bank';

/** What the standalone sandbox bank reads from its environment (see `sandboxBankConfigFromEnv`). */
export interface SandboxBankConfig {
  readonly host: string;
  readonly port: number;
  readonly dataDir: string;
  readonly journalFile: string;
  readonly keyFile: string;
  readonly keyId: string;
  readonly timings: SandboxBankTimings;
  readonly tickMs: number;
  readonly trustedConnectorKeys: readonly JWK[];
  readonly openingBalances: readonly OpeningBalance[];
  readonly defaultOpeningBalance?: bigint;
}

export class SandboxBankConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SandboxBankConfigError';
  }
}

/**
 * Reads the configuration of `sandbox-bank.main.ts`:
 *
 * | variable                                | default                          | meaning                                       |
 * | --------------------------------------- | -------------------------------- | --------------------------------------------- |
 * | `PORT`, `HOST`                          | `3003`, `127.0.0.1`              | where it listens                              |
 * | `SANDBOX_BANK_DATA_DIR`                 | `$LEDGER_DATA_DIR/sandbox-bank`  | journal `journal.jsonl`, key `signing-key.json` |
 * | `SANDBOX_BANK_KEY_ID`                   | `sandbox-bank`                   | kid of the bank's ES256 key                   |
 * | `SANDBOX_BANK_TRUSTED_KEYS`             | —                                | connector public key(s): a JWK, a list, a JWKS |
 * | `SANDBOX_BANK_TRUSTED_KEYS_FILE`        | —                                | the same, in a file                           |
 * | `SANDBOX_BANK_SETTLE_AFTER_MS`          | 200                              | acceptance → settlement                       |
 * | `SANDBOX_BANK_PENDING_FOR_MS`           | 2000                             | creditor …0002: pending → settlement          |
 * | `SANDBOX_BANK_RETURN_AFTER_MS`          | 3000                             | creditor …0001: settlement → return           |
 * | `SANDBOX_BANK_TICK_MS`                  | 50                               | how often due work is done unasked            |
 * | `SANDBOX_BANK_OPENING_BALANCES`         | none                             | `[{"account": {...}, "balance": {...}}]`      |
 * | `SANDBOX_BANK_DEFAULT_OPENING_BALANCE`  | 1000000000                       | whole major units, for other accounts         |
 */
export function sandboxBankConfigFromEnv(env: NodeJS.ProcessEnv): SandboxBankConfig {
  const dataDir = env.SANDBOX_BANK_DATA_DIR || join(env.LEDGER_DATA_DIR || './data', 'sandbox-bank');
  const trustedText =
    env.SANDBOX_BANK_TRUSTED_KEYS ||
    (env.SANDBOX_BANK_TRUSTED_KEYS_FILE ? readText(env.SANDBOX_BANK_TRUSTED_KEYS_FILE) : undefined);
  if (trustedText === undefined) {
    throw new SandboxBankConfigError(
      'set SANDBOX_BANK_TRUSTED_KEYS (or SANDBOX_BANK_TRUSTED_KEYS_FILE) to the connector public key(s) to trust',
    );
  }
  const defaultOpening = env.SANDBOX_BANK_DEFAULT_OPENING_BALANCE;
  if (defaultOpening !== undefined && !/^\d{1,13}$/.test(defaultOpening)) {
    throw new SandboxBankConfigError(
      'SANDBOX_BANK_DEFAULT_OPENING_BALANCE must be whole major units, e.g. 1000000000',
    );
  }
  return {
    host: env.HOST || '127.0.0.1',
    port: whole(env, 'PORT', 3003),
    dataDir,
    journalFile: join(dataDir, 'journal.jsonl'),
    keyFile: join(dataDir, 'signing-key.json'),
    keyId: env.SANDBOX_BANK_KEY_ID || 'sandbox-bank',
    timings: {
      settleAfterMs: whole(env, 'SANDBOX_BANK_SETTLE_AFTER_MS', DEFAULT_SANDBOX_BANK_TIMINGS.settleAfterMs),
      pendingForMs: whole(env, 'SANDBOX_BANK_PENDING_FOR_MS', DEFAULT_SANDBOX_BANK_TIMINGS.pendingForMs),
      returnAfterMs: whole(env, 'SANDBOX_BANK_RETURN_AFTER_MS', DEFAULT_SANDBOX_BANK_TIMINGS.returnAfterMs),
    },
    tickMs: whole(env, 'SANDBOX_BANK_TICK_MS', 50),
    trustedConnectorKeys: parseTrustedKeys(trustedText),
    openingBalances: parseOpeningBalances(env.SANDBOX_BANK_OPENING_BALANCES),
    ...(defaultOpening !== undefined ? { defaultOpeningBalance: BigInt(defaultOpening) } : {}),
  };
}

/** A public JWK, a list of them, or a JWKS `{ keys: [...] }`; each an EC P-256 key with a kid and no `d`. */
export function parseTrustedKeys(text: string): JWK[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new SandboxBankConfigError('the trusted connector keys are not JSON');
  }
  const keys: unknown[] = Array.isArray(parsed)
    ? parsed
    : Array.isArray((parsed as { keys?: unknown })?.keys)
      ? (parsed as { keys: unknown[] }).keys
      : [parsed];
  if (keys.length === 0) throw new SandboxBankConfigError('no trusted connector key given');
  return keys.map((key, index) => {
    const jwk = key as JWK;
    if (jwk?.kty !== 'EC' || jwk.crv !== 'P-256' || typeof jwk.x !== 'string' || typeof jwk.y !== 'string') {
      throw new SandboxBankConfigError(`trusted key ${index} is not an EC P-256 public JWK`);
    }
    if (typeof jwk.kid !== 'string' || jwk.kid === '') {
      throw new SandboxBankConfigError(`trusted key ${index} has no kid`);
    }
    // Only the public half is kept, whatever was pasted.
    return { kty: jwk.kty, crv: jwk.crv, x: jwk.x, y: jwk.y, kid: jwk.kid, alg: 'ES256', use: 'sig' };
  });
}

function parseOpeningBalances(text: string | undefined): OpeningBalance[] {
  if (text === undefined || text === '') return [];
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new SandboxBankConfigError('SANDBOX_BANK_OPENING_BALANCES is not JSON');
  }
  if (!Array.isArray(parsed))
    throw new SandboxBankConfigError('SANDBOX_BANK_OPENING_BALANCES must be a list');
  return parsed.map((item, index) => {
    const { account, balance } = (item ?? {}) as Partial<OpeningBalance>;
    const iban = typeof account?.iban === 'string';
    const domestic = typeof account?.number === 'string' && typeof account?.bankCode === 'string';
    if (!iban && !domestic) {
      throw new SandboxBankConfigError(
        `opening balance ${index}: account must be {iban} or {number, bankCode}`,
      );
    }
    try {
      parseMoney(balance as OpeningBalance['balance'], { allowZero: true });
    } catch (error) {
      throw new SandboxBankConfigError(`opening balance ${index}: ${(error as Error).message}`);
    }
    return { account: account!, balance: balance! };
  });
}

function whole(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const text = env[name];
  if (text === undefined || text === '') return fallback;
  if (!/^\d{1,9}$/.test(text))
    throw new SandboxBankConfigError(`${name} must be a whole number, got ${text}`);
  return Number(text);
}

function readText(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    throw new SandboxBankConfigError(`cannot read ${file}: ${(error as Error).message}`);
  }
}

/** Opens the sandbox bank `config` describes (its signing key created in the data directory on first start). */
export async function openSandboxBank(config: SandboxBankConfig): Promise<SandboxBank> {
  return SandboxBank.open({
    signingKey: await loadOrCreateSigningKey(config.keyFile, config.keyId),
    trustedConnectorKeys: config.trustedConnectorKeys,
    timings: config.timings,
    openingBalances: config.openingBalances,
    ...(config.defaultOpeningBalance !== undefined
      ? { defaultOpeningBalance: config.defaultOpeningBalance }
      : {}),
    journalFile: config.journalFile,
  });
}
