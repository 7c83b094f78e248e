import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  importSigningKeyFromPem,
  loadOrCreateSigningKey,
  SigningKey,
  TrustedKeys,
  trustedKeysFromJwks,
} from '@ledger/iso20022';
import { BankConnectorConfig } from '../config/bank-connector.config';

/** The key that signs every message the connector sends. */
export const CONNECTOR_SIGNING_KEY = Symbol('ConnectorSigningKey');
/** The bank's public keys: a message not signed by one of them is refused. */
export const BANK_TRUST = Symbol('BankTrust');

export interface BankTrust {
  readonly keys: TrustedKeys;
}

export type ConnectorSigningKey = SigningKey & { readonly publicJwk: object };

/**
 * From configuration (`BANK_SIGNING_KEY`, PKCS#8 PEM) in production; otherwise a development key the
 * connector generates into the data directory on first start and reuses after.
 */
export async function connectorSigningKey(config: BankConnectorConfig): Promise<ConnectorSigningKey> {
  if (config.signingKeyPem) return importSigningKeyFromPem(config.signingKeyPem, config.signingKeyId);
  return loadOrCreateSigningKey(join(config.dataDir, 'bank-connector-signing-key.json'), config.signingKeyId);
}

/** `BANK_JWKS`: the bank's JWKS as JSON, or the path of a file holding it. */
export function configuredBankTrust(config: BankConnectorConfig): BankTrust | undefined {
  if (!config.bankJwks) return undefined;
  const text = config.bankJwks.trim().startsWith('{')
    ? config.bankJwks
    : readFileSync(config.bankJwks, 'utf8');
  return { keys: trustedKeysFromJwks(JSON.parse(text)) };
}
