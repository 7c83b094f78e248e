import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NestFactory } from '@nestjs/core';
import { MESSAGE_BUS, MessageBus } from '@ledger/events';
import { HealthRegistry } from '../health/health';
import { createMessageBus } from './create-message-bus';
import { EmbeddedMessageBus } from './embedded-message-bus';
import { KafkaMessageBus } from './kafka-message-bus';
import { MessageBusModule } from './message-bus.module';

describe('createMessageBus and MessageBusModule', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ledger-bus-module-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('chooses the embedded bus in bus.sqlite under LEDGER_DATA_DIR without KAFKA_BROKERS', async () => {
    const bus = createMessageBus({ LEDGER_DATA_DIR: join(dir, 'a') });
    expect(bus).toBeInstanceOf(EmbeddedMessageBus);
    expect(existsSync(join(dir, 'a', 'bus.sqlite'))).toBe(true);
    await bus.close();
  });

  it('chooses Kafka when KAFKA_BROKERS is set, and refuses a bad replication factor', async () => {
    const bus = createMessageBus({
      KAFKA_BROKERS: ' 127.0.0.1:1 , 127.0.0.1:2 ',
      LEDGER_DATA_DIR: join(dir, 'b'),
    });
    expect(bus).toBeInstanceOf(KafkaMessageBus);
    expect(existsSync(join(dir, 'b'))).toBe(false);
    await bus.close();
    expect(() =>
      createMessageBus({ KAFKA_BROKERS: '127.0.0.1:1', KAFKA_REPLICATION_FACTOR: 'three' }),
    ).toThrow(/KAFKA_REPLICATION_FACTOR/);
  });

  it('provides MESSAGE_BUS, reports it in /health, and closes it on shutdown', async () => {
    const previous = { dir: process.env.LEDGER_DATA_DIR, brokers: process.env.KAFKA_BROKERS };
    process.env.LEDGER_DATA_DIR = join(dir, 'c');
    delete process.env.KAFKA_BROKERS;
    try {
      const app = await NestFactory.createApplicationContext(MessageBusModule, { logger: false });
      app.enableShutdownHooks();
      const bus = app.get<MessageBus>(MESSAGE_BUS);
      const report = await app.get(HealthRegistry).report();
      expect(report.adapters.messageBus).toMatchObject({ status: 'up', adapter: 'embedded-bus-sqlite' });
      await bus.publish('t', [{ key: 'k', value: 'v' }]);
      await app.close();
      await expect(bus.publish('t', [{ key: 'k', value: 'v' }])).rejects.toThrow(/closed/);
      expect(await bus.health()).toMatchObject({ status: 'down' });
    } finally {
      process.env.LEDGER_DATA_DIR = previous.dir;
      if (previous.brokers !== undefined) process.env.KAFKA_BROKERS = previous.brokers;
      if (previous.dir === undefined) delete process.env.LEDGER_DATA_DIR;
    }
  });
});
