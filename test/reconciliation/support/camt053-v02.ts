import { AccountStatement, BookedEntry } from '@ledger/iso20022';

/**
 * A camt.053.001.02 message as an older bank writes it (the ledger's library builds only .001.08): IBAN
 * accounts, booked entries with one transfer each, the creditor as `Cdtr/Nm` and `CdtrAcct`.
 */
export function camt053v02(messageId: string, statements: readonly AccountStatement[]): string {
  return `<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02">
  <BkToCstmrStmt>
    <GrpHdr><MsgId>${messageId}</MsgId><CreDtTm>${statements[0].creationDateTime}</CreDtTm></GrpHdr>
${statements.map(statement).join('\n')}
  </BkToCstmrStmt>
</Document>
`;
}

function statement(s: AccountStatement): string {
  return `    <Stmt>
      <Id>${s.statementId}</Id>
      <CreDtTm>${s.creationDateTime}</CreDtTm>
      ${s.from !== undefined ? `<FrToDt><FrDtTm>${s.from}</FrDtTm><ToDtTm>${s.to}</ToDtTm></FrToDt>` : ''}
      <Acct><Id><IBAN>${iban(s.account)}</IBAN></Id><Ccy>${s.currency}</Ccy></Acct>
      ${balance('OPBD', s.openingBalance.amount.value, s.currency, s.openingBalance.date)}
      ${balance('CLBD', s.closingBalance.amount.value, s.currency, s.closingBalance.date)}
${s.entries.map(entry).join('\n')}
    </Stmt>`;
}

function balance(type: string, value: string, currency: string, date: string): string {
  const negative = value.startsWith('-');
  return `<Bal><Tp><CdOrPrtry><Cd>${type}</Cd></CdOrPrtry></Tp><Amt Ccy="${currency}">${
    negative ? value.slice(1) : value
  }</Amt><CdtDbtInd>${negative ? 'DBIT' : 'CRDT'}</CdtDbtInd><Dt><Dt>${date}</Dt></Dt></Bal>`;
}

function entry(e: BookedEntry): string {
  const party = e.counterparty
    ? e.creditDebit === 'DBIT'
      ? `<RltdPties><Cdtr><Nm>${e.counterparty.name}</Nm></Cdtr><CdtrAcct><Id><IBAN>${iban(e.counterparty.account)}</IBAN></Id></CdtrAcct></RltdPties>`
      : `<RltdPties><Dbtr><Nm>${e.counterparty.name}</Nm></Dbtr><DbtrAcct><Id><IBAN>${iban(e.counterparty.account)}</IBAN></Id></DbtrAcct></RltdPties>`
    : '';
  const refs = e.endToEndId !== undefined ? `<Refs><EndToEndId>${e.endToEndId}</EndToEndId></Refs>` : '';
  const details = refs || party ? `<NtryDtls><TxDtls>${refs}${party}</TxDtls></NtryDtls>` : '';
  return `      <Ntry>
        <NtryRef>${e.entryReference}</NtryRef>
        <Amt Ccy="${e.amount.currency}">${e.amount.value}</Amt>
        <CdtDbtInd>${e.creditDebit}</CdtDbtInd>
        <Sts>BOOK</Sts>
        <BookgDt><Dt>${e.bookingDate}</Dt></BookgDt>
        <ValDt><Dt>${e.valueDate}</Dt></ValDt>
        <BkTxCd><Prtry><Cd>PMNT</Cd></Prtry></BkTxCd>
        ${details}
      </Ntry>`;
}

function iban(account: { readonly iban?: string }): string {
  if (account.iban === undefined) throw new Error('this test writer only writes IBAN accounts');
  return account.iban;
}
