import { Iso20022Error } from './iso20022.error';
import { PaymentStatusReport, TransactionStatus, TransactionStatusReport } from './messages';
import { code, fitText, identifier, invalid, isoDateTime } from './xml/fields';
import {
  at,
  childrenOf,
  Iso20022BuildOptions,
  Iso20022Document,
  readDocument,
  requiredTextAt,
  textAt,
  textOf,
  writeDocument,
  XmlNode,
} from './xml/xml-document';

const TRANSACTION_STATUSES: readonly TransactionStatus[] = ['ACTC', 'ACCP', 'ACSP', 'PDNG', 'ACSC', 'RJCT'];
type GroupStatus = NonNullable<PaymentStatusReport['groupStatus']>;
const GROUP_STATUSES: readonly GroupStatus[] = ['ACTC', 'ACCP', 'PART', 'RJCT'];

/**
 * pain.002.001.11 customer payment status report (what the sandbox bank answers). Consecutive lines with the
 * same original payment information id share one `OrgnlPmtInfAndSts`.
 */
export function buildPain002(report: PaymentStatusReport, options: Iso20022BuildOptions = {}): string {
  const messageId = identifier(report?.messageId, 'messageId');
  const originalMessageId = identifier(report.originalMessageId, 'originalMessageId');
  if (report.originalMessageNameId !== 'pain.001.001.09') {
    throw invalid('originalMessageNameId', `originalMessageNameId must be pain.001.001.09`);
  }
  if (report.groupStatus !== undefined && !GROUP_STATUSES.includes(report.groupStatus)) {
    throw invalid('groupStatus', `groupStatus must be one of ${GROUP_STATUSES.join(', ')}`);
  }
  if (!Array.isArray(report.transactions)) throw invalid('transactions', 'transactions must be a list');
  const group: Record<string, unknown> = { OrgnlMsgId: originalMessageId, OrgnlMsgNmId: 'pain.001.001.09' };
  if (report.groupStatus !== undefined) group.GrpSts = report.groupStatus;
  if (report.groupReasonCode !== undefined) {
    group.StsRsnInf = { Rsn: { Cd: code(report.groupReasonCode, 'groupReasonCode') } };
  }
  const blocks: { OrgnlPmtInfId: string; TxInfAndSts: Record<string, unknown>[] }[] = [];
  report.transactions.forEach((transaction, index) => {
    const field = `transactions[${index}]`;
    const blockId = identifier(
      transaction?.originalPaymentInformationId ?? originalMessageId,
      `${field}.originalPaymentInformationId`,
    );
    const line = transactionElement(transaction, field);
    const last = blocks[blocks.length - 1];
    if (last !== undefined && last.OrgnlPmtInfId === blockId) last.TxInfAndSts.push(line);
    else blocks.push({ OrgnlPmtInfId: blockId, TxInfAndSts: [line] });
  });
  return writeDocument(
    'pain.002.001.11',
    {
      CstmrPmtStsRpt: {
        GrpHdr: { MsgId: messageId, CreDtTm: isoDateTime(report.creationDateTime, 'creationDateTime') },
        OrgnlGrpInfAndSts: group,
        ...(blocks.length > 0 ? { OrgnlPmtInfAndSts: blocks } : {}),
      },
    },
    options,
  );
}

function transactionElement(transaction: TransactionStatusReport, field: string): Record<string, unknown> {
  if (!TRANSACTION_STATUSES.includes(transaction.status)) {
    throw invalid(`${field}.status`, `${field}.status must be one of ${TRANSACTION_STATUSES.join(', ')}`);
  }
  const line: Record<string, unknown> = {
    StsId: identifier(transaction.statusId, `${field}.statusId`),
    OrgnlEndToEndId: identifier(transaction.originalEndToEndId, `${field}.originalEndToEndId`),
    TxSts: transaction.status,
  };
  const reasonText = fitText(transaction.reasonText, 105);
  if (transaction.reasonCode !== undefined || reasonText !== undefined) {
    line.StsRsnInf = {
      ...(transaction.reasonCode !== undefined
        ? { Rsn: { Cd: code(transaction.reasonCode, `${field}.reasonCode`) } }
        : {}),
      ...(reasonText !== undefined ? { AddtlInf: reasonText } : {}),
    };
  }
  if (transaction.bankReference !== undefined) {
    line.AcctSvcrRef = identifier(transaction.bankReference, `${field}.bankReference`);
  }
  return line;
}

/**
 * Reads a pain.002.001.11. A line without `StsId` gets `<MsgId>:<n>` (its 1-based position in the message),
 * stable across re-deliveries, since the ledger uses the status id as the receipt id. Statuses outside the
 * ones the ledger understands are refused (INVALID_FIELD), not guessed.
 */
export function parsePain002(xml: string | Iso20022Document): PaymentStatusReport {
  const { document } = readDocument(xml, ['pain.002.001.11']);
  const root = at(document, 'CstmrPmtStsRpt');
  const messageId = requiredTextAt(root, 'GrpHdr', 'MsgId');
  const group = at(root, 'OrgnlGrpInfAndSts');
  const originalMessageNameId = requiredTextAt(group, 'OrgnlMsgNmId');
  if (!/^pain\.001(\.001\.09)?$/i.test(originalMessageNameId)) {
    throw new Iso20022Error(
      'ISO20022.UNSUPPORTED_MESSAGE',
      `the report answers a ${originalMessageNameId}, not a pain.001.001.09`,
    );
  }
  const groupStatus = textAt(group, 'GrpSts');
  if (groupStatus !== undefined && !GROUP_STATUSES.includes(groupStatus as GroupStatus)) {
    throw new Iso20022Error('ISO20022.INVALID_FIELD', `unsupported group status GrpSts ${groupStatus}`, {
      field: 'GrpSts',
    });
  }
  const groupReasonCode = reasonCodeOf(at(group, 'StsRsnInf'));
  let position = 0;
  const transactions: TransactionStatusReport[] = [];
  for (const block of childrenOf(root, 'OrgnlPmtInfAndSts')) {
    const originalPaymentInformationId = requiredTextAt(block, 'OrgnlPmtInfId');
    for (const line of childrenOf(block, 'TxInfAndSts')) {
      position += 1;
      transactions.push(readTransaction(line, originalPaymentInformationId, `${messageId}:${position}`));
    }
  }
  return {
    messageId,
    creationDateTime: requiredTextAt(root, 'GrpHdr', 'CreDtTm'),
    originalMessageId: requiredTextAt(group, 'OrgnlMsgId'),
    originalMessageNameId: 'pain.001.001.09',
    ...(groupStatus !== undefined ? { groupStatus: groupStatus as GroupStatus } : {}),
    ...(groupReasonCode !== undefined ? { groupReasonCode } : {}),
    transactions,
  };
}

function readTransaction(
  line: XmlNode,
  originalPaymentInformationId: string,
  fallbackStatusId: string,
): TransactionStatusReport {
  const originalEndToEndId = requiredTextAt(line, 'OrgnlEndToEndId');
  const status = requiredTextAt(line, 'TxSts');
  if (!TRANSACTION_STATUSES.includes(status as TransactionStatus)) {
    throw new Iso20022Error(
      'ISO20022.INVALID_FIELD',
      `unsupported transaction status TxSts ${status} for ${originalEndToEndId}`,
      { field: 'TxSts' },
    );
  }
  const reasons = childrenOf(line, 'StsRsnInf');
  const reasonCode = reasonCodeOf(reasons[0]);
  const reasonText = reasons
    .flatMap((reason) => childrenOf(reason, 'AddtlInf').map(textOf))
    .filter((text): text is string => !!text)
    .join(' ');
  const bankReference = textAt(line, 'AcctSvcrRef');
  return {
    statusId: textAt(line, 'StsId') || fallbackStatusId,
    originalEndToEndId,
    status: status as TransactionStatus,
    ...(reasonCode !== undefined ? { reasonCode } : {}),
    ...(reasonText !== '' ? { reasonText } : {}),
    ...(bankReference !== undefined ? { bankReference } : {}),
    originalPaymentInformationId,
  };
}

/** `Rsn/Cd`, or the bank's proprietary reason when it has no ISO code for it. */
function reasonCodeOf(reason: XmlNode): string | undefined {
  return textAt(reason, 'Rsn', 'Cd') ?? textAt(reason, 'Rsn', 'Prtry');
}
