import { RecordedEvent } from '@ledger/events';
import { DocumentRef, Projection, ReadModelDocument } from '../../projection';
import { alreadyApplied, decimal, distinctRefs, loadedDocument, minorUnits } from '../shared';
import {
  accountDocumentId,
  accountType,
  AccountType,
  isDebitNormal,
  parseAccountDocumentId,
} from './chart-of-accounts';
import { balanceStep, claimIdOf, ClaimFactsDocument, TransferJson, transfersOf } from './transfers';

export const BALANCES_ACCOUNTS = 'balances_accounts';
export const BALANCES_CLAIMS = 'balances_claims';

/** `balances_accounts/<ledger>:<account>`; amounts are decimal strings in the ledger's currency. */
export interface AccountDocument extends ReadModelDocument {
  readonly ledger: string;
  readonly account: string;
  readonly type: AccountType;
  readonly debitsPending: string;
  readonly debitsPosted: string;
  readonly creditsPending: string;
  readonly creditsPosted: string;
  /**
   * The balance on the account's normal side (debits − credits for expense and asset accounts, credits −
   * debits for liabilities), pending transfers counted as if they will post. Negative on a bank account
   * that only pays out.
   */
  readonly net: string;
  /** The same, posted transfers only. */
  readonly netPosted: string;
  /** How many transfers touched the account (posting or voiding a pending transfer counts as one more). */
  readonly entries: number;
}

const HANDLES = [
  'ClaimSubmitted',
  'ClaimApproved',
  'PaymentDispatched',
  'PaymentRedispatched',
  'PaymentSettled',
  'PaymentRejectedByBank',
  'PaymentReturned',
  'PaymentCancelled',
] as const;

/**
 * Double-entry balances, one ledger per currency. Every event that moves money makes balanced transfers
 * (see `balanceStep`), so each ledger's debits equal its credits, pending and posted separately, after
 * every event. The claim's facts document is read through `related`: it is named by the event (its claim
 * id), and it names the accounts the event moves, hence the two-step `touches`.
 */
export const balancesProjection: Projection = {
  name: 'balances',
  collections: [BALANCES_ACCOUNTS, BALANCES_CLAIMS],
  handles: HANDLES,

  touches(event, loaded) {
    const factsRef = claimFactsRef(event);
    if (loaded === undefined) return [factsRef];
    const facts = loadedDocument<ClaimFactsDocument>(loaded, factsRef);
    const accounts = transfersOf(event, facts).flatMap((transfer) =>
      [transfer.debitAccount, transfer.creditAccount].map((account) => ({
        collection: BALANCES_ACCOUNTS,
        id: accountDocumentId(transfer.ledger, account),
      })),
    );
    return distinctRefs([factsRef, ...accounts]);
  },

  apply(document, event, ref, related) {
    if (ref.collection === BALANCES_CLAIMS) return applyToFacts(document as ClaimFactsDocument, event);
    if (ref.collection !== BALANCES_ACCOUNTS) return document ?? null;
    if (related === undefined) {
      throw new TypeError('balances: the projector must pass the related documents to apply');
    }
    const facts = loadedDocument<ClaimFactsDocument>(related, claimFactsRef(event));
    return postTransfers(document as AccountDocument | undefined, ref.id, transfersOf(event, facts));
  },
};

function claimFactsRef(event: RecordedEvent): DocumentRef {
  return { collection: BALANCES_CLAIMS, id: claimIdOf(event) };
}

function applyToFacts(facts: ClaimFactsDocument | undefined, event: RecordedEvent): ClaimFactsDocument {
  if (facts !== undefined && alreadyApplied(facts, event)) return facts;
  const { next, transfers } = balanceStep(facts, event);
  if (transfers.length === 0) return next;
  const entry = {
    position: event.position.toString(),
    type: event.type,
    at: event.metadata.occurredAt,
    transfers,
  };
  return { ...next, journal: [...next.journal, entry] };
}

/** The account after the transfers that touch it; the others are for other accounts of the event. */
export function postTransfers(
  document: AccountDocument | undefined,
  id: string,
  transfers: readonly TransferJson[],
): AccountDocument | null {
  const { ledger, account } = parseAccountDocumentId(id);
  const amount = (value: string | undefined) => (value === undefined ? 0n : minorUnits(value, ledger));
  let debitsPending = amount(document?.debitsPending);
  let debitsPosted = amount(document?.debitsPosted);
  let creditsPending = amount(document?.creditsPending);
  let creditsPosted = amount(document?.creditsPosted);
  let entries = document?.entries ?? 0;
  for (const transfer of transfers) {
    if (transfer.ledger !== ledger) continue;
    const sides = [
      transfer.debitAccount === account ? ('debit' as const) : undefined,
      transfer.creditAccount === account ? ('credit' as const) : undefined,
    ];
    for (const side of sides) {
      if (side === undefined) continue;
      const units = minorUnits(transfer.amount, ledger);
      const [pending, posted] = movement(transfer, units);
      if (side === 'debit') {
        debitsPending += pending;
        debitsPosted += posted;
      } else {
        creditsPending += pending;
        creditsPosted += posted;
      }
      entries += 1;
    }
  }
  if (entries === (document?.entries ?? 0)) return document ?? null;
  const type = accountType(account);
  const normal = (debits: bigint, credits: bigint) =>
    isDebitNormal(type) ? debits - credits : credits - debits;
  return {
    ...document,
    _id: id,
    ledger,
    account,
    type,
    debitsPending: decimal(debitsPending, ledger),
    debitsPosted: decimal(debitsPosted, ledger),
    creditsPending: decimal(creditsPending, ledger),
    creditsPosted: decimal(creditsPosted, ledger),
    net: decimal(normal(debitsPending + debitsPosted, creditsPending + creditsPosted), ledger),
    netPosted: decimal(normal(debitsPosted, creditsPosted), ledger),
    entries,
  };
}

/** How a transfer changes one side's [pending, posted] amounts. */
function movement(transfer: TransferJson, units: bigint): [bigint, bigint] {
  switch (transfer.kind) {
    case 'posted':
      return [0n, units];
    case 'pending':
      return [units, 0n];
    case 'post_pending':
      return [-units, units];
    case 'void_pending':
      return [-units, 0n];
  }
}
