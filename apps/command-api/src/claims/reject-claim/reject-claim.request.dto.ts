import { IsString, Length } from 'class-validator';

export class RejectClaimRequestDto {
  @IsString()
  @Length(1, 500)
  reason!: string;
}
