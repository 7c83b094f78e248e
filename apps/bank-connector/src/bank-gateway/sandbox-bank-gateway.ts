import { SandboxBank } from '../sandbox-bank/sandbox-bank';
import { SandboxBankFailure, SandboxBankRefusal } from '../sandbox-bank/sandbox-bank.refusal';
import {
  BankGateway,
  BankMessageEnvelope,
  BankRefusedError,
  BankUnavailableError,
} from './bank-gateway.port';

/**
 * The default adapter: the sandbox bank in the same process. Its refusals become the port's errors with the
 * status and code the bank's HTTP server would answer, so both adapters fail alike.
 */
export class SandboxBankGateway implements BankGateway {
  constructor(
    private readonly bank: SandboxBank,
    /** Whether `close()` stops the bank too (when the gateway is its only user). */
    private readonly ownsBank = false,
  ) {}

  async submitCreditTransfers(signedPain001: string): Promise<string> {
    try {
      return (await this.bank.submit(signedPain001)).ack;
    } catch (error) {
      throw toGatewayError(error);
    }
  }

  async fetchMessages(cursor: string | undefined, limit: number): Promise<readonly BankMessageEnvelope[]> {
    try {
      return await this.bank.fetchMessages(cursor, limit);
    } catch (error) {
      throw toGatewayError(error);
    }
  }

  onMessages(listener: () => void): () => void {
    return this.bank.onPublished(listener);
  }

  async close(): Promise<void> {
    if (this.ownsBank) await this.bank.stop();
  }
}

function toGatewayError(error: unknown): unknown {
  if (error instanceof SandboxBankRefusal)
    return new BankRefusedError(error.message, error.status, error.code);
  if (error instanceof SandboxBankFailure) return new BankUnavailableError(error.message, error.status);
  return error;
}
