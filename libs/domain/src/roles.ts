import { CommandMetadata } from './decider';
import { DomainError } from './domain-error';

/**
 * Roles the domain checks itself. Approval levels are roles too, named by the approval policy
 * (`manager`, `finance`, `cfo` by default).
 */
export const ROLES = {
  /** Dispatches, redispatches and cancels payments. */
  treasurer: 'treasurer',
  /** The bank-connector's service identity: the only one that reports bank outcomes. */
  bankConnector: 'bank-connector',
} as const;

export function hasRole(actor: { readonly roles: readonly string[] }, role: string): boolean {
  return actor.roles.includes(role);
}

/** Dispatch rules shared by the claim and payment deciders: a treasurer, who is not the person being paid back. */
export function requireTreasurer(metadata: CommandMetadata, claimant: string): void {
  if (!hasRole(metadata.actor, ROLES.treasurer)) {
    throw new DomainError('PAYMENT.TREASURER_ROLE_REQUIRED', 'only a treasurer can dispatch a payment');
  }
  if (metadata.actor.subject === claimant) {
    throw new DomainError(
      'PAYMENT.TREASURER_IS_CLAIMANT',
      'a treasurer cannot dispatch the payment of their own claim',
    );
  }
}
