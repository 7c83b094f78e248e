import { claim } from '../testing/fixtures';
import { History, instant } from '../testing/history';
import { collection, projectAll } from '../testing/in-memory-runner';
import { APPROVALS, approvalsProjection } from './approvals.projection';

const T0 = instant(9 * 3600);
const T1 = instant(10 * 3600);
const T2 = instant(11 * 3600);

function submitted(history = new History()): History {
  history.add(
    {
      type: 'ClaimSubmitted',
      data: claim({ amount: { value: '7.5', currency: 'EUR' }, requiredLevels: ['manager', 'finance'] }),
    },
    { at: T0 },
  );
  return history;
}

const approvals = (history: History) =>
  projectAll(approvalsProjection, history.events).get(`${APPROVALS}/claim-1`);

describe('approvalsProjection', () => {
  it('queues a submitted claim at its first level, since its submission', () => {
    expect(approvals(submitted())).toStrictEqual({
      _id: 'claim-1',
      claimId: 'claim-1',
      claimant: 'alice',
      payeeName: 'Alice Martin',
      amount: { value: '7.50', currency: 'EUR' },
      costCenter: 'CC-100',
      category: 'travel',
      description: 'Train to Lyon',
      invoiceNumber: 'INV-1',
      status: 'pending',
      requiredLevels: ['manager', 'finance'],
      approvals: [],
      pendingLevel: 'manager',
      pendingRole: 'manager',
      levelIndex: 0,
      since: T0,
      submittedAt: T0,
      lastPosition: 107,
    });
  });

  it('moves the claim to the next level, restarting its age, then approves it', () => {
    const history = submitted();
    const level = { claimId: 'claim-1', level: 'manager', levelIndex: 0, approvedBy: 'mona', comment: 'ok' };
    history.add({ type: 'ClaimLevelApproved', data: level }, { at: T1 });
    history.add({ type: 'ClaimLevelApproved', data: level }, { at: T1 }); // a level recorded twice
    expect(approvals(history)).toMatchObject({
      status: 'pending',
      pendingLevel: 'finance',
      pendingRole: 'finance',
      levelIndex: 1,
      since: T1,
      submittedAt: T0,
      approvals: [{ level: 'manager', levelIndex: 0, approvedBy: 'mona', at: T1, comment: 'ok' }],
    });
    history.add(
      {
        type: 'ClaimLevelApproved',
        data: { claimId: 'claim-1', level: 'finance', levelIndex: 1, approvedBy: 'fay' },
      },
      { at: T2 },
    );
    history.add(
      {
        type: 'ClaimApproved',
        data: {
          claimId: 'claim-1',
          approvals: [
            { level: 'manager', approvedBy: 'mona' },
            { level: 'finance', approvedBy: 'fay' },
          ],
        },
      },
      { at: T2 },
    );
    const approved = approvals(history);
    expect(approved).toMatchObject({
      status: 'approved',
      pendingLevel: null,
      pendingRole: null,
      levelIndex: 2,
      decidedAt: T2,
    });
    expect(approved?.approvals).toHaveLength(2);
  });

  it('records a rejection at the level under review, and ignores later decisions', () => {
    const history = submitted();
    history.add(
      {
        type: 'ClaimRejected',
        data: {
          claimId: 'claim-1',
          level: 'manager',
          levelIndex: 0,
          rejectedBy: 'mona',
          reason: 'no receipt',
        },
      },
      { at: T1 },
    );
    history.add({ type: 'ClaimWithdrawn', data: { claimId: 'claim-1', withdrawnBy: 'alice' } }, { at: T2 });
    expect(approvals(history)).toMatchObject({
      status: 'rejected',
      pendingLevel: null,
      levelIndex: 0,
      decidedAt: T1,
      decidedBy: 'mona',
      reason: 'no receipt',
    });
  });

  it('records a withdrawal', () => {
    const history = submitted();
    history.add(
      { type: 'ClaimWithdrawn', data: { claimId: 'claim-1', withdrawnBy: 'alice', reason: 'duplicate' } },
      { at: T1 },
    );
    expect(approvals(history)).toMatchObject({
      status: 'withdrawn',
      pendingRole: null,
      decidedAt: T1,
      decidedBy: 'alice',
      reason: 'duplicate',
    });
  });

  it('lets the queue of one role be read off the documents', () => {
    const history = submitted();
    history.add({ type: 'ClaimSubmitted', data: claim({ claimId: 'claim-2', requiredLevels: ['finance'] }) });
    history.add({ type: 'ClaimSubmitted', data: claim({ claimId: 'claim-3', invoiceNumber: undefined }) });
    const store = projectAll(approvalsProjection, history.events);
    const queue = collection(store, APPROVALS)
      .filter((doc) => doc.status === 'pending' && doc.pendingRole === 'manager')
      .map((doc) => [doc._id, doc.invoiceNumber]);
    expect(queue).toEqual([
      ['claim-1', 'INV-1'],
      ['claim-3', null],
    ]);
  });

  it('creates nothing for a decision on a claim it never saw', () => {
    const history = new History();
    history.add({ type: 'ClaimApproved', data: { claimId: 'claim-9', approvals: [] } });
    expect(projectAll(approvalsProjection, history.events).size).toBe(0);
  });
});
