import { Projection } from '../projection';
import { approvalsProjection } from './approvals/approvals.projection';
import { balancesProjection } from './balances/balances.projection';
import { paymentsProjection } from './payments/payments.projection';
import { riskProjection } from './risk/risk.projection';
import { reconciliationProjection } from './reconciliation/reconciliation.projection';

/** Every read model of the ledger; the projector runs each one with its own checkpoint. */
export const ledgerProjections: readonly Projection[] = [
  balancesProjection,
  approvalsProjection,
  paymentsProjection,
  riskProjection,
  reconciliationProjection,
];
