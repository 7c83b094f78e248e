import { Type } from 'class-transformer';
import { IsOptional, Matches, ValidateNested } from 'class-validator';
import { PayeeDto } from '../../claims/submit-claim/submit-claim.request.dto';
import { AccountDto, IsAccount } from '../../shared/account.dto';

export class RedispatchPaymentRequestDto {
  /** A corrected payee name; the account must stay the approved one (a new account needs a new claim). */
  @IsOptional()
  @ValidateNested()
  @Type(() => PayeeDto)
  correctedPayee?: PayeeDto;

  @IsOptional()
  @IsAccount()
  correctedDebtorAccount?: AccountDto;

  @IsOptional()
  @Matches(/^\d{4}-\d{2}-\d{2}$/, { message: 'requestedExecutionDate must be a date such as 2026-11-23' })
  requestedExecutionDate?: string;
}
