import { AccountJson } from '@ledger/events';
import { CommandMetadata } from '../decider';
import { DomainError } from '../domain-error';
import { DispatchToBank } from '../payment/payment-commands';
import { MarkClaimPaymentDispatched } from './claim-commands';
import { ClaimState } from './claim-decider';

export interface PaymentDispatchInput {
  readonly paymentId: string;
  readonly batchId: string;
  readonly debtorAccount: AccountJson;
  readonly requestedExecutionDate: string;
}

/**
 * Builds both halves of a dispatch from the claim's own state, so amount, payee and claimant cannot drift
 * from what was approved. The handler decides `markClaim` on the claim stream and appends it under the
 * claim's expected revision (that append is the lock against a concurrent second dispatch), then decides
 * and appends `dispatch` on the payment stream. After a crash in between, the same command again is
 * idempotent on the claim (same paymentId) and completes the payment.
 */
export function paymentDispatchCommands(
  claim: ClaimState,
  input: PaymentDispatchInput,
  metadata: CommandMetadata,
): { readonly markClaim: MarkClaimPaymentDispatched; readonly dispatch: DispatchToBank } {
  if (claim.status === 'not_submitted') throw new DomainError('CLAIM.NOT_FOUND', 'claim not found');
  const { claimId, amount, payee, claimant } = claim.claim;
  return {
    markClaim: {
      type: 'MarkClaimPaymentDispatched',
      data: { claimId, paymentId: input.paymentId, batchId: input.batchId },
      metadata,
    },
    dispatch: {
      type: 'DispatchToBank',
      data: {
        paymentId: input.paymentId,
        claimId,
        batchId: input.batchId,
        amount,
        payee,
        debtorAccount: input.debtorAccount,
        requestedExecutionDate: input.requestedExecutionDate,
        claimant,
      },
      metadata,
    },
  };
}
