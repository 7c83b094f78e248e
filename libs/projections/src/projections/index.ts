export * from './ledger-projections';
export * from './balances/chart-of-accounts';
export * from './balances/transfers';
export * from './balances/balances.projection';
export * from './balances/trial-balance';
export * from './approvals/approvals.projection';
export * from './payments/payments.projection';
export * from './risk/risk.projection';
