import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BANK_RECEIPTS_TOPIC, BusMessage, ledgerUpcasters, toIsoId } from '@ledger/events';
import { dispatchedPayment } from '@ledger/domain/testing/fixtures';
import { EmbeddedEventStore, EmbeddedMessageBus, EmbeddedReadStore } from '@ledger/infra';
import {
  buildPain002,
  generateSigningKey,
  PaymentStatusReport,
  signIso20022,
  SigningKey,
} from '@ledger/iso20022';
import { ReconciliationError } from '@ledger/domain';
import { ConnectorState } from '../state/connector-state';
import { BankMessageIntake, StatementSink } from './bank-message-intake';
import { appendDispatchedPayment } from '../../../../test/support/events';

jest.setTimeout(30_000);

const PAYMENT = '6f1c2a9e-5b7d-4c3e-8a1f-0d2e3c4b5a69';
const BATCH = '1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d';

describe('bank message intake', () => {
  let dir: string;
  let store: EmbeddedEventStore;
  let bus: EmbeddedMessageBus;
  let readStore: EmbeddedReadStore;
  let state: ConnectorState;
  let intake: BankMessageIntake;
  let bankKey: SigningKey;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'intake-'));
    store = new EmbeddedEventStore({ file: join(dir, 'events.sqlite'), upcasters: ledgerUpcasters });
    bus = new EmbeddedMessageBus({ file: join(dir, 'bus.sqlite') });
    readStore = new EmbeddedReadStore({ file: join(dir, 'read.sqlite') });
    const generated = await generateSigningKey('bank-1');
    bankKey = generated;
    state = new ConnectorState(readStore);
    intake = new BankMessageIntake(store, bus, { keys: { keys: [generated.publicJwk] } }, state, null);
    await appendDispatchedPayment(store, dispatchedPayment({ paymentId: PAYMENT, batchId: BATCH }));
  });

  afterEach(async () => {
    await bus.close();
    await store.close();
    await readStore.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const report = (endToEndId: string, status: 'ACCP' | 'RJCT' = 'ACCP'): PaymentStatusReport => ({
    messageId: 'PSR-1',
    creationDateTime: '2026-11-22T10:00:00.000Z',
    originalMessageId: toIsoId(BATCH),
    originalMessageNameId: 'pain.001.001.09',
    groupStatus: status === 'ACCP' ? 'ACCP' : 'RJCT',
    transactions: [
      {
        statusId: 'ST-1',
        originalEndToEndId: endToEndId,
        status,
        ...(status === 'RJCT' ? { reasonCode: 'AC04' } : { bankReference: 'TX-9' }),
      },
    ],
  });
  const published = async (): Promise<BusMessage[]> => {
    const seen: BusMessage[] = [];
    const subscription = await bus.subscribe(
      { groupId: `reader-${Date.now()}`, topics: [BANK_RECEIPTS_TOPIC] },
      async (m) => {
        seen.push(m);
      },
    );
    await new Promise((r) => setTimeout(r, 300));
    await subscription.stop();
    return seen;
  };

  it('turns a signed status report into a receipt keyed by the payment id', async () => {
    const jws = await signIso20022(buildPain002(report(toIsoId(PAYMENT))), bankKey);
    expect(await intake.receive(jws)).toEqual({ receipts: 1, parked: 0 });
    const [message] = await published();
    expect(message.key).toBe(PAYMENT);
    expect(JSON.parse(message.value)).toMatchObject({
      paymentId: PAYMENT,
      batchId: BATCH,
      outcome: 'accepted',
      receiptId: 'PSR-1:ST-1',
      bankReference: 'TX-9',
      bankMessageId: 'PSR-1',
    });
    expect(await state.parked()).toEqual([]);
  });

  it('parks a message signed by another key, and publishes nothing', async () => {
    const stranger = await generateSigningKey('bank-1');
    const jws = await signIso20022(buildPain002(report(toIsoId(PAYMENT))), stranger);
    expect(await intake.receive(jws)).toEqual({ receipts: 0, parked: 1 });
    expect(await published()).toEqual([]);
    expect((await state.parked()).map((p) => p.code)).toEqual(['ISO20022.BAD_SIGNATURE']);
  });

  it('parks an unsigned or malformed message', async () => {
    expect(await intake.receive('<Document/>')).toEqual({ receipts: 0, parked: 1 });
    const malformed = await signIso20022('<Document><unclosed></Document>', bankKey);
    expect(await intake.receive(malformed)).toEqual({ receipts: 0, parked: 1 });
    expect(await published()).toEqual([]);
    expect((await state.parked()).map((p) => p.code).sort()).toEqual(
      ['ISO20022.BAD_SIGNATURE', 'ISO20022.MALFORMED_XML'].sort(),
    );
  });

  it('parks an outcome for an end-to-end id the ledger never sent', async () => {
    const jws = await signIso20022(buildPain002(report('ffffffffffffffffffffffffffffffff', 'RJCT')), bankKey);
    expect(await intake.receive(jws)).toEqual({ receipts: 0, parked: 1 });
    expect(await published()).toEqual([]);
    const [parked] = await state.parked();
    expect(parked.code).toBe('BANK_MESSAGE.UNKNOWN_END_TO_END_ID');
  });

  describe('statements', () => {
    const statementXml = () =>
      readFileSync(join(__dirname, '../../../../libs/iso20022/samples/camt.053.001.08.sample.xml'), 'utf8');
    const intakeWith = (sink: StatementSink) =>
      new BankMessageIntake(store, bus, { keys: { keys: [bankPublicJwk] } }, state, sink);
    let bankPublicJwk: object;
    beforeEach(async () => {
      const generated = await generateSigningKey('bank-1');
      bankKey = generated;
      bankPublicJwk = generated.publicJwk;
    });

    it('hands a verified statement to reconciliation', async () => {
      const seen: string[] = [];
      const jws = await signIso20022(statementXml(), bankKey);
      const result = await intakeWith({
        reconcile: async (statement) => seen.push(statement.messageId),
      }).receive(jws);
      expect(result).toEqual({ receipts: 0, parked: 0 });
      expect(seen).toHaveLength(1);
    });

    it('parks a statement reconciliation refuses for good, and rethrows anything else', async () => {
      const jws = await signIso20022(statementXml(), bankKey);
      const refusing = intakeWith({
        reconcile: async () => {
          throw new ReconciliationError(
            'RECONCILIATION.STATEMENT_CONFLICT',
            'another statement under this id',
          );
        },
      });
      expect(await refusing.receive(jws)).toEqual({ receipts: 0, parked: 1 });
      expect((await state.parked()).map((p) => p.code)).toEqual(['RECONCILIATION.STATEMENT_CONFLICT']);
      const behind = intakeWith({
        reconcile: async () => {
          throw new Error('read model behind');
        },
      });
      await expect(behind.receive(jws)).rejects.toThrow('read model behind');
    });
  });
});
