import { Type } from 'class-transformer';
import {
  IsDefined,
  IsOptional,
  IsString,
  Length,
  Matches,
  registerDecorator,
  ValidateNested,
  ValidationArguments,
} from 'class-validator';

/**
 * A bank account: `{ iban }`, or a domestic `{ number, bankCode }` (CNAPS, ABA, sort code ...), with
 * an optional BIC. Exactly one of the two forms.
 */
export class AccountDto {
  @IsOptional()
  @IsString()
  @Matches(/^[A-Za-z]{2}[0-9]{2}[A-Za-z0-9 ]{11,40}$/, {
    message: 'iban must look like an IBAN (country, check digits, BBAN)',
  })
  iban?: string;

  @IsOptional()
  @IsString()
  @Matches(/^[A-Za-z0-9 -]{1,40}$/, { message: 'number must be 1 to 34 letters, digits or dashes' })
  number?: string;

  @IsOptional()
  @IsString()
  @Matches(/^[A-Za-z0-9-]{1,35}$/, { message: 'bankCode must be 1 to 35 letters, digits or dashes' })
  bankCode?: string;

  @IsOptional()
  @IsString()
  @Length(8, 11)
  bic?: string;
}

/** Validates a nested account and that it has exactly one of its two forms. */
export function IsAccount(): PropertyDecorator {
  return (target: object, propertyName: string | symbol) => {
    IsDefined()(target, propertyName);
    ValidateNested()(target, propertyName);
    Type(() => AccountDto)(target, propertyName);
    registerDecorator({
      name: 'isAccount',
      target: target.constructor,
      propertyName: propertyName as string,
      validator: {
        validate(value: unknown) {
          if (!value || typeof value !== 'object') return false;
          const account = value as AccountDto;
          const iban = account.iban !== undefined;
          const domestic = account.number !== undefined || account.bankCode !== undefined;
          return (
            iban !== domestic &&
            (!domestic || (account.number !== undefined && account.bankCode !== undefined))
          );
        },
        defaultMessage(args: ValidationArguments) {
          return `${args.property} must be either { iban } or { number, bankCode }`;
        },
      },
    });
  };
}
