import { Inject } from '@nestjs/common';
import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import {
  AccountJson,
  claimStreamId,
  paymentBatchStreamId,
  paymentStreamId,
  WrongExpectedVersionError,
} from '@ledger/events';
import {
  ClaimState,
  DomainError,
  paymentBatchDecider,
  paymentDispatchCommands,
  RecordPaymentBatch,
} from '@ledger/domain';
import { ProblemError } from '@ledger/infra';
import { CommandContext } from '../../command-handling/command-context';
import { derivedId } from '../../command-handling/command-identity';
import { Handled, Prepared, StreamCommandHandler } from '../../command-handling/stream-command-handler';
import { LEDGER_DECIDERS, LedgerDeciders } from '../../config/ledger-policies';
import { positionOf } from '../../shared/write-response';
import { DispatchResult, DispatchToBankCommand } from './dispatch-to-bank.command';

/**
 * DispatchToBank for one claim or a batch. Every claim is checked and every decision made before
 * anything is written, so a batch with one unapproved claim writes nothing. Then each claim records
 * its payment under its expected revision — the lock that keeps a claim from being paid twice — and
 * each payment stream gets its `PaymentDispatched`, which the bank connector picks up. A retry with
 * the same Idempotency-Key derives the same batch and payment ids and completes what a crash cut
 * short, writing nothing twice.
 */
@CommandHandler(DispatchToBankCommand)
export class DispatchToBankHandler implements ICommandHandler<DispatchToBankCommand, DispatchResult> {
  constructor(
    private readonly streams: StreamCommandHandler,
    @Inject(LEDGER_DECIDERS) private readonly deciders: LedgerDeciders,
  ) {}

  async execute({ batchId, request, context }: DispatchToBankCommand): Promise<DispatchResult> {
    const requestedExecutionDate = request.requestedExecutionDate ?? context.metadata.now.slice(0, 10);
    const debtorAccount = request.debtorAccount as AccountJson;
    // Claims are read, marked and left: nothing but a cancellation touches them again, so they are
    // not kept folded (the payments are, for their receipts).
    const claims = await this.streams.readMany(request.claimIds.map(claimStreamId), this.deciders.claim, {
      fresh: true,
      remember: false,
    });
    this.refuseUnpayable(
      request.claimIds,
      claims.map((c) => c.state),
      batchId,
    );
    // The payment streams (new ones, or a retry's), read in one go; each decision below is made on its
    // view and checked by its append's expected revision.
    const paymentIds = request.claimIds.map((claimId) => derivedId('payment', batchId, claimId));
    const payments = await this.streams.readMany(paymentIds.map(paymentStreamId), this.deciders.payment);

    const plans = await Promise.all(
      claims.map(async (claim, i) => {
        const claimId = request.claimIds[i];
        const paymentId = paymentIds[i];
        const { markClaim, dispatch } = paymentDispatchCommands(
          claim.state,
          { paymentId, batchId, debtorAccount, requestedExecutionDate },
          context.metadata,
        );
        const claimStep = await this.streams.prepare(
          claimStreamId(claimId),
          this.deciders.claim,
          markClaim,
          context,
          claim,
          { remember: false },
        );
        const paymentStep = await this.streams.prepare(
          paymentStreamId(paymentId),
          this.deciders.payment,
          dispatch,
          context,
          payments[i],
        );
        return { claimId, paymentId, markClaim, dispatch, claimStep, paymentStep };
      }),
    );

    const lost: string[] = [];
    const positions: Array<bigint | null> = [];
    let replayed = true;
    await Promise.all(
      plans.map(async (plan) => {
        const marked = await this.commitOrRetry(plan.claimStep, context, () =>
          this.streams.handle(claimStreamId(plan.claimId), this.deciders.claim, plan.markClaim, context),
        ).catch((error: unknown) => {
          if (error instanceof DomainError && error.kind === 'conflict') return undefined;
          throw error;
        });
        if (!marked) {
          lost.push(plan.claimId);
          return;
        }
        const paid = await this.commitOrRetry(plan.paymentStep, context, () =>
          this.streams.handle(paymentStreamId(plan.paymentId), this.deciders.payment, plan.dispatch, context),
        );
        positions.push(marked.position, paid.position);
        replayed &&= marked.replayed && paid.replayed;
      }),
    );
    const dispatched = plans.filter((p) => !lost.includes(p.claimId));
    if (dispatched.length > 0) {
      // Last: the batch record is what the bank connector turns into one pain.001 message, so it is
      // written only once every payment in it is.
      const record: RecordPaymentBatch = {
        type: 'RecordPaymentBatch',
        data: {
          batchId,
          debtorAccount,
          requestedExecutionDate,
          payments: dispatched.map((p) => ({
            paymentId: p.paymentId,
            claimId: p.claimId,
            amount: p.dispatch.data.amount,
          })),
        },
        metadata: context.metadata,
      };
      const batch = await this.streams.handle(
        paymentBatchStreamId(batchId),
        paymentBatchDecider,
        record,
        context,
      );
      positions.push(batch.position);
      replayed &&= batch.replayed || batch.events.length === 0;
    }
    if (lost.length > 0) {
      // Only a concurrent dispatch of the same claims gets here: those claims are left to the batch that won.
      throw new DomainError(
        'PAYMENT.ALREADY_DISPATCHED',
        `claims already dispatched by another request: ${lost.join(', ')}`,
        {
          claimIds: lost,
          batchId,
          dispatched: dispatched.map((p) => p.claimId),
        },
      );
    }
    const last = positions.reduce<bigint | null>(
      (max, p) => (p !== null && (max === null || p > max) ? p : max),
      null,
    );
    return {
      batchId,
      requestedExecutionDate,
      payments: plans.map(({ claimId, paymentId }) => ({ claimId, paymentId })),
      position: positionOf(last),
      replayed,
    };
  }

  private refuseUnpayable(claimIds: string[], states: ClaimState[], batchId: string): void {
    const missing = claimIds.filter((_, i) => states[i].status === 'not_submitted');
    if (missing.length) {
      throw new ProblemError(404, 'CLAIM.NOT_FOUND', `unknown claims: ${missing.join(', ')}`, {
        claimIds: missing,
      });
    }
    const dispatched = claimIds.filter((_, i) => {
      const state = states[i];
      return state.status === 'payment_dispatched' && state.batchId !== batchId;
    });
    if (dispatched.length) {
      throw new DomainError(
        'PAYMENT.ALREADY_DISPATCHED',
        `claims already dispatched: ${dispatched.join(', ')}`,
        {
          claimIds: dispatched,
        },
      );
    }
    const unapproved = claimIds.filter(
      (_, i) => states[i].status !== 'approved' && states[i].status !== 'payment_dispatched',
    );
    if (unapproved.length) {
      throw new DomainError('CLAIM.NOT_APPROVED', `claims not approved: ${unapproved.join(', ')}`, {
        claimIds: unapproved,
        statuses: Object.fromEntries(unapproved.map((id) => [id, states[claimIds.indexOf(id)].status])),
      });
    }
  }

  /** Appends what was decided; if another writer got there first, decides again on the new state. */
  private async commitOrRetry<State>(
    prepared: Prepared<State>,
    context: CommandContext,
    retry: () => Promise<Handled<State>>,
  ): Promise<Handled<State>> {
    try {
      return await this.streams.commit(prepared, context);
    } catch (error) {
      if (error instanceof WrongExpectedVersionError) return retry();
      throw error;
    }
  }
}
