import { Controller, Inject, INestApplication, OnApplicationBootstrap } from '@nestjs/common';
import { Ctx, EventPattern } from '@nestjs/microservices';
import { BANK_RECEIPT_TOPICS, BANK_RECEIPTS_TOPIC, MESSAGE_BUS, MessageBus } from '@ledger/events';
import { MessageBusContext, MessageBusServer } from '@ledger/infra';
import { BankReceiptsConsumer } from './bank-receipts.consumer';

/** The command side's consumer group on the receipts topic. */
export const BANK_RECEIPTS_GROUP = 'ledger.command-api.bank-receipts';

/**
 * Receipts of other payments recorded side by side within a partition (one payment's stay in order). Each
 * waits for a durable append, which the event store commits in groups: with one receipt per partition at a
 * time, 16 partitions capped a batch's 500 acceptances at about 2,000 receipts/s, however idle the CPU.
 */
export const BANK_RECEIPTS_KEY_CONCURRENCY = 16;

/** Bank receipts arrive as a Nest microservice message; the bus commits each once it is recorded. */
@Controller()
export class BankReceiptsController implements OnApplicationBootstrap {
  constructor(
    private readonly consumer: BankReceiptsConsumer,
    @Inject(MESSAGE_BUS) private readonly bus: MessageBus,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    // Whichever app starts first creates the topics; the consumer subscribes after bootstrap.
    await this.bus.ensureTopics(BANK_RECEIPT_TOPICS);
  }

  @EventPattern(BANK_RECEIPTS_TOPIC)
  async receive(@Ctx() context: MessageBusContext): Promise<void> {
    await this.consumer.handle(context.getMessage());
  }
}

/**
 * Connects the receipts consumer to the app (`LEDGER_RECEIPTS_CONSUMER=off` leaves it to another
 * process). Called by each entry point that hosts the command API.
 */
export function connectBankReceipts(app: INestApplication): void {
  if (process.env.LEDGER_RECEIPTS_CONSUMER === 'off') return;
  app.connectMicroservice(
    {
      strategy: new MessageBusServer(app.get(MESSAGE_BUS), {
        groupId: BANK_RECEIPTS_GROUP,
        keyConcurrency: BANK_RECEIPTS_KEY_CONCURRENCY,
      }),
    },
    { inheritAppConfig: false },
  );
}
