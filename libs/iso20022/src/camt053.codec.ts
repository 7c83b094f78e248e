import { Iso20022Error } from './iso20022.error';
import { AccountStatement, BankToCustomerStatement, StatementBalance } from './messages';
import { readAccount } from './xml/accounts';
import { amountText, currencyCode, paymentAmount, readAmount, signedJson } from './xml/amounts';
import { creditDebitOf, dateOf, entryElement, ownAccountElement, readEntries } from './xml/camt-entries';
import { identifier, invalid, isoDate, isoDateTime } from './xml/fields';
import {
  at,
  attributeOf,
  childrenOf,
  Iso20022BuildOptions,
  Iso20022Document,
  readDocument,
  requiredTextAt,
  textAt,
  writeDocument,
  XmlNode,
} from './xml/xml-document';

/** camt.053.001.08 bank-to-customer statement (the version the sandbox bank writes). */
export function buildCamt053(statement: BankToCustomerStatement, options: Iso20022BuildOptions = {}): string {
  if (statement?.version !== undefined && statement.version !== 'camt.053.001.08') {
    throw invalid('version', `only camt.053.001.08 is built, not ${statement.version}`);
  }
  if (!Array.isArray(statement.statements) || statement.statements.length === 0) {
    throw invalid('statements', 'a camt.053 needs at least one statement');
  }
  return writeDocument(
    'camt.053.001.08',
    {
      BkToCstmrStmt: {
        GrpHdr: {
          MsgId: identifier(statement.messageId, 'messageId'),
          CreDtTm: isoDateTime(statement.creationDateTime, 'creationDateTime'),
        },
        Stmt: statement.statements.map((item, index) => statementElement(item, `statements[${index}]`)),
      },
    },
    options,
  );
}

function statementElement(statement: AccountStatement, field: string): Record<string, unknown> {
  const currency = currencyCode(statement?.currency, `${field}.currency`);
  if ((statement.from === undefined) !== (statement.to === undefined)) {
    throw invalid(`${field}.from`, `${field}: from and to go together`);
  }
  return {
    Id: identifier(statement.statementId, `${field}.statementId`),
    CreDtTm: isoDateTime(statement.creationDateTime, `${field}.creationDateTime`),
    ...(statement.from !== undefined
      ? {
          FrToDt: {
            FrDtTm: isoDateTime(statement.from, `${field}.from`),
            ToDtTm: isoDateTime(statement.to, `${field}.to`),
          },
        }
      : {}),
    Acct: ownAccountElement(statement.account, `${field}.account`, currency),
    Bal: [
      balanceElement(statement.openingBalance, 'OPBD', `${field}.openingBalance`),
      balanceElement(statement.closingBalance, 'CLBD', `${field}.closingBalance`),
    ],
    ...(Array.isArray(statement.entries) && statement.entries.length > 0
      ? { Ntry: statement.entries.map((entry, index) => entryElement(entry, `${field}.entries[${index}]`)) }
      : {}),
  };
}

function balanceElement(
  balance: StatementBalance,
  type: 'OPBD' | 'CLBD',
  field: string,
): Record<string, unknown> {
  if (balance?.type !== type) throw invalid(`${field}.type`, `${field}.type must be ${type}`);
  const value = typeof balance.amount?.value === 'string' ? balance.amount.value : '';
  const negative = value.startsWith('-');
  // The sign becomes CdtDbtInd; the amount itself is written unsigned, exactly in the currency's decimals.
  const amount = paymentAmount(
    { value: negative ? value.slice(1) : value, currency: balance.amount?.currency },
    `${field}.amount`,
    {
      allowZero: true,
    },
  );
  return {
    Tp: { CdOrPrtry: { Cd: type } },
    Amt: { '@_Ccy': amount.currency, '#text': amountText(amount) },
    CdtDbtInd: negative && amount.minorUnits > 0n ? 'DBIT' : 'CRDT',
    Dt: { Dt: isoDate(balance.date, `${field}.date`) },
  };
}

/**
 * Reads camt.053.001.08 and camt.053.001.02 (told apart by namespace), with every statement of the message.
 * A statement without `Acct/Ccy` takes the currency of its opening balance; a statement without `CreDtTm`
 * (optional in .001.08) takes the message's. The opening balance is OPBD, or PRCD (previous closing) where a
 * bank writes that instead.
 */
export function parseCamt053(xml: string | Iso20022Document): BankToCustomerStatement {
  const { type, document } = readDocument(xml, ['camt.053.001.08', 'camt.053.001.02']);
  const root = at(document, 'BkToCstmrStmt');
  const messageCreated = requiredTextAt(root, 'GrpHdr', 'CreDtTm');
  const statements = childrenOf(root, 'Stmt').map((node) => readStatement(node, messageCreated));
  if (statements.length === 0)
    throw new Iso20022Error('ISO20022.MISSING_FIELD', 'missing Stmt', { field: 'Stmt' });
  return {
    version: type as BankToCustomerStatement['version'],
    messageId: requiredTextAt(root, 'GrpHdr', 'MsgId'),
    creationDateTime: messageCreated,
    statements,
  };
}

function readStatement(node: XmlNode, messageCreated: string): AccountStatement {
  const statementId = requiredTextAt(node, 'Id');
  const account = readAccount(at(node, 'Acct'), at(node, 'Acct', 'Svcr'));
  if (account === undefined) {
    throw new Iso20022Error('ISO20022.MISSING_FIELD', `Stmt ${statementId}: no identifiable Acct`, {
      field: 'Acct',
    });
  }
  const balances = childrenOf(node, 'Bal');
  const opening = findBalance(balances, 'OPBD') ?? findBalance(balances, 'PRCD');
  const closing = findBalance(balances, 'CLBD');
  if (opening === undefined || closing === undefined) {
    throw new Iso20022Error('ISO20022.MISSING_FIELD', `Stmt ${statementId}: needs OPBD and CLBD balances`, {
      field: 'Bal',
    });
  }
  const openingBalance = readBalance(opening, 'OPBD', statementId);
  const from = textAt(node, 'FrToDt', 'FrDtTm');
  const to = textAt(node, 'FrToDt', 'ToDtTm');
  return {
    statementId,
    creationDateTime: textAt(node, 'CreDtTm') || messageCreated,
    ...(from !== undefined ? { from } : {}),
    ...(to !== undefined ? { to } : {}),
    account,
    currency: textAt(node, 'Acct', 'Ccy') ?? openingBalance.amount.currency,
    openingBalance,
    closingBalance: readBalance(closing, 'CLBD', statementId),
    entries: readEntries(node, statementId, account),
  };
}

function findBalance(balances: readonly XmlNode[], code: string): XmlNode {
  return balances.find((balance) => textAt(balance, 'Tp', 'CdOrPrtry', 'Cd') === code);
}

function readBalance(node: XmlNode, type: 'OPBD' | 'CLBD', statementId: string): StatementBalance {
  const where = `Stmt ${statementId} ${type}`;
  const amount = readAmount(textAt(node, 'Amt'), attributeOf(at(node, 'Amt'), 'Ccy'), `${where} Amt`);
  const date = dateOf(at(node, 'Dt'));
  if (date === undefined)
    throw new Iso20022Error('ISO20022.MISSING_FIELD', `${where}: missing Dt`, { field: 'Dt' });
  return { type, amount: signedJson(amount, creditDebitOf(node, where)), date };
}
