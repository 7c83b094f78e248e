/**
 * Standard names of the ISO 20022 status and return reason codes a bank most often sends for a credit
 * transfer. Used as the reason text when the bank sends none; any other well-formed code is accepted too.
 */
export const ISO20022_REASON_NAMES: Readonly<Record<string, string>> = {
  AC01: 'Incorrect account number',
  AC03: 'Invalid creditor account number',
  AC04: 'Closed account number',
  AC06: 'Blocked account',
  AG01: 'Transaction forbidden',
  AG02: 'Invalid bank operation code',
  AM04: 'Insufficient funds',
  AM05: 'Duplication',
  BE04: 'Missing creditor address',
  CUST: 'Requested by customer',
  DUPL: 'Duplicate payment',
  FF01: 'Invalid file format',
  FOCR: 'Following cancellation request',
  MD07: 'End customer deceased',
  MS02: 'Not specified reason, customer generated',
  MS03: 'Not specified reason, agent generated',
  RC01: 'Bank identifier incorrect',
  RR04: 'Regulatory reason',
  TECH: 'Technical problem',
};

export function isIso20022ReasonCode(code: unknown): code is string {
  return typeof code === 'string' && /^[A-Z0-9]{4}$/.test(code);
}
