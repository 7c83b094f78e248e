import { Iso20022Error } from './iso20022.error';
import { DebitCreditNotification } from './messages';
import { readAccount } from './xml/accounts';
import { entryElement, ownAccountElement, readEntries } from './xml/camt-entries';
import { identifier, isoDateTime } from './xml/fields';
import {
  at,
  childrenOf,
  Iso20022BuildOptions,
  Iso20022Document,
  readDocument,
  requiredTextAt,
  writeDocument,
} from './xml/xml-document';

/** camt.054.001.08 bank-to-customer debit/credit notification: one `Ntfctn` for one account. */
export function buildCamt054(
  notification: DebitCreditNotification,
  options: Iso20022BuildOptions = {},
): string {
  const messageId = identifier(notification?.messageId, 'messageId');
  const creationDateTime = isoDateTime(notification.creationDateTime, 'creationDateTime');
  if (!Array.isArray(notification.entries))
    throw new Iso20022Error('ISO20022.INVALID_FIELD', 'entries must be a list');
  return writeDocument(
    'camt.054.001.08',
    {
      BkToCstmrDbtCdtNtfctn: {
        GrpHdr: { MsgId: messageId, CreDtTm: creationDateTime },
        Ntfctn: {
          Id: identifier(notification.notificationId, 'notificationId'),
          Acct: ownAccountElement(notification.account, 'account'),
          ...(notification.entries.length > 0
            ? { Ntry: notification.entries.map((entry, index) => entryElement(entry, `entries[${index}]`)) }
            : {}),
        },
      },
    },
    options,
  );
}

/**
 * Reads a camt.054.001.08 with one notification (the shape the ledger's banks send). A message with several
 * accounts' notifications is refused rather than cut to the first.
 */
export function parseCamt054(xml: string | Iso20022Document): DebitCreditNotification {
  const { document } = readDocument(xml, ['camt.054.001.08']);
  const root = at(document, 'BkToCstmrDbtCdtNtfctn');
  const notifications = childrenOf(root, 'Ntfctn');
  if (notifications.length !== 1) {
    throw new Iso20022Error(
      notifications.length === 0 ? 'ISO20022.MISSING_FIELD' : 'ISO20022.UNSUPPORTED_MESSAGE',
      `expected one Ntfctn in the camt.054, found ${notifications.length}`,
      { field: 'Ntfctn' },
    );
  }
  const notification = notifications[0];
  const notificationId = requiredTextAt(notification, 'Id');
  const account = readAccount(at(notification, 'Acct'), at(notification, 'Acct', 'Svcr'));
  if (account === undefined) {
    throw new Iso20022Error('ISO20022.MISSING_FIELD', `Ntfctn ${notificationId}: no identifiable Acct`, {
      field: 'Acct',
    });
  }
  return {
    messageId: requiredTextAt(root, 'GrpHdr', 'MsgId'),
    creationDateTime: requiredTextAt(root, 'GrpHdr', 'CreDtTm'),
    notificationId,
    account,
    entries: readEntries(notification, notificationId, account),
  };
}
