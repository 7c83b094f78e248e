import { IsString, Length } from 'class-validator';

export class RejectClaimRequestDto {
  @IsString()
  @Length(1, 2000)
  reason!: string;
}
