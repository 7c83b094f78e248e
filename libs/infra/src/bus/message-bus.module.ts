import { Global, Inject, Module, OnApplicationShutdown } from '@nestjs/common';
import { MESSAGE_BUS, MessageBus } from '@ledger/events';
import { HealthRegistry } from '../health/health';
import { PlatformModule } from '../platform.module';
import { createMessageBus } from './create-message-bus';

/**
 * One message bus per process, shared by every app the process hosts (in `npm start` the bank
 * connector publishes and the command side consumes through the same embedded file), reported by
 * the health endpoint and closed on shutdown after the transports have stopped consuming.
 */
@Global()
@Module({
  imports: [PlatformModule],
  providers: [{ provide: MESSAGE_BUS, useFactory: (): MessageBus => createMessageBus(process.env) }],
  exports: [MESSAGE_BUS],
})
export class MessageBusModule implements OnApplicationShutdown {
  constructor(
    @Inject(MESSAGE_BUS) private readonly bus: MessageBus,
    health: HealthRegistry,
  ) {
    health.register('messageBus', () => bus.health());
  }

  async onApplicationShutdown(): Promise<void> {
    await this.bus.close();
  }
}
