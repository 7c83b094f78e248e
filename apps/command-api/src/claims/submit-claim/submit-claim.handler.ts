import { Inject } from '@nestjs/common';
import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import {
  claimStreamId,
  ClaimSubmitted,
  duplicateGuardStreamId,
  WrongExpectedVersionError,
} from '@ledger/events';
import { DomainError, duplicateGuardDecider, releasesInvoice, SubmitClaim } from '@ledger/domain';
import { StreamCommandHandler } from '../../command-handling/stream-command-handler';
import { LEDGER_DECIDERS, LedgerDeciders } from '../../config/ledger-policies';
import { ClaimView, claimView } from '../claim-view';
import { SubmitClaimCommand } from './submit-claim.command';

/**
 * SubmitClaim: decide on the claim stream first (so an invalid claim is refused before anything is
 * written), then reserve the duplicate guard for (payee account, invoice number, amount), then append
 * the claim. A crash between the two appends leaves the guard held by this claim id; the retry of the
 * same request reserves it again as a no-op and completes the claim.
 */
@CommandHandler(SubmitClaimCommand)
export class SubmitClaimHandler implements ICommandHandler<SubmitClaimCommand, ClaimView> {
  constructor(
    private readonly streams: StreamCommandHandler,
    @Inject(LEDGER_DECIDERS) private readonly deciders: LedgerDeciders,
  ) {}

  async execute({ claimId, request, context }: SubmitClaimCommand): Promise<ClaimView> {
    const command: SubmitClaim = {
      type: 'SubmitClaim',
      data: {
        claimId,
        payee: request.payee as SubmitClaim['data']['payee'],
        amount: request.amount,
        costCenter: request.costCenter,
        category: request.category,
        description: request.description,
        ...(request.invoiceNumber !== undefined ? { invoiceNumber: request.invoiceNumber } : {}),
      },
      metadata: context.metadata,
    };
    const streamId = claimStreamId(claimId);
    for (let attempt = 1; ; attempt++) {
      const prepared = await this.streams.prepare(streamId, this.deciders.claim, command, context);
      if (prepared.replay) return claimView(claimId, prepared.replay);
      const submitted = prepared.decided.find((e): e is ClaimSubmitted => e.type === 'ClaimSubmitted');
      if (submitted?.data.duplicateGuardKey)
        await this.reserveGuard(submitted.data.duplicateGuardKey, claimId, context);
      try {
        return claimView(claimId, await this.streams.commit(prepared, context));
      } catch (error) {
        if (!(error instanceof WrongExpectedVersionError) || attempt >= 3) throw error;
      }
    }
  }

  /**
   * Holds the key for this claim. If an earlier claim holds it but was rejected, withdrawn or
   * cancelled, the key is released first, so a corrected claim for the same invoice can go through;
   * but not a claim whose payment was cancelled after a failed delivery, which the bank may have paid.
   */
  private async reserveGuard(
    key: string,
    claimId: string,
    context: SubmitClaimCommand['context'],
  ): Promise<void> {
    const streamId = duplicateGuardStreamId(key);
    const reserve = {
      type: 'ReserveDuplicateGuard' as const,
      data: { key, claimId },
      metadata: context.metadata,
    };
    try {
      await this.streams.handle(streamId, duplicateGuardDecider, reserve, { ...context, ifMatch: undefined });
    } catch (error) {
      const firstClaimId =
        error instanceof DomainError && error.code === 'CLAIM.DUPLICATE' ? firstClaimOf(error) : undefined;
      if (!firstClaimId) throw error;
      const first = await this.streams.read(claimStreamId(firstClaimId), this.deciders.claim, {
        fresh: true,
      });
      if (!releasesInvoice(first.state)) {
        if (first.state.status !== 'cancelled') throw error;
        throw new DomainError(
          'CLAIM.DUPLICATE',
          `invoice already claimed by ${firstClaimId}, whose payment was cancelled after a failed delivery: ` +
            'the bank may have paid it, so the invoice stays held',
          { firstClaimId, reason: 'payment_outcome_unknown' },
        );
      }
      const reason = first.state.status as 'rejected' | 'withdrawn' | 'cancelled';
      const release = {
        type: 'ReleaseDuplicateGuard' as const,
        data: { key, claimId: firstClaimId, reason },
        metadata: context.metadata,
      };
      await this.streams.handle(streamId, duplicateGuardDecider, release, {
        ...context,
        ifMatch: undefined,
        idempotencyKey: undefined,
      });
      await this.streams.handle(streamId, duplicateGuardDecider, reserve, { ...context, ifMatch: undefined });
    }
  }
}

function firstClaimOf(error: DomainError): string | undefined {
  const details = error.details as { firstClaimId?: unknown } | undefined;
  return typeof details?.firstClaimId === 'string' ? details.firstClaimId : undefined;
}
