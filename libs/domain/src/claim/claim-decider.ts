import {
  ClaimEvent,
  ClaimLevelApproved,
  ClaimSubmittedData,
  duplicateGuardKeyForClaim,
  toMoneyJson,
} from '@ledger/events';
import { assertNever, CommandMetadata, Decider } from '../decider';
import { DomainError } from '../domain-error';
import { ApprovalPolicy, DEFAULT_APPROVAL_POLICY, requiredApprovalLevels } from '../policy/approval-policy';
import { hasRole, requireTreasurer, ROLES } from '../roles';
import { optionalText, requireAmount, requireId, requirePayee, requireText } from '../validation';
import {
  ApprovePayment,
  ClaimCommand,
  MarkClaimPaymentCancelled,
  MarkClaimPaymentDispatched,
  RejectClaim,
  SubmitClaim,
  WithdrawClaim,
} from './claim-commands';

export interface ClaimApproval {
  readonly level: string;
  readonly approvedBy: string;
}

interface ClaimFacts {
  /** The submission as recorded, with its required levels. */
  readonly claim: ClaimSubmittedData;
  /** Levels approved so far, in order: a prefix of `claim.requiredLevels`. */
  readonly approvals: readonly ClaimApproval[];
}

export type ClaimState =
  | { readonly status: 'not_submitted' }
  | (ClaimFacts & { readonly status: 'pending_approval' })
  | (ClaimFacts & { readonly status: 'approved' })
  | (ClaimFacts & { readonly status: 'rejected'; readonly rejectedBy: string; readonly reason: string })
  | (ClaimFacts & { readonly status: 'withdrawn' })
  | (ClaimFacts & {
      readonly status: 'payment_dispatched';
      readonly paymentId: string;
      readonly batchId: string;
    })
  | (ClaimFacts & {
      readonly status: 'cancelled';
      readonly paymentId: string;
      /** See `ClaimPaymentCancelledData.invoiceHeld`. */
      readonly invoiceHeld: boolean;
    });

export type ClaimStatus = ClaimState['status'];
export type SubmittedClaimState = Exclude<ClaimState, { status: 'not_submitted' }>;
export type ApprovedClaimState = Extract<ClaimState, { status: 'approved' }>;

export interface ClaimDeciderOptions {
  readonly approvalPolicy?: ApprovalPolicy;
}

export type ClaimDecider = Decider<ClaimState, ClaimCommand, ClaimEvent>;

/** The claim stream's decider, with the approval policy applied at submission. */
export function createClaimDecider(options: ClaimDeciderOptions = {}): ClaimDecider {
  const policy = options.approvalPolicy ?? DEFAULT_APPROVAL_POLICY;
  return {
    initialState: () => ({ status: 'not_submitted' }),
    evolve: evolveClaim,
    decide(command, state) {
      switch (command.type) {
        case 'SubmitClaim':
          return submitClaim(command, state, policy);
        case 'ApprovePayment':
          return approvePayment(command, state);
        case 'RejectClaim':
          return rejectClaim(command, state);
        case 'WithdrawClaim':
          return withdrawClaim(command, state);
        case 'MarkClaimPaymentDispatched':
          return markPaymentDispatched(command, state);
        case 'MarkClaimPaymentCancelled':
          return markPaymentCancelled(command, state);
        default:
          return assertNever(command, 'claim command');
      }
    },
  };
}

export const claimDecider: ClaimDecider = createClaimDecider();

/**
 * Whether the claim no longer holds its invoice: rejected, withdrawn, or cancelled after the bank
 * rejected its payment. A claim whose payment was cancelled after a failed delivery keeps holding it:
 * the bank may have paid it, and another claim for the invoice could pay it twice.
 */
export function releasesInvoice(state: ClaimState): boolean {
  if (state.status === 'cancelled') return !state.invoiceHeld;
  return state.status === 'rejected' || state.status === 'withdrawn';
}

export function evolveClaim(state: ClaimState, event: ClaimEvent): ClaimState {
  switch (event.type) {
    case 'ClaimSubmitted':
      return { status: 'pending_approval', claim: event.data, approvals: [] };
    case 'ClaimLevelApproved':
      if (state.status !== 'pending_approval') return state;
      return {
        ...state,
        approvals: [...state.approvals, { level: event.data.level, approvedBy: event.data.approvedBy }],
      };
    case 'ClaimApproved':
      return state.status === 'pending_approval' ? { ...state, status: 'approved' } : state;
    case 'ClaimRejected':
      return state.status === 'pending_approval'
        ? { ...state, status: 'rejected', rejectedBy: event.data.rejectedBy, reason: event.data.reason }
        : state;
    case 'ClaimWithdrawn':
      return state.status === 'pending_approval' ? { ...state, status: 'withdrawn' } : state;
    case 'ClaimPaymentDispatched':
      return state.status === 'approved'
        ? {
            ...state,
            status: 'payment_dispatched',
            paymentId: event.data.paymentId,
            batchId: event.data.batchId,
          }
        : state;
    case 'ClaimPaymentCancelled':
      return state.status === 'payment_dispatched'
        ? {
            claim: state.claim,
            approvals: state.approvals,
            status: 'cancelled',
            paymentId: event.data.paymentId,
            invoiceHeld: event.data.invoiceHeld === true,
          }
        : state;
    default:
      return assertNever(event, 'claim event');
  }
}

function submitClaim(command: SubmitClaim, state: ClaimState, policy: ApprovalPolicy): ClaimEvent[] {
  const { data, metadata } = command;
  if (state.status !== 'not_submitted') {
    throw new DomainError('CLAIM.ALREADY_SUBMITTED', `claim ${state.claim.claimId} was already submitted`, {
      claimId: state.claim.claimId,
    });
  }
  const claimId = requireId(data.claimId, 'claimId', 'CLAIM.INVALID_FIELD');
  const amount = requireAmount(data.amount, 'CLAIM.INVALID_AMOUNT');
  const payee = requirePayee(data.payee, {
    field: 'CLAIM.INVALID_FIELD',
    account: 'CLAIM.INVALID_PAYEE_ACCOUNT',
  });
  const costCenter = requireText(data.costCenter, 'costCenter', 'CLAIM.INVALID_FIELD', 64);
  const category = requireText(data.category, 'category', 'CLAIM.INVALID_FIELD', 64);
  const description = requireText(data.description, 'description', 'CLAIM.INVALID_FIELD', 1000);
  // ISO 20022 remittance references are Max35Text.
  const invoiceNumber = optionalText(data.invoiceNumber, 'invoiceNumber', 'CLAIM.INVALID_FIELD', 35);
  const submitted = {
    claimId,
    claimant: metadata.actor.subject,
    payee,
    amount: toMoneyJson(amount),
    costCenter,
    category,
    description,
    ...(invoiceNumber !== undefined ? { invoiceNumber } : {}),
    requiredLevels: [...requiredApprovalLevels(policy, amount)],
  };
  const duplicateGuardKey = duplicateGuardKeyForClaim(submitted);
  return [
    {
      type: 'ClaimSubmitted',
      data: duplicateGuardKey !== undefined ? { ...submitted, duplicateGuardKey } : submitted,
    },
  ];
}

/** The level now pending, with the checks shared by approval and rejection. */
function pendingLevelFor(
  state: ClaimState,
  metadata: CommandMetadata,
): { state: Extract<ClaimState, { status: 'pending_approval' }>; level: string; levelIndex: number } {
  const pending = requirePending(state);
  const actor = metadata.actor.subject;
  if (actor === pending.claim.claimant) {
    throw new DomainError('CLAIM.SELF_APPROVAL', 'a claimant cannot approve or reject their own claim', {
      claimId: pending.claim.claimId,
    });
  }
  const earlier = pending.approvals.find((approval) => approval.approvedBy === actor);
  if (earlier) {
    throw new DomainError(
      'CLAIM.LEVEL_ALREADY_APPROVED_BY_ACTOR',
      `${actor} already approved the ${earlier.level} level of this claim; another person must review the next level`,
      { claimId: pending.claim.claimId, level: earlier.level },
    );
  }
  const levelIndex = pending.approvals.length;
  return { state: pending, level: pending.claim.requiredLevels[levelIndex], levelIndex };
}

function approvePayment(command: ApprovePayment, state: ClaimState): ClaimEvent[] {
  const { metadata } = command;
  const { state: pending, level, levelIndex } = pendingLevelFor(state, metadata);
  const claimId = pending.claim.claimId;
  if (command.data.level !== undefined && command.data.level !== level) {
    throw new DomainError(
      'CLAIM.LEVEL_NOT_PENDING',
      `level ${command.data.level} is not pending; ${level} is`,
      {
        claimId,
        pendingLevel: level,
      },
    );
  }
  requireLevelRole(metadata, level, claimId);
  const comment = optionalText(command.data.comment, 'comment', 'CLAIM.INVALID_FIELD', 2000);
  const approved: ClaimLevelApproved = {
    type: 'ClaimLevelApproved',
    data: { claimId, level, levelIndex, approvedBy: metadata.actor.subject, ...(comment ? { comment } : {}) },
  };
  if (levelIndex + 1 < pending.claim.requiredLevels.length) return [approved];
  return [
    approved,
    {
      type: 'ClaimApproved',
      data: { claimId, approvals: [...pending.approvals, { level, approvedBy: metadata.actor.subject }] },
    },
  ];
}

/** A rejection is a review of the pending level, so it follows the approval rules (role, segregation). */
function rejectClaim(command: RejectClaim, state: ClaimState): ClaimEvent[] {
  const { metadata } = command;
  const { state: pending, level, levelIndex } = pendingLevelFor(state, metadata);
  const claimId = pending.claim.claimId;
  requireLevelRole(metadata, level, claimId);
  const reason = requireText(command.data.reason, 'reason', 'CLAIM.INVALID_FIELD', 500);
  return [
    {
      type: 'ClaimRejected',
      data: { claimId, level, levelIndex, rejectedBy: metadata.actor.subject, reason },
    },
  ];
}

/** Only the claimant, and only while no level is approved: after that, an approver has spent time on it. */
function withdrawClaim(command: WithdrawClaim, state: ClaimState): ClaimEvent[] {
  const pending = requirePending(state);
  const claimId = pending.claim.claimId;
  if (command.metadata.actor.subject !== pending.claim.claimant) {
    throw new DomainError('CLAIM.NOT_CLAIMANT', 'only the claimant can withdraw a claim', { claimId });
  }
  if (pending.approvals.length > 0) {
    throw new DomainError(
      'CLAIM.WITHDRAWAL_AFTER_APPROVAL',
      `claim ${claimId} has an approved level and can no longer be withdrawn`,
      { claimId },
    );
  }
  const reason = optionalText(command.data.reason, 'reason', 'CLAIM.INVALID_FIELD', 500);
  return [
    {
      type: 'ClaimWithdrawn',
      data: {
        claimId,
        withdrawnBy: command.metadata.actor.subject,
        ...(reason !== undefined ? { reason } : {}),
      },
    },
  ];
}

function markPaymentDispatched(command: MarkClaimPaymentDispatched, state: ClaimState): ClaimEvent[] {
  const { data, metadata } = command;
  const submitted = requireSubmitted(state);
  const claimId = submitted.claim.claimId;
  if (submitted.status === 'payment_dispatched') {
    if (submitted.paymentId === data.paymentId) return []; // a retry of the same dispatch
    throw new DomainError(
      'PAYMENT.ALREADY_DISPATCHED',
      `claim ${claimId} is already paid by ${submitted.paymentId}`,
      {
        claimId,
        paymentId: submitted.paymentId,
      },
    );
  }
  if (submitted.status === 'pending_approval') {
    throw new DomainError('CLAIM.NOT_APPROVED', `claim ${claimId} is not approved yet`, { claimId });
  }
  if (submitted.status !== 'approved') throw closed(submitted);
  requireTreasurer(metadata, submitted.claim.claimant);
  const paymentId = requireId(data.paymentId, 'paymentId', 'CLAIM.INVALID_FIELD');
  const batchId = requireId(data.batchId, 'batchId', 'CLAIM.INVALID_FIELD');
  return [
    {
      type: 'ClaimPaymentDispatched',
      data: { claimId, paymentId, batchId, dispatchedBy: metadata.actor.subject },
    },
  ];
}

function markPaymentCancelled(command: MarkClaimPaymentCancelled, state: ClaimState): ClaimEvent[] {
  const { data, metadata } = command;
  const submitted = requireSubmitted(state);
  const claimId = submitted.claim.claimId;
  if (submitted.status === 'cancelled' && submitted.paymentId === data.paymentId) return [];
  if (submitted.status !== 'payment_dispatched') {
    throw new DomainError('CLAIM.PAYMENT_NOT_DISPATCHED', `claim ${claimId} has no payment in flight`, {
      claimId,
    });
  }
  if (submitted.paymentId !== data.paymentId) {
    throw new DomainError(
      'CLAIM.PAYMENT_MISMATCH',
      `claim ${claimId} is paid by ${submitted.paymentId}, not ${data.paymentId}`,
      { claimId, paymentId: submitted.paymentId },
    );
  }
  if (!hasRole(metadata.actor, ROLES.treasurer)) {
    throw new DomainError('PAYMENT.TREASURER_ROLE_REQUIRED', 'only a treasurer can cancel a payment', {
      claimId,
    });
  }
  const reason = requireText(data.reason, 'reason', 'CLAIM.INVALID_FIELD', 500);
  return [
    {
      type: 'ClaimPaymentCancelled',
      data: {
        claimId,
        paymentId: submitted.paymentId,
        cancelledBy: metadata.actor.subject,
        reason,
        ...(data.invoiceHeld === true ? { invoiceHeld: true as const } : {}),
      },
    },
  ];
}

function requireSubmitted(state: ClaimState): SubmittedClaimState {
  if (state.status === 'not_submitted') throw new DomainError('CLAIM.NOT_FOUND', 'claim not found');
  return state;
}

function requirePending(state: ClaimState): Extract<ClaimState, { status: 'pending_approval' }> {
  const submitted = requireSubmitted(state);
  if (submitted.status === 'pending_approval') return submitted;
  const claimId = submitted.claim.claimId;
  if (submitted.status === 'approved' || submitted.status === 'payment_dispatched') {
    throw new DomainError('CLAIM.ALREADY_APPROVED', `claim ${claimId} is already approved`, { claimId });
  }
  throw closed(submitted);
}

function closed(state: SubmittedClaimState): DomainError {
  return new DomainError('CLAIM.CLOSED', `claim ${state.claim.claimId} is ${state.status}`, {
    claimId: state.claim.claimId,
    status: state.status,
  });
}

function requireLevelRole(metadata: CommandMetadata, level: string, claimId: string): void {
  if (!hasRole(metadata.actor, level)) {
    throw new DomainError('CLAIM.APPROVER_ROLE_REQUIRED', `the pending level needs the ${level} role`, {
      claimId,
      requiredRole: level,
    });
  }
}
