import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { messageBusContract } from '../../../../test/contracts/message-bus.contract';
import { BusLogger } from './bus-logger';
import { EmbeddedMessageBus } from './embedded-message-bus';

const dir = mkdtempSync(join(tmpdir(), 'ledger-bus-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Handler failures are expected in these tests; their warnings would only bury real output. */
const quietLogger: BusLogger = { warn: () => undefined, error: () => undefined };

messageBusContract(
  'embedded SQLite',
  async () =>
    new EmbeddedMessageBus({
      file: join(dir, 'contract.sqlite'),
      retryDelayMs: 20,
      maxRetryDelayMs: 100,
      heartbeatIntervalMs: 100,
      sessionTimeoutMs: 2_000,
      logger: quietLogger,
    }),
);
