import { Inject, Logger } from '@nestjs/common';
import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { claimStreamId, duplicateGuardStreamId } from '@ledger/events';
import { ClaimState, duplicateGuardDecider } from '@ledger/domain';
import { StreamCommandHandler } from '../command-handling/stream-command-handler';
import { LEDGER_DECIDERS, LedgerDeciders } from '../config/ledger-policies';
import { ClaimView, claimView } from './claim-view';
import { DecideClaimCommand } from './decide-claim.command';

@CommandHandler(DecideClaimCommand)
export class DecideClaimHandler implements ICommandHandler<DecideClaimCommand, ClaimView> {
  private readonly logger = new Logger(DecideClaimHandler.name);

  constructor(
    private readonly streams: StreamCommandHandler,
    @Inject(LEDGER_DECIDERS) private readonly deciders: LedgerDeciders,
  ) {}

  async execute({ command, context }: DecideClaimCommand): Promise<ClaimView> {
    const { claimId } = command.data;
    const handled = await this.streams.handle(claimStreamId(claimId), this.deciders.claim, command, context);
    if (!handled.replayed && handled.events.length > 0) await this.releaseGuard(handled.state, context);
    return claimView(claimId, handled);
  }

  /**
   * A rejected or withdrawn claim lets go of its invoice's duplicate guard, so a corrected claim can be
   * submitted. Best effort: if this step is lost, the next submission for that invoice releases it
   * (see SubmitClaimHandler), so the claim's answer does not depend on it.
   */
  private async releaseGuard(state: ClaimState, context: DecideClaimCommand['context']): Promise<void> {
    if (state.status !== 'rejected' && state.status !== 'withdrawn') return;
    const key = state.claim.duplicateGuardKey;
    if (!key) return;
    const release = {
      type: 'ReleaseDuplicateGuard' as const,
      data: { key, claimId: state.claim.claimId, reason: state.status },
      metadata: context.metadata,
    };
    try {
      await this.streams.handle(duplicateGuardStreamId(key), duplicateGuardDecider, release, {
        ...context,
        ifMatch: undefined,
      });
    } catch (error) {
      this.logger.warn({
        msg: 'duplicate guard not released; the next submission will',
        key,
        error: String(error),
      });
    }
  }
}
