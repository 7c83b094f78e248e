import { Type } from 'class-transformer';
import { IsDefined, IsOptional, IsString, Length, Matches, ValidateNested } from 'class-validator';
import { AccountDto, IsAccount } from '../../shared/account.dto';
import { CLIENT_ID, CLIENT_ID_MESSAGE } from '../../shared/ids';
import { MoneyDto } from '../../shared/money.dto';

export class PayeeDto {
  /** ISO 20022 caps a party name at 140 characters. */
  @IsString()
  @Length(1, 140)
  name!: string;

  @IsAccount()
  account!: AccountDto;
}

export class SubmitClaimRequestDto {
  @IsOptional()
  @IsString()
  @Matches(CLIENT_ID, { message: `claimId ${CLIENT_ID_MESSAGE}` })
  claimId?: string;

  @IsDefined()
  @ValidateNested()
  @Type(() => PayeeDto)
  payee!: PayeeDto;

  @IsDefined()
  @ValidateNested()
  @Type(() => MoneyDto)
  amount!: MoneyDto;

  @IsString()
  @Length(1, 64)
  costCenter!: string;

  @IsString()
  @Length(1, 64)
  category!: string;

  @IsString()
  @Length(1, 2000)
  description!: string;

  /** ISO 20022 references are at most 35 characters. */
  @IsOptional()
  @IsString()
  @Length(1, 35)
  invoiceNumber?: string;
}
