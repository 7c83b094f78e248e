import { MoneyJson } from '../money';
import { DomainEvent } from './domain-event';
import { PayeeJson } from './shared';

/**
 * Schema version 2: the payee became `{ name, account: { iban } }` (v1 had flat `payeeName`, `payeeIban`).
 * The account may also be `{ number, bankCode }`: an added form, not a new version, since every v2 event
 * stored before it is still a valid `AccountJson`.
 */
export interface ClaimSubmittedData {
  readonly claimId: string;
  /** Subject of the person who submitted the claim and will be reimbursed. */
  readonly claimant: string;
  readonly payee: PayeeJson;
  readonly amount: MoneyJson;
  readonly costCenter: string;
  readonly category: string;
  readonly description: string;
  readonly invoiceNumber?: string;
  /** Approval levels (role names) required by the policy in force at submission, in approval order. */
  readonly requiredLevels: readonly string[];
  /** The duplicate-guard key reserved for this claim; absent when the claim has no invoice number. */
  readonly duplicateGuardKey?: string;
}

export interface ClaimLevelApprovedData {
  readonly claimId: string;
  /** The role name of the level approved. */
  readonly level: string;
  /** 0-based position of the level in `requiredLevels` (a policy may require the same role twice). */
  readonly levelIndex: number;
  readonly approvedBy: string;
  /** What the approver wrote with the approval, if anything. */
  readonly comment?: string;
}

/** Follows the `ClaimLevelApproved` of the last required level, in the same append. */
export interface ClaimApprovedData {
  readonly claimId: string;
  readonly approvals: readonly { readonly level: string; readonly approvedBy: string }[];
}

export interface ClaimRejectedData {
  readonly claimId: string;
  /** The level under review when the claim was rejected. */
  readonly level: string;
  readonly levelIndex: number;
  readonly rejectedBy: string;
  readonly reason: string;
}

export interface ClaimWithdrawnData {
  readonly claimId: string;
  readonly withdrawnBy: string;
  readonly reason?: string;
}

/** The claim's payment went to the bank; the claim cannot be dispatched again under another payment id. */
export interface ClaimPaymentDispatchedData {
  readonly claimId: string;
  readonly paymentId: string;
  readonly batchId: string;
  readonly dispatchedBy: string;
}

/** The payment was cancelled after a bank rejection or a failed delivery: the claim ends as cancelled. */
export interface ClaimPaymentCancelledData {
  readonly claimId: string;
  readonly paymentId: string;
  readonly cancelledBy: string;
  readonly reason: string;
  /**
   * The payment's delivery had failed without an answer from the bank, which may have executed it: the
   * claim's invoice stays held by its duplicate guard, so no other claim can pay it again. Absent: the
   * bank rejected the payment (nothing left), and the invoice is free for a corrected claim.
   */
  readonly invoiceHeld?: true;
}

export type ClaimSubmitted = DomainEvent<'ClaimSubmitted', ClaimSubmittedData>;
export type ClaimLevelApproved = DomainEvent<'ClaimLevelApproved', ClaimLevelApprovedData>;
export type ClaimApproved = DomainEvent<'ClaimApproved', ClaimApprovedData>;
export type ClaimRejected = DomainEvent<'ClaimRejected', ClaimRejectedData>;
export type ClaimWithdrawn = DomainEvent<'ClaimWithdrawn', ClaimWithdrawnData>;
export type ClaimPaymentDispatched = DomainEvent<'ClaimPaymentDispatched', ClaimPaymentDispatchedData>;
export type ClaimPaymentCancelled = DomainEvent<'ClaimPaymentCancelled', ClaimPaymentCancelledData>;

export type ClaimEvent =
  | ClaimSubmitted
  | ClaimLevelApproved
  | ClaimApproved
  | ClaimRejected
  | ClaimWithdrawn
  | ClaimPaymentDispatched
  | ClaimPaymentCancelled;

export type ClaimEventType = ClaimEvent['type'];

export const CLAIM_EVENT_SCHEMA_VERSIONS: { readonly [T in ClaimEventType]: number } = {
  ClaimSubmitted: 2,
  ClaimLevelApproved: 1,
  ClaimApproved: 1,
  ClaimRejected: 1,
  ClaimWithdrawn: 1,
  ClaimPaymentDispatched: 1,
  ClaimPaymentCancelled: 1,
};

export const CLAIM_EVENT_TYPES = Object.keys(CLAIM_EVENT_SCHEMA_VERSIONS) as readonly ClaimEventType[];

export function isClaimEvent(event: { readonly type: string }): event is ClaimEvent {
  return Object.prototype.hasOwnProperty.call(CLAIM_EVENT_SCHEMA_VERSIONS, event.type);
}
