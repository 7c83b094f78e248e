import { IsOptional, IsString, Length } from 'class-validator';

export class WithdrawClaimRequestDto {
  @IsOptional()
  @IsString()
  @Length(1, 2000)
  reason?: string;
}
