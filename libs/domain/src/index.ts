export * from './decider';
export * from './domain-error';
export * from './roles';
export * from './validation';
export * from './decimal-threshold';
export * from './policy/policy-config-error';
export * from './policy/approval-policy';
export * from './policy/large-payment-alert-policy';
export * from './claim/claim-commands';
export * from './claim/claim-decider';
export * from './claim/payment-dispatch';
export * from './payment/payment-commands';
export * from './payment/iso20022-reason-codes';
export * from './payment/payment-decider';
export * from './duplicate-guard/duplicate-guard-decider';
export * from './payment-batch/payment-batch-decider';
export * from './reconciliation/reconciliation-error';
export { addDays, checkStatement, daysBetween } from './reconciliation/statement-lines';
export type {
  CheckedStatement,
  CounterpartyInput,
  StatementEntryInput,
  StatementInput,
  StatementLine,
} from './reconciliation/statement-lines';
export * from './reconciliation/reconcile-statement';
