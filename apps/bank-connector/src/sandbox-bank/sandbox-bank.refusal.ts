import { Iso20022Error } from '@ledger/iso20022';

/**
 * Why the sandbox bank refused a request, with the HTTP status its server answers and a stable `code`. Refusals
 * of the message itself reuse the ISO 20022 library's codes (`ISO20022.BAD_SIGNATURE`, `ISO20022.SCHEMA_INVALID`,
 * ...), so a connector sees the same code from the in-process bank and over HTTP.
 */
export class SandboxBankRefusal extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly errors: readonly string[] = [],
  ) {
    super(message);
    this.name = 'SandboxBankRefusal';
  }
}

/** The bank itself is broken (its journal could not be written): nothing it says can be trusted until restart. */
export class SandboxBankFailure extends Error {
  readonly status = 503;
  readonly code = 'BANK.UNAVAILABLE';

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'SandboxBankFailure';
  }
}

const STATUS_OF_ISO_CODE: Record<string, number> = {
  'ISO20022.BAD_SIGNATURE': 401,
  'ISO20022.MALFORMED_XML': 400,
};

/** An ISO 20022 library refusal of an incoming message, as the bank answers it (422 unless listed). */
export function refusalOf(error: Iso20022Error): SandboxBankRefusal {
  return new SandboxBankRefusal(
    STATUS_OF_ISO_CODE[error.code] ?? 422,
    error.code,
    error.message,
    error.details.errors ?? [],
  );
}
