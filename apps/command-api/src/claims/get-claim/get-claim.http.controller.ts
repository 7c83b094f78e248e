import { Controller, Get, Inject, Param, Req, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { claimStreamId } from '@ledger/events';
import { DomainError } from '@ledger/domain';
import { AuthenticatedRequest } from '@ledger/infra';
import { StreamCommandHandler } from '../../command-handling/stream-command-handler';
import { LEDGER_DECIDERS, LedgerDeciders } from '../../config/ledger-policies';
import { setRevision } from '../../shared/write-response';
import { ClaimIdParams } from '../claim-id.params';

/** Roles that see every claim; anyone else sees only their own. */
const READ_ALL = ['manager', 'finance', 'cfo', 'treasurer', 'auditor', 'admin'];

@Controller('claims/:claimId')
export class GetClaimHttpController {
  constructor(
    private readonly streams: StreamCommandHandler,
    @Inject(LEDGER_DECIDERS) private readonly deciders: LedgerDeciders,
  ) {}

  /** The claim's current state, folded from its stream, and the stream itself as its history. */
  @Get()
  async get(
    @Param() { claimId }: ClaimIdParams,
    @Req() request: AuthenticatedRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const view = await this.streams.read(claimStreamId(claimId), this.deciders.claim, { fresh: true });
    const state = view.state;
    // Someone else's claim answers as a missing one: its existence is not the caller's business.
    if (
      state.status === 'not_submitted' ||
      (state.claim.claimant !== request.actor.subject &&
        !request.actor.roles.some((r) => READ_ALL.includes(r)))
    ) {
      throw new DomainError('CLAIM.NOT_FOUND', `claim ${claimId} not found`);
    }
    setRevision(reply, view.revision);
    return {
      claimId,
      status: state.status,
      claim: state.claim,
      approvals: state.approvals,
      ...(state.status === 'payment_dispatched' || state.status === 'cancelled'
        ? { paymentId: state.paymentId }
        : {}),
      ...(state.status === 'rejected' ? { rejectedBy: state.rejectedBy, reason: state.reason } : {}),
      revision: view.revision.toString(),
      position: view.events[view.events.length - 1].position.toString(),
      events: view.events.map((e) => ({
        type: e.type,
        revision: e.revision.toString(),
        position: e.position.toString(),
        occurredAt: e.metadata.occurredAt,
        actor: e.metadata.actor.subject,
        data: e.data,
      })),
    };
  }
}
