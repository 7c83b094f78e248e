import { Body, Controller, HttpCode, Post, Req, Res } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import type { FastifyReply } from 'fastify';
import { AuthenticatedRequest, RequireRoles } from '@ledger/infra';
import { derivedId } from '../../command-handling/command-identity';
import { commandContext, newId } from '../../command-handling/request-context';
import { setRevision } from '../../shared/write-response';
import { ClaimView } from '../claim-view';
import { SubmitClaimCommand } from './submit-claim.command';
import { SubmitClaimRequestDto } from './submit-claim.request.dto';

@Controller('claims')
export class SubmitClaimHttpController {
  constructor(private readonly commandBus: CommandBus) {}

  /**
   * The claimant is the token's subject. The claim id is the client's `claimId`, else derived from the
   * `Idempotency-Key`, else new. A client-chosen claim id doubles as the idempotency key, so either
   * makes a retry return the first response.
   */
  @Post()
  @HttpCode(201)
  @RequireRoles('employee', 'manager', 'finance', 'cfo', 'treasurer', 'admin')
  async submit(
    @Body() body: SubmitClaimRequestDto,
    @Req() request: AuthenticatedRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<ClaimView> {
    const context = commandContext(request, body, {
      fallbackIdempotencyKey: body.claimId ? `claim:${body.claimId}` : undefined,
    });
    const claimId =
      body.claimId ??
      (context.idempotencyKey ? derivedId('claim', request.actor.subject, context.idempotencyKey) : newId());
    const view = await this.commandBus.execute(new SubmitClaimCommand(claimId, body, context));
    setRevision(reply, BigInt(view.revision));
    void reply.header('location', `/claims/${claimId}`);
    return view;
  }
}
