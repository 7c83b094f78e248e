import { ReadModelDocument } from '../../projection';
import { decimal, minorUnits } from '../shared';

export interface LedgerTrialBalance {
  readonly ledger: string;
  readonly debitsPending: string;
  readonly creditsPending: string;
  readonly debitsPosted: string;
  readonly creditsPosted: string;
  /** Σ debits = Σ credits, pending and posted separately. */
  readonly balanced: boolean;
}

/** The trial balance of every ledger found among `accounts` (documents of `balances_accounts`), by ledger. */
export function trialBalance(accounts: readonly ReadModelDocument[]): LedgerTrialBalance[] {
  const totals = new Map<string, { dPending: bigint; cPending: bigint; dPosted: bigint; cPosted: bigint }>();
  for (const account of accounts) {
    const ledger = String(account.ledger);
    const sum = totals.get(ledger) ?? { dPending: 0n, cPending: 0n, dPosted: 0n, cPosted: 0n };
    const units = (field: string) => minorUnits(String(account[field]), ledger);
    sum.dPending += units('debitsPending');
    sum.cPending += units('creditsPending');
    sum.dPosted += units('debitsPosted');
    sum.cPosted += units('creditsPosted');
    totals.set(ledger, sum);
  }
  return [...totals.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([ledger, sum]) => ({
      ledger,
      debitsPending: decimal(sum.dPending, ledger),
      creditsPending: decimal(sum.cPending, ledger),
      debitsPosted: decimal(sum.dPosted, ledger),
      creditsPosted: decimal(sum.cPosted, ledger),
      balanced: sum.dPending === sum.cPending && sum.dPosted === sum.cPosted,
    }));
}
