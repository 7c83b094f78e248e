import { Inject } from '@nestjs/common';
import { Command, CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { AccountJson, PayeeJson, paymentBatchStreamId, paymentStreamId } from '@ledger/events';
import { paymentBatchDecider, RedispatchPayment } from '@ledger/domain';
import { CommandContext } from '../../command-handling/command-context';
import { StreamCommandHandler } from '../../command-handling/stream-command-handler';
import { LEDGER_DECIDERS, LedgerDeciders } from '../../config/ledger-policies';
import { PaymentView, paymentView } from '../payment-view';
import { RedispatchPaymentRequestDto } from './redispatch-payment.request.dto';

export class RedispatchPaymentCommand extends Command<PaymentView> {
  constructor(
    readonly paymentId: string,
    readonly batchId: string,
    readonly request: RedispatchPaymentRequestDto,
    readonly context: CommandContext,
  ) {
    super();
  }
}

/**
 * Sends a payment the bank rejected again, as a batch of its own, after the treasurer corrected the
 * debtor account, the execution date or the payee's name (never the payee's account: that needs a
 * new claim and its approvals).
 */
@CommandHandler(RedispatchPaymentCommand)
export class RedispatchPaymentHandler implements ICommandHandler<RedispatchPaymentCommand, PaymentView> {
  constructor(
    private readonly streams: StreamCommandHandler,
    @Inject(LEDGER_DECIDERS) private readonly deciders: LedgerDeciders,
  ) {}

  async execute({ paymentId, batchId, request, context }: RedispatchPaymentCommand): Promise<PaymentView> {
    const command: RedispatchPayment = {
      type: 'RedispatchPayment',
      data: {
        paymentId,
        batchId,
        ...(request.correctedPayee ? { correctedPayee: request.correctedPayee as PayeeJson } : {}),
        ...(request.correctedDebtorAccount
          ? { correctedDebtorAccount: request.correctedDebtorAccount as AccountJson }
          : {}),
        ...(request.requestedExecutionDate ? { requestedExecutionDate: request.requestedExecutionDate } : {}),
      },
      metadata: context.metadata,
    };
    const handled = await this.streams.handle(
      paymentStreamId(paymentId),
      this.deciders.payment,
      command,
      context,
    );
    const state = handled.state;
    if (state.status === 'not_dispatched') return paymentView(paymentId, handled);
    const attempt = state.dispatch;
    await this.streams.handle(
      paymentBatchStreamId(attempt.batchId),
      paymentBatchDecider,
      {
        type: 'RecordPaymentBatch',
        data: {
          batchId: attempt.batchId,
          debtorAccount: attempt.debtorAccount,
          requestedExecutionDate: attempt.requestedExecutionDate,
          payments: [{ paymentId, claimId: attempt.claimId, amount: attempt.amount }],
        },
        metadata: context.metadata,
      },
      context,
    );
    return paymentView(paymentId, handled, attempt.batchId);
  }
}
