import { RecordedEvent } from '@ledger/events';
import { DocumentRef, Projection, ReadModelDocument } from '../../projection';
import { alreadyApplied, decimal, loadedDocument, minorUnits } from '../shared';
import {
  accountDocumentId,
  accountType,
  AccountType,
  isDebitNormal,
  parseAccountDocumentId,
} from './chart-of-accounts';
import { claimIdOf, ClaimFactsDocument, rememberedStep, TransferJson, transfersOf } from './transfers';

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
  'PaymentDispatchFailed',
  'PaymentReturned',
  'PaymentCancelled',
] as const;

/**
 * An account while the projector works on it: amounts in minor units, changed in place by every event
 * that moves it, and written as decimal strings only when it is stored.
 */
interface WorkingAccount extends ReadModelDocument {
  readonly ledger: string;
  readonly account: string;
  readonly type: AccountType;
  debitsPending: bigint;
  debitsPosted: bigint;
  creditsPending: bigint;
  creditsPosted: bigint;
  entries: number;
}

/**
 * Double-entry balances, one ledger per currency. Every event that moves money makes balanced transfers
 * (see `balanceStep`), so each ledger's debits equal its credits, pending and posted separately, after
 * every event. The claim's facts document is read through `related`: it is named by the event (its claim
 * id), and it names the accounts the event moves, hence the two-step `touches`. Facts are replaced, never
 * changed in place, so `related` keeps showing them as they were before the event; accounts are changed
 * in place in their working form.
 */
export const balancesProjection: Projection = {
  name: 'balances',
  // Accounts first: once a facts document is written, so are the accounts its events moved.
  collections: [BALANCES_ACCOUNTS, BALANCES_CLAIMS],
  handles: HANDLES,
  // Reads no metadata: amounts and accounts are all in the events' data.
  metadata: [],

  touches(event, loaded) {
    const factsRef = claimFactsRef(event);
    if (loaded === undefined) return [factsRef];
    const facts = loadedDocument<ClaimFactsDocument>(loaded, factsRef);
    const refs: DocumentRef[] = [factsRef];
    for (const transfer of transfersOf(event, facts)) {
      for (const account of [transfer.debitAccount, transfer.creditAccount]) {
        const id = accountDocumentId(transfer.ledger, account);
        if (!refs.some((ref) => ref.id === id && ref.collection === BALANCES_ACCOUNTS))
          refs.push({ collection: BALANCES_ACCOUNTS, id });
      }
    }
    return refs;
  },

  apply(document, event, ref, related) {
    if (ref.collection === BALANCES_CLAIMS) return applyToFacts(document as ClaimFactsDocument, event);
    if (ref.collection !== BALANCES_ACCOUNTS) return document ?? null;
    if (related === undefined) {
      throw new TypeError('balances: the projector must pass the related documents to apply');
    }
    const facts = loadedDocument<ClaimFactsDocument>(related, claimFactsRef(event));
    if (alreadyApplied(facts, event)) return document ?? null;
    const { transfers, units } = rememberedStep(facts, event);
    return post(document as WorkingAccount | undefined, ref.id, transfers, units);
  },

  working: {
    fromStored(stored, ref) {
      if (ref.collection !== BALANCES_ACCOUNTS) return stored;
      const account = stored as AccountDocument;
      const amount = (value: string) => minorUnits(value, account.ledger);
      const working: WorkingAccount = {
        _id: account._id,
        ledger: account.ledger,
        account: account.account,
        type: account.type,
        debitsPending: amount(account.debitsPending),
        debitsPosted: amount(account.debitsPosted),
        creditsPending: amount(account.creditsPending),
        creditsPosted: amount(account.creditsPosted),
        entries: account.entries,
        ...(account.lastPosition === undefined ? {} : { lastPosition: account.lastPosition }),
      };
      return working;
    },
    toStored(working, ref) {
      if (ref.collection !== BALANCES_ACCOUNTS) return working;
      return accountDocument(working as WorkingAccount);
    },
  },
};

function claimFactsRef(event: RecordedEvent): DocumentRef {
  return { collection: BALANCES_CLAIMS, id: claimIdOf(event) };
}

function applyToFacts(facts: ClaimFactsDocument | undefined, event: RecordedEvent): ClaimFactsDocument {
  if (facts !== undefined && alreadyApplied(facts, event)) return facts;
  return rememberedStep(facts, event).next;
}

/** Posts to `account` (changed in place; created when undefined) the transfers that touch it. */
function post(
  account: WorkingAccount | undefined,
  id: string,
  transfers: readonly TransferJson[],
  units: readonly bigint[],
): WorkingAccount | null {
  let working = account;
  for (let i = 0; i < transfers.length; i++) {
    const transfer = transfers[i];
    working ??= newAccount(id);
    if (transfer.ledger !== working.ledger) continue;
    const [pending, posted] = movement(transfer, units[i]);
    if (transfer.debitAccount === working.account) {
      working.debitsPending += pending;
      working.debitsPosted += posted;
      working.entries += 1;
    }
    if (transfer.creditAccount === working.account) {
      working.creditsPending += pending;
      working.creditsPosted += posted;
      working.entries += 1;
    }
  }
  // An account no transfer moved is not created.
  return working === undefined || (account === undefined && working.entries === 0)
    ? (account ?? null)
    : working;
}

function newAccount(id: string): WorkingAccount {
  const { ledger, account } = parseAccountDocumentId(id);
  return {
    _id: id,
    ledger,
    account,
    type: accountType(account),
    debitsPending: 0n,
    debitsPosted: 0n,
    creditsPending: 0n,
    creditsPosted: 0n,
    entries: 0,
  };
}

function accountDocument(working: WorkingAccount): AccountDocument {
  const { ledger, type, debitsPending, debitsPosted, creditsPending, creditsPosted } = working;
  const normal = (debits: bigint, credits: bigint) =>
    isDebitNormal(type) ? debits - credits : credits - debits;
  return {
    _id: working._id,
    ledger,
    account: working.account,
    type,
    debitsPending: decimal(debitsPending, ledger),
    debitsPosted: decimal(debitsPosted, ledger),
    creditsPending: decimal(creditsPending, ledger),
    creditsPosted: decimal(creditsPosted, ledger),
    net: decimal(normal(debitsPending + debitsPosted, creditsPending + creditsPosted), ledger),
    netPosted: decimal(normal(debitsPosted, creditsPosted), ledger),
    entries: working.entries,
    ...(working.lastPosition === undefined ? {} : { lastPosition: working.lastPosition }),
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
