import { IsIn, IsOptional, IsString, Length } from 'class-validator';

export class ApprovePaymentRequestDto {
  @IsOptional()
  @IsString()
  @Length(1, 2000)
  comment?: string;

  /** The level the approver means to approve; refused if another one is pending (a stale screen). */
  @IsOptional()
  @IsIn(['manager', 'finance', 'cfo'])
  level?: string;
}
