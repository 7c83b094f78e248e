import { PaymentState } from '@ledger/domain';
import { Handled } from '../command-handling/stream-command-handler';
import { positionOf } from '../shared/write-response';

export interface PaymentView {
  readonly paymentId: string;
  readonly status: PaymentState['status'];
  readonly batchId?: string;
  readonly position: string | null;
  readonly replayed: boolean;
}

export function paymentView(
  paymentId: string,
  handled: Handled<PaymentState>,
  batchId?: string,
): PaymentView {
  return {
    paymentId,
    status: handled.state.status,
    ...(batchId ? { batchId } : {}),
    position: positionOf(handled.position),
    replayed: handled.replayed,
  };
}
