import { Command } from '@nestjs/cqrs';
import { CommandContext } from '../../command-handling/command-context';
import { SubmitClaimRequestDto } from './submit-claim.request.dto';
import { ClaimView } from '../claim-view';

export class SubmitClaimCommand extends Command<ClaimView> {
  constructor(
    readonly claimId: string,
    readonly request: SubmitClaimRequestDto,
    readonly context: CommandContext,
  ) {
    super();
  }
}
