import { Body, Controller, HttpCode, Post, Req } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { AuthenticatedRequest, RequireRoles } from '@ledger/infra';
import { derivedId } from '../../command-handling/command-identity';
import { commandContext, newId } from '../../command-handling/request-context';
import { DispatchResult, DispatchToBankCommand } from './dispatch-to-bank.command';
import { DispatchToBankRequestDto } from './dispatch-to-bank.request.dto';

@Controller('payments/dispatch')
export class DispatchToBankHttpController {
  constructor(private readonly commandBus: CommandBus) {}

  /**
   * Hands approved claims to the bank connector as one batch (one pain.001 message per debtor
   * account). 202: the bank's answers arrive later as payment events.
   */
  @Post()
  @HttpCode(202)
  @RequireRoles('treasurer')
  async dispatch(
    @Body() body: DispatchToBankRequestDto,
    @Req() request: AuthenticatedRequest,
  ): Promise<DispatchResult> {
    const context = commandContext(request, body);
    const batchId = context.idempotencyKey
      ? derivedId('batch', request.actor.subject, context.idempotencyKey)
      : newId();
    return this.commandBus.execute(new DispatchToBankCommand(batchId, body, context));
  }
}
