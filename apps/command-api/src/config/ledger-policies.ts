import { readFileSync } from 'node:fs';
import {
  ApprovalPolicy,
  ClaimDecider,
  createClaimDecider,
  createPaymentDecider,
  DEFAULT_APPROVAL_POLICY_CONFIG,
  DEFAULT_LARGE_PAYMENT_ALERT_CONFIG,
  LargePaymentAlertPolicy,
  parseApprovalPolicy,
  parseLargePaymentAlertPolicy,
  PaymentDecider,
} from '@ledger/domain';

export const LEDGER_DECIDERS = Symbol('LedgerDeciders');

export interface LedgerDeciders {
  readonly approvalPolicy: ApprovalPolicy;
  readonly largePaymentAlert: LargePaymentAlertPolicy;
  readonly claim: ClaimDecider;
  readonly payment: PaymentDecider;
}

/**
 * The configurable policies, from JSON in the environment (`APPROVAL_POLICY`, `LARGE_PAYMENT_ALERT`)
 * or JSON files (`APPROVAL_POLICY_FILE`, `LARGE_PAYMENT_ALERT_FILE`); the defaults otherwise. A bad
 * policy stops the app at start with the offending path, rather than approving by a wrong rule.
 */
export function ledgerDecidersFromEnv(env: NodeJS.ProcessEnv): LedgerDeciders {
  const approvalPolicy = parseApprovalPolicy(
    jsonSetting(env, 'APPROVAL_POLICY') ?? DEFAULT_APPROVAL_POLICY_CONFIG,
  );
  const largePaymentAlert = parseLargePaymentAlertPolicy(
    jsonSetting(env, 'LARGE_PAYMENT_ALERT') ?? DEFAULT_LARGE_PAYMENT_ALERT_CONFIG,
  );
  return {
    approvalPolicy,
    largePaymentAlert,
    claim: createClaimDecider({ approvalPolicy }),
    payment: createPaymentDecider({ largePaymentAlertPolicy: largePaymentAlert }),
  };
}

function jsonSetting(env: NodeJS.ProcessEnv, name: string): unknown {
  const file = env[`${name}_FILE`];
  const text = env[name] ?? (file ? readFileSync(file, 'utf8') : undefined);
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new Error(`${name}${file ? ` (${file})` : ''} is not valid JSON: ${(error as Error).message}`);
  }
}
