/**
 * Refusals of reconciliation, with stable codes (clients match on them; a code is never renamed or reused).
 * Kept apart from `DomainError` because a statement is refused for reasons no command has, and the HTTP
 * layer answers them with their own statuses.
 */
export const RECONCILIATION_ERROR_STATUS = {
  /** The statement says something impossible: a period that ends before it starts, mixed currencies, ... */
  'RECONCILIATION.INVALID_STATEMENT': 422,
  /** The statement ends before the account's last reconciled statement: the balance chain cannot go back. */
  'RECONCILIATION.STATEMENT_OUT_OF_ORDER': 409,
  /** This statement id was reconciled before with other content. */
  'RECONCILIATION.STATEMENT_CONFLICT': 409,
} as const;

export type ReconciliationErrorCode = keyof typeof RECONCILIATION_ERROR_STATUS;

export class ReconciliationError extends Error {
  constructor(
    readonly code: ReconciliationErrorCode,
    message: string,
    readonly details: Readonly<Record<string, unknown>> = {},
  ) {
    super(message);
    this.name = 'ReconciliationError';
  }

  /** The HTTP status the code answers with. */
  get status(): number {
    return RECONCILIATION_ERROR_STATUS[this.code];
  }
}

export function isReconciliationError(error: unknown): error is ReconciliationError {
  return error instanceof ReconciliationError;
}
