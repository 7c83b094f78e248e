/** How the HTTP layer answers: 400, 403, 404, 409. */
export type DomainErrorKind = 'invalid' | 'forbidden' | 'not_found' | 'conflict';

/**
 * Every refusal of the domain, with its kind. Codes are stable: clients and dashboards match on them, so a
 * code is never renamed or reused for another meaning; new refusals get new codes.
 */
export const DOMAIN_ERROR_KINDS = {
  // Claim stream
  'CLAIM.NOT_FOUND': 'not_found',
  'CLAIM.INVALID_FIELD': 'invalid',
  'CLAIM.INVALID_AMOUNT': 'invalid',
  'CLAIM.INVALID_PAYEE_ACCOUNT': 'invalid',
  'CLAIM.ALREADY_SUBMITTED': 'conflict',
  'CLAIM.ALREADY_APPROVED': 'conflict',
  /** Rejected, withdrawn or cancelled: nothing more happens to the claim. */
  'CLAIM.CLOSED': 'conflict',
  /** The claimant tried to approve or reject their own claim (they may withdraw it instead). */
  'CLAIM.SELF_APPROVAL': 'forbidden',
  /** The actor already approved another level of this claim. */
  'CLAIM.LEVEL_ALREADY_APPROVED_BY_ACTOR': 'forbidden',
  /** The actor lacks the role of the level now pending. */
  'CLAIM.APPROVER_ROLE_REQUIRED': 'forbidden',
  /** The command named a level that is not the one pending (someone else was faster). */
  'CLAIM.LEVEL_NOT_PENDING': 'conflict',
  'CLAIM.NOT_CLAIMANT': 'forbidden',
  'CLAIM.WITHDRAWAL_AFTER_APPROVAL': 'conflict',
  'CLAIM.NOT_APPROVED': 'conflict',
  'CLAIM.PAYMENT_NOT_DISPATCHED': 'conflict',
  'CLAIM.PAYMENT_MISMATCH': 'conflict',
  /** Same payee account, invoice number and amount as an earlier claim (`details.firstClaimId`). */
  'CLAIM.DUPLICATE': 'conflict',
  // Payment stream
  'PAYMENT.NOT_FOUND': 'not_found',
  'PAYMENT.INVALID_FIELD': 'invalid',
  'PAYMENT.INVALID_AMOUNT': 'invalid',
  'PAYMENT.INVALID_ACCOUNT': 'invalid',
  'PAYMENT.INVALID_REASON_CODE': 'invalid',
  'PAYMENT.EXECUTION_DATE_IN_PAST': 'invalid',
  'PAYMENT.TREASURER_ROLE_REQUIRED': 'forbidden',
  'PAYMENT.TREASURER_IS_CLAIMANT': 'forbidden',
  'PAYMENT.BANK_CONNECTOR_ROLE_REQUIRED': 'forbidden',
  'PAYMENT.ALREADY_DISPATCHED': 'conflict',
  'PAYMENT.BATCH_ALREADY_USED': 'conflict',
  'PAYMENT.NOT_REJECTED': 'conflict',
  /** Settled, returned or cancelled: only a return after settlement is still accepted. */
  'PAYMENT.ALREADY_FINAL': 'conflict',
  /** A bank outcome that does not follow from the current status (a return before settlement, ...). */
  'PAYMENT.OUTCOME_OUT_OF_ORDER': 'conflict',
  /** The receipt id was already recorded with a different outcome. */
  'PAYMENT.RECEIPT_CONFLICT': 'conflict',
  /** The outcome names a batch that is not the current dispatch attempt's. */
  'PAYMENT.OUTCOME_FOR_OTHER_ATTEMPT': 'conflict',
  /**
   * A redispatch tried to send the money to another payee account than the approved claim's. One treasurer
   * alone must not redirect a payment: a new account goes through a new claim and its approvals.
   */
  'PAYMENT.PAYEE_ACCOUNT_CHANGE_NEEDS_NEW_CLAIM': 'forbidden',
  // Duplicate guard stream
  'DUPLICATE_GUARD.INVALID_FIELD': 'invalid',
} as const satisfies Record<string, DomainErrorKind>;

export type DomainErrorCode = keyof typeof DOMAIN_ERROR_KINDS;

export class DomainError extends Error {
  readonly kind: DomainErrorKind;

  constructor(
    readonly code: DomainErrorCode,
    message: string,
    readonly details?: Readonly<Record<string, unknown>>,
  ) {
    super(message);
    this.name = 'DomainError';
    this.kind = DOMAIN_ERROR_KINDS[code];
  }
}

export function isDomainError(error: unknown): error is DomainError {
  return error instanceof DomainError;
}
