import { join } from 'node:path';

/** Everything the connector reads from the environment, checked once at start. */
export interface BankConnectorConfig {
  readonly dataDir: string;
  /** Debtor name and initiating party in every pain.001. */
  readonly companyName: string;
  /** The HTTP ISO 20022 gateway's base URL; absent: the sandbox bank in process. */
  readonly bankUrl?: string;
  readonly bankTimeoutMs: number;
  /** PKCS#8 PEM of the ES256 key that signs what the connector sends; absent: a dev key in the data dir. */
  readonly signingKeyPem?: string;
  readonly signingKeyId: string;
  /** The bank's public keys (a JWKS as JSON, or a path to one); with the in-process sandbox, its own key. */
  readonly bankJwks?: string;
  /** Sends of one message before its payments are marked failed. */
  readonly maxAttempts: number;
  readonly retryBaseMs: number;
  readonly retryMaxMs: number;
  /** Batches in flight at once. */
  readonly dispatchConcurrency: number;
  readonly pollIntervalMs: number;
  /** Off: this process records no dispatches and reads no bank feed (another connector does). */
  readonly enabled: boolean;
}

export const BANK_CONNECTOR_CONFIG = Symbol('BankConnectorConfig');

export function bankConnectorConfigFromEnv(env: NodeJS.ProcessEnv): BankConnectorConfig {
  const dataDir = env.LEDGER_DATA_DIR ?? join(process.cwd(), 'data');
  return {
    dataDir,
    companyName: env.LEDGER_COMPANY_NAME?.trim() || 'Ledger Company',
    ...(env.BANK_URL ? { bankUrl: env.BANK_URL.replace(/\/+$/, '') } : {}),
    bankTimeoutMs: positiveInt(env, 'BANK_TIMEOUT_MS', 10_000),
    ...(env.BANK_SIGNING_KEY ? { signingKeyPem: env.BANK_SIGNING_KEY } : {}),
    signingKeyId: env.BANK_SIGNING_KEY_ID?.trim() || 'ledger-connector-dev',
    ...(env.BANK_JWKS ? { bankJwks: env.BANK_JWKS } : {}),
    maxAttempts: positiveInt(env, 'BANK_MAX_ATTEMPTS', 6),
    retryBaseMs: positiveInt(env, 'BANK_RETRY_BASE_MS', 500),
    retryMaxMs: positiveInt(env, 'BANK_RETRY_MAX_MS', 30_000),
    dispatchConcurrency: positiveInt(env, 'BANK_DISPATCH_CONCURRENCY', 4),
    pollIntervalMs: positiveInt(env, 'BANK_POLL_INTERVAL_MS', 100),
    enabled: env.LEDGER_BANK_CONNECTOR !== 'off',
  };
}

function positiveInt(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isSafeInteger(value) || value < 1)
    throw new Error(`${name} must be a positive integer, got ${raw}`);
  return value;
}
