import { ClaimEvent } from '@ledger/events';
import { parseApprovalPolicy } from '../policy/approval-policy';
import { spec } from '../testing/decider-spec';
import { CLAIMANT, DOMESTIC, IBAN, meta, submittedClaim } from '../testing/fixtures';
import { ClaimCommand, SubmitClaim } from './claim-commands';
import { claimDecider, createClaimDecider, releasesInvoice } from './claim-decider';

const claim = spec(claimDecider);

const submit = (data: Partial<SubmitClaim['data']> = {}, actor = CLAIMANT): SubmitClaim => ({
  type: 'SubmitClaim',
  data: {
    claimId: 'claim-1',
    payee: { name: ' Alice Martin ', account: { iban: 'de89 3704 0044 0532 0130 00' } },
    amount: { value: '1234.5', currency: 'EUR' },
    costCenter: 'CC-100',
    category: 'travel',
    description: 'Train to Lyon',
    invoiceNumber: 'INV-1',
    ...data,
  },
  metadata: meta(actor, ['employee']),
});

const approve = (subject: string, roles: string[], level?: string, comment?: string): ClaimCommand => ({
  type: 'ApprovePayment',
  data: {
    claimId: 'claim-1',
    ...(level === undefined ? {} : { level }),
    ...(comment === undefined ? {} : { comment }),
  },
  metadata: meta(subject, roles),
});
const reject = (subject: string, roles: string[], reason = 'No receipt attached'): ClaimCommand => ({
  type: 'RejectClaim',
  data: { claimId: 'claim-1', reason },
  metadata: meta(subject, roles),
});
const withdraw = (subject = CLAIMANT, reason?: string): ClaimCommand => ({
  type: 'WithdrawClaim',
  data: reason === undefined ? { claimId: 'claim-1' } : { claimId: 'claim-1', reason },
  metadata: meta(subject, []),
});
const markDispatched = (paymentId = 'pay-1', subject = 'trent', roles = ['treasurer']): ClaimCommand => ({
  type: 'MarkClaimPaymentDispatched',
  data: { claimId: 'claim-1', paymentId, batchId: 'batch-1' },
  metadata: meta(subject, roles),
});
const markCancelled = (paymentId = 'pay-1', roles = ['treasurer'], invoiceHeld?: boolean): ClaimCommand => ({
  type: 'MarkClaimPaymentCancelled',
  data: {
    claimId: 'claim-1',
    paymentId,
    reason: 'Payee account closed',
    ...(invoiceHeld === undefined ? {} : { invoiceHeld }),
  },
  metadata: meta('trent', roles),
});

const submitted = (overrides = {}): ClaimEvent => ({
  type: 'ClaimSubmitted',
  data: submittedClaim(overrides),
});
const threeLevels = submitted({
  amount: { value: '75000.00', currency: 'EUR' },
  requiredLevels: ['manager', 'finance', 'cfo'],
});
const levelApproved = (level: string, levelIndex: number, approvedBy: string): ClaimEvent => ({
  type: 'ClaimLevelApproved',
  data: { claimId: 'claim-1', level, levelIndex, approvedBy },
});
const approved = (approvals: { level: string; approvedBy: string }[]): ClaimEvent => ({
  type: 'ClaimApproved',
  data: { claimId: 'claim-1', approvals },
});
const approvedClaim: ClaimEvent[] = [
  submitted(),
  levelApproved('manager', 0, 'bob'),
  approved([{ level: 'manager', approvedBy: 'bob' }]),
];
const dispatched: ClaimEvent = {
  type: 'ClaimPaymentDispatched',
  data: { claimId: 'claim-1', paymentId: 'pay-1', batchId: 'batch-1', dispatchedBy: 'trent' },
};

describe('claim decider', () => {
  describe('SubmitClaim', () => {
    it('records the normalised claim with the levels its amount needs and its duplicate-guard key', () => {
      claim.given([]).when(submit()).then([submitted()]);
    });

    it('computes the levels from the amount: above 50,000.00 needs manager, finance and cfo', () => {
      claim
        .given([])
        .when(submit({ amount: { value: '75000', currency: 'EUR' } }))
        .then([
          submitted({
            amount: { value: '75000.00', currency: 'EUR' },
            requiredLevels: ['manager', 'finance', 'cfo'],
            duplicateGuardKey: `iban:${IBAN.payee}|inv:INV-1|EUR:75000.00`,
          }),
        ]);
    });

    it('uses the configured policy', () => {
      const policy = parseApprovalPolicy({ tiers: [{ upTo: null, levels: ['director', 'director'] }] });
      spec(createClaimDecider({ approvalPolicy: policy }))
        .given([])
        .when(submit())
        .then([submitted({ requiredLevels: ['director', 'director'] })]);
    });

    it('has no duplicate-guard key without an invoice number', () => {
      const { invoiceNumber: _i, duplicateGuardKey: _k, ...data } = submittedClaim();
      claim
        .given([])
        .when(submit({ invoiceNumber: undefined }))
        .then([{ type: 'ClaimSubmitted', data }]);
      claim
        .given([])
        .when(submit({ invoiceNumber: '   ' }))
        .then([{ type: 'ClaimSubmitted', data }]);
    });

    it('keeps the BIC, upper-cased', () => {
      const account = { iban: IBAN.payee, bic: 'cobadeffxxx' };
      claim
        .given([])
        .when(submit({ payee: { name: 'Alice Martin', account } }))
        .then([
          submitted({ payee: { name: 'Alice Martin', account: { iban: IBAN.payee, bic: 'COBADEFFXXX' } } }),
        ]);
    });

    it('records a domestic payee account, normalised, with its duplicate-guard key', () => {
      const account = { number: '0001 2345 6789', bankCode: ' 021000021 ', bic: 'chasus33' };
      claim
        .given([])
        .when(submit({ payee: { name: 'Alice Martin', account }, amount: { value: '99', currency: 'USD' } }))
        .then([
          submitted({
            payee: { name: 'Alice Martin', account: { ...DOMESTIC.payee, bic: 'CHASUS33' } },
            amount: { value: '99.00', currency: 'USD' },
            duplicateGuardKey: `acct:021000021:000123456789|inv:INV-1|USD:99.00`,
          }),
        ]);
    });

    it('refuses a claim id already used', () => {
      claim.given([submitted()]).when(submit()).thenThrows('CLAIM.ALREADY_SUBMITTED', { claimId: 'claim-1' });
    });

    it.each([
      ['claimId', { claimId: 'has space' }],
      ['costCenter', { costCenter: ' ' }],
      ['category', { category: '' }],
      ['description', { description: 'x'.repeat(1001) }],
      ['invoiceNumber', { invoiceNumber: 'I'.repeat(36) }],
      ['payee.name', { payee: { name: '', account: { iban: IBAN.payee } } }],
    ])('refuses an invalid %s', (field, data) => {
      claim.given([]).when(submit(data)).thenThrows('CLAIM.INVALID_FIELD', { field });
    });

    it.each([
      ['a zero amount', { value: '0.00', currency: 'EUR' }, 'MONEY.ZERO_AMOUNT'],
      ['too many decimals', { value: '1.234', currency: 'EUR' }, 'MONEY.TOO_MANY_DECIMALS'],
      ['an unknown currency', { value: '1.00', currency: 'XXX' }, 'MONEY.UNKNOWN_CURRENCY'],
    ])('refuses %s', (_name, amount, moneyCode) => {
      claim.given([]).when(submit({ amount })).thenThrows('CLAIM.INVALID_AMOUNT', { moneyCode });
    });

    it('refuses an IBAN with a wrong checksum', () => {
      claim
        .given([])
        .when(submit({ payee: { name: 'Alice', account: { iban: 'DE88370400440532013000' } } }))
        .thenThrows('CLAIM.INVALID_PAYEE_ACCOUNT', { field: 'payee.account.iban' });
    });

    it.each([
      ['both forms', { iban: IBAN.payee, ...DOMESTIC.payee }, 'payee.account'],
      ['neither form', { bic: 'CHASUS33' }, 'payee.account'],
      ['a number without bank code', { number: DOMESTIC.payee.number }, 'payee.account.bankCode'],
      ['a bank code without number', { bankCode: DOMESTIC.payee.bankCode }, 'payee.account.number'],
      ['a number with other characters', { ...DOMESTIC.payee, number: '0001/2345' }, 'payee.account.number'],
      [
        'a bank code longer than 35',
        { ...DOMESTIC.payee, bankCode: '0'.repeat(36) },
        'payee.account.bankCode',
      ],
      ['a domestic account with a malformed BIC', { ...DOMESTIC.payee, bic: 'CHASE' }, 'payee.account.bic'],
    ])('refuses a payee account with %s', (_name, account, field) => {
      claim
        .given([])
        .when(submit({ payee: { name: 'Alice', account: account as never } }))
        .thenThrows('CLAIM.INVALID_PAYEE_ACCOUNT', { field });
    });

    it('refuses a malformed BIC', () => {
      claim
        .given([])
        .when(submit({ payee: { name: 'Alice', account: { iban: IBAN.payee, bic: 'NOPE' } } }))
        .thenThrows('CLAIM.INVALID_PAYEE_ACCOUNT', { field: 'payee.account.bic' });
    });
  });

  describe('ApprovePayment', () => {
    it('approves the only level and the claim in one decision', () => {
      claim
        .given([submitted()])
        .when(approve('bob', ['manager']))
        .then([levelApproved('manager', 0, 'bob'), approved([{ level: 'manager', approvedBy: 'bob' }])]);
    });

    it("records the approver's comment with the level", () => {
      claim
        .given([threeLevels])
        .when(approve('bob', ['manager'], undefined, 'Receipts checked'))
        .then([
          {
            type: 'ClaimLevelApproved',
            data: {
              claimId: 'claim-1',
              level: 'manager',
              levelIndex: 0,
              approvedBy: 'bob',
              comment: 'Receipts checked',
            },
          },
        ]);
    });

    it('refuses a comment longer than 2000 characters', () => {
      claim
        .given([threeLevels])
        .when(approve('bob', ['manager'], undefined, 'x'.repeat(2001)))
        .thenThrows('CLAIM.INVALID_FIELD');
    });

    it('approves one level at a time, in order', () => {
      claim
        .given([threeLevels])
        .when(approve('bob', ['manager'], 'manager'))
        .then([levelApproved('manager', 0, 'bob')]);
      claim
        .given([threeLevels, levelApproved('manager', 0, 'bob')])
        .when(approve('carol', ['finance']))
        .then([levelApproved('finance', 1, 'carol')]);
      claim
        .given([threeLevels, levelApproved('manager', 0, 'bob'), levelApproved('finance', 1, 'carol')])
        .when(approve('dave', ['cfo']))
        .then([
          levelApproved('cfo', 2, 'dave'),
          approved([
            { level: 'manager', approvedBy: 'bob' },
            { level: 'finance', approvedBy: 'carol' },
            { level: 'cfo', approvedBy: 'dave' },
          ]),
        ]);
    });

    it('needs two different people when a level appears twice', () => {
      const twice = submitted({ requiredLevels: ['manager', 'manager'] });
      claim
        .given([twice, levelApproved('manager', 0, 'bob')])
        .when(approve('bob', ['manager']))
        .thenThrows('CLAIM.LEVEL_ALREADY_APPROVED_BY_ACTOR');
      claim
        .given([twice, levelApproved('manager', 0, 'bob')])
        .when(approve('erin', ['manager']))
        .then([
          levelApproved('manager', 1, 'erin'),
          approved([
            { level: 'manager', approvedBy: 'bob' },
            { level: 'manager', approvedBy: 'erin' },
          ]),
        ]);
    });

    it('refuses an unknown claim', () => {
      claim
        .given([])
        .when(approve('bob', ['manager']))
        .thenThrows('CLAIM.NOT_FOUND');
    });

    it('refuses the claimant, whatever their roles', () => {
      claim
        .given([submitted()])
        .when(approve(CLAIMANT, ['manager', 'finance', 'cfo']))
        .thenThrows('CLAIM.SELF_APPROVAL');
    });

    it('refuses a second level by the same approver', () => {
      claim
        .given([threeLevels, levelApproved('manager', 0, 'bob')])
        .when(approve('bob', ['manager', 'finance']))
        .thenThrows('CLAIM.LEVEL_ALREADY_APPROVED_BY_ACTOR', { level: 'manager' });
    });

    it('refuses an approver without the pending level role', () => {
      claim
        .given([threeLevels])
        .when(approve('carol', ['finance', 'cfo']))
        .thenThrows('CLAIM.APPROVER_ROLE_REQUIRED', { requiredRole: 'manager' });
    });

    it('refuses a command naming a level that is not pending', () => {
      claim
        .given([threeLevels, levelApproved('manager', 0, 'bob')])
        .when(approve('carol', ['manager', 'finance'], 'manager'))
        .thenThrows('CLAIM.LEVEL_NOT_PENDING', { pendingLevel: 'finance' });
    });

    it('refuses an approved claim, before or after dispatch', () => {
      claim
        .given(approvedClaim)
        .when(approve('carol', ['manager']))
        .thenThrows('CLAIM.ALREADY_APPROVED');
      claim
        .given([...approvedClaim, dispatched])
        .when(approve('carol', ['manager']))
        .thenThrows('CLAIM.ALREADY_APPROVED');
    });

    it('refuses a rejected or withdrawn claim', () => {
      const rejected: ClaimEvent = {
        type: 'ClaimRejected',
        data: { claimId: 'claim-1', level: 'manager', levelIndex: 0, rejectedBy: 'bob', reason: 'no' },
      };
      const withdrawn: ClaimEvent = {
        type: 'ClaimWithdrawn',
        data: { claimId: 'claim-1', withdrawnBy: CLAIMANT },
      };
      claim
        .given([submitted(), rejected])
        .when(approve('carol', ['manager']))
        .thenThrows('CLAIM.CLOSED', { status: 'rejected' });
      claim
        .given([submitted(), withdrawn])
        .when(approve('carol', ['manager']))
        .thenThrows('CLAIM.CLOSED', { status: 'withdrawn' });
    });
  });

  describe('RejectClaim', () => {
    it('records the rejection at the pending level', () => {
      claim
        .given([threeLevels, levelApproved('manager', 0, 'bob')])
        .when(reject('carol', ['finance'], '  Over budget  '))
        .then([
          {
            type: 'ClaimRejected',
            data: {
              claimId: 'claim-1',
              level: 'finance',
              levelIndex: 1,
              rejectedBy: 'carol',
              reason: 'Over budget',
            },
          },
        ]);
    });

    it('refuses the claimant', () => {
      claim
        .given([submitted()])
        .when(reject(CLAIMANT, ['manager']))
        .thenThrows('CLAIM.SELF_APPROVAL');
    });

    it('refuses someone without the pending level role', () => {
      claim
        .given([submitted()])
        .when(reject('carol', ['finance']))
        .thenThrows('CLAIM.APPROVER_ROLE_REQUIRED');
    });

    it('refuses an approver of an earlier level', () => {
      claim
        .given([threeLevels, levelApproved('manager', 0, 'bob')])
        .when(reject('bob', ['finance']))
        .thenThrows('CLAIM.LEVEL_ALREADY_APPROVED_BY_ACTOR');
    });

    it('refuses a rejection without a reason', () => {
      claim
        .given([submitted()])
        .when(reject('bob', ['manager'], ' '))
        .thenThrows('CLAIM.INVALID_FIELD', { field: 'reason' });
    });

    it('refuses an unknown or an approved claim', () => {
      claim
        .given([])
        .when(reject('bob', ['manager']))
        .thenThrows('CLAIM.NOT_FOUND');
      claim
        .given(approvedClaim)
        .when(reject('carol', ['manager']))
        .thenThrows('CLAIM.ALREADY_APPROVED');
    });
  });

  describe('WithdrawClaim', () => {
    it('lets the claimant withdraw before any approval', () => {
      claim
        .given([threeLevels])
        .when(withdraw(CLAIMANT, 'Booked twice'))
        .then([
          {
            type: 'ClaimWithdrawn',
            data: { claimId: 'claim-1', withdrawnBy: CLAIMANT, reason: 'Booked twice' },
          },
        ]);
      claim
        .given([threeLevels])
        .when(withdraw())
        .then([{ type: 'ClaimWithdrawn', data: { claimId: 'claim-1', withdrawnBy: CLAIMANT } }]);
    });

    it('refuses anyone but the claimant', () => {
      claim.given([submitted()]).when(withdraw('bob')).thenThrows('CLAIM.NOT_CLAIMANT');
    });

    it('refuses once a level is approved', () => {
      claim
        .given([threeLevels, levelApproved('manager', 0, 'bob')])
        .when(withdraw())
        .thenThrows('CLAIM.WITHDRAWAL_AFTER_APPROVAL');
    });

    it('refuses an unknown, approved or already withdrawn claim', () => {
      claim.given([]).when(withdraw()).thenThrows('CLAIM.NOT_FOUND');
      claim.given(approvedClaim).when(withdraw()).thenThrows('CLAIM.ALREADY_APPROVED');
      claim
        .given([submitted(), { type: 'ClaimWithdrawn', data: { claimId: 'claim-1', withdrawnBy: CLAIMANT } }])
        .when(withdraw())
        .thenThrows('CLAIM.CLOSED');
    });
  });

  describe('MarkClaimPaymentDispatched', () => {
    it('records the payment of an approved claim', () => {
      claim.given(approvedClaim).when(markDispatched()).then([dispatched]);
    });

    it('is idempotent for the same payment', () => {
      claim
        .given([...approvedClaim, dispatched])
        .when(markDispatched())
        .then([]);
    });

    it('refuses a second payment for the claim', () => {
      claim
        .given([...approvedClaim, dispatched])
        .when(markDispatched('pay-2'))
        .thenThrows('PAYMENT.ALREADY_DISPATCHED', { paymentId: 'pay-1' });
    });

    it('refuses a claim not approved yet', () => {
      claim.given([submitted()]).when(markDispatched()).thenThrows('CLAIM.NOT_APPROVED');
    });

    it('refuses an unknown claim', () => {
      claim.given([]).when(markDispatched()).thenThrows('CLAIM.NOT_FOUND');
    });

    it('refuses a cancelled claim', () => {
      const cancelled: ClaimEvent = {
        type: 'ClaimPaymentCancelled',
        data: { claimId: 'claim-1', paymentId: 'pay-1', cancelledBy: 'trent', reason: 'closed' },
      };
      claim
        .given([...approvedClaim, dispatched, cancelled])
        .when(markDispatched('pay-2'))
        .thenThrows('CLAIM.CLOSED');
    });

    it('refuses the claimant as treasurer, and a non-treasurer', () => {
      claim
        .given(approvedClaim)
        .when(markDispatched('pay-1', CLAIMANT))
        .thenThrows('PAYMENT.TREASURER_IS_CLAIMANT');
      claim
        .given(approvedClaim)
        .when(markDispatched('pay-1', 'bob', ['manager']))
        .thenThrows('PAYMENT.TREASURER_ROLE_REQUIRED');
    });

    it('refuses an invalid payment id', () => {
      claim
        .given(approvedClaim)
        .when(markDispatched(''))
        .thenThrows('CLAIM.INVALID_FIELD', { field: 'paymentId' });
    });
  });

  describe('MarkClaimPaymentCancelled', () => {
    const cancelled: ClaimEvent = {
      type: 'ClaimPaymentCancelled',
      data: { claimId: 'claim-1', paymentId: 'pay-1', cancelledBy: 'trent', reason: 'Payee account closed' },
    };

    it('ends the claim as cancelled', () => {
      claim
        .given([...approvedClaim, dispatched])
        .when(markCancelled())
        .then([cancelled]);
    });

    it('is idempotent', () => {
      claim
        .given([...approvedClaim, dispatched, cancelled])
        .when(markCancelled())
        .then([]);
    });

    it('records that the invoice stays held when the payment may have been executed', () => {
      const held: ClaimEvent = { ...cancelled, data: { ...cancelled.data, invoiceHeld: true } } as ClaimEvent;
      claim
        .given([...approvedClaim, dispatched])
        .when(markCancelled('pay-1', ['treasurer'], true))
        .then([held]);
      const { evolve, initialState } = claimDecider;
      expect([...approvedClaim, dispatched, held].reduce(evolve, initialState())).toMatchObject({
        status: 'cancelled',
        invoiceHeld: true,
      });
      const freed = [...approvedClaim, dispatched, cancelled].reduce(evolve, initialState());
      expect(freed).toMatchObject({ status: 'cancelled', invoiceHeld: false });
      expect(releasesInvoice(freed)).toBe(true);
      expect(releasesInvoice([...approvedClaim, dispatched, held].reduce(evolve, initialState()))).toBe(
        false,
      );
      // A claim still open holds its invoice too.
      expect(releasesInvoice([...approvedClaim, dispatched].reduce(evolve, initialState()))).toBe(false);
    });

    it('refuses another payment id', () => {
      claim
        .given([...approvedClaim, dispatched])
        .when(markCancelled('pay-9'))
        .thenThrows('CLAIM.PAYMENT_MISMATCH');
    });

    it('refuses a claim with no payment in flight', () => {
      claim.given(approvedClaim).when(markCancelled()).thenThrows('CLAIM.PAYMENT_NOT_DISPATCHED');
      claim.given([]).when(markCancelled()).thenThrows('CLAIM.NOT_FOUND');
    });

    it('refuses a non-treasurer', () => {
      claim
        .given([...approvedClaim, dispatched])
        .when(markCancelled('pay-1', ['manager']))
        .thenThrows('PAYMENT.TREASURER_ROLE_REQUIRED');
    });
  });

  describe('evolve', () => {
    it('ends in the status of the last event', () => {
      const { evolve, initialState } = claimDecider;
      const state = [...approvedClaim, dispatched].reduce(evolve, initialState());
      expect(state).toMatchObject({
        status: 'payment_dispatched',
        paymentId: 'pay-1',
        approvals: [{ level: 'manager', approvedBy: 'bob' }],
      });
    });
  });
});
