import { Command } from '@nestjs/cqrs';
import { ApprovePayment, RejectClaim, WithdrawClaim } from '@ledger/domain';
import { CommandContext } from '../command-handling/command-context';
import { ClaimView } from './claim-view';

/** One decision on an existing claim: approve a level, reject, or withdraw. */
export class DecideClaimCommand extends Command<ClaimView> {
  constructor(
    readonly command: ApprovePayment | RejectClaim | WithdrawClaim,
    readonly context: CommandContext,
  ) {
    super();
  }
}
