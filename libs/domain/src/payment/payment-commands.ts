import { AccountJson, MoneyJson, PayeeJson } from '@ledger/events';
import { Command } from '../decider';

/**
 * Sends one approved claim's payment to the bank, alone or as part of a batch. The amount, payee and
 * claimant come from the approved claim (see `paymentDispatchCommands`), so the decider can refuse a
 * treasurer who is the claimant. The dispatcher is the command's actor.
 */
export type DispatchToBank = Command<
  'DispatchToBank',
  {
    readonly paymentId: string;
    readonly claimId: string;
    readonly batchId: string;
    readonly amount: MoneyJson;
    readonly payee: PayeeJson;
    readonly debtorAccount: AccountJson;
    /** ISO date `YYYY-MM-DD`, not before the date of `metadata.now`. */
    readonly requestedExecutionDate: string;
    /** Subject of the claim's claimant. */
    readonly claimant: string;
  }
>;

interface BankOutcome {
  readonly paymentId: string;
  /** Id of the bank's status report; the same receipt recorded twice adds nothing. */
  readonly receiptId: string;
  /** The batch (original message id) the bank reports on; when given it must be the current attempt's. */
  readonly batchId?: string;
}

export type RecordBankAcceptance = Command<
  'RecordBankAcceptance',
  BankOutcome & { readonly bankReference?: string }
>;

export type RecordBankSettlement = Command<
  'RecordBankSettlement',
  BankOutcome & { readonly bankReference?: string }
>;

export type RecordBankRejection = Command<
  'RecordBankRejection',
  BankOutcome & {
    /** ISO 20022 status reason code: four letters or digits, e.g. `AC04`, `AM04`. */
    readonly reasonCode: string;
    /** The bank's text; when absent, the standard name of well-known codes is used. */
    readonly reasonText?: string;
  }
>;

export type RecordBankReturn = Command<
  'RecordBankReturn',
  BankOutcome & { readonly reasonCode: string; readonly reasonText?: string }
>;

/**
 * The connector gave up delivering the payment's message after its configured attempts. Reported by the
 * bank connector, once per batch (the receipt id makes a repeat a no-op).
 */
export type RecordDispatchFailure = Command<
  'RecordDispatchFailure',
  BankOutcome & { readonly attempts: number; readonly reason: string }
>;

/** Sends a rejected payment again under a new batch id, with whatever the treasurer corrected. */
export type RedispatchPayment = Command<
  'RedispatchPayment',
  {
    readonly paymentId: string;
    readonly batchId: string;
    readonly correctedPayee?: PayeeJson;
    readonly correctedDebtorAccount?: AccountJson;
    /** Required when the previous date has passed. */
    readonly requestedExecutionDate?: string;
  }
>;

/** Gives up on a rejected payment; the application then marks the claim cancelled. */
export type CancelPayment = Command<'CancelPayment', { readonly paymentId: string; readonly reason: string }>;

export type PaymentCommand =
  | DispatchToBank
  | RecordBankAcceptance
  | RecordBankSettlement
  | RecordBankRejection
  | RecordBankReturn
  | RecordDispatchFailure
  | RedispatchPayment
  | CancelPayment;
