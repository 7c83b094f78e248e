import { Body, Controller, HttpCode, Param, Post, Req, Res } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import type { FastifyReply } from 'fastify';
import { AuthenticatedRequest, RequireRoles } from '@ledger/infra';
import { commandContext } from '../../command-handling/request-context';
import { setRevision } from '../../shared/write-response';
import { ClaimIdParams } from '../claim-id.params';
import { ClaimView } from '../claim-view';
import { DecideClaimCommand } from '../decide-claim.command';
import { RejectClaimRequestDto } from './reject-claim.request.dto';

@Controller('claims/:claimId/rejection')
export class RejectClaimHttpController {
  constructor(private readonly commandBus: CommandBus) {}

  /** A reviewer of the pending level turns the claim down, with a reason. */
  @Post()
  @HttpCode(200)
  @RequireRoles('manager', 'finance', 'cfo')
  async reject(
    @Param() { claimId }: ClaimIdParams,
    @Body() body: RejectClaimRequestDto,
    @Req() request: AuthenticatedRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<ClaimView> {
    const context = commandContext(request, body);
    const view = await this.commandBus.execute(
      new DecideClaimCommand(
        { type: 'RejectClaim', data: { claimId, reason: body.reason }, metadata: context.metadata },
        context,
      ),
    );
    setRevision(reply, BigInt(view.revision));
    return view;
  }
}
