import { IsString, Matches } from 'class-validator';

/** Money on the wire: a decimal string and an ISO 4217 code. The domain checks decimals and bounds. */
export class MoneyDto {
  @IsString()
  @Matches(/^-?[0-9]{1,20}(\.[0-9]{1,10})?$/, { message: 'value must be a decimal string such as "1234.56"' })
  value!: string;

  @IsString()
  @Matches(/^[A-Z]{3}$/, { message: 'currency must be an ISO 4217 code such as "CNY"' })
  currency!: string;
}
