import { MoneyJson } from '../money';
import { Upcaster, Upcasters } from '../upcasting';
import { ClaimSubmittedData } from './claim-events';

/** `ClaimSubmitted` as the pilot wrote it (schema version 1): a flat payee. */
export interface ClaimSubmittedV1Data {
  readonly claimId: string;
  readonly claimant: string;
  readonly payeeName: string;
  readonly payeeIban: string;
  readonly amount: MoneyJson;
  readonly costCenter: string;
  readonly category: string;
  readonly description: string;
  readonly invoiceNumber?: string;
  readonly requiredLevels: readonly string[];
}

/**
 * v1 → v2: nest the payee as `{ name, account: { iban } }`. The IBAN is copied as stored, not normalised:
 * an upcaster reshapes, it does not rewrite history. v1 claims reserved no duplicate guard, so v2's
 * `duplicateGuardKey` stays absent.
 */
export const claimSubmittedV1ToV2: Upcaster = {
  type: 'ClaimSubmitted',
  fromVersion: 1,
  upcast(data: unknown): ClaimSubmittedData {
    const { payeeName, payeeIban, invoiceNumber, ...rest } = data as ClaimSubmittedV1Data;
    return {
      claimId: rest.claimId,
      claimant: rest.claimant,
      payee: { name: payeeName, account: { iban: payeeIban } },
      amount: rest.amount,
      costCenter: rest.costCenter,
      category: rest.category,
      description: rest.description,
      ...(invoiceNumber !== undefined && invoiceNumber !== null ? { invoiceNumber } : {}),
      requiredLevels: rest.requiredLevels,
    };
  },
};

/** Every upcaster of the ledger's events; the event store reader runs each event read through it. */
export const ledgerUpcasters = new Upcasters([claimSubmittedV1ToV2]);
