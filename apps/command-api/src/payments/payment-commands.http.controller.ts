import { Body, Controller, HttpCode, Param, Post, Req } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { AuthenticatedRequest, RequireRoles } from '@ledger/infra';
import { derivedId } from '../command-handling/command-identity';
import { commandContext, newId } from '../command-handling/request-context';
import { CancelPaymentCommand } from './cancel-payment/cancel-payment.handler';
import { CancelPaymentRequestDto } from './cancel-payment/cancel-payment.request.dto';
import { PaymentIdParams } from './payment-id.params';
import { PaymentView } from './payment-view';
import { RedispatchPaymentCommand } from './redispatch-payment/redispatch-payment.handler';
import { RedispatchPaymentRequestDto } from './redispatch-payment/redispatch-payment.request.dto';

@Controller('payments/:paymentId')
export class PaymentCommandsHttpController {
  constructor(private readonly commandBus: CommandBus) {}

  /** Sends a rejected payment again, corrected; 202 with the new batch id. */
  @Post('redispatch')
  @HttpCode(202)
  @RequireRoles('treasurer')
  redispatch(
    @Param() { paymentId }: PaymentIdParams,
    @Body() body: RedispatchPaymentRequestDto,
    @Req() request: AuthenticatedRequest,
  ): Promise<PaymentView> {
    const context = commandContext(request, body);
    const batchId = context.idempotencyKey
      ? derivedId('batch', request.actor.subject, context.idempotencyKey)
      : newId();
    return this.commandBus.execute(new RedispatchPaymentCommand(paymentId, batchId, body, context));
  }

  /**
   * Gives up on a payment the bank rejected or the connector could not deliver; its claim ends
   * cancelled. The claim's invoice is freed after a rejection and stays held after a failed delivery.
   */
  @Post('cancellation')
  @HttpCode(200)
  @RequireRoles('treasurer')
  cancel(
    @Param() { paymentId }: PaymentIdParams,
    @Body() body: CancelPaymentRequestDto,
    @Req() request: AuthenticatedRequest,
  ): Promise<PaymentView> {
    const context = commandContext(request, body);
    return this.commandBus.execute(new CancelPaymentCommand(paymentId, body.reason, context));
  }
}
