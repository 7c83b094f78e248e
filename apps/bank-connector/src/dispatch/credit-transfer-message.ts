import { accountLabel, PaymentBatchDispatchedData, PaymentDispatchedData, toIsoId } from '@ledger/events';
import { CreditTransferInitiation, PaymentInformation } from '@ledger/iso20022';

/**
 * The pain.001 for one dispatched batch: one payment information block per debtor account (and
 * execution date), one transfer per payment, its end-to-end id the payment id. Everything comes from the
 * events, including the creation time, so a message rebuilt after a crash is the same message.
 */
export function creditTransferMessage(
  batch: PaymentBatchDispatchedData,
  dispatchedAt: string,
  dispatches: readonly PaymentDispatchedData[],
  initiatingPartyName: string,
): CreditTransferInitiation {
  const blocks = new Map<string, { debtor: PaymentDispatchedData; transfers: PaymentDispatchedData[] }>();
  for (const dispatch of dispatches) {
    const key = `${accountLabel(dispatch.debtorAccount)}|${dispatch.debtorAccount.bic ?? ''}|${dispatch.requestedExecutionDate}`;
    const block = blocks.get(key);
    if (block) block.transfers.push(dispatch);
    else blocks.set(key, { debtor: dispatch, transfers: [dispatch] });
  }
  const messageId = toIsoId(batch.batchId);
  const paymentInformation: PaymentInformation[] = [...blocks.values()].map((block, index) => ({
    // Max35Text: a 32-character message id, a dash and the block number.
    paymentInformationId: `${messageId.slice(0, 30)}-${index + 1}`,
    debtor: { name: initiatingPartyName, account: block.debtor.debtorAccount },
    requestedExecutionDate: block.debtor.requestedExecutionDate,
    transfers: block.transfers.map((t) => ({
      endToEndId: toIsoId(t.paymentId),
      amount: t.amount,
      creditor: { name: t.payee.name, account: t.payee.account },
      remittanceInformation: `Claim ${t.claimId}`,
    })),
  }));
  return { messageId, creationDateTime: dispatchedAt, initiatingPartyName, paymentInformation };
}
