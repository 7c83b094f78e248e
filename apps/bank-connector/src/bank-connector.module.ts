import { Module } from '@nestjs/common';
import { AuthModule, EventStoreModule, MessageBusModule, ReadStoreModule } from '@ledger/infra';
import { BankConnectorLifecycle } from './bank-connector.lifecycle';
import { BankFeedPoller } from './bank-feed/bank-feed-poller';
import { BankMessageIntake, STATEMENT_SINK } from './bank-feed/bank-message-intake';
import { ParkedBankMessagesHttpController } from './bank-feed/parked-bank-messages.http.controller';
import { bankGatewayProviders } from './bank-gateway/bank-gateway.providers';
import {
  BANK_CONNECTOR_CONFIG,
  bankConnectorConfigFromEnv,
  BankConnectorConfig,
} from './config/bank-connector.config';
import { PaymentDispatcher } from './dispatch/payment-dispatcher';
import { ReconciliationModule } from './reconciliation/reconciliation.module';
import { ReconciliationService } from './reconciliation/reconciliation.service';
import { SandboxEndOfDayHttpController } from './sandbox-bank/sandbox-end-of-day.http.controller';
import { connectorSigningKey, CONNECTOR_SIGNING_KEY } from './signing/connector-keys';
import { ConnectorState } from './state/connector-state';

/**
 * The bank-facing side: dispatched batches out as signed pain.001, the bank's answers back as receipts
 * on the bus, statements into reconciliation.
 */
@Module({
  imports: [EventStoreModule, ReadStoreModule, MessageBusModule, AuthModule, ReconciliationModule],
  controllers: [ParkedBankMessagesHttpController, SandboxEndOfDayHttpController],
  providers: [
    { provide: BANK_CONNECTOR_CONFIG, useFactory: () => bankConnectorConfigFromEnv(process.env) },
    {
      provide: CONNECTOR_SIGNING_KEY,
      inject: [BANK_CONNECTOR_CONFIG],
      useFactory: (config: BankConnectorConfig) => connectorSigningKey(config),
    },
    ...bankGatewayProviders,
    { provide: STATEMENT_SINK, useExisting: ReconciliationService },
    ConnectorState,
    BankMessageIntake,
    PaymentDispatcher,
    BankFeedPoller,
    BankConnectorLifecycle,
  ],
})
export class BankConnectorModule {}
