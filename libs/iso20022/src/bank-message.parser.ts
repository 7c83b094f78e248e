import { parseCamt053 } from './camt053.codec';
import { parseCamt054 } from './camt054.codec';
import { Iso20022Error } from './iso20022.error';
import { BankToCustomerStatement, DebitCreditNotification, PaymentStatusReport } from './messages';
import { parsePain002 } from './pain002.codec';
import { assertSchemaValid } from './schema-validator';
import { readIso20022Document } from './xml/xml-document';

/** What a bank sends the ledger, told apart by `type`. */
export type BankMessage =
  | { readonly type: 'pain.002.001.11'; readonly message: PaymentStatusReport }
  | { readonly type: 'camt.054.001.08'; readonly message: DebitCreditNotification }
  | { readonly type: 'camt.053.001.08' | 'camt.053.001.02'; readonly message: BankToCustomerStatement };

/**
 * Reads any message a bank sends: parses it (MALFORMED_XML), tells its type from the namespace, validates it
 * against that XSD (SCHEMA_INVALID otherwise), then reads the parsed document. The XML is parsed once.
 * A pain.001 is not a bank message (UNSUPPORTED_MESSAGE).
 */
export async function parseBankMessage(xml: string): Promise<BankMessage> {
  const document = readIso20022Document(xml);
  const type = document.type;
  if (type === 'pain.001.001.09') {
    throw new Iso20022Error(
      'ISO20022.UNSUPPORTED_MESSAGE',
      'a pain.001 is sent to banks, not received from them',
    );
  }
  await assertSchemaValid(xml, type);
  switch (type) {
    case 'pain.002.001.11':
      return { type, message: parsePain002(document) };
    case 'camt.054.001.08':
      return { type, message: parseCamt054(document) };
    case 'camt.053.001.08':
    case 'camt.053.001.02':
      return { type, message: parseCamt053(document) };
    default: {
      const unreachable: never = type;
      throw new Iso20022Error('ISO20022.UNSUPPORTED_MESSAGE', `unsupported message ${String(unreachable)}`);
    }
  }
}
