/** A bank account as ISO 20022 names it: the IBAN, normalised (no spaces, upper case), and the BIC if known. */
export interface AccountJson {
  readonly iban: string;
  readonly bic?: string;
}

/** Who receives the money: the name sent to the bank and the account credited. */
export interface PayeeJson {
  readonly name: string;
  readonly account: AccountJson;
}
