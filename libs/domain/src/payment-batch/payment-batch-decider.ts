import { PaymentBatchDispatchedData, PaymentBatchEvent } from '@ledger/events';
import { assertNever, Command, Decider } from '../decider';
import { DomainError } from '../domain-error';
import { hasRole, ROLES } from '../roles';

/** Records a dispatch request once its payments are dispatched. */
export type RecordPaymentBatch = Command<
  'RecordPaymentBatch',
  Omit<PaymentBatchDispatchedData, 'dispatchedBy'>
>;

export type PaymentBatchState =
  { readonly status: 'none' } | { readonly status: 'dispatched'; readonly batch: PaymentBatchDispatchedData };

export type PaymentBatchDecider = Decider<PaymentBatchState, RecordPaymentBatch, PaymentBatchEvent>;

/** A batch is written once; the same batch again (a retry) adds nothing; a different one under its id is refused. */
export const paymentBatchDecider: PaymentBatchDecider = {
  initialState: () => ({ status: 'none' }),
  evolve(_state, event) {
    switch (event.type) {
      case 'PaymentBatchDispatched':
        return { status: 'dispatched', batch: event.data };
      default:
        return assertNever(event.type, 'payment batch event');
    }
  },
  decide(command, state) {
    switch (command.type) {
      case 'RecordPaymentBatch': {
        const ids = command.data.payments.map((p) => p.paymentId);
        if (state.status === 'dispatched') {
          const same = state.batch.payments.map((p) => p.paymentId);
          if (same.length === ids.length && same.every((id, i) => id === ids[i])) return [];
          throw new DomainError(
            'PAYMENT.BATCH_ALREADY_USED',
            `batch ${command.data.batchId} was already recorded`,
            {
              batchId: command.data.batchId,
            },
          );
        }
        if (ids.length === 0) {
          throw new DomainError('PAYMENT.INVALID_FIELD', 'a batch needs at least one payment', {
            field: 'payments',
          });
        }
        if (!hasRole(command.metadata.actor, ROLES.treasurer)) {
          throw new DomainError('PAYMENT.TREASURER_ROLE_REQUIRED', 'only a treasurer can dispatch a payment');
        }
        return [
          {
            type: 'PaymentBatchDispatched',
            data: { ...command.data, dispatchedBy: command.metadata.actor.subject },
          },
        ];
      }
      default:
        return assertNever(command.type, 'payment batch command');
    }
  },
};
