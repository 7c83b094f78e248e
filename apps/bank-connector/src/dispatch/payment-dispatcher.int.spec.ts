import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  BANK_RECEIPTS_TOPIC,
  BankReceipt,
  currentSchemaVersion,
  ledgerUpcasters,
  paymentBatchStreamId,
  RecordedEvent,
} from '@ledger/events';
import { dispatchedPayment } from '@ledger/domain/testing/fixtures';
import { EmbeddedEventStore, EmbeddedMessageBus, EmbeddedReadStore } from '@ledger/infra';
import { generateSigningKey } from '@ledger/iso20022';
import { ibanEndingWith } from '../../../../test/bank/bank-fixtures';
import { appendDispatchedPayment } from '../../../../test/support/events';
import { BankMessageIntake } from '../bank-feed/bank-message-intake';
import { BankGateway, BankRefusedError, BankUnavailableError } from '../bank-gateway/bank-gateway.port';
import { SandboxBankGateway } from '../bank-gateway/sandbox-bank-gateway';
import { bankConnectorConfigFromEnv } from '../config/bank-connector.config';
import { SandboxBank } from '../sandbox-bank/sandbox-bank';
import { ConnectorState } from '../state/connector-state';
import { PaymentDispatcher } from './payment-dispatcher';

jest.setTimeout(30_000);

const PAYMENT = '0b9d3f4e-2a1c-4d5e-9f80-7a6b5c4d3e2f';
const BATCH = '5e4d3c2b-1a09-4f8e-8d7c-6b5a49382716';

/** The real sandbox bank behind a gateway that fails the first sends as told. */
class FlakyGateway implements BankGateway {
  submits = 0;
  constructor(
    private readonly bank: BankGateway,
    private readonly failure: (submit: number) => Error | undefined,
  ) {}
  async submitCreditTransfers(jws: string): Promise<string> {
    const error = this.failure(++this.submits);
    if (error) throw error;
    return this.bank.submitCreditTransfers(jws);
  }
  fetchMessages(cursor: string | undefined, limit: number) {
    return this.bank.fetchMessages(cursor, limit);
  }
  close() {
    return this.bank.close();
  }
}

describe('payment dispatcher: retries, then gives up', () => {
  let dir: string;
  let store: EmbeddedEventStore;
  let bus: EmbeddedMessageBus;
  let readStore: EmbeddedReadStore;
  let batchEvent: RecordedEvent;
  let sandbox: SandboxBank;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'dispatcher-'));
    store = new EmbeddedEventStore({ file: join(dir, 'events.sqlite'), upcasters: ledgerUpcasters });
    bus = new EmbeddedMessageBus({ file: join(dir, 'bus.sqlite') });
    readStore = new EmbeddedReadStore({ file: join(dir, 'read.sqlite') });
    const dispatch = dispatchedPayment({
      paymentId: PAYMENT,
      batchId: BATCH,
      payee: { name: 'Supplier', account: { iban: ibanEndingWith('4321', 3) } },
      debtorAccount: { iban: ibanEndingWith('9990', 4) },
    });
    await appendDispatchedPayment(store, dispatch);
    await store.appendToStream(
      paymentBatchStreamId(BATCH),
      [
        {
          type: 'PaymentBatchDispatched',
          data: {
            batchId: BATCH,
            debtorAccount: dispatch.debtorAccount,
            requestedExecutionDate: dispatch.requestedExecutionDate,
            dispatchedBy: 'trent',
            payments: [{ paymentId: PAYMENT, claimId: dispatch.claimId, amount: dispatch.amount }],
          },
          metadata: {
            eventId: 'batch-event',
            correlationId: 'c',
            causationId: 'c',
            actor: { subject: 'trent', roles: ['treasurer'] },
            occurredAt: '2026-11-22T09:00:01.000Z',
            schemaVersion: currentSchemaVersion('PaymentBatchDispatched'),
          },
        },
      ],
      { expectedRevision: 'no_stream' },
    );
    [batchEvent] = await store.readStream(paymentBatchStreamId(BATCH));
  });

  afterEach(async () => {
    await sandbox?.stop();
    await bus.close();
    await store.close();
    await readStore.close();
    rmSync(dir, { recursive: true, force: true });
  });

  async function dispatcherWith(
    failure: (submit: number) => Error | undefined,
    maxAttempts = 4,
    retryBaseMs = 5,
  ) {
    const key = await generateSigningKey('connector-1');
    const bankKey = await generateSigningKey('bank-1');
    sandbox = await SandboxBank.open({ signingKey: bankKey, trustedConnectorKeys: [key.publicJwk] });
    const gateway = new FlakyGateway(new SandboxBankGateway(sandbox), failure);
    const config = {
      ...bankConnectorConfigFromEnv({ LEDGER_DATA_DIR: dir }),
      maxAttempts,
      retryBaseMs,
      retryMaxMs: Math.max(20, retryBaseMs),
    };
    const state = new ConnectorState(readStore);
    const intake = new BankMessageIntake(store, bus, { keys: { keys: [bankKey.publicJwk] } }, state, null);
    return { dispatcher: new PaymentDispatcher(store, gateway, bus, key, config, state, intake), gateway };
  }

  async function receipts(count: number): Promise<BankReceipt[]> {
    const seen: BankReceipt[] = [];
    const subscription = await bus.subscribe(
      { groupId: `reader-${Date.now()}`, topics: [BANK_RECEIPTS_TOPIC] },
      async (m) => {
        seen.push(JSON.parse(m.value) as BankReceipt);
      },
    );
    // Expecting none, it watches a while to see none arrive.
    const deadline = Date.now() + (count === 0 ? 500 : 5_000);
    while ((count === 0 || seen.length < count) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 20));
    }
    await subscription.stop();
    return seen;
  }

  it('refuses to start from a dispatch checkpoint past the log it follows', async () => {
    const { dispatcher } = await dispatcherWith(() => undefined);
    const state = new ConnectorState(readStore);
    const head = await store.headPosition();
    await state.saveDispatchCheckpoint(head + 5n);
    await expect(dispatcher.start()).rejects.toThrow(
      `the connector's dispatch checkpoint ${head + 5n} is past the log's last position ${head}`,
    );
    await dispatcher.stop();
  });

  it('resends the same message after timeouts and 5xx until the bank answers', async () => {
    const { dispatcher, gateway } = await dispatcherWith((n) =>
      n <= 2 ? new BankUnavailableError('503 from the bank', 503) : undefined,
    );
    expect(await dispatcher.dispatchBatch(batchEvent)).toEqual({
      batchId: BATCH,
      payments: 1,
      attempts: 3,
      outcome: 'sent',
    });
    expect(gateway.submits).toBe(3);
    const [accepted] = await receipts(1);
    expect(accepted).toMatchObject({ paymentId: PAYMENT, batchId: BATCH, outcome: 'accepted' });
    // The bank took the transfer once: its amount is reserved on the debtor account.
    expect(sandbox.balances().map((b) => b.reserved)).toEqual([{ value: '1234.50', currency: 'EUR' }]);
  });

  it('marks the payments failed after the configured attempts', async () => {
    const { dispatcher, gateway } = await dispatcherWith(() => new BankUnavailableError('timed out'), 3);
    expect(await dispatcher.dispatchBatch(batchEvent)).toMatchObject({ attempts: 3, outcome: 'failed' });
    expect(gateway.submits).toBe(3);
    const [failed] = await receipts(1);
    expect(failed).toMatchObject({
      paymentId: PAYMENT,
      batchId: BATCH,
      outcome: 'failed',
      attempts: 3,
      receiptId: `dispatch-failed:${BATCH}:${PAYMENT}`,
    });
    expect(failed.reasonText).toContain('did not answer after 3 attempts');
  });

  it('gives up at once when the bank refuses the message itself', async () => {
    const { dispatcher, gateway } = await dispatcherWith(
      () => new BankRefusedError('signature not trusted', 401, 'ISO20022.BAD_SIGNATURE'),
    );
    expect(await dispatcher.dispatchBatch(batchEvent)).toMatchObject({ attempts: 1, outcome: 'failed' });
    expect(gateway.submits).toBe(1);
    const [failed] = await receipts(1);
    expect(failed).toMatchObject({ outcome: 'failed', attempts: 1 });
    expect(failed.reasonText).toContain('refused');
  });

  it('stops at once while waiting to resend, leaving the batch unrecorded for the next start', async () => {
    // Without the stop, the pause before the second send would outlast the test's timeout.
    const { dispatcher, gateway } = await dispatcherWith(
      () => new BankUnavailableError('timed out'),
      5,
      600_000,
    );
    const sending = dispatcher.dispatchBatch(batchEvent);
    while (gateway.submits === 0) await new Promise((r) => setTimeout(r, 5));
    await dispatcher.stop();
    await expect(sending).rejects.toThrow(/abort/i);
    expect(gateway.submits).toBe(1);
    expect(await receipts(0)).toEqual([]);
  });
});
