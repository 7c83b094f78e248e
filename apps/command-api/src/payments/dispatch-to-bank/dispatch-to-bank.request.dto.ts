import { ArrayMaxSize, ArrayMinSize, ArrayUnique, IsArray, IsOptional, Matches } from 'class-validator';
import { AccountDto, IsAccount } from '../../shared/account.dto';
import { CLIENT_ID, CLIENT_ID_MESSAGE } from '../../shared/ids';

/** The most payments one pain.001 message of ours carries. */
export const MAX_BATCH = 1000;

export class DispatchToBankRequestDto {
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(MAX_BATCH)
  @ArrayUnique({ message: 'claimIds must not repeat a claim' })
  @Matches(CLIENT_ID, { each: true, message: `each claimId ${CLIENT_ID_MESSAGE}` })
  claimIds!: string[];

  @IsAccount()
  debtorAccount!: AccountDto;

  /** ISO date; today (UTC) when absent. */
  @IsOptional()
  @Matches(/^\d{4}-\d{2}-\d{2}$/, { message: 'requestedExecutionDate must be a date such as 2026-11-23' })
  requestedExecutionDate?: string;
}
