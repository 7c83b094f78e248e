import { Inject, Injectable } from '@nestjs/common';
import { addDays, CheckedStatement, LedgerAccountState, LedgerPayment } from '@ledger/domain';
import {
  DocumentRef,
  documentKey,
  PaymentDocument,
  PAYMENTS,
  READ_STORE,
  ReadStore,
  RECONCILIATION_ACCOUNTS,
  RECONCILIATION_PAYMENTS,
  ReconciliationAccountDocument,
  reconciliationAccountId,
  ReconciliationPaymentDocument,
} from '@ledger/projections';
import { findAllDocuments } from '@ledger/infra';

const LOAD_CHUNK = 500;
const UUID_HEX = /^[0-9a-f]{32}$/i;

/**
 * What reconciliation knows of the ledger, read from the read models: the account's last balance comparison
 * (`reconciliation_accounts`), the payments debited from it (`payments`) and what earlier statements did with
 * them (`reconciliation_payments`). Read models are eventually consistent: a settlement the payments
 * projection has not applied yet is not a candidate (its entry stays unmatched, and the next statement
 * counts it); the reconciliation service waits for its own read model before it reads (see there).
 */
@Injectable()
export class ReconciliationLedgerReader {
  constructor(@Inject(READ_STORE) private readonly store: ReadStore) {}

  async accountState(accountLabel: string, currency: string): Promise<LedgerAccountState> {
    const doc = (await this.store.get(
      RECONCILIATION_ACCOUNTS,
      reconciliationAccountId(accountLabel, currency),
    )) as ReconciliationAccountDocument | undefined;
    if (doc === undefined) return {};
    const previous = doc.lastComparison;
    return {
      ...(doc.reconciledSince !== undefined ? { reconciledSince: doc.reconciledSince } : {}),
      ...(previous !== undefined
        ? {
            previous: {
              statementId: previous.statementId,
              periodEnd: previous.periodEnd,
              statementClosing: { value: previous.statementClosing, currency },
              ledgerClosing: { value: previous.ledgerClosing, currency },
              difference: { value: previous.difference, currency },
            },
          }
        : {}),
    };
  }

  /**
   * The account's settled and returned payments changed since `lookbackDays` before the period start, and
   * every payment an end-to-end id of the statement names (of whatever account or status, so the matcher can
   * say why it does not fit).
   */
  async payments(statement: CheckedStatement, lookbackDays: number): Promise<LedgerPayment[]> {
    const since = `${addDays(statement.periodStart, -lookbackDays)}T00:00:00.000Z`;
    const documents = new Map<string, PaymentDocument>();
    const ofAccount = await findAllDocuments(this.store, PAYMENTS, {
      where: {
        debtorAccountLabel: statement.accountLabel,
        status: { in: ['settled', 'returned'] },
        updatedAt: { gte: since },
      },
    });
    for (const doc of ofAccount) documents.set(doc._id, doc as PaymentDocument);
    const named = new Set<string>();
    for (const line of statement.lines) {
      if (line.endToEndId === undefined) continue;
      named.add(line.endToEndId);
      if (UUID_HEX.test(line.endToEndId)) named.add(dashed(line.endToEndId.toLowerCase()));
    }
    const missing = [...named].filter((id) => !documents.has(id));
    for (const doc of await this.load(PAYMENTS, missing)) documents.set(doc._id, doc as PaymentDocument);
    const facts = new Map<string, ReconciliationPaymentDocument>();
    for (const doc of await this.load(RECONCILIATION_PAYMENTS, [...documents.keys()])) {
      facts.set(doc._id, doc as ReconciliationPaymentDocument);
    }
    return [...documents.values()].map((doc) => ledgerPayment(doc, facts.get(doc._id)));
  }

  private async load(collection: string, ids: readonly string[]) {
    const found = [];
    for (let i = 0; i < ids.length; i += LOAD_CHUNK) {
      const refs: DocumentRef[] = ids.slice(i, i + LOAD_CHUNK).map((id) => ({ collection, id }));
      const loaded = await this.store.load(refs);
      for (const ref of refs) {
        const doc = loaded.get(documentKey(ref));
        if (doc !== undefined) found.push(doc);
      }
    }
    return found;
  }
}

/** The payment as the matcher sees it: the dates are the calendar days (UTC) the ledger recorded each leg. */
export function ledgerPayment(
  doc: PaymentDocument,
  facts: ReconciliationPaymentDocument | undefined,
): LedgerPayment {
  const dateOf = (status: 'settled' | 'returned') =>
    doc.timeline
      .filter((entry) => entry.status === status && entry.attempt === doc.attempt)
      .at(-1)
      ?.at.slice(0, 10);
  const settledOn = dateOf('settled');
  const returnedOn = dateOf('returned');
  return {
    paymentId: doc.paymentId,
    claimId: doc.claimId,
    status: doc.status,
    debtorAccountLabel: doc.debtorAccountLabel,
    creditorAccountLabel: doc.payeeAccountLabel,
    amount: doc.amount,
    ...(settledOn !== undefined ? { settledOn } : {}),
    ...(returnedOn !== undefined ? { returnedOn } : {}),
    ...(facts?.settlementMatchedIn !== undefined ? { settlementMatchedIn: facts.settlementMatchedIn } : {}),
    ...(facts?.returnMatchedIn !== undefined ? { returnMatchedIn: facts.returnMatchedIn } : {}),
    ...(facts?.settlementCountedIn !== undefined ? { settlementCountedIn: facts.settlementCountedIn } : {}),
    ...(facts?.returnCountedIn !== undefined ? { returnCountedIn: facts.returnCountedIn } : {}),
    ...(facts?.missingReportedIn !== undefined ? { missingReportedIn: facts.missingReportedIn } : {}),
  };
}

function dashed(hex: string): string {
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
