import { AccountJson, accountLabel, PaymentDispatchedData, PaymentEvent, toMoneyJson } from '@ledger/events';
import { assertNever, CommandMetadata, Decider } from '../decider';
import { DomainError } from '../domain-error';
import {
  DEFAULT_LARGE_PAYMENT_ALERT_POLICY,
  largePaymentThresholdExceeded,
  LargePaymentAlertPolicy,
} from '../policy/large-payment-alert-policy';
import { hasRole, requireTreasurer, ROLES } from '../roles';
import {
  dateOf,
  isIsoDate,
  optionalText,
  requireAccount,
  requireAmount,
  requireId,
  requirePayee,
  requireText,
} from '../validation';
import { isIso20022ReasonCode, ISO20022_REASON_NAMES } from './iso20022-reason-codes';
import {
  CancelPayment,
  DispatchToBank,
  PaymentCommand,
  RecordBankAcceptance,
  RecordBankRejection,
  RecordBankReturn,
  RecordBankSettlement,
  RecordDispatchFailure,
  RedispatchPayment,
} from './payment-commands';

export type BankOutcomeKind = 'accepted' | 'settled' | 'rejected' | 'returned' | 'failed';

interface PaymentFacts {
  /** The current attempt as sent to the bank. */
  readonly dispatch: PaymentDispatchedData;
  /**
   * The payee account of the first dispatch, which `paymentDispatchCommands` copies from the approved claim.
   * No redispatch may send the money elsewhere.
   */
  readonly approvedPayeeAccount: AccountJson;
  /** Batch ids of every attempt, oldest first; never reused. */
  readonly batchIds: readonly string[];
  /** Bank receipts already recorded, by id: the idempotency of bank outcomes. */
  readonly receipts: Readonly<Record<string, BankOutcomeKind>>;
}

interface BankReason {
  readonly reasonCode: string;
  readonly reasonText: string;
}

export type PaymentState =
  | { readonly status: 'not_dispatched' }
  | (PaymentFacts & { readonly status: 'dispatched' })
  | (PaymentFacts & { readonly status: 'accepted' })
  | (PaymentFacts & { readonly status: 'settled' })
  | (PaymentFacts & { readonly status: 'rejected'; readonly rejection: BankReason })
  | (PaymentFacts & { readonly status: 'returned'; readonly return: BankReason })
  | (PaymentFacts & { readonly status: 'failed'; readonly failure: string })
  | (PaymentFacts & {
      readonly status: 'cancelled';
      /**
       * Cancelled after a failed delivery (the connector gave up without an answer from the bank), not a
       * rejection: the bank may have executed it, so its claim's invoice must not be paid again.
       */
      readonly deliveryUnknown: boolean;
    });

export type PaymentStatus = PaymentState['status'];
type DispatchedPaymentState = Exclude<PaymentState, { status: 'not_dispatched' }>;

export interface PaymentDeciderOptions {
  readonly largePaymentAlertPolicy?: LargePaymentAlertPolicy;
}

export type PaymentDecider = Decider<PaymentState, PaymentCommand, PaymentEvent>;

/**
 * The payment stream's decider. Lifecycle: dispatched → (accepted →) settled → returned, or
 * → rejected → redispatched | cancelled; a payment the connector could not deliver is failed, then
 * redispatched or cancelled like a rejected one. Settled, returned and cancelled are final, except that a settled
 * payment can still be returned.
 */
export function createPaymentDecider(options: PaymentDeciderOptions = {}): PaymentDecider {
  const alertPolicy = options.largePaymentAlertPolicy ?? DEFAULT_LARGE_PAYMENT_ALERT_POLICY;
  return {
    initialState: () => ({ status: 'not_dispatched' }),
    evolve: evolvePayment,
    decide(command, state) {
      switch (command.type) {
        case 'DispatchToBank':
          return dispatchToBank(command, state, alertPolicy);
        case 'RecordBankAcceptance':
        case 'RecordBankSettlement':
        case 'RecordBankRejection':
        case 'RecordBankReturn':
        case 'RecordDispatchFailure':
          return recordBankOutcome(command, state);
        case 'RedispatchPayment':
          return redispatchPayment(command, state);
        case 'CancelPayment':
          return cancelPayment(command, state);
        default:
          return assertNever(command, 'payment command');
      }
    },
  };
}

export const paymentDecider: PaymentDecider = createPaymentDecider();

export function evolvePayment(state: PaymentState, event: PaymentEvent): PaymentState {
  switch (event.type) {
    case 'PaymentDispatched':
      return {
        status: 'dispatched',
        dispatch: event.data,
        approvedPayeeAccount: event.data.payee.account,
        batchIds: [event.data.batchId],
        receipts: {},
      };
    case 'PaymentRedispatched': {
      if (state.status !== 'rejected' && state.status !== 'failed') return state;
      const { corrected: _corrected, ...dispatch } = event.data;
      return {
        status: 'dispatched',
        dispatch,
        approvedPayeeAccount: state.approvedPayeeAccount,
        batchIds: [...state.batchIds, dispatch.batchId],
        receipts: state.receipts,
      };
    }
    case 'LargePaymentAlertRaised':
      return state;
    case 'PaymentAcceptedByBank':
      if (state.status === 'not_dispatched') return state;
      return { ...facts(state, event.data.receiptId, 'accepted'), status: 'accepted' };
    case 'PaymentSettled':
      if (state.status === 'not_dispatched') return state;
      return { ...facts(state, event.data.receiptId, 'settled'), status: 'settled' };
    case 'PaymentRejectedByBank':
      if (state.status === 'not_dispatched') return state;
      return {
        ...facts(state, event.data.receiptId, 'rejected'),
        status: 'rejected',
        rejection: { reasonCode: event.data.reasonCode, reasonText: event.data.reasonText },
      };
    case 'PaymentReturned':
      if (state.status === 'not_dispatched') return state;
      return {
        ...facts(state, event.data.receiptId, 'returned'),
        status: 'returned',
        return: { reasonCode: event.data.reasonCode, reasonText: event.data.reasonText },
      };
    case 'PaymentDispatchFailed':
      if (state.status === 'not_dispatched') return state;
      return {
        ...facts(state, event.data.receiptId, 'failed'),
        status: 'failed',
        failure: event.data.reason,
      };
    case 'PaymentCancelled':
      if (state.status === 'not_dispatched') return state;
      return {
        ...facts(state),
        status: 'cancelled',
        deliveryUnknown: state.status === 'cancelled' ? state.deliveryUnknown : state.status === 'failed',
      };
    default:
      return assertNever(event, 'payment event');
  }
}

function facts(state: DispatchedPaymentState, receiptId?: string, outcome?: BankOutcomeKind): PaymentFacts {
  const receipts =
    receiptId !== undefined && outcome !== undefined
      ? { ...state.receipts, [receiptId]: outcome }
      : state.receipts;
  return {
    dispatch: state.dispatch,
    approvedPayeeAccount: state.approvedPayeeAccount,
    batchIds: state.batchIds,
    receipts,
  };
}

function dispatchToBank(
  command: DispatchToBank,
  state: PaymentState,
  alertPolicy: LargePaymentAlertPolicy,
): PaymentEvent[] {
  const { data, metadata } = command;
  requireTreasurer(metadata, data.claimant);
  if (state.status !== 'not_dispatched') {
    // The first dispatch retried (same batch): nothing more to record.
    if (state.batchIds[0] === data.batchId && state.dispatch.claimId === data.claimId) return [];
    throw new DomainError(
      'PAYMENT.ALREADY_DISPATCHED',
      `payment ${state.dispatch.paymentId} was already dispatched; only a rejected payment can be sent again`,
      { paymentId: state.dispatch.paymentId, status: state.status },
    );
  }
  const amount = requireAmount(data.amount, 'PAYMENT.INVALID_AMOUNT');
  const dispatched: PaymentDispatchedData = {
    paymentId: requireId(data.paymentId, 'paymentId', 'PAYMENT.INVALID_FIELD'),
    claimId: requireId(data.claimId, 'claimId', 'PAYMENT.INVALID_FIELD'),
    batchId: requireId(data.batchId, 'batchId', 'PAYMENT.INVALID_FIELD'),
    amount: toMoneyJson(amount),
    payee: requirePayee(data.payee, { field: 'PAYMENT.INVALID_FIELD', account: 'PAYMENT.INVALID_ACCOUNT' }),
    debtorAccount: requireAccount(data.debtorAccount, 'debtorAccount', 'PAYMENT.INVALID_ACCOUNT'),
    requestedExecutionDate: requireExecutionDate(data.requestedExecutionDate, metadata),
    dispatchedBy: metadata.actor.subject,
    claimant: requireText(data.claimant, 'claimant', 'PAYMENT.INVALID_FIELD', 256),
    attempt: 1,
  };
  const threshold = largePaymentThresholdExceeded(alertPolicy, amount);
  if (threshold === undefined) return [{ type: 'PaymentDispatched', data: dispatched }];
  return [
    { type: 'PaymentDispatched', data: dispatched },
    {
      type: 'LargePaymentAlertRaised',
      data: {
        paymentId: dispatched.paymentId,
        claimId: dispatched.claimId,
        amount: dispatched.amount,
        threshold,
      },
    },
  ];
}

type BankOutcomeCommand =
  | RecordBankAcceptance
  | RecordBankSettlement
  | RecordBankRejection
  | RecordBankReturn
  | RecordDispatchFailure;

const OUTCOME_OF: Readonly<Record<BankOutcomeCommand['type'], BankOutcomeKind>> = {
  RecordBankAcceptance: 'accepted',
  RecordBankSettlement: 'settled',
  RecordBankRejection: 'rejected',
  RecordBankReturn: 'returned',
  RecordDispatchFailure: 'failed',
};

/**
 * The statuses each outcome may follow. Settlement before acceptance is fine: the acceptance is implied.
 * The bank's word outranks the connector's: a payment the connector gave up on (`failed`, after timeouts)
 * may have reached the bank all the same, and the bank's answer for that attempt is recorded, so money
 * that left is never shown as unpaid.
 */
const ALLOWED_AFTER: Readonly<Record<BankOutcomeKind, readonly PaymentStatus[]>> = {
  accepted: ['dispatched', 'failed'],
  settled: ['dispatched', 'accepted', 'failed'],
  rejected: ['dispatched', 'accepted', 'failed'],
  returned: ['settled'],
  // Once the bank has answered for the message, it has it: the connector no longer gives up on it.
  failed: ['dispatched'],
};

const FINAL: readonly PaymentStatus[] = ['settled', 'returned', 'cancelled'];

/** A payment the bank refused or the connector could not deliver: the treasurer redispatches or cancels it. */
const RESENDABLE: readonly PaymentStatus[] = ['rejected', 'failed'];

function recordBankOutcome(command: BankOutcomeCommand, state: PaymentState): PaymentEvent[] {
  const { data, metadata } = command;
  if (!hasRole(metadata.actor, ROLES.bankConnector)) {
    throw new DomainError(
      'PAYMENT.BANK_CONNECTOR_ROLE_REQUIRED',
      'only the bank connector reports bank outcomes',
    );
  }
  const receiptId = requireId(data.receiptId, 'receiptId', 'PAYMENT.INVALID_FIELD');
  if (state.status === 'not_dispatched') {
    throw new DomainError('PAYMENT.NOT_FOUND', `payment ${data.paymentId} was never dispatched`, {
      paymentId: data.paymentId,
    });
  }
  const { paymentId, claimId, attempt, batchId } = state.dispatch;
  const outcome = OUTCOME_OF[command.type];
  if (Object.prototype.hasOwnProperty.call(state.receipts, receiptId)) {
    if (state.receipts[receiptId] === outcome) return []; // the same receipt delivered again
    throw new DomainError(
      'PAYMENT.RECEIPT_CONFLICT',
      `receipt ${receiptId} was recorded as ${state.receipts[receiptId]}, not ${outcome}`,
      { paymentId, receiptId, recordedOutcome: state.receipts[receiptId] },
    );
  }
  if (data.batchId !== undefined && data.batchId !== batchId) {
    throw new DomainError(
      'PAYMENT.OUTCOME_FOR_OTHER_ATTEMPT',
      `the bank reports on batch ${data.batchId}; payment ${paymentId} is now in batch ${batchId}`,
      { paymentId, batchId },
    );
  }
  // Status reports and booking notices travel separately, so an acceptance can arrive after the
  // settlement that implied it: it adds nothing.
  if (outcome === 'accepted' && (state.status === 'settled' || state.status === 'returned')) return [];
  // A payment cancelled after its delivery failed may have reached the bank all the same: if the bank
  // settles it, the money left, and that is recorded rather than refused (its claim's invoice stayed
  // held, so nothing else pays it). A rejected payment's cancellation stays final.
  const settledAfterCancellation =
    outcome === 'settled' && state.status === 'cancelled' && state.deliveryUnknown;
  if (!settledAfterCancellation && !ALLOWED_AFTER[outcome].includes(state.status)) {
    const final = FINAL.includes(state.status);
    throw new DomainError(
      final ? 'PAYMENT.ALREADY_FINAL' : 'PAYMENT.OUTCOME_OUT_OF_ORDER',
      `payment ${paymentId} is ${state.status}; it cannot be ${outcome} now`,
      { paymentId, status: state.status, outcome },
    );
  }
  const base = { paymentId, claimId, receiptId, attempt };
  switch (command.type) {
    case 'RecordBankAcceptance':
    case 'RecordBankSettlement': {
      const bankReference = optionalText(
        command.data.bankReference,
        'bankReference',
        'PAYMENT.INVALID_FIELD',
        140,
      );
      const data = bankReference !== undefined ? { ...base, bankReference } : base;
      if (command.type === 'RecordBankAcceptance') return [{ type: 'PaymentAcceptedByBank', data }];
      return [
        {
          type: 'PaymentSettled',
          data: settledAfterCancellation ? { ...data, afterCancellation: true as const } : data,
        },
      ];
    }
    case 'RecordBankRejection':
      return [{ type: 'PaymentRejectedByBank', data: { ...base, ...bankReason(command) } }];
    case 'RecordBankReturn':
      return [{ type: 'PaymentReturned', data: { ...base, ...bankReason(command) } }];
    case 'RecordDispatchFailure': {
      const { attempts } = command.data;
      if (!Number.isSafeInteger(attempts) || attempts < 1) {
        throw new DomainError('PAYMENT.INVALID_FIELD', 'attempts must be a positive integer', {
          field: 'attempts',
        });
      }
      const reason = requireText(command.data.reason, 'reason', 'PAYMENT.INVALID_FIELD', 500);
      return [{ type: 'PaymentDispatchFailed', data: { ...base, batchId, attempts, reason } }];
    }
    default:
      return assertNever(command, 'bank outcome');
  }
}

function bankReason(command: RecordBankRejection | RecordBankReturn): BankReason {
  const { reasonCode } = command.data;
  if (!isIso20022ReasonCode(reasonCode)) {
    throw new DomainError(
      'PAYMENT.INVALID_REASON_CODE',
      'reasonCode must be an ISO 20022 code such as AC04',
      {
        field: 'reasonCode',
      },
    );
  }
  const reasonText =
    optionalText(command.data.reasonText, 'reasonText', 'PAYMENT.INVALID_FIELD', 500) ??
    ISO20022_REASON_NAMES[reasonCode] ??
    reasonCode;
  return { reasonCode, reasonText };
}

function redispatchPayment(command: RedispatchPayment, state: PaymentState): PaymentEvent[] {
  const { data, metadata } = command;
  const current = requireDispatched(state, data.paymentId);
  requireTreasurer(metadata, current.dispatch.claimant);
  const previous = current.dispatch;
  // The redispatch that made the current attempt, retried.
  if (previous.attempt > 1 && previous.batchId === data.batchId) return [];
  if (!RESENDABLE.includes(current.status)) throw notRejected(current);
  const batchId = requireId(data.batchId, 'batchId', 'PAYMENT.INVALID_FIELD');
  if (current.batchIds.includes(batchId)) {
    throw new DomainError('PAYMENT.BATCH_ALREADY_USED', `batch ${batchId} was used by an earlier attempt`, {
      paymentId: previous.paymentId,
      batchId,
    });
  }
  const payee =
    data.correctedPayee !== undefined
      ? requirePayee(data.correctedPayee, {
          field: 'PAYMENT.INVALID_FIELD',
          account: 'PAYMENT.INVALID_ACCOUNT',
        })
      : previous.payee;
  // Segregation of duties: the claim's approvers approved paying this account, not whatever one treasurer
  // types in after a rejection. A corrected payee name on the same account is fine.
  if (!sameAccount(payee.account, current.approvedPayeeAccount)) {
    throw new DomainError(
      'PAYMENT.PAYEE_ACCOUNT_CHANGE_NEEDS_NEW_CLAIM',
      `payment ${previous.paymentId} can only be sent again to the approved payee account; ` +
        'a new payee account needs a new claim and its approvals',
      { paymentId: previous.paymentId, claimId: previous.claimId, field: 'correctedPayee.account' },
    );
  }
  const debtorAccount =
    data.correctedDebtorAccount !== undefined
      ? requireAccount(data.correctedDebtorAccount, 'correctedDebtorAccount', 'PAYMENT.INVALID_ACCOUNT')
      : previous.debtorAccount;
  const requestedExecutionDate = requireExecutionDate(
    data.requestedExecutionDate ?? previous.requestedExecutionDate,
    metadata,
  );
  const corrected = [
    ...(payee.name === previous.payee.name && sameAccount(payee.account, previous.payee.account)
      ? []
      : (['payee'] as const)),
    ...(sameAccount(debtorAccount, previous.debtorAccount) ? [] : (['debtorAccount'] as const)),
    ...(requestedExecutionDate === previous.requestedExecutionDate
      ? []
      : (['requestedExecutionDate'] as const)),
  ];
  return [
    {
      type: 'PaymentRedispatched',
      data: {
        ...previous,
        batchId,
        payee,
        debtorAccount,
        requestedExecutionDate,
        dispatchedBy: metadata.actor.subject,
        attempt: previous.attempt + 1,
        corrected,
      },
    },
  ];
}

function cancelPayment(command: CancelPayment, state: PaymentState): PaymentEvent[] {
  const { data, metadata } = command;
  const current = requireDispatched(state, data.paymentId);
  if (!hasRole(metadata.actor, ROLES.treasurer)) {
    throw new DomainError('PAYMENT.TREASURER_ROLE_REQUIRED', 'only a treasurer can cancel a payment');
  }
  if (current.status === 'cancelled') return []; // cancelled already: a retry
  if (!RESENDABLE.includes(current.status)) throw notRejected(current);
  const reason = requireText(data.reason, 'reason', 'PAYMENT.INVALID_FIELD', 500);
  const { paymentId, claimId } = current.dispatch;
  return [
    { type: 'PaymentCancelled', data: { paymentId, claimId, cancelledBy: metadata.actor.subject, reason } },
  ];
}

function requireDispatched(state: PaymentState, paymentId: string): DispatchedPaymentState {
  if (state.status === 'not_dispatched') {
    throw new DomainError('PAYMENT.NOT_FOUND', `payment ${paymentId} was never dispatched`, { paymentId });
  }
  return state;
}

function notRejected(state: DispatchedPaymentState): DomainError {
  const { paymentId } = state.dispatch;
  return FINAL.includes(state.status)
    ? new DomainError('PAYMENT.ALREADY_FINAL', `payment ${paymentId} is ${state.status}`, {
        paymentId,
        status: state.status,
      })
    : new DomainError(
        'PAYMENT.NOT_REJECTED',
        `payment ${paymentId} is ${state.status}, not rejected by the bank or failed`,
        {
          paymentId,
          status: state.status,
        },
      );
}

function requireExecutionDate(date: unknown, metadata: CommandMetadata): string {
  if (!isIsoDate(date)) {
    throw new DomainError('PAYMENT.INVALID_FIELD', 'requestedExecutionDate must be a date YYYY-MM-DD', {
      field: 'requestedExecutionDate',
    });
  }
  const today = dateOf(metadata.now, 'PAYMENT.INVALID_FIELD');
  if (date < today) {
    throw new DomainError(
      'PAYMENT.EXECUTION_DATE_IN_PAST',
      `requestedExecutionDate ${date} is before ${today}`,
      {
        field: 'requestedExecutionDate',
        today,
      },
    );
  }
  return date;
}

/** The same account in the same form, with the same BIC (a BIC routes the money, so it counts). */
function sameAccount(a: AccountJson, b: AccountJson): boolean {
  return accountLabel(a) === accountLabel(b) && a.bic === b.bic;
}
