import { Command } from '@nestjs/cqrs';
import { CommandContext } from '../../command-handling/command-context';
import { DispatchToBankRequestDto } from './dispatch-to-bank.request.dto';

export interface DispatchResult {
  readonly batchId: string;
  readonly requestedExecutionDate: string;
  readonly payments: ReadonlyArray<{ readonly claimId: string; readonly paymentId: string }>;
  readonly position: string | null;
  readonly replayed: boolean;
}

export class DispatchToBankCommand extends Command<DispatchResult> {
  constructor(
    readonly batchId: string,
    readonly request: DispatchToBankRequestDto,
    readonly context: CommandContext,
  ) {
    super();
  }
}
