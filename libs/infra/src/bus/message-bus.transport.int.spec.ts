import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Controller, INestMicroservice, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Ctx, EventPattern, MessagePattern, Payload, RpcException } from '@nestjs/microservices';
import { Observable, throwError } from 'rxjs';
import { MessageBus } from '@ledger/events';
import { EmbeddedMessageBus } from './embedded-message-bus';
import { MessageBusContext, MessageBusServer } from './message-bus.transport';

const TOPIC_OK = 'receipts.ok';
const TOPIC_THROWS = 'receipts.throws';
const TOPIC_RPC = 'receipts.rpc-exception';
const TOPIC_OBSERVABLE = 'receipts.observable';

interface Delivery {
  readonly topic: string;
  readonly payload: unknown;
  readonly key: string;
  readonly headers: Readonly<Record<string, string>>;
}
const deliveries: Delivery[] = [];
/** Failures left per message value: the handler fails that many times, then succeeds. */
const failuresLeft = new Map<string, number>();

function record(payload: unknown, context: MessageBusContext): boolean {
  deliveries.push({
    topic: context.getTopic(),
    payload,
    key: context.getKey(),
    headers: context.getHeaders(),
  });
  const id = (payload as { id: string }).id;
  const left = failuresLeft.get(id) ?? 0;
  if (left > 0) failuresLeft.set(id, left - 1);
  return left > 0;
}

@Controller()
class ReceiptsController {
  @EventPattern(TOPIC_OK)
  async ok(@Payload() payload: unknown, @Ctx() context: MessageBusContext): Promise<void> {
    record(payload, context);
  }

  @EventPattern(TOPIC_THROWS)
  async throws(@Payload() payload: unknown, @Ctx() context: MessageBusContext): Promise<void> {
    if (record(payload, context)) throw new Error('receipt could not be applied');
  }

  @EventPattern(TOPIC_RPC)
  rpcException(@Payload() payload: unknown, @Ctx() context: MessageBusContext): void {
    if (record(payload, context)) throw new RpcException('refused');
  }

  @EventPattern(TOPIC_OBSERVABLE)
  observable(@Payload() payload: unknown, @Ctx() context: MessageBusContext): Observable<never> | undefined {
    return record(payload, context) ? throwError(() => new Error('stream failed')) : undefined;
  }

  @MessagePattern('receipts.request')
  request(): string {
    return 'not served';
  }
}

@Module({ controllers: [ReceiptsController] })
class ReceiptsModule {}

describe('MessageBusServer (Nest transport over the message bus)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ledger-bus-nest-'));
  let bus: MessageBus;
  let server: MessageBusServer;
  let app: INestMicroservice;

  beforeAll(async () => {
    bus = new EmbeddedMessageBus({
      file: join(dir, 'bus.sqlite'),
      retryDelayMs: 20,
      maxRetryDelayMs: 50,
      logger: { warn: () => undefined, error: () => undefined },
    });
    await bus.ensureTopics(
      [TOPIC_OK, TOPIC_THROWS, TOPIC_RPC, TOPIC_OBSERVABLE].map((topic) => ({ topic, partitions: 2 })),
    );
    server = new MessageBusServer(bus, { groupId: 'nest-test' });
    app = await NestFactory.createMicroservice(ReceiptsModule, { strategy: server, logger: false });
    await app.listen();
  });
  afterAll(async () => {
    await app?.close();
    await bus?.close();
    rmSync(dir, { recursive: true, force: true });
  });
  beforeEach(() => {
    deliveries.length = 0;
    failuresLeft.clear();
  });

  async function waitFor(condition: () => boolean): Promise<void> {
    const deadline = Date.now() + 10_000;
    while (!condition()) {
      if (Date.now() > deadline)
        throw new Error(`gave up waiting; deliveries: ${JSON.stringify(deliveries)}`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }
  const ids = (topic: string) =>
    deliveries.filter((d) => d.topic === topic).map((d) => (d.payload as { id: string }).id);

  it('subscribes to the event topics only', () => {
    expect(server.topics().sort()).toEqual([TOPIC_OBSERVABLE, TOPIC_OK, TOPIC_RPC, TOPIC_THROWS]);
  });

  it('hands each message to its @EventPattern handler with the JSON payload and the bus context', async () => {
    await bus.publish(TOPIC_OK, [
      {
        key: 'r-1',
        value: JSON.stringify({ id: 'ok-1', amount: '10.00' }),
        headers: { 'message-id': 'm-1' },
      },
      { key: 'r-1', value: JSON.stringify({ id: 'ok-2', amount: '20.00' }) },
    ]);
    await waitFor(() => ids(TOPIC_OK).length >= 2);
    expect(deliveries).toEqual([
      {
        topic: TOPIC_OK,
        payload: { id: 'ok-1', amount: '10.00' },
        key: 'r-1',
        headers: { 'message-id': 'm-1' },
      },
      { topic: TOPIC_OK, payload: { id: 'ok-2', amount: '20.00' }, key: 'r-1', headers: {} },
    ]);
  });

  it.each([
    ['throws an Error', TOPIC_THROWS],
    ['throws an RpcException', TOPIC_RPC],
    ['returns an Observable that errors', TOPIC_OBSERVABLE],
  ])('redelivers a message whose handler %s, before the later ones of its partition', async (_, topic) => {
    failuresLeft.set(`${topic}-b`, 2);
    await bus.publish(
      topic,
      ['a', 'b', 'c'].map((n) => ({ key: 'same-key', value: JSON.stringify({ id: `${topic}-${n}` }) })),
    );
    await waitFor(() => ids(topic).includes(`${topic}-c`));
    expect(ids(topic)).toEqual([`${topic}-a`, `${topic}-b`, `${topic}-b`, `${topic}-b`, `${topic}-c`]);
  });
});
