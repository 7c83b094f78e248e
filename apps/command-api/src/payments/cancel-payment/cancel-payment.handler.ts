import { Inject, Logger } from '@nestjs/common';
import { Command, CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { claimStreamId, duplicateGuardStreamId, paymentStreamId } from '@ledger/events';
import {
  CancelPayment,
  duplicateGuardDecider,
  MarkClaimPaymentCancelled,
  releasesInvoice,
} from '@ledger/domain';
import { CommandContext } from '../../command-handling/command-context';
import { StreamCommandHandler } from '../../command-handling/stream-command-handler';
import { LEDGER_DECIDERS, LedgerDeciders } from '../../config/ledger-policies';
import { PaymentView, paymentView } from '../payment-view';

export class CancelPaymentCommand extends Command<PaymentView> {
  constructor(
    readonly paymentId: string,
    readonly reason: string,
    readonly context: CommandContext,
  ) {
    super();
  }
}

/**
 * Gives up on a payment the bank rejected, or whose delivery failed: the payment is cancelled, then its
 * claim. After a rejection nothing left the bank, and the claim's invoice is freed for a corrected
 * claim. After a failed delivery (timeouts, no answer) the bank may have executed it: the invoice stays
 * held, so that no other claim can pay it a second time. A retry with the same Idempotency-Key
 * completes whatever a crash cut short (each step is idempotent).
 */
@CommandHandler(CancelPaymentCommand)
export class CancelPaymentHandler implements ICommandHandler<CancelPaymentCommand, PaymentView> {
  private readonly logger = new Logger(CancelPaymentHandler.name);

  constructor(
    private readonly streams: StreamCommandHandler,
    @Inject(LEDGER_DECIDERS) private readonly deciders: LedgerDeciders,
  ) {}

  async execute({ paymentId, reason, context }: CancelPaymentCommand): Promise<PaymentView> {
    const cancel: CancelPayment = {
      type: 'CancelPayment',
      data: { paymentId, reason },
      metadata: context.metadata,
    };
    const handled = await this.streams.handle(
      paymentStreamId(paymentId),
      this.deciders.payment,
      cancel,
      context,
    );
    if (handled.state.status !== 'cancelled') return paymentView(paymentId, handled);
    const { claimId } = handled.state.dispatch;
    const invoiceHeld = handled.state.deliveryUnknown;
    const mark: MarkClaimPaymentCancelled = {
      type: 'MarkClaimPaymentCancelled',
      data: { claimId, paymentId, reason, ...(invoiceHeld ? { invoiceHeld } : {}) },
      metadata: context.metadata,
    };
    const claim = await this.streams.handle(claimStreamId(claimId), this.deciders.claim, mark, context);
    const key =
      claim.state.status === 'cancelled' && releasesInvoice(claim.state)
        ? claim.state.claim.duplicateGuardKey
        : undefined;
    if (key) {
      await this.streams
        .handle(
          duplicateGuardStreamId(key),
          duplicateGuardDecider,
          {
            type: 'ReleaseDuplicateGuard',
            data: { key, claimId, reason: 'cancelled' },
            metadata: context.metadata,
          },
          context,
        )
        .catch((error: unknown) =>
          this.logger.warn({
            msg: 'duplicate guard not released; the next submission will',
            key,
            error: String(error),
          }),
        );
    }
    const last = [handled.position, claim.position].reduce(
      (a, b) => (b !== null && (a === null || b > a) ? b : a),
      null,
    );
    return paymentView(paymentId, { ...handled, position: last });
  }
}
