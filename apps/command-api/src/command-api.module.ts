import { Module } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import { AuthModule, EventStoreModule, MessageBusModule } from '@ledger/infra';
import { BankReceiptsConsumer } from './bank-receipts/bank-receipts.consumer';
import { BankReceiptsController } from './bank-receipts/bank-receipts.controller';
import { BankReceiptRecorder } from './bank-receipts/record-bank-receipt';
import { ApprovePaymentHttpController } from './claims/approve-payment/approve-payment.http.controller';
import { BenchHttpController } from './bench/bench.http.controller';
import { DecideClaimHandler } from './claims/decide-claim.handler';
import { GetClaimHttpController } from './claims/get-claim/get-claim.http.controller';
import { RejectClaimHttpController } from './claims/reject-claim/reject-claim.http.controller';
import { SubmitClaimHandler } from './claims/submit-claim/submit-claim.handler';
import { SubmitClaimHttpController } from './claims/submit-claim/submit-claim.http.controller';
import { WithdrawClaimHttpController } from './claims/withdraw-claim/withdraw-claim.http.controller';
import { StreamCommandHandler } from './command-handling/stream-command-handler';
import { LEDGER_DECIDERS, ledgerDecidersFromEnv } from './config/ledger-policies';
import { DispatchToBankHandler } from './payments/dispatch-to-bank/dispatch-to-bank.handler';
import { DispatchToBankHttpController } from './payments/dispatch-to-bank/dispatch-to-bank.http.controller';
import { CancelPaymentHandler } from './payments/cancel-payment/cancel-payment.handler';
import { PaymentCommandsHttpController } from './payments/payment-commands.http.controller';
import { RedispatchPaymentHandler } from './payments/redispatch-payment/redispatch-payment.handler';

/** The write side: HTTP commands for internal services (claims, approvals, dispatch) and bank receipts. */
@Module({
  imports: [EventStoreModule, MessageBusModule, AuthModule, CqrsModule.forRoot()],
  controllers: [
    SubmitClaimHttpController,
    ApprovePaymentHttpController,
    RejectClaimHttpController,
    WithdrawClaimHttpController,
    GetClaimHttpController,
    DispatchToBankHttpController,
    PaymentCommandsHttpController,
    BankReceiptsController,
    ...(process.env.LEDGER_BENCH_ROUTES === '1' ? [BenchHttpController] : []),
  ],
  providers: [
    { provide: LEDGER_DECIDERS, useFactory: () => ledgerDecidersFromEnv(process.env) },
    StreamCommandHandler,
    SubmitClaimHandler,
    DecideClaimHandler,
    DispatchToBankHandler,
    RedispatchPaymentHandler,
    CancelPaymentHandler,
    BankReceiptRecorder,
    BankReceiptsConsumer,
  ],
})
export class CommandApiModule {}
