/**
 * How the connector talks to a bank. Every message in either direction is ISO 20022 XML wrapped in a
 * compact JWS (ES256): the connector signs what it sends, the bank signs what it answers. Adapters:
 * the sandbox bank in process (the default), and an HTTP ISO 20022 gateway. Both pass
 * test/contracts/bank-gateway.contract.ts.
 */
export interface BankGateway {
  /**
   * Delivers a signed pain.001. The bank deduplicates by message id and end-to-end id, so sending the
   * same message again is safe and pays nothing twice. Resolves with the bank's signed pain.002
   * acknowledging the message (for a resend, the same acknowledgement again).
   *
   * Rejects with `BankUnavailableError` on a timeout, a 5xx or a broken connection (worth retrying),
   * and with `BankRefusedError` when the bank refuses the message itself: bad signature, schema-invalid,
   * malformed (retrying cannot help).
   */
  submitCreditTransfers(signedPain001: string): Promise<string>;

  /**
   * The bank's messages published after `cursor` (all of them when absent), oldest first, at most
   * `limit`: signed pain.002 status reports, camt.054 notifications, camt.053 statements. Each carries
   * the cursor to resume after it. Same errors as `submitCreditTransfers`.
   */
  fetchMessages(cursor: string | undefined, limit: number): Promise<readonly BankMessageEnvelope[]>;

  /**
   * For a gateway that learns when the bank publishes (the in-process sandbox): calls `listener` then, so
   * the feed is read at once rather than at the next poll. A gateway that cannot tell (HTTP) leaves it out,
   * and the poller's interval alone applies. Returns the way to stop listening.
   */
  onMessages?(listener: () => void): () => void;

  close(): Promise<void>;
}

export interface BankMessageEnvelope {
  /** Opaque, increasing: pass the last one seen to `fetchMessages` to continue after it. */
  readonly cursor: string;
  /** Compact JWS whose payload is the XML message. */
  readonly jws: string;
}

export const BANK_GATEWAY = Symbol('BankGateway');

/** The bank could not be reached or failed (timeout, 5xx, connection): try again later. */
export class BankUnavailableError extends Error {
  constructor(
    message: string,
    readonly status?: number,
  ) {
    super(message);
    this.name = 'BankUnavailableError';
  }
}

/** The bank refused the message itself (4xx): sending it again cannot succeed. */
export class BankRefusedError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly code?: string,
  ) {
    super(message);
    this.name = 'BankRefusedError';
  }
}
