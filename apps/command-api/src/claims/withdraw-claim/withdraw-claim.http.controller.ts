import { Body, Controller, HttpCode, Param, Post, Req, Res } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import type { FastifyReply } from 'fastify';
import { AuthenticatedRequest } from '@ledger/infra';
import { commandContext } from '../../command-handling/request-context';
import { setRevision } from '../../shared/write-response';
import { ClaimIdParams } from '../claim-id.params';
import { ClaimView } from '../claim-view';
import { DecideClaimCommand } from '../decide-claim.command';
import { WithdrawClaimRequestDto } from './withdraw-claim.request.dto';

@Controller('claims/:claimId/withdrawal')
export class WithdrawClaimHttpController {
  constructor(private readonly commandBus: CommandBus) {}

  /** The claimant takes the claim back, while no level is approved yet. */
  @Post()
  @HttpCode(200)
  async withdraw(
    @Param() { claimId }: ClaimIdParams,
    @Body() body: WithdrawClaimRequestDto = {},
    @Req() request: AuthenticatedRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<ClaimView> {
    const context = commandContext(request, body ?? {});
    const view = await this.commandBus.execute(
      new DecideClaimCommand(
        {
          type: 'WithdrawClaim',
          data: { claimId, ...(body?.reason ? { reason: body.reason } : {}) },
          metadata: context.metadata,
        },
        context,
      ),
    );
    setRevision(reply, BigInt(view.revision));
    return view;
  }
}
