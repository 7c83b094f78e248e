import { AccountJson, MoneyJson } from '@ledger/events';

/**
 * The ISO 20022 messages the ledger exchanges with banks, as plain data. Builders turn them into XML that
 * validates against the official schemas in ../schemas; parsers turn bank XML back into them. Amounts are
 * `MoneyJson` (integer minor units as a decimal string), never floats.
 */

/** The version of each message this library speaks. */
export type Iso20022MessageType =
  'pain.001.001.09' | 'pain.002.001.11' | 'camt.054.001.08' | 'camt.053.001.08' | 'camt.053.001.02';

export interface PartyAccount {
  readonly name: string;
  readonly account: AccountJson;
}

/** One credit transfer: `CdtTrfTxInf`. The end-to-end id is the ledger's payment id. */
export interface CreditTransfer {
  readonly endToEndId: string;
  /** `PmtId/InstrId`; defaults to the end-to-end id. */
  readonly instructionId?: string;
  readonly amount: MoneyJson;
  readonly creditor: PartyAccount;
  /** Unstructured remittance information (`RmtInf/Ustrd`), e.g. the claim id and invoice number. */
  readonly remittanceInformation?: string;
}

/** One payment information block (`PmtInf`): the transfers debited from one account on one date. */
export interface PaymentInformation {
  readonly paymentInformationId: string;
  readonly debtor: PartyAccount;
  /** ISO date `YYYY-MM-DD`. */
  readonly requestedExecutionDate: string;
  readonly transfers: readonly CreditTransfer[];
}

/** pain.001.001.09 customer credit transfer initiation. `messageId` is the ledger's batch id. */
export interface CreditTransferInitiation {
  readonly messageId: string;
  /** ISO date-time, taken from the dispatch event so a rebuilt message is byte-identical. */
  readonly creationDateTime: string;
  readonly initiatingPartyName: string;
  readonly paymentInformation: readonly PaymentInformation[];
}

/**
 * Transaction status codes (ExternalPaymentTransactionStatus1Code) the ledger understands:
 * ACTC technically accepted, ACCP accepted, ACSP settlement in process, PDNG pending,
 * ACSC settled on the debtor's account, RJCT rejected.
 */
export type TransactionStatus = 'ACTC' | 'ACCP' | 'ACSP' | 'PDNG' | 'ACSC' | 'RJCT';

export interface TransactionStatusReport {
  /** `StsId`: unique per status report line; the ledger uses it as the receipt id. */
  readonly statusId: string;
  readonly originalEndToEndId: string;
  readonly status: TransactionStatus;
  /** ExternalStatusReason1Code, e.g. `AC04`, `AM04` (with RJCT). */
  readonly reasonCode?: string;
  readonly reasonText?: string;
  /** The bank's own reference for the transfer (`AcctSvcrRef`). */
  readonly bankReference?: string;
  /**
   * `OrgnlPmtInfAndSts/OrgnlPmtInfId`: the pain.001 payment information block of the transfer. The builder
   * groups lines by it and uses the original message id when it is absent; the parser always fills it.
   */
  readonly originalPaymentInformationId?: string;
}

/** pain.002.001.11 customer payment status report. */
export interface PaymentStatusReport {
  readonly messageId: string;
  readonly creationDateTime: string;
  readonly originalMessageId: string;
  readonly originalMessageNameId: 'pain.001.001.09';
  /** Group status when the whole message is accepted or rejected. */
  readonly groupStatus?: 'ACTC' | 'ACCP' | 'PART' | 'RJCT';
  readonly groupReasonCode?: string;
  readonly transactions: readonly TransactionStatusReport[];
}

/** A booked entry on an account, in a camt.054 notification or a camt.053 statement. */
export interface BookedEntry {
  /** `NtryRef`: unique per entry at the bank. */
  readonly entryReference: string;
  readonly amount: MoneyJson;
  /** DBIT: money left the account; CRDT: money came in (a return, a top-up). */
  readonly creditDebit: 'DBIT' | 'CRDT';
  /** ISO date `YYYY-MM-DD`. */
  readonly bookingDate: string;
  readonly valueDate: string;
  /** `AcctSvcrRef`. */
  readonly bankReference?: string;
  /** The transfer's end-to-end id, when the bank reports it (`NtryDtls/TxDtls/Refs/EndToEndId`). */
  readonly endToEndId?: string;
  /** The counterparty: the creditor of a debit, the debtor of a credit. */
  readonly counterparty?: PartyAccount;
  /** For a returned transfer (credit): ExternalReturnReason1Code from `RtrInf/Rsn/Cd`. */
  readonly returnReasonCode?: string;
  readonly returnReasonText?: string;
  readonly remittanceInformation?: string;
  /**
   * A batch-booked entry (several `TxDtls`): one item per transfer, and the single-transfer fields above
   * (`endToEndId`, `counterparty`, return reason, remittance) are left unset. An entry with one `TxDtls`
   * uses those fields and leaves this unset.
   */
  readonly transactions?: readonly EntryTransaction[];
}

/** One transfer of a batch-booked entry (`NtryDtls/TxDtls`). */
export interface EntryTransaction {
  readonly endToEndId?: string;
  /** The transfer's own amount, when the bank states it (`TxDtls/Amt` or `AmtDtls/TxAmt/Amt`). */
  readonly amount?: MoneyJson;
  readonly counterparty?: PartyAccount;
  readonly returnReasonCode?: string;
  readonly returnReasonText?: string;
  readonly remittanceInformation?: string;
}

/** camt.054.001.08 bank-to-customer debit/credit notification, one account. */
export interface DebitCreditNotification {
  readonly messageId: string;
  readonly creationDateTime: string;
  readonly notificationId: string;
  readonly account: AccountJson;
  readonly entries: readonly BookedEntry[];
}

export interface StatementBalance {
  /** OPBD opening booked, CLBD closing booked. */
  readonly type: 'OPBD' | 'CLBD';
  /** Signed: a debit balance is negative. Minor units of the statement's currency. */
  readonly amount: MoneyJson;
  readonly date: string;
}

/** One account statement (`Stmt`) of a camt.053 message; a message may hold several. */
export interface AccountStatement {
  readonly statementId: string;
  readonly creationDateTime: string;
  /** Period covered, ISO date-times (`FrToDt`), when the bank states it. */
  readonly from?: string;
  readonly to?: string;
  readonly account: AccountJson;
  readonly currency: string;
  readonly openingBalance: StatementBalance;
  readonly closingBalance: StatementBalance;
  readonly entries: readonly BookedEntry[];
}

/** camt.053 bank-to-customer statement, .001.08 or .001.02. */
export interface BankToCustomerStatement {
  readonly version: 'camt.053.001.08' | 'camt.053.001.02';
  readonly messageId: string;
  readonly creationDateTime: string;
  readonly statements: readonly AccountStatement[];
}
