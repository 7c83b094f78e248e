import { AccountJson, accountLabel } from '@ledger/events';
import { Iso20022Error } from '../iso20022.error';
import { BookedEntry, EntryTransaction, PartyAccount } from '../messages';
import { accountElement, agentElement, knowsAgent, partyName, readAccount } from './accounts';
import { amountText, paymentAmount, readAmount } from './amounts';
import { code, datePart, fitText, identifier, invalid, isoDate, requiredText } from './fields';
import { remittanceText } from './remittance';
import { at, attributeOf, childrenOf, textAt, textOf, XmlNode } from './xml-document';

/**
 * Booked entries (`Ntry`) as camt.054.001.08 and camt.053.001.08 write them, and as both those and
 * camt.053.001.02 are read.
 */

type CreditDebit = BookedEntry['creditDebit'];

/** The account of a notification or statement (`CashAccount39`): its id, currency, and bank (`Svcr`). */
export function ownAccountElement(
  account: AccountJson,
  field: string,
  currency?: string,
): Record<string, unknown> {
  return {
    ...accountElement(account, field),
    ...(currency !== undefined ? { Ccy: currency } : {}),
    ...(knowsAgent(account) ? { Svcr: agentElement(account, field) } : {}),
  };
}

export function entryElement(entry: BookedEntry, field: string): Record<string, unknown> {
  if (entry?.creditDebit !== 'DBIT' && entry?.creditDebit !== 'CRDT') {
    throw invalid(`${field}.creditDebit`, `${field}.creditDebit must be DBIT or CRDT`);
  }
  const amount = paymentAmount(entry.amount, `${field}.amount`);
  const element: Record<string, unknown> = {
    NtryRef: identifier(entry.entryReference, `${field}.entryReference`),
    Amt: { '@_Ccy': amount.currency, '#text': amountText(amount) },
    CdtDbtInd: entry.creditDebit,
    Sts: { Cd: 'BOOK' },
    BookgDt: { Dt: isoDate(entry.bookingDate, `${field}.bookingDate`) },
    ValDt: { Dt: isoDate(entry.valueDate, `${field}.valueDate`) },
  };
  if (entry.bankReference !== undefined) {
    element.AcctSvcrRef = identifier(entry.bankReference, `${field}.bankReference`);
  }
  const isReturn =
    entry.returnReasonCode !== undefined || !!entry.transactions?.some((t) => t.returnReasonCode);
  element.BkTxCd = bankTransactionCode(entry.creditDebit, isReturn);
  const details =
    entry.transactions !== undefined
      ? entry.transactions.map((transaction, index) =>
          transactionElement(transaction, entry.creditDebit, `${field}.transactions[${index}]`),
        )
      : [transactionElement(entry, entry.creditDebit, field)].filter(
          (detail) => Object.keys(detail).length > 0,
        );
  if (details.length > 0) element.NtryDtls = { TxDtls: details };
  return element;
}

/**
 * The ISO bank transaction code (domain PMNT): an issued credit transfer for a debit, a returned one for a
 * credit with a return reason, a received one for any other credit.
 */
function bankTransactionCode(creditDebit: CreditDebit, isReturn: boolean): Record<string, unknown> {
  const [family, subFamily] =
    creditDebit === 'DBIT' ? ['ICDT', 'DMCT'] : isReturn ? ['ICDT', 'RRTN'] : ['RCDT', 'DMCT'];
  return { Domn: { Cd: 'PMNT', Fmly: { Cd: family, SubFmlyCd: subFamily } } };
}

function transactionElement(
  details: EntryTransaction,
  creditDebit: CreditDebit,
  field: string,
): Record<string, unknown> {
  const element: Record<string, unknown> = {};
  if (details.endToEndId !== undefined) {
    element.Refs = { EndToEndId: identifier(details.endToEndId, `${field}.endToEndId`) };
  }
  if (details.amount !== undefined) {
    const amount = paymentAmount(details.amount, `${field}.amount`);
    element.Amt = { '@_Ccy': amount.currency, '#text': amountText(amount) };
    element.CdtDbtInd = creditDebit;
  }
  if (details.counterparty !== undefined) {
    const { name, account } = details.counterparty;
    const party = { Pty: { Nm: requiredText(name, 140, `${field}.counterparty.name`) } };
    const cashAccount = accountElement(account, `${field}.counterparty.account`);
    element.RltdPties =
      creditDebit === 'DBIT'
        ? { Cdtr: party, CdtrAcct: cashAccount }
        : { Dbtr: party, DbtrAcct: cashAccount };
    if (knowsAgent(account)) {
      const agent = agentElement(account, `${field}.counterparty.account`);
      element.RltdAgts = creditDebit === 'DBIT' ? { CdtrAgt: agent } : { DbtrAgt: agent };
    }
  }
  const remittance = fitText(details.remittanceInformation, 140);
  if (remittance !== undefined) element.RmtInf = { Ustrd: remittance };
  const returnText = fitText(details.returnReasonText, 105);
  if (details.returnReasonCode !== undefined || returnText !== undefined) {
    element.RtrInf = {
      ...(details.returnReasonCode !== undefined
        ? { Rsn: { Cd: code(details.returnReasonCode, `${field}.returnReasonCode`) } }
        : {}),
      ...(returnText !== undefined ? { AddtlInf: returnText } : {}),
    };
  }
  return element;
}

// ---- reading ---------------------------------------------------------------------------------------------

/**
 * The booked entries of a notification or statement. Entries whose status is not BOOK (pending, information
 * only) are left out: they move no money yet, and the ledger must not settle a payment on them. An entry
 * without `NtryRef` is named by the bank's `AcctSvcrRef`, else by `<container id>/<n>` (its 1-based position),
 * which stays the same when the bank sends the same message again.
 */
export function readEntries(container: XmlNode, containerId: string, ownAccount: AccountJson): BookedEntry[] {
  const entries: BookedEntry[] = [];
  childrenOf(container, 'Ntry').forEach((node, index) => {
    const entry = readEntry(node, `${containerId}/${index + 1}`, ownAccount);
    if (entry !== undefined) entries.push(entry);
  });
  return entries;
}

function readEntry(
  node: XmlNode,
  fallbackReference: string,
  ownAccount: AccountJson,
): BookedEntry | undefined {
  const status = textAt(node, 'Sts', 'Cd') ?? textAt(node, 'Sts', 'Prtry') ?? textAt(node, 'Sts');
  if (status !== 'BOOK') return undefined;
  const bankReference = textAt(node, 'AcctSvcrRef');
  const entryReference = textAt(node, 'NtryRef') || bankReference || fallbackReference;
  const creditDebit = creditDebitOf(node, `Ntry ${entryReference}`);
  const amount = readAmount(
    textAt(node, 'Amt'),
    attributeOf(at(node, 'Amt'), 'Ccy'),
    `Ntry ${entryReference} Amt`,
  );
  const bookingDate = dateOf(at(node, 'BookgDt'));
  const valueDate = dateOf(at(node, 'ValDt'));
  if (bookingDate === undefined && valueDate === undefined) {
    throw new Iso20022Error(
      'ISO20022.MISSING_FIELD',
      `Ntry ${entryReference} has neither BookgDt nor ValDt`,
      {
        field: 'BookgDt',
      },
    );
  }
  const details = childrenOf(node, 'NtryDtls').flatMap((entryDetails) => childrenOf(entryDetails, 'TxDtls'));
  const transactions = details.map((detail) =>
    readTransaction(detail, creditDebit, ownAccount, entryReference),
  );
  const single = transactions.length === 1 ? withoutAmount(transactions[0]) : {};
  return {
    entryReference,
    amount: { value: amountText(amount), currency: amount.currency },
    creditDebit,
    bookingDate: (bookingDate ?? valueDate) as string,
    valueDate: (valueDate ?? bookingDate) as string,
    ...(bankReference !== undefined ? { bankReference } : {}),
    ...single,
    ...(transactions.length > 1 ? { transactions } : {}),
  };
}

function withoutAmount(transaction: EntryTransaction): Omit<EntryTransaction, 'amount'> {
  const { amount: _amount, ...rest } = transaction;
  return rest;
}

function readTransaction(
  node: XmlNode,
  creditDebit: CreditDebit,
  ownAccount: AccountJson,
  entryReference: string,
): EntryTransaction {
  const endToEndId = textAt(node, 'Refs', 'EndToEndId');
  const amountNode = at(node, 'Amt') ?? at(node, 'AmtDtls', 'TxAmt', 'Amt');
  const amount =
    amountNode === undefined
      ? undefined
      : readAmount(textOf(amountNode), attributeOf(amountNode, 'Ccy'), `Ntry ${entryReference} TxDtls Amt`);
  const counterparty = counterpartyOf(node, creditDebit, ownAccount);
  const returnInfo = at(node, 'RtrInf');
  const returnReasonCode = textAt(returnInfo, 'Rsn', 'Cd') ?? textAt(returnInfo, 'Rsn', 'Prtry');
  const returnReasonText = childrenOf(returnInfo, 'AddtlInf')
    .map(textOf)
    .filter((text): text is string => !!text)
    .join(' ');
  const remittanceInformation = remittanceText(at(node, 'RmtInf'));
  return {
    // EPC banks write NOTPROVIDED where the payer gave no end-to-end id.
    ...(endToEndId && endToEndId !== 'NOTPROVIDED' ? { endToEndId } : {}),
    ...(amount !== undefined ? { amount: { value: amountText(amount), currency: amount.currency } } : {}),
    ...(counterparty !== undefined ? { counterparty } : {}),
    ...(returnReasonCode !== undefined ? { returnReasonCode } : {}),
    ...(returnReasonText !== '' ? { returnReasonText } : {}),
    ...(remittanceInformation !== undefined ? { remittanceInformation } : {}),
  };
}

/**
 * The other party: the creditor of a debit, the debtor of a credit. Some banks fill only the other side; it
 * is taken when its account is not the statement's own. A party whose account cannot be identified is left
 * out rather than guessed.
 */
function counterpartyOf(
  node: XmlNode,
  creditDebit: CreditDebit,
  ownAccount: AccountJson,
): PartyAccount | undefined {
  const sides = creditDebit === 'DBIT' ? ['Cdtr', 'Dbtr'] : ['Dbtr', 'Cdtr'];
  const own = accountLabel(ownAccount);
  for (const side of sides) {
    const name = partyName(at(node, 'RltdPties', side));
    const account = readAccount(at(node, 'RltdPties', `${side}Acct`), at(node, 'RltdAgts', `${side}Agt`));
    if (name && account !== undefined && accountLabel(account) !== own) return { name, account };
  }
  return undefined;
}

export function creditDebitOf(node: XmlNode, where: string): CreditDebit {
  const value = textAt(node, 'CdtDbtInd');
  if (value !== 'CRDT' && value !== 'DBIT') {
    throw new Iso20022Error('ISO20022.MISSING_FIELD', `${where}: CdtDbtInd must be CRDT or DBIT`, {
      field: 'CdtDbtInd',
    });
  }
  return value;
}

/** `Dt` or the date of `DtTm`, as the bank wrote it. */
export function dateOf(choice: XmlNode): string | undefined {
  const value = textAt(choice, 'Dt') ?? textAt(choice, 'DtTm');
  return value === undefined ? undefined : datePart(value, 'date');
}
