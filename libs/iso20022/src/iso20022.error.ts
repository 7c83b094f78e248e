/**
 * Every refusal of the ISO 20022 library. Codes are stable: callers and dashboards match on them, so a code is
 * never renamed or reused for another meaning.
 */
export type Iso20022ErrorCode =
  /** Not well-formed XML, a DOCTYPE (refused: entity expansion), or not an ISO 20022 `Document`. */
  | 'ISO20022.MALFORMED_XML'
  /** Well-formed, but a namespace or message this library does not speak (or not the one the parser reads). */
  | 'ISO20022.UNSUPPORTED_MESSAGE'
  /** The message breaks its XSD; `details.errors` holds xmllint's messages. */
  | 'ISO20022.SCHEMA_INVALID'
  /** An amount that is malformed, negative, zero where a payment is meant, or has more decimals than its currency. */
  | 'ISO20022.INVALID_AMOUNT'
  /** A value the builder cannot put in the schema without changing its meaning (an id too long, a bad date, ...). */
  | 'ISO20022.INVALID_FIELD'
  /** A message lacks data the ledger needs (a balance, an account it can identify, a status, ...). */
  | 'ISO20022.MISSING_FIELD'
  /** NbOfTxs or CtrlSum do not match the transactions of the message. */
  | 'ISO20022.CONTROL_SUM_MISMATCH'
  /** Unsigned, tampered, signed by an unknown or untrusted key, or with an algorithm other than ES256. */
  | 'ISO20022.BAD_SIGNATURE'
  /** A signing key that cannot be read or is not an ES256 private key. */
  | 'ISO20022.INVALID_KEY';

export class Iso20022Error extends Error {
  constructor(
    readonly code: Iso20022ErrorCode,
    message: string,
    readonly details: { readonly errors?: readonly string[]; readonly field?: string } = {},
  ) {
    super(message);
    this.name = 'Iso20022Error';
  }
}
