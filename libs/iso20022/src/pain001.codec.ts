import { Money } from '@ledger/events';
import { Iso20022Error } from './iso20022.error';
import { CreditTransfer, CreditTransferInitiation, PaymentInformation } from './messages';
import { accountElement, agentElement, knowsAgent, partyName, readAccount } from './xml/accounts';
import { amountText, controlSum, controlSumMatches, paymentAmount, readAmount } from './xml/amounts';
import { datePart, fitText, identifier, invalid, isoDate, isoDateTime, requiredText } from './xml/fields';
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
import { remittanceText } from './xml/remittance';

/**
 * pain.001.001.09 customer credit transfer initiation. One `PmtInf` per entry of `paymentInformation`, one
 * `CdtTrfTxInf` per transfer. `BtchBookg` is false so the bank books (and reports in camt.054) every transfer
 * on its own, which is what lets the ledger settle payments one by one.
 */
export function buildPain001(message: CreditTransferInitiation, options: Iso20022BuildOptions = {}): string {
  const messageId = identifier(message?.messageId, 'messageId');
  const creationDateTime = isoDateTime(message.creationDateTime, 'creationDateTime');
  const initiatingPartyName = requiredText(message.initiatingPartyName, 140, 'initiatingPartyName');
  if (!Array.isArray(message.paymentInformation) || message.paymentInformation.length === 0) {
    throw invalid('paymentInformation', 'a pain.001 needs at least one payment information block');
  }
  const paymentInformationIds = new Set<string>();
  const endToEndIds = new Set<string>();
  const allAmounts: Money[] = [];
  const blocks = message.paymentInformation.map((block, index) => {
    const built = paymentInformationElement(block, `paymentInformation[${index}]`, endToEndIds);
    if (paymentInformationIds.has(built.id)) {
      throw invalid(
        `paymentInformation[${index}].paymentInformationId`,
        `duplicate paymentInformationId ${built.id}`,
      );
    }
    paymentInformationIds.add(built.id);
    allAmounts.push(...built.amounts);
    return built.element;
  });
  return writeDocument(
    'pain.001.001.09',
    {
      CstmrCdtTrfInitn: {
        GrpHdr: {
          MsgId: messageId,
          CreDtTm: creationDateTime,
          NbOfTxs: String(allAmounts.length),
          CtrlSum: controlSum(allAmounts),
          InitgPty: { Nm: initiatingPartyName },
        },
        PmtInf: blocks,
      },
    },
    options,
  );
}

function paymentInformationElement(
  block: PaymentInformation,
  field: string,
  endToEndIds: Set<string>,
): { id: string; amounts: Money[]; element: Record<string, unknown> } {
  const id = identifier(block?.paymentInformationId, `${field}.paymentInformationId`);
  if (!Array.isArray(block.transfers) || block.transfers.length === 0) {
    throw invalid(`${field}.transfers`, `${field} needs at least one transfer`);
  }
  const debtorName = requiredText(block.debtor?.name, 140, `${field}.debtor.name`);
  const debtorAccount = accountElement(block.debtor.account, `${field}.debtor.account`);
  const amounts: Money[] = [];
  const transfers = block.transfers.map((transfer, index) => {
    const transferField = `${field}.transfers[${index}]`;
    const built = transferElement(transfer, transferField);
    if (endToEndIds.has(transfer.endToEndId)) {
      throw invalid(
        `${transferField}.endToEndId`,
        `duplicate endToEndId ${transfer.endToEndId} in one message`,
      );
    }
    endToEndIds.add(transfer.endToEndId);
    amounts.push(built.amount);
    return built.element;
  });
  return {
    id,
    amounts,
    element: {
      PmtInfId: id,
      PmtMtd: 'TRF',
      BtchBookg: 'false',
      NbOfTxs: String(transfers.length),
      CtrlSum: controlSum(amounts),
      ReqdExctnDt: { Dt: isoDate(block.requestedExecutionDate, `${field}.requestedExecutionDate`) },
      Dbtr: { Nm: debtorName },
      DbtrAcct: debtorAccount,
      DbtrAgt: agentElement(block.debtor.account, `${field}.debtor.account`),
      CdtTrfTxInf: transfers,
    },
  };
}

function transferElement(
  transfer: CreditTransfer,
  field: string,
): { amount: Money; element: Record<string, unknown> } {
  const endToEndId = identifier(transfer?.endToEndId, `${field}.endToEndId`);
  const instructionId = identifier(transfer.instructionId ?? endToEndId, `${field}.instructionId`);
  const amount = paymentAmount(transfer.amount, `${field}.amount`);
  const creditorAccount = transfer.creditor?.account;
  const remittance = fitText(transfer.remittanceInformation, 140);
  const element: Record<string, unknown> = {
    PmtId: { InstrId: instructionId, EndToEndId: endToEndId },
    Amt: { InstdAmt: { '@_Ccy': amount.currency, '#text': amountText(amount) } },
  };
  const creditorName = requiredText(transfer.creditor?.name, 140, `${field}.creditor.name`);
  const account = accountElement(creditorAccount, `${field}.creditor.account`);
  if (knowsAgent(creditorAccount))
    element.CdtrAgt = agentElement(creditorAccount, `${field}.creditor.account`);
  element.Cdtr = { Nm: creditorName };
  element.CdtrAcct = account;
  if (remittance !== undefined) element.RmtInf = { Ustrd: remittance };
  return { amount, element };
}

/**
 * Reads a pain.001.001.09 (what the sandbox bank receives). NbOfTxs and CtrlSum, where given, must match the
 * transfers: a bank refuses a message whose totals disagree, and so does this parser. Takes the XML, or the
 * document `readIso20022Document` made of it (so a caller that checked the type first parses only once).
 */
export function parsePain001(xml: string | Iso20022Document): CreditTransferInitiation {
  const { document } = readDocument(xml, ['pain.001.001.09']);
  const root = at(document, 'CstmrCdtTrfInitn');
  const header = at(root, 'GrpHdr');
  const allAmounts: Money[] = [];
  const paymentInformation = childrenOf(root, 'PmtInf').map((block) => {
    const parsed = readPaymentInformation(block);
    checkTotals(block, parsed.amounts, `PmtInf ${parsed.block.paymentInformationId}`);
    allAmounts.push(...parsed.amounts);
    return parsed.block;
  });
  if (paymentInformation.length === 0) {
    throw new Iso20022Error('ISO20022.MISSING_FIELD', 'missing PmtInf', { field: 'PmtInf' });
  }
  checkTotals(header, allAmounts, 'GrpHdr');
  return {
    messageId: requiredTextAt(header, 'MsgId'),
    creationDateTime: requiredTextAt(header, 'CreDtTm'),
    initiatingPartyName: requiredTextAt(header, 'InitgPty', 'Nm'),
    paymentInformation,
  };
}

function readPaymentInformation(block: XmlNode): { block: PaymentInformation; amounts: Money[] } {
  const paymentInformationId = requiredTextAt(block, 'PmtInfId');
  const debtorAccount = readAccount(at(block, 'DbtrAcct'), at(block, 'DbtrAgt'));
  if (debtorAccount === undefined) {
    throw new Iso20022Error(
      'ISO20022.MISSING_FIELD',
      `PmtInf ${paymentInformationId}: no identifiable DbtrAcct`,
      {
        field: 'DbtrAcct',
      },
    );
  }
  const executionDate = textAt(block, 'ReqdExctnDt', 'Dt') ?? requiredTextAt(block, 'ReqdExctnDt', 'DtTm');
  const amounts: Money[] = [];
  const transfers = childrenOf(block, 'CdtTrfTxInf').map((node) => {
    const { transfer, amount } = readTransfer(node);
    amounts.push(amount);
    return transfer;
  });
  if (transfers.length === 0) {
    throw new Iso20022Error('ISO20022.MISSING_FIELD', `PmtInf ${paymentInformationId}: no CdtTrfTxInf`, {
      field: 'CdtTrfTxInf',
    });
  }
  return {
    amounts,
    block: {
      paymentInformationId,
      debtor: { name: requiredTextAt(block, 'Dbtr', 'Nm'), account: debtorAccount },
      requestedExecutionDate: datePart(executionDate, 'ReqdExctnDt'),
      transfers,
    },
  };
}

function readTransfer(node: XmlNode): { transfer: CreditTransfer; amount: Money } {
  const endToEndId = requiredTextAt(node, 'PmtId', 'EndToEndId');
  const instructionId = textAt(node, 'PmtId', 'InstrId');
  const instructed = at(node, 'Amt', 'InstdAmt');
  const amount = readAmount(textAt(node, 'Amt', 'InstdAmt'), attributeOf(instructed, 'Ccy'), 'Amt/InstdAmt', {
    allowZero: false,
  });
  const account = readAccount(at(node, 'CdtrAcct'), at(node, 'CdtrAgt'));
  if (account === undefined) {
    throw new Iso20022Error('ISO20022.MISSING_FIELD', `transfer ${endToEndId}: no identifiable CdtrAcct`, {
      field: 'CdtrAcct',
    });
  }
  const name = partyName(at(node, 'Cdtr'));
  if (!name) {
    throw new Iso20022Error('ISO20022.MISSING_FIELD', `transfer ${endToEndId}: missing Cdtr/Nm`, {
      field: 'Cdtr/Nm',
    });
  }
  const remittanceInformation = remittanceText(at(node, 'RmtInf'));
  return {
    amount,
    transfer: {
      endToEndId,
      ...(instructionId !== undefined && instructionId !== endToEndId ? { instructionId } : {}),
      amount: { value: amountText(amount), currency: amount.currency },
      creditor: { name, account },
      ...(remittanceInformation !== undefined ? { remittanceInformation } : {}),
    },
  };
}

function checkTotals(node: XmlNode, amounts: readonly Money[], where: string): void {
  const count = textAt(node, 'NbOfTxs');
  if (count !== undefined && Number(count) !== amounts.length) {
    throw new Iso20022Error(
      'ISO20022.CONTROL_SUM_MISMATCH',
      `${where}: NbOfTxs says ${count}, the message holds ${amounts.length} transfers`,
    );
  }
  const sum = textAt(node, 'CtrlSum');
  if (sum !== undefined && !controlSumMatches(sum, amounts)) {
    throw new Iso20022Error(
      'ISO20022.CONTROL_SUM_MISMATCH',
      `${where}: CtrlSum says ${sum}, the transfers add up to ${controlSum(amounts)}`,
    );
  }
}
