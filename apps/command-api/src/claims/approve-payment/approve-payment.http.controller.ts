import { Body, Controller, HttpCode, Param, Post, Req, Res } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import type { FastifyReply } from 'fastify';
import { AuthenticatedRequest, RequireRoles } from '@ledger/infra';
import { commandContext } from '../../command-handling/request-context';
import { setRevision } from '../../shared/write-response';
import { ClaimIdParams } from '../claim-id.params';
import { ClaimView } from '../claim-view';
import { DecideClaimCommand } from '../decide-claim.command';
import { ApprovePaymentRequestDto } from './approve-payment.request.dto';

@Controller('claims/:claimId/approvals')
export class ApprovePaymentHttpController {
  constructor(private readonly commandBus: CommandBus) {}

  /** One approval, of the level now pending, by someone holding its role. */
  @Post()
  @HttpCode(200)
  @RequireRoles('manager', 'finance', 'cfo')
  async approve(
    @Param() { claimId }: ClaimIdParams,
    @Body() body: ApprovePaymentRequestDto,
    @Req() request: AuthenticatedRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<ClaimView> {
    const context = commandContext(request, body);
    const view = await this.commandBus.execute(
      new DecideClaimCommand(
        {
          type: 'ApprovePayment',
          data: {
            claimId,
            ...(body.level ? { level: body.level } : {}),
            ...(body.comment ? { comment: body.comment } : {}),
          },
          metadata: context.metadata,
        },
        context,
      ),
    );
    setRevision(reply, BigInt(view.revision));
    return view;
  }
}
