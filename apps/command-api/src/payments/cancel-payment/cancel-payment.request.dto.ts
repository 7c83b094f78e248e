import { IsString, Length } from 'class-validator';

export class CancelPaymentRequestDto {
  @IsString()
  @Length(1, 500)
  reason!: string;
}
