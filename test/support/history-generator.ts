import {
  claimStreamId,
  currentSchemaVersion,
  DomainEvent,
  EventStore,
  LedgerEvent,
  paymentBatchStreamId,
  paymentStreamId,
} from '@ledger/events';
import {
  claimDecider,
  Command,
  CommandMetadata,
  Decider,
  paymentBatchDecider,
  paymentDecider,
  paymentDispatchCommands,
} from '@ledger/domain';
import { uuidFromHash } from '@ledger/infra';
import { eventIdFor, requestHashOf } from '../../apps/command-api/src/command-handling/command-identity';

/**
 * Writes a realistic ledger history through the real deciders: claims in several currencies and
 * tiers, approvals by distinct people, batch dispatches, and bank outcomes (most settle; some are
 * rejected and re-dispatched or cancelled; a few are returned). Deterministic for a given seed.
 */
export interface HistoryOptions {
  /** Stop once about this many events are written. */
  readonly events: number;
  readonly seed?: number;
  /** Claims per dispatch batch. */
  readonly batchSize?: number;
  readonly onProgress?: (written: number) => void;
  /**
   * Stop each round after the approvals: the claims stay approved, waiting for a treasurer to dispatch
   * them (the payments benchmark dispatches them over HTTP). Their ids go to `onApproved`.
   */
  readonly approveOnly?: boolean;
  readonly onApproved?: (claimIds: readonly string[]) => void;
}

const CURRENCIES = [
  { code: 'EUR', amounts: ['12.50', '480.00', '4999.99', '12000.00', '75000.00'] },
  { code: 'CNY', amounts: ['88.80', '3200.00', '45000.00', '150000.00'] },
  { code: 'JPY', amounts: ['1200', '48000', '5000000'] },
  { code: 'BHD', amounts: ['1.250', '300.000', '60000.000'] },
];
const PAYEES = [
  { name: 'ACME Supplies', account: { iban: 'DE89370400440532013000' } },
  { name: 'Globex', account: { iban: 'GB82WEST12345698765432' } },
  { name: 'Shanghai Parts', account: { number: '6222021001115555', bankCode: '102100099996' } },
  { name: 'Initech', account: { iban: 'NL91ABNA0417164300' } },
];
const DEBTORS = [{ iban: 'CH9300762011623852957' }, { iban: 'GB33BUKB20201555555555' }];
const COST_CENTERS = ['CC-100', 'CC-200', 'CC-300'];
const CATEGORIES = ['travel', 'software', 'hardware', 'services'];

export async function generateHistory(store: EventStore, options: HistoryOptions): Promise<number> {
  const historySeed = options.seed ?? 42;
  let seed = historySeed;
  const random = () => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed / 0x7fffffff;
  };
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)];
  const batchSize = options.batchSize ?? 50;
  let written = 0;
  let clock = Date.parse('2026-01-05T08:00:00.000Z');
  let sequence = 0;
  const now = () => new Date((clock += 1000)).toISOString();
  const metadata = (subject: string, roles: string[]): CommandMetadata => ({
    actor: { subject, roles },
    now: now(),
    commandId: uuidFromHash(`command|history|${historySeed}|${++sequence}`),
  });

  type Pending = { stream: string; events: LedgerEvent[]; expected: bigint | 'no_stream' };
  let appends: Pending[] = [];
  const streams = new Map<string, { state: unknown; revision: bigint }>();
  function decide<S, C extends Command, E extends DomainEvent>(
    stream: string,
    decider: Decider<S, C, E>,
    command: C,
  ): S {
    const current = streams.get(stream) ?? { state: decider.initialState(), revision: -1n };
    const decided = decider.decide(command, current.state as S);
    const state = decided.reduce((s, e) => decider.evolve(s, e), current.state as S);
    if (decided.length > 0) {
      const { commandId } = command.metadata;
      const requestHash = requestHashOf(command.type, command.data);
      appends.push({
        stream,
        expected: current.revision === -1n ? 'no_stream' : current.revision,
        // Metadata as the command API writes it for a command sent with an Idempotency-Key (as clients
        // and the receipt consumer send them): ids, the key and the request's fingerprint.
        events: decided.map((e, i) => ({
          type: e.type,
          data: e.data,
          metadata: {
            eventId: eventIdFor(commandId, stream, requestHash, i, e.type),
            correlationId: commandId,
            causationId: commandId,
            actor: command.metadata.actor,
            idempotencyKey: uuidFromHash(`key|${commandId}`),
            requestHash,
            occurredAt: command.metadata.now,
            schemaVersion: currentSchemaVersion(e.type),
          },
        })),
      });
    }
    streams.set(stream, { state, revision: current.revision + BigInt(decided.length) });
    return state;
  }
  async function flush(): Promise<void> {
    const batch = appends;
    appends = [];
    await Promise.all(
      batch.map((a) => store.appendToStream(a.stream, a.events, { expectedRevision: a.expected })),
    );
    written += batch.reduce((n, a) => n + a.events.length, 0);
    options.onProgress?.(written);
  }

  let claimNo = 0;
  while (written < options.events) {
    const claims: string[] = [];
    for (let i = 0; i < batchSize; i++) {
      const claimId = `c${seed}-${++claimNo}`;
      const currency = pick(CURRENCIES);
      const claimant = `emp-${claimNo % 97}`;
      const state = decide(claimStreamId(claimId), claimDecider, {
        type: 'SubmitClaim',
        data: {
          claimId,
          payee: pick(PAYEES),
          amount: { value: pick(currency.amounts), currency: currency.code },
          costCenter: pick(COST_CENTERS),
          category: pick(CATEGORIES),
          description: 'Generated claim',
          invoiceNumber: `INV-${claimNo}`,
        },
        metadata: metadata(claimant, ['employee']),
      });
      if (state.status === 'not_submitted') continue;
      if (random() < 0.05) {
        decide(claimStreamId(claimId), claimDecider, {
          type: 'RejectClaim',
          data: { claimId, reason: 'Missing receipt' },
          metadata: metadata('mgr-1', ['manager']),
        });
        continue;
      }
      const approvers: Record<string, string> = { manager: 'mgr-1', finance: 'fin-1', cfo: 'cfo-1' };
      for (const level of state.claim.requiredLevels) {
        decide(claimStreamId(claimId), claimDecider, {
          type: 'ApprovePayment',
          data: { claimId },
          metadata: metadata(approvers[level], [level]),
        });
      }
      claims.push(claimId);
    }
    if (options.approveOnly) {
      await flush();
      options.onApproved?.(claims);
      continue;
    }
    const batchId = `b${seed}-${claimNo}`;
    const debtorAccount = pick(DEBTORS);
    const treasurer = metadata('treasurer-1', ['treasurer']);
    const date = treasurer.now.slice(0, 10);
    const payments: Array<{
      paymentId: string;
      claimId: string;
      amount: { value: string; currency: string };
    }> = [];
    for (const claimId of claims) {
      const paymentId = `p-${claimId}`;
      const claim = streams.get(claimStreamId(claimId))!.state as Parameters<
        typeof paymentDispatchCommands
      >[0];
      const { markClaim, dispatch } = paymentDispatchCommands(
        claim,
        { paymentId, batchId, debtorAccount, requestedExecutionDate: date },
        treasurer,
      );
      decide(claimStreamId(claimId), claimDecider, markClaim);
      decide(paymentStreamId(paymentId), paymentDecider, dispatch);
      payments.push({ paymentId, claimId, amount: dispatch.data.amount });
    }
    if (payments.length > 0) {
      decide(paymentBatchStreamId(batchId), paymentBatchDecider, {
        type: 'RecordPaymentBatch',
        data: { batchId, debtorAccount, requestedExecutionDate: date, payments },
        metadata: treasurer,
      });
    }
    const bank = () => metadata('bank-connector', ['bank-connector']);
    for (const { paymentId, claimId } of payments) {
      const stream = paymentStreamId(paymentId);
      const roll = random();
      const receipt = () => `r-${paymentId}-${++sequence}`;
      if (roll < 0.06) {
        decide(stream, paymentDecider, {
          type: 'RecordBankRejection',
          data: { paymentId, receiptId: receipt(), reasonCode: 'AC04' },
          metadata: bank(),
        });
        if (random() < 0.5) {
          decide(stream, paymentDecider, {
            type: 'CancelPayment',
            data: { paymentId, reason: 'Account closed' },
            metadata: metadata('treasurer-1', ['treasurer']),
          });
          decide(claimStreamId(claimId), claimDecider, {
            type: 'MarkClaimPaymentCancelled',
            data: { claimId, paymentId, reason: 'Account closed' },
            metadata: metadata('treasurer-1', ['treasurer']),
          });
        } else {
          const again = metadata('treasurer-1', ['treasurer']);
          decide(stream, paymentDecider, {
            type: 'RedispatchPayment',
            data: {
              paymentId,
              batchId: `${batchId}-r-${paymentId}`,
              correctedDebtorAccount: pick(DEBTORS),
              requestedExecutionDate: again.now.slice(0, 10),
            },
            metadata: again,
          });
          decide(stream, paymentDecider, {
            type: 'RecordBankSettlement',
            data: { paymentId, receiptId: receipt() },
            metadata: bank(),
          });
        }
        continue;
      }
      decide(stream, paymentDecider, {
        type: 'RecordBankAcceptance',
        data: { paymentId, receiptId: receipt() },
        metadata: bank(),
      });
      decide(stream, paymentDecider, {
        type: 'RecordBankSettlement',
        data: { paymentId, receiptId: receipt() },
        metadata: bank(),
      });
      if (roll > 0.97) {
        decide(stream, paymentDecider, {
          type: 'RecordBankReturn',
          data: { paymentId, receiptId: receipt(), reasonCode: 'AC04' },
          metadata: bank(),
        });
      }
    }
    await flush();
  }
  return written;
}
