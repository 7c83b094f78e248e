import { RecordedEvent } from '@ledger/events';
import { Projection, ReadModelDocument } from '../../projection';
import { known, normalisedMoney } from '../shared';

export const APPROVALS = 'approvals';

export type ApprovalStatus = 'pending' | 'approved' | 'rejected' | 'withdrawn';

export interface ApprovalStep {
  readonly level: string;
  readonly levelIndex: number;
  readonly approvedBy: string;
  readonly at: string;
  readonly comment?: string;
}

/**
 * `approvals/<claimId>`: the approval queue. Pending claims are queued per `pendingRole` (a level is named
 * by its role); their age is now − `since`, computed when the queue is read.
 */
export interface ApprovalDocument extends ReadModelDocument {
  readonly claimId: string;
  readonly claimant: string;
  readonly payeeName: string;
  readonly amount: { readonly value: string; readonly currency: string };
  readonly costCenter: string;
  readonly category: string;
  readonly description: string;
  readonly invoiceNumber: string | null;
  readonly status: ApprovalStatus;
  readonly requiredLevels: readonly string[];
  readonly approvals: readonly ApprovalStep[];
  /** The level under review (its role name) while pending, else null. */
  readonly pendingLevel: string | null;
  readonly pendingRole: string | null;
  /** 0-based index in `requiredLevels` of the level under review, or reached when decided. */
  readonly levelIndex: number;
  /** When the current level became pending, or when the claim was decided. */
  readonly since: string;
  readonly submittedAt: string;
  readonly decidedAt?: string;
  /** Who rejected or withdrew it, and why. */
  readonly decidedBy?: string;
  readonly reason?: string;
}

type WorkingApproval = { -readonly [K in keyof ApprovalDocument]: ApprovalDocument[K] };

/** Changed in place by each decision; its arrays are replaced, never changed, so a shallow copy is a snapshot. */
export const approvalsProjection: Projection = {
  name: 'approvals',
  collections: [APPROVALS],
  handles: ['ClaimSubmitted', 'ClaimLevelApproved', 'ClaimApproved', 'ClaimRejected', 'ClaimWithdrawn'],
  metadata: ['occurredAt'],

  touches(event) {
    return [{ collection: APPROVALS, id: (event.data as { readonly claimId: string }).claimId }];
  },

  apply(document, event) {
    return nextApproval(document as WorkingApproval | undefined, event);
  },

  working: {
    fromStored: (stored) => stored,
    toStored: (working) => ({ ...working }),
  },
};

function nextApproval(doc: WorkingApproval | undefined, event: RecordedEvent): ApprovalDocument | null {
  const at = event.metadata.occurredAt;
  const e = known(event);
  if (e.type === 'ClaimSubmitted') {
    if (doc !== undefined) return doc;
    const d = e.data;
    const first = d.requiredLevels[0] ?? null;
    return {
      _id: d.claimId,
      claimId: d.claimId,
      claimant: d.claimant,
      payeeName: d.payee.name,
      amount: normalisedMoney(d.amount),
      costCenter: d.costCenter,
      category: d.category,
      description: d.description,
      invoiceNumber: d.invoiceNumber ?? null,
      status: 'pending',
      requiredLevels: [...d.requiredLevels],
      approvals: [],
      pendingLevel: first,
      pendingRole: first,
      levelIndex: 0,
      since: at,
      submittedAt: at,
    };
  }
  // Decisions on a claim this model never saw submitted have nothing to update.
  if (doc === undefined) return null;
  if (doc.status !== 'pending') return doc;
  switch (e.type) {
    case 'ClaimLevelApproved': {
      const { level, levelIndex, approvedBy, comment } = e.data;
      if (levelIndex !== doc.levelIndex) return doc; // a level already recorded
      const next = doc.requiredLevels[levelIndex + 1] ?? null;
      doc.approvals = [
        ...doc.approvals,
        { level, levelIndex, approvedBy, at, ...(comment !== undefined ? { comment } : {}) },
      ];
      doc.pendingLevel = next;
      doc.pendingRole = next;
      doc.levelIndex = levelIndex + 1;
      doc.since = at;
      return doc;
    }
    case 'ClaimApproved':
      doc.status = 'approved';
      decided(doc, at);
      doc.levelIndex = doc.requiredLevels.length;
      return doc;
    case 'ClaimRejected':
      doc.status = 'rejected';
      decided(doc, at);
      doc.levelIndex = e.data.levelIndex;
      doc.decidedBy = e.data.rejectedBy;
      doc.reason = e.data.reason;
      return doc;
    case 'ClaimWithdrawn':
      doc.status = 'withdrawn';
      decided(doc, at);
      doc.decidedBy = e.data.withdrawnBy;
      if (e.data.reason !== undefined) doc.reason = e.data.reason;
      return doc;
    default:
      return doc;
  }
}

function decided(doc: WorkingApproval, at: string): void {
  doc.pendingLevel = null;
  doc.pendingRole = null;
  doc.since = at;
  doc.decidedAt = at;
}
