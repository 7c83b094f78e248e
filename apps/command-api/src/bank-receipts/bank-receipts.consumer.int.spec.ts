import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  BANK_RECEIPT_SCHEMA_VERSION,
  BANK_RECEIPTS_DEAD_LETTER_TOPIC,
  BANK_RECEIPTS_TOPIC,
  BankReceipt,
  BusMessage,
  ledgerUpcasters,
  paymentStreamId,
} from '@ledger/events';
import { dispatchedPayment } from '@ledger/domain/testing/fixtures';
import { EmbeddedEventStore, EmbeddedMessageBus } from '@ledger/infra';
import { StreamCommandHandler } from '../command-handling/stream-command-handler';
import { ledgerDecidersFromEnv } from '../config/ledger-policies';
import { BankReceiptsConsumer, DEAD_LETTER_REASON_HEADER } from './bank-receipts.consumer';
import { BankReceiptRecorder } from './record-bank-receipt';
import { appendDispatchedPayment } from '../../../../test/support/events';

jest.setTimeout(30_000);

describe('bank receipts consumer (embedded store and bus)', () => {
  let dir: string;
  let store: EmbeddedEventStore;
  let bus: EmbeddedMessageBus;
  let consumer: BankReceiptsConsumer;
  let offset = 0;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'receipts-'));
    store = new EmbeddedEventStore({ file: join(dir, 'events.sqlite'), upcasters: ledgerUpcasters });
    bus = new EmbeddedMessageBus({ file: join(dir, 'bus.sqlite') });
    const recorder = new BankReceiptRecorder(new StreamCommandHandler(store), ledgerDecidersFromEnv({}));
    consumer = new BankReceiptsConsumer(recorder, bus);
    await appendDispatchedPayment(store, dispatchedPayment());
  });

  afterEach(async () => {
    await bus.close();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const message = (value: unknown, key = 'pay-1'): BusMessage => ({
    topic: BANK_RECEIPTS_TOPIC,
    partition: 0,
    offset: String(offset++),
    key,
    value: typeof value === 'string' ? value : JSON.stringify(value),
    headers: {},
    timestamp: '2026-11-22T10:00:00.000Z',
  });
  const receipt = (overrides: Partial<BankReceipt> = {}): BankReceipt => ({
    schemaVersion: BANK_RECEIPT_SCHEMA_VERSION,
    receiptId: 'entry:EN-1',
    paymentId: 'pay-1',
    outcome: 'settled',
    bankMessageId: 'MSG-1',
    receivedAt: '2026-11-22T10:00:00.000Z',
    bankReference: 'TX-1',
    ...overrides,
  });
  const paymentEvents = async () => (await store.readStream(paymentStreamId('pay-1'))).map((e) => e.type);
  const deadLetters = async (count: number): Promise<BusMessage[]> => {
    const seen: BusMessage[] = [];
    const subscription = await bus.subscribe(
      { groupId: `dlq-reader-${offset}`, topics: [BANK_RECEIPTS_DEAD_LETTER_TOPIC] },
      async (m) => {
        seen.push(m);
      },
    );
    const deadline = Date.now() + 5_000;
    while (seen.length < count && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    await subscription.stop();
    return seen;
  };

  it('records a receipt once, however often it is delivered (even read again later)', async () => {
    await consumer.handle(message(receipt()));
    await consumer.handle(message(receipt({ receivedAt: '2026-11-22T11:00:00.000Z' })));
    expect(await paymentEvents()).toEqual(['PaymentDispatched', 'PaymentSettled']);
    const settled = (await store.readStream(paymentStreamId('pay-1')))[1];
    expect(settled.data).toMatchObject({ receiptId: 'entry:EN-1', bankReference: 'TX-1', attempt: 1 });
    expect(settled.metadata.actor).toEqual({ subject: 'bank-connector', roles: ['bank-connector'] });
  });

  it('records a rejection with its reason code, and a return after settlement', async () => {
    await consumer.handle(message(receipt({ receiptId: 'r-1', outcome: 'accepted' })));
    await consumer.handle(message(receipt({ receiptId: 'r-2' })));
    await consumer.handle(message(receipt({ receiptId: 'r-3', outcome: 'returned', reasonCode: 'AC06' })));
    const events = await store.readStream(paymentStreamId('pay-1'));
    expect(events.map((e) => e.type)).toEqual([
      'PaymentDispatched',
      'PaymentAcceptedByBank',
      'PaymentSettled',
      'PaymentReturned',
    ]);
    expect(events[3].data).toMatchObject({ reasonCode: 'AC06' });
  });

  it('dead-letters what can never be recorded, with the reason, and appends nothing', async () => {
    await consumer.handle(message('{not json'));
    await consumer.handle(message(receipt({ paymentId: 'pay-unknown' }), 'pay-unknown'));
    await consumer.handle(message(receipt({ outcome: 'returned', reasonCode: 'AC06' })));
    await consumer.handle(message(receipt(), 'pay-2'));
    expect(await paymentEvents()).toEqual(['PaymentDispatched']);
    const letters = await deadLetters(4);
    expect(letters.map((l) => l.headers[DEAD_LETTER_REASON_HEADER].split(':')[0])).toEqual([
      'RECEIPT.MALFORMED',
      'PAYMENT.NOT_FOUND',
      'PAYMENT.OUTCOME_OUT_OF_ORDER',
      'RECEIPT.MALFORMED',
    ]);
    expect(letters[0].value).toBe('{not json');
    expect(letters[1].headers['x-original-topic']).toBe(BANK_RECEIPTS_TOPIC);
  });

  it('throws when the store fails, so the bus delivers the receipt again', async () => {
    await store.close();
    await expect(consumer.handle(message(receipt()))).rejects.toThrow();
    store = new EmbeddedEventStore({ file: join(dir, 'events.sqlite'), upcasters: ledgerUpcasters });
  });
});
