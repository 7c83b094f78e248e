import { Inject, Injectable, Logger } from '@nestjs/common';
import {
  Actor,
  BANK_STATEMENT_STREAM_PREFIX,
  BankBalanceComparisonData,
  BankBalanceDifferenceFoundData,
  BankStatementReceivedData,
  bankStatementStreamId,
  currentSchemaVersion,
  DomainEvent,
  EVENT_STORE,
  EventStore,
  LedgerEvent,
  WrongExpectedVersionError,
} from '@ledger/events';
import { CheckedStatement, checkStatement, ReconciliationError, reconcileStatement } from '@ledger/domain';
import { READ_STORE, ReadStore, reconciliationProjection } from '@ledger/projections';
import { AccountStatement, BankToCustomerStatement, Iso20022Error, parseBankMessage } from '@ledger/iso20022';
import { RECONCILIATION_CONFIG, ReconciliationConfig } from './reconciliation.config';
import { ReconciliationLedgerReader } from './reconciliation-ledger.reader';
import { reconciliationCommandId, reconciliationEventId, statementFingerprint } from './statement-identity';

export interface StatementSource {
  readonly via: 'bank-feed' | 'upload';
  /** Who sent the statement; the bank connector's own identity for the bank feed. */
  readonly actor?: Actor;
  readonly correlationId?: string;
}

/** What one statement's reconciliation recorded; the same whether it was recorded now or before. */
export interface StatementOutcome {
  readonly statementId: string;
  readonly accountLabel: string;
  readonly currency: string;
  readonly stream: string;
  readonly periodStart: string;
  readonly periodEnd: string;
  /** True when the statement had been reconciled before: nothing was appended now. */
  readonly replayed: boolean;
  readonly matched: number;
  readonly unmatched: number;
  readonly amountMismatches: number;
  readonly missingPayments: number;
  readonly balance: {
    readonly agreed: boolean;
    /** Signed decimal strings in `currency`. */
    readonly statementClosing: string;
    readonly ledgerClosing: string;
    readonly difference: string;
    readonly fullyExplained: boolean;
  };
  /** Log position of the statement's last event. */
  readonly position: string;
}

export interface ReconciliationResult {
  readonly messageId: string;
  /** True when at least one statement was reconciled now (HTTP 201), false when all were already (200). */
  readonly created: boolean;
  readonly statements: readonly StatementOutcome[];
  /** The highest log position of the answer: pass it as `?minPosition=` to the query API. */
  readonly position: string;
}

/** The reconciliation read model has not caught up with the statements in the log within the wait. */
export class ReconciliationReadModelBehindError extends Error {
  readonly code = 'READ_MODEL.BEHIND';
  constructor(
    readonly reached: bigint,
    readonly needed: bigint,
  ) {
    super(
      `the reconciliation read model is at ${reached}, the log's last statement at ${needed}; retry shortly`,
    );
    this.name = 'ReconciliationReadModelBehindError';
  }
}

const BANK_CONNECTOR: Actor = { subject: 'bank-connector', roles: ['bank-connector'] };
const MAX_ATTEMPTS = 3;

/**
 * Reconciles camt.053 statements: each statement gets its own stream (account + statement id), and its whole
 * reconciliation (the pure `reconcileStatement`) is appended there at once, with `no_stream` as the
 * expected revision: the same statement sent again appends nothing and answers what the first time
 * recorded; the same statement id with other content is refused (`RECONCILIATION.STATEMENT_CONFLICT`).
 *
 * Consistency: matching reads what earlier statements recorded from the reconciliation read model (which
 * payment legs are matched, counted, reported missing; the account's last balance comparison). Before it
 * reads, it finds the last statement event in the log past the read model's checkpoint and waits (bounded)
 * for the projector to apply it, so a statement always sees the ones reconciled before it, also across
 * restarts and processes. Statements are reconciled one at a time in this process; two processes
 * reconciling statements of the same account at the same instant could still read the same state (run one
 * bank connector per bank account). The payments read model is not waited for: see
 * ReconciliationLedgerReader.
 */
@Injectable()
export class ReconciliationService {
  private readonly logger = new Logger('ReconciliationService');
  private tail: Promise<unknown> = Promise.resolve();

  constructor(
    @Inject(EVENT_STORE) private readonly events: EventStore,
    @Inject(READ_STORE) private readonly readStore: ReadStore,
    private readonly ledger: ReconciliationLedgerReader,
    @Inject(RECONCILIATION_CONFIG) private readonly config: ReconciliationConfig,
  ) {}

  /**
   * Parses a camt.053 (.001.08 or .001.02), validated against its schema, and reconciles its statements.
   * Throws `Iso20022Error` for malformed, schema-invalid or other messages, before anything is appended.
   */
  async reconcileXml(xml: string, source: StatementSource): Promise<ReconciliationResult> {
    const parsed = await parseBankMessage(xml);
    if (parsed.type !== 'camt.053.001.08' && parsed.type !== 'camt.053.001.02') {
      throw new Iso20022Error(
        'ISO20022.UNSUPPORTED_MESSAGE',
        `a ${parsed.type} is not a bank statement (camt.053)`,
      );
    }
    return this.reconcile(parsed.message, source);
  }

  /**
   * Reconciles every statement of the message, in order of period end. Every statement is checked (and an
   * earlier reconciliation with other content looked for) before anything is appended. Statements are
   * appended one by one, each to its own stream: if one fails, those before it stay reconciled, and sending
   * the message again completes the rest.
   */
  reconcile(statement: BankToCustomerStatement, source: StatementSource): Promise<ReconciliationResult> {
    const run = this.tail.then(() => this.reconcileNow(statement, source));
    this.tail = run.catch(() => undefined);
    return run;
  }

  private async reconcileNow(
    message: BankToCustomerStatement,
    source: StatementSource,
  ): Promise<ReconciliationResult> {
    const planned = message.statements.map((statement, index) => {
      const checked = checkStatement(statement);
      return {
        index,
        statement,
        checked,
        stream: bankStatementStreamId(statement.account, statement.statementId),
        fingerprint: statementFingerprint(statement),
      };
    });
    const seen = new Map<string, string>();
    for (const plan of planned) {
      const other = seen.get(plan.stream);
      if (other !== undefined && other !== plan.fingerprint) throw conflict(plan.statement);
      seen.set(plan.stream, plan.fingerprint);
      const [first] = await this.events.readStream(plan.stream, { maxCount: 1 });
      if (first !== undefined && (first.data as BankStatementReceivedData).fingerprint !== plan.fingerprint) {
        throw conflict(plan.statement);
      }
    }
    const outcomes: StatementOutcome[] = new Array(planned.length);
    const order = [...planned].sort(
      (a, b) => compare(a.checked.periodEnd, b.checked.periodEnd) || a.index - b.index,
    );
    for (const plan of order) {
      outcomes[plan.index] = await this.reconcileStatement(message, plan, source);
    }
    const position = outcomes.reduce((max, o) => (BigInt(o.position) > max ? BigInt(o.position) : max), -1n);
    return {
      messageId: message.messageId,
      created: outcomes.some((o) => !o.replayed),
      statements: outcomes,
      position: position.toString(),
    };
  }

  private async reconcileStatement(
    message: BankToCustomerStatement,
    plan: { statement: AccountStatement; checked: CheckedStatement; stream: string; fingerprint: string },
    source: StatementSource,
  ): Promise<StatementOutcome> {
    for (let attempt = 1; ; attempt++) {
      const existing = await this.events.readStream(plan.stream);
      if (existing.length > 0) {
        if ((existing[0].data as BankStatementReceivedData).fingerprint !== plan.fingerprint) {
          throw conflict(plan.statement);
        }
        return outcomeOf(plan.stream, existing, existing[existing.length - 1].position, true);
      }
      await this.awaitReadModel();
      const { checked } = plan;
      const [ledger, payments] = await Promise.all([
        this.ledger.accountState(checked.accountLabel, checked.currency),
        this.ledger.payments(checked, this.config.options.lookbackDays),
      ]);
      const decided = reconcileStatement(
        {
          statement: plan.statement,
          messageId: message.messageId,
          messageVersion: message.version,
          fingerprint: plan.fingerprint,
          via: source.via,
        },
        payments,
        ledger,
        this.config.options,
      );
      try {
        const result = await this.events.appendToStream(plan.stream, this.envelope(plan, decided, source), {
          expectedRevision: 'no_stream',
        });
        this.logger.log({
          msg: 'statement reconciled',
          stream: plan.stream,
          events: decided.length,
          position: result.position.toString(),
        });
        return outcomeOf(plan.stream, decided, result.position, false);
      } catch (error) {
        // Someone else reconciled it meanwhile: answer what they recorded.
        if (!(error instanceof WrongExpectedVersionError) || attempt >= MAX_ATTEMPTS) throw error;
      }
    }
  }

  private envelope(
    plan: { stream: string; fingerprint: string },
    decided: readonly DomainEvent[],
    source: StatementSource,
  ): LedgerEvent[] {
    const commandId = reconciliationCommandId(plan.stream, plan.fingerprint);
    const occurredAt = new Date().toISOString();
    return decided.map((event, index) => ({
      type: event.type,
      data: event.data,
      metadata: {
        eventId: reconciliationEventId(plan.stream, plan.fingerprint, index, event.type),
        correlationId: source.correlationId ?? commandId,
        causationId: commandId,
        actor: source.actor ?? BANK_CONNECTOR,
        occurredAt,
        schemaVersion: currentSchemaVersion(event.type),
      },
    }));
  }

  /** Waits until the reconciliation read model has applied every statement event in the log. */
  private async awaitReadModel(): Promise<void> {
    const name = reconciliationProjection.name;
    const checkpoint = await this.readStore.checkpoint(name);
    let last: bigint | undefined;
    for await (const event of this.events.readAll({
      fromPosition: checkpoint === null ? 'start' : checkpoint + 1n,
      filter: { streamPrefixes: [BANK_STATEMENT_STREAM_PREFIX] },
    })) {
      last = event.position;
    }
    if (last === undefined) return;
    const deadline = Date.now() + this.config.readModelWaitMs;
    for (;;) {
      const reached = (await this.readStore.checkpoint(name)) ?? -1n;
      if (reached >= last) return;
      if (Date.now() >= deadline) throw new ReconciliationReadModelBehindError(reached, last);
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }
}

function outcomeOf(
  stream: string,
  events: readonly { readonly type: string; readonly data: unknown }[],
  position: bigint,
  replayed: boolean,
): StatementOutcome {
  const received = events[0].data as BankStatementReceivedData;
  const count = (type: string) => events.filter((e) => e.type === type).length;
  const last = events[events.length - 1];
  const balance = last.data as BankBalanceComparisonData;
  const agreed = last.type === 'BankBalanceAgreed';
  return {
    statementId: received.statementId,
    accountLabel: received.accountLabel,
    currency: received.currency,
    stream,
    periodStart: received.periodStart,
    periodEnd: received.periodEnd,
    replayed,
    matched: count('StatementEntryMatched'),
    unmatched: count('StatementEntryUnmatched'),
    amountMismatches: count('StatementEntryAmountMismatch'),
    missingPayments: count('PaymentMissingFromStatement'),
    balance: {
      agreed,
      statementClosing: balance.statementClosing.value,
      ledgerClosing: balance.ledgerClosing.value,
      difference: balance.difference.value,
      fullyExplained: agreed || (last.data as BankBalanceDifferenceFoundData).explanation.fullyExplained,
    },
    position: position.toString(),
  };
}

function conflict(statement: AccountStatement): ReconciliationError {
  return new ReconciliationError(
    'RECONCILIATION.STATEMENT_CONFLICT',
    `statement ${statement.statementId} was reconciled before with other content; a bank statement is never changed`,
    { statementId: statement.statementId },
  );
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
