import { MoneyJson, PayeeJson } from '@ledger/events';
import { Command } from '../decider';

/** The claimant is the actor of the command (`metadata.actor.subject`). */
export type SubmitClaim = Command<
  'SubmitClaim',
  {
    readonly claimId: string;
    readonly payee: PayeeJson;
    readonly amount: MoneyJson;
    readonly costCenter: string;
    readonly category: string;
    readonly description: string;
    /** Claims with an invoice number are deduplicated on (payee account, invoice number, amount). */
    readonly invoiceNumber?: string;
  }
>;

/**
 * Approves the level now pending. `level`, when given, must be that level: it stops a double click or a
 * race from approving the next level with another of the approver's roles.
 */
export type ApprovePayment = Command<
  'ApprovePayment',
  { readonly claimId: string; readonly level?: string; readonly comment?: string }
>;

export type RejectClaim = Command<'RejectClaim', { readonly claimId: string; readonly reason: string }>;

export type WithdrawClaim = Command<'WithdrawClaim', { readonly claimId: string; readonly reason?: string }>;

/** First half of a dispatch: the claim records its payment, under the claim stream's expected revision. */
export type MarkClaimPaymentDispatched = Command<
  'MarkClaimPaymentDispatched',
  { readonly claimId: string; readonly paymentId: string; readonly batchId: string }
>;

/**
 * After `PaymentCancelled`: the claim ends as cancelled. `invoiceHeld` when the payment's delivery
 * failed without an answer from the bank, which may have paid it: the invoice stays held.
 */
export type MarkClaimPaymentCancelled = Command<
  'MarkClaimPaymentCancelled',
  {
    readonly claimId: string;
    readonly paymentId: string;
    readonly reason: string;
    readonly invoiceHeld?: boolean;
  }
>;

export type ClaimCommand =
  | SubmitClaim
  | ApprovePayment
  | RejectClaim
  | WithdrawClaim
  | MarkClaimPaymentDispatched
  | MarkClaimPaymentCancelled;
