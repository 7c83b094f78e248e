import { parseMoney } from '@ledger/events';
import fc from 'fast-check';
import {
  DEFAULT_APPROVAL_POLICY,
  DEFAULT_APPROVAL_POLICY_CONFIG,
  parseApprovalPolicy,
  requiredApprovalLevels,
} from './approval-policy';
import { PolicyConfigError } from './policy-config-error';

const levels = (value: string, currency = 'EUR') =>
  requiredApprovalLevels(DEFAULT_APPROVAL_POLICY, parseMoney({ value, currency }));

describe('approval policy', () => {
  it.each([
    ['0.01', ['manager']],
    ['5000.00', ['manager']],
    ['5000.01', ['manager', 'finance']],
    ['50000.00', ['manager', 'finance']],
    ['50000.01', ['manager', 'finance', 'cfo']],
    ['999999999.99', ['manager', 'finance', 'cfo']],
  ])('default policy: %s EUR needs %j (upTo is inclusive)', (value, expected) => {
    expect(levels(value)).toEqual(expected);
  });

  it('applies thresholds in major units of the claim currency, whatever its exponent', () => {
    expect(levels('5000', 'JPY')).toEqual(['manager']);
    expect(levels('5001', 'JPY')).toEqual(['manager', 'finance']);
    expect(levels('5000.000', 'KWD')).toEqual(['manager']);
    expect(levels('5000.001', 'KWD')).toEqual(['manager', 'finance']);
  });

  it('compares exactly when a threshold has more decimals than the currency', () => {
    const policy = parseApprovalPolicy({
      tiers: [
        { upTo: '10.5', levels: ['a'] },
        { upTo: null, levels: ['b'] },
      ],
    });
    expect(requiredApprovalLevels(policy, parseMoney({ value: '10', currency: 'JPY' }))).toEqual(['a']);
    expect(requiredApprovalLevels(policy, parseMoney({ value: '11', currency: 'JPY' }))).toEqual(['b']);
  });

  it('parses the default config to the same JSON', () => {
    expect(JSON.parse(JSON.stringify(parseApprovalPolicy(DEFAULT_APPROVAL_POLICY_CONFIG)))).toEqual(
      DEFAULT_APPROVAL_POLICY_CONFIG,
    );
  });

  it.each([
    [null, 'approvalPolicy: must be an object'],
    [{ tiers: [] }, 'approvalPolicy.tiers: must be a non-empty array'],
    [
      { tiers: [{ upTo: '5000.00', levels: ['manager'] }] },
      'approvalPolicy.tiers[0].upTo: the last tier must be unbounded (null)',
    ],
    [
      {
        tiers: [
          { upTo: null, levels: ['m'] },
          { upTo: null, levels: ['f'] },
        ],
      },
      'approvalPolicy.tiers[0].upTo: only the last tier may be unbounded',
    ],
    [
      {
        tiers: [
          { upTo: 5000, levels: ['m'] },
          { upTo: null, levels: ['f'] },
        ],
      },
      'approvalPolicy.tiers[0].upTo: must be a decimal string',
    ],
    [
      {
        tiers: [
          { upTo: '-1', levels: ['m'] },
          { upTo: null, levels: ['f'] },
        ],
      },
      'approvalPolicy.tiers[0].upTo: must be a decimal string',
    ],
    [
      {
        tiers: [
          { upTo: '500.00', levels: ['m'] },
          { upTo: '500', levels: ['f'] },
          { upTo: null, levels: ['c'] },
        ],
      },
      "approvalPolicy.tiers[1].upTo: must be greater than the previous tier's 500.00",
    ],
    [{ tiers: [{ upTo: null, levels: [] }] }, 'approvalPolicy.tiers[0].levels: must be a non-empty array'],
    [
      { tiers: [{ upTo: null, levels: ['manager', 'has space'] }] },
      'approvalPolicy.tiers[0].levels[1]: must be a role name',
    ],
  ])('refuses %j', (config, message) => {
    expect(() => parseApprovalPolicy(config)).toThrow(PolicyConfigError);
    expect(() => parseApprovalPolicy(config)).toThrow(message);
  });

  it('picks the first tier whose upTo the amount does not exceed (property, against a float-free reference)', () => {
    const tiersArb = fc
      .uniqueArray(fc.integer({ min: 1, max: 1_000_000 }), { minLength: 0, maxLength: 4 })
      .map((bounds) => [...bounds].sort((a, b) => a - b));
    fc.assert(
      fc.property(tiersArb, fc.integer({ min: 1, max: 200_000_000 }), (bounds, cents) => {
        const config = {
          tiers: [
            ...bounds.map((b, i) => ({ upTo: `${b}.00`, levels: [`level${i}`] })),
            { upTo: null, levels: ['top'] },
          ],
        };
        const amount = parseMoney({
          value: `${Math.floor(cents / 100)}.${String(cents % 100).padStart(2, '0')}`,
          currency: 'EUR',
        });
        const index = bounds.findIndex((b) => cents <= b * 100);
        const expected = index === -1 ? ['top'] : [`level${index}`];
        expect(requiredApprovalLevels(parseApprovalPolicy(config), amount)).toEqual(expected);
      }),
    );
  });
});
