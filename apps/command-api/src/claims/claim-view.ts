import { ClaimState } from '@ledger/domain';
import { Handled } from '../command-handling/stream-command-handler';
import { positionOf } from '../shared/write-response';

/** What a claim command answers: where the claim stands now, and where in the log the write landed. */
export interface ClaimView {
  readonly claimId: string;
  readonly status: ClaimState['status'];
  readonly requiredLevels: readonly string[];
  readonly approvals: ReadonlyArray<{ readonly level: string; readonly approvedBy: string }>;
  readonly paymentId?: string;
  /** Log position of the last event this command wrote (or, for a retried request, had written). */
  readonly position: string | null;
  readonly revision: string;
  readonly replayed: boolean;
}

export function claimView(claimId: string, handled: Handled<ClaimState>): ClaimView {
  const state = handled.state;
  const facts = state.status === 'not_submitted' ? undefined : state;
  return {
    claimId,
    status: state.status,
    requiredLevels: facts?.claim.requiredLevels ?? [],
    approvals: facts?.approvals ?? [],
    ...(state.status === 'payment_dispatched' || state.status === 'cancelled'
      ? { paymentId: state.paymentId }
      : {}),
    position: positionOf(handled.position),
    revision: handled.revision.toString(),
    replayed: handled.replayed,
  };
}
