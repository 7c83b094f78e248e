import { join } from 'node:path';
import { Provider } from '@nestjs/common';
import { BANK_CONNECTOR_CONFIG, BankConnectorConfig } from '../config/bank-connector.config';
import { SandboxBank } from '../sandbox-bank/sandbox-bank';
import { openSandboxBank, sandboxBankConfigFromEnv } from '../sandbox-bank/sandbox-bank.config';
import {
  BANK_TRUST,
  BankTrust,
  configuredBankTrust,
  CONNECTOR_SIGNING_KEY,
  ConnectorSigningKey,
} from '../signing/connector-keys';
import { BANK_GATEWAY, BankGateway } from './bank-gateway.port';
import { HttpBankGateway } from './http-bank-gateway';
import { SandboxBankGateway } from './sandbox-bank-gateway';

/** The in-process sandbox bank, when no BANK_URL names a real one. */
export const IN_PROCESS_SANDBOX_BANK = Symbol('InProcessSandboxBank');

/**
 * Which bank the connector talks to: `BANK_URL` selects the HTTP ISO 20022 gateway (with the bank's keys
 * from `BANK_JWKS`); otherwise the sandbox bank runs in this process, trusting the connector's key and
 * trusted by it, its state in the data directory.
 */
export const bankGatewayProviders: Provider[] = [
  {
    provide: IN_PROCESS_SANDBOX_BANK,
    inject: [BANK_CONNECTOR_CONFIG, CONNECTOR_SIGNING_KEY],
    useFactory: async (
      config: BankConnectorConfig,
      connectorKey: ConnectorSigningKey,
    ): Promise<SandboxBank | null> => {
      if (config.bankUrl) return null;
      const sandbox = sandboxBankConfigFromEnv({
        ...process.env,
        SANDBOX_BANK_DATA_DIR: process.env.SANDBOX_BANK_DATA_DIR || join(config.dataDir, 'sandbox-bank'),
        SANDBOX_BANK_TRUSTED_KEYS: JSON.stringify(connectorKey.publicJwk),
      });
      const bank = await openSandboxBank(sandbox);
      if (config.enabled) bank.start(sandbox.tickMs);
      return bank;
    },
  },
  {
    provide: BANK_GATEWAY,
    inject: [BANK_CONNECTOR_CONFIG, IN_PROCESS_SANDBOX_BANK],
    useFactory: (config: BankConnectorConfig, sandbox: SandboxBank | null): BankGateway =>
      sandbox
        ? new SandboxBankGateway(sandbox, true)
        : new HttpBankGateway({
            baseUrl: config.bankUrl!,
            submitTimeoutMs: config.bankTimeoutMs,
            fetchTimeoutMs: config.bankTimeoutMs,
          }),
  },
  {
    provide: BANK_TRUST,
    inject: [BANK_CONNECTOR_CONFIG, IN_PROCESS_SANDBOX_BANK],
    useFactory: (config: BankConnectorConfig, sandbox: SandboxBank | null): BankTrust => {
      const configured = configuredBankTrust(config);
      if (configured) return configured;
      if (sandbox) return { keys: { keys: [sandbox.publicJwk()] } };
      throw new Error('BANK_JWKS must name the bank public keys when BANK_URL is set');
    },
  },
];
