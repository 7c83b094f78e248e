import { Money } from '@ledger/events';
import { compareToMajorUnits, isDecimalString } from '../decimal-threshold';
import { PolicyConfigError } from './policy-config-error';

/**
 * One band of amounts and the levels (role names) that must approve it, in order. `upTo` is in major units
 * of the claim's currency and inclusive; `null` means unbounded and must be the last tier.
 */
export interface ApprovalTier {
  readonly upTo: string | null;
  readonly levels: readonly string[];
}

/** JSON-able; a parsed policy has the same shape, validated. */
export interface ApprovalPolicyConfig {
  readonly tiers: readonly ApprovalTier[];
}

export type ApprovalPolicy = ApprovalPolicyConfig & { readonly __brand: 'ApprovalPolicy' };

export const DEFAULT_APPROVAL_POLICY_CONFIG: ApprovalPolicyConfig = {
  tiers: [
    { upTo: '5000.00', levels: ['manager'] },
    { upTo: '50000.00', levels: ['manager', 'finance'] },
    { upTo: null, levels: ['manager', 'finance', 'cfo'] },
  ],
};

const LEVEL = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$/;

/**
 * Validates an approval policy: at least one tier, thresholds as decimal strings in strictly increasing
 * order, the last tier unbounded (so every amount has levels) and only the last, each tier with at least one
 * level. A level may appear twice in a tier: it then takes two different people holding that role.
 * Throws a `PolicyConfigError` naming the offending path.
 */
export function parseApprovalPolicy(config: unknown, path = 'approvalPolicy'): ApprovalPolicy {
  if (typeof config !== 'object' || config === null) throw new PolicyConfigError(path, 'must be an object');
  const tiers = (config as { tiers?: unknown }).tiers;
  if (!Array.isArray(tiers) || tiers.length === 0) {
    throw new PolicyConfigError(`${path}.tiers`, 'must be a non-empty array');
  }
  let previous: string | undefined;
  const parsed = tiers.map((tier: unknown, index): ApprovalTier => {
    const at = `${path}.tiers[${index}]`;
    if (typeof tier !== 'object' || tier === null) throw new PolicyConfigError(at, 'must be an object');
    const { upTo, levels } = tier as { upTo?: unknown; levels?: unknown };
    const last = index === tiers.length - 1;
    if (upTo === null) {
      if (!last) throw new PolicyConfigError(`${at}.upTo`, 'only the last tier may be unbounded (null)');
    } else {
      if (!isDecimalString(upTo)) {
        throw new PolicyConfigError(
          `${at}.upTo`,
          'must be a decimal string in major units such as "5000.00", or null',
        );
      }
      if (last) throw new PolicyConfigError(`${at}.upTo`, 'the last tier must be unbounded (null)');
      if (previous !== undefined && compareDecimals(upTo, previous) <= 0) {
        throw new PolicyConfigError(`${at}.upTo`, `must be greater than the previous tier's ${previous}`);
      }
      previous = upTo;
    }
    if (!Array.isArray(levels) || levels.length === 0) {
      throw new PolicyConfigError(`${at}.levels`, 'must be a non-empty array of role names');
    }
    levels.forEach((level: unknown, i) => {
      if (typeof level !== 'string' || !LEVEL.test(level)) {
        throw new PolicyConfigError(`${at}.levels[${i}]`, 'must be a role name such as "manager"');
      }
    });
    return Object.freeze({ upTo, levels: Object.freeze([...(levels as string[])]) });
  });
  return Object.freeze({ tiers: Object.freeze(parsed) }) as ApprovalPolicy;
}

export const DEFAULT_APPROVAL_POLICY: ApprovalPolicy = parseApprovalPolicy(DEFAULT_APPROVAL_POLICY_CONFIG);

/** The levels an amount needs, in approval order: those of the first tier whose `upTo` it does not exceed. */
export function requiredApprovalLevels(policy: ApprovalPolicy, amount: Money): readonly string[] {
  const tier = policy.tiers.find((t) => t.upTo === null || compareToMajorUnits(amount, t.upTo) <= 0);
  // parseApprovalPolicy guarantees an unbounded last tier, so a tier is always found.
  return (tier ?? policy.tiers[policy.tiers.length - 1]).levels;
}

function compareDecimals(a: string, b: string): number {
  const [aWhole, aFraction = ''] = a.split('.');
  const [bWhole, bFraction = ''] = b.split('.');
  const width = Math.max(aFraction.length, bFraction.length);
  const x = BigInt(aWhole + aFraction.padEnd(width, '0'));
  const y = BigInt(bWhole + bFraction.padEnd(width, '0'));
  return x < y ? -1 : x > y ? 1 : 0;
}
