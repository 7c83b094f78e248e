import { createHash, randomBytes } from 'node:crypto';
import {
  AccountJson,
  accountLabel,
  currencyOf,
  formatAmount,
  isIbanAccount,
  MoneyError,
  MoneyJson,
  parseMoney,
} from '@ledger/events';
import {
  AccountStatement,
  BookedEntry,
  buildCamt053,
  buildCamt054,
  buildPain002,
  CreditTransferInitiation,
  readIso20022Document,
  exportPublicJwk,
  Iso20022Error,
  parsePain001,
  PartyAccount,
  PaymentStatusReport,
  signIso20022,
  SigningKey,
  TransactionStatusReport,
  TrustedKeys,
  assertSchemaValid,
  verifyIso20022,
} from '@ledger/iso20022';
import type { JWK } from 'jose';
import { Clock, systemClock } from './sandbox-clock';
import { SandboxBankJournal } from './sandbox-bank.journal';
import { refusalOf, SandboxBankFailure, SandboxBankRefusal } from './sandbox-bank.refusal';

export interface SandboxBankTimings {
  /** From acceptance (ACCP) to settlement. */
  readonly settleAfterMs: number;
  /** How long a transfer to a creditor account ending `0002` stays PDNG before it settles. */
  readonly pendingForMs: number;
  /** From settlement to the return of a transfer to a creditor account ending `0001`. */
  readonly returnAfterMs: number;
}

export const DEFAULT_SANDBOX_BANK_TIMINGS: SandboxBankTimings = {
  settleAfterMs: 200,
  pendingForMs: 2_000,
  returnAfterMs: 3_000,
};

/** A bank that settles (and returns) at the next opportunity: the benchmark's baseline. */
export const INSTANT_SANDBOX_BANK_TIMINGS: SandboxBankTimings = {
  settleAfterMs: 0,
  pendingForMs: 0,
  returnAfterMs: 0,
};

export interface OpeningBalance {
  readonly account: AccountJson;
  readonly balance: MoneyJson;
}

export interface SandboxBankOptions {
  /** The bank's own ES256 key: it signs every message the bank sends. */
  readonly signingKey: SigningKey;
  /** Public keys of the connectors whose pain.001 the bank accepts. */
  readonly trustedConnectorKeys: readonly JWK[];
  readonly clock?: Clock;
  readonly timings?: Partial<SandboxBankTimings>;
  /** Balances of debtor accounts when the bank first sees them. */
  readonly openingBalances?: readonly OpeningBalance[];
  /** Opening balance, in whole major units of any currency, of a debtor account not listed. */
  readonly defaultOpeningBalance?: bigint;
  /** Where the bank's state is kept across restarts; in memory only when absent. */
  readonly journalFile?: string;
  /** Prefix of every id the bank makes; random (and then kept in the journal) when absent. */
  readonly instanceId?: string;
  /** The return reason of a transfer to a creditor account ending `0001`. */
  readonly returnReasonCode?: string;
  /** Validate incoming pain.001 against the XSD (default true); off only to measure what it costs. */
  readonly validateSchema?: boolean;
}

export const DEFAULT_OPENING_BALANCE_MAJOR_UNITS = 1_000_000_000n;

export interface SandboxSubmitResult {
  /** The signed pain.002 acknowledging the message. */
  readonly ack: string;
  /** True when the message had been received before: the same acknowledgement, nothing new done. */
  readonly replayed: boolean;
}

export interface SandboxFeedMessage {
  readonly cursor: string;
  readonly jws: string;
}

export interface SandboxClosedDay {
  readonly date: string;
  /** The camt.053 messages of that day (one per debtor account), as published in the feed. */
  readonly messages: readonly SandboxFeedMessage[];
  /** True when the day had been closed before: the same statements, nothing new published. */
  readonly alreadyClosed: boolean;
}

export interface SandboxBalance {
  readonly account: AccountJson;
  readonly currency: string;
  /** Booked balance. */
  readonly booked: MoneyJson;
  /** Accepted or pending transfers not settled yet. */
  readonly reserved: MoneyJson;
  readonly available: MoneyJson;
}

export const REASON_TEXTS: Readonly<Record<string, string>> = {
  AC04: 'Closed account number',
  AC06: 'Blocked account',
  AM04: 'Insufficient funds',
  DUPL: 'Duplicate payment',
  MD07: 'End customer deceased',
};

export const FEED_LIMIT_MAX = 1_000;

type TransferStatus = 'accepted' | 'pending' | 'settled' | 'returned';

/** A transfer the bank took on (accepted or pending); rejected ones live only in their acknowledgement. */
interface TransferJson {
  readonly ref: string;
  readonly endToEndId: string;
  readonly messageId: string;
  readonly ledgerKey: string;
  readonly creditor: PartyAccount;
  readonly amount: MoneyJson;
  readonly remittanceInformation?: string;
  readonly status: 'accepted' | 'pending';
}

interface Transfer extends Omit<TransferJson, 'status'> {
  readonly minorUnits: bigint;
  status: TransferStatus;
}

interface Ledger {
  readonly key: string;
  readonly account: AccountJson;
  readonly currency: string;
  readonly openedOn: string;
  readonly opening: bigint;
  booked: bigint;
  reserved: bigint;
  readonly entries: { readonly entry: BookedEntry; readonly signed: bigint }[];
}

/** What the bank decided, journalled as is and replayed through `apply` on restart. */
type BankFact =
  | { readonly type: 'BankOpened'; readonly instanceId: string }
  | {
      readonly type: 'LedgerOpened';
      readonly key: string;
      readonly account: AccountJson;
      readonly currency: string;
      readonly opening: string;
      readonly openedOn: string;
    }
  | {
      readonly type: 'MessageAcknowledged';
      readonly messageId: string;
      readonly xmlHash: string;
      readonly ack: string;
    }
  | { readonly type: 'TransferTaken'; readonly transfer: TransferJson; readonly dueAt: number }
  | {
      readonly type: 'TransferSettled';
      readonly ref: string;
      readonly entry: BookedEntry;
      readonly returnDueAt?: number;
    }
  | { readonly type: 'TransferReturned'; readonly ref: string; readonly entry: BookedEntry }
  | { readonly type: 'MessagePublished'; readonly jws: string }
  | { readonly type: 'DayClosed'; readonly date: string; readonly cursors: readonly string[] };

interface JournalLine {
  readonly at: string;
  readonly nextId: number;
  readonly facts: readonly BankFact[];
}

interface Step {
  readonly dueAt: number;
  readonly order: number;
  readonly ref: string;
  readonly action: 'settle' | 'return';
}

/**
 * An in-memory bank for development, tests and benchmarks. It verifies and validates the connector's signed
 * pain.001, deduplicates by message id and end-to-end id, keeps a balance per debtor account and currency,
 * decides each transfer by its creditor account (see the README table), answers with a signed pain.002, and
 * publishes later outcomes (camt.054 notifications, camt.053 statements) in an ordered feed.
 *
 * Time moves only when its clock says so: due work is done at the start of `submit`, `fetchMessages` and
 * `closeDay`, and on each tick of `start()`. Every state change is a fact applied in memory and, with a
 * journal file, appended to it before the bank answers, so a restarted bank remembers what it paid.
 */
export class SandboxBank {
  private readonly clock: Clock;
  private readonly timings: SandboxBankTimings;
  private readonly openingBalances = new Map<string, bigint>();
  private readonly defaultOpeningBalance: bigint;
  private readonly returnReasonCode: string;
  private readonly validateSchema: boolean;
  private readonly journal: SandboxBankJournal | undefined;

  private instanceId = '';
  private nextId = 1;
  private readonly acksByMessageId = new Map<string, { readonly xmlHash: string; readonly ack: string }>();
  private readonly acksByXmlHash = new Map<string, string>();
  private readonly transfers = new Map<string, Transfer>();
  /** End-to-end ids the bank took on (whatever happened next): never paid again. */
  private readonly takenEndToEndIds = new Map<string, string>();
  private readonly ledgers = new Map<string, Ledger>();
  private readonly feed: string[] = [];
  private readonly publishedListeners = new Set<() => void>();
  private readonly closedDays = new Map<string, readonly string[]>();
  private lastClosedDay: string | undefined;
  private readonly schedule = new StepQueue();
  private stepOrder = 0;

  private queue: Promise<unknown> = Promise.resolve();
  private failure: SandboxBankFailure | undefined;
  private timer: NodeJS.Timeout | undefined;
  /** The one-shot timer for the earliest scheduled step, and when that step is due. */
  private dueTimer: NodeJS.Timeout | undefined;
  private dueTimerAt = 0;
  private tickError: unknown;

  private constructor(
    private readonly options: SandboxBankOptions,
    private readonly bankPublicJwk: JWK,
    private readonly trusted: TrustedKeys,
  ) {
    this.clock = options.clock ?? systemClock;
    this.timings = { ...DEFAULT_SANDBOX_BANK_TIMINGS, ...options.timings };
    for (const [name, value] of Object.entries(this.timings)) {
      if (!Number.isSafeInteger(value) || value < 0) {
        throw new RangeError(`${name} must be a whole number ≥ 0`);
      }
    }
    this.defaultOpeningBalance = options.defaultOpeningBalance ?? DEFAULT_OPENING_BALANCE_MAJOR_UNITS;
    for (const { account, balance } of options.openingBalances ?? []) {
      const amount = parseMoney(balance, { allowZero: true });
      this.openingBalances.set(ledgerKeyOf(account, amount.currency), amount.minorUnits);
    }
    this.returnReasonCode = options.returnReasonCode ?? 'AC06';
    this.validateSchema = options.validateSchema ?? true;
    this.journal =
      options.journalFile !== undefined ? new SandboxBankJournal(options.journalFile) : undefined;
  }

  /** Opens the bank, replaying its journal when it has one. */
  static async open(options: SandboxBankOptions): Promise<SandboxBank> {
    const publicJwk = await exportPublicJwk(options.signingKey);
    for (const jwk of options.trustedConnectorKeys) {
      // A JWS names its key by kid; a trusted key without one could never be matched.
      if (typeof jwk.kid !== 'string' || jwk.kid === '') {
        throw new Error('every trusted connector key needs a kid');
      }
    }
    const trusted: TrustedKeys = { keys: [...options.trustedConnectorKeys] };
    const bank = new SandboxBank(options, publicJwk, trusted);
    bank.replay();
    return bank;
  }

  /** The bank's public key, to configure the connector to trust what the bank signs. */
  publicJwk(): JWK {
    return this.bankPublicJwk;
  }

  /**
   * Receives a signed pain.001. Refuses (with `SandboxBankRefusal`) an unsigned, wrongly signed or tampered
   * message, one that is malformed or breaks its schema, and a known message id with different contents. A
   * message received before gets its first acknowledgement again.
   */
  async submit(jws: string): Promise<SandboxSubmitResult> {
    this.assertUsable();
    const xml = await this.verify(jws);
    const xmlHash = createHash('sha256').update(xml).digest('base64url');
    // A resend is answered before the costly schema validation.
    const known = this.acksByXmlHash.get(xmlHash);
    if (known !== undefined) return { ack: known, replayed: true };
    const initiation = await this.readPain001(xml);
    return this.exclusive(async (facts) => {
      await this.processDue(facts);
      const previous = this.acksByMessageId.get(initiation.messageId);
      if (previous !== undefined) {
        if (previous.xmlHash === xmlHash) return { ack: previous.ack, replayed: true };
        throw new SandboxBankRefusal(
          409,
          'BANK.DUPLICATE_MESSAGE_ID',
          `message id ${initiation.messageId} was received before with different contents`,
        );
      }
      return { ack: await this.acknowledge(initiation, xmlHash, facts), replayed: false };
    });
  }

  /** The bank's messages after `cursor` (from the start when absent), oldest first, at most `limit`. */
  async fetchMessages(cursor: string | undefined, limit: number): Promise<SandboxFeedMessage[]> {
    this.assertUsable();
    const after = parseCursor(cursor);
    if (!Number.isSafeInteger(limit) || limit < 1 || limit > FEED_LIMIT_MAX) {
      throw new SandboxBankRefusal(
        400,
        'BANK.INVALID_LIMIT',
        `limit must be a whole number from 1 to ${FEED_LIMIT_MAX}`,
      );
    }
    return this.exclusive(async (facts) => {
      await this.processDue(facts);
      return this.feed
        .slice(after, after + limit)
        .map((jws, index) => ({ cursor: formatCursor(after + index + 1), jws }));
    });
  }

  /**
   * Publishes the camt.053 statements of `date` (default: the clock's day), one per debtor account with a
   * statement per currency. Entries booked after a day is closed are booked on the next day, so each entry is
   * in exactly one statement and each closing balance is the next opening balance. Closing a day again gives
   * the same statements.
   */
  async closeDay(date?: string): Promise<SandboxClosedDay> {
    this.assertUsable();
    return this.exclusive(async (facts) => {
      await this.processDue(facts);
      const today = isoDay(this.clock.now().getTime());
      const day = date ?? today;
      if (!/^\d{4}-\d{2}-\d{2}$/.test(day) || isoDay(Date.parse(`${day}T00:00:00Z`)) !== day) {
        throw new SandboxBankRefusal(
          400,
          'BANK.INVALID_DATE',
          `${JSON.stringify(day)} is not a date YYYY-MM-DD`,
        );
      }
      if (day > today) {
        throw new SandboxBankRefusal(
          422,
          'BANK.DAY_NOT_STARTED',
          `${day} has not begun (the bank's day is ${today})`,
        );
      }
      const closed = this.closedDays.get(day);
      if (closed !== undefined)
        return { date: day, messages: this.feedMessages(closed), alreadyClosed: true };
      const cursors: string[] = [];
      for (const ledgers of this.ledgersByAccount(day)) {
        const jws = await this.sign(
          buildCamt053({
            version: 'camt.053.001.08',
            messageId: this.newId('SM'),
            creationDateTime: this.clock.now().toISOString(),
            statements: ledgers.map((ledger) => this.statementOf(ledger, day)),
          }),
        );
        cursors.push(this.publish(jws, facts));
      }
      this.record({ type: 'DayClosed', date: day, cursors }, facts);
      return { date: day, messages: this.feedMessages(cursors), alreadyClosed: false };
    });
  }

  /**
   * Calls `listener` (soon, not from within the bank's work) whenever the bank has published messages to its
   * feed, so an in-process reader need not wait for its next poll. Returns the way to stop listening.
   */
  onPublished(listener: () => void): () => void {
    this.publishedListeners.add(listener);
    return () => this.publishedListeners.delete(listener);
  }

  /** Does the work that is due now (the timer calls this; tests may too). */
  async tick(): Promise<void> {
    this.assertUsable();
    await this.exclusive((facts) => this.processDue(facts));
  }

  /**
   * Processes due work without waiting for a caller: when the next scheduled step falls due, and at least
   * every `intervalMs`.
   */
  start(intervalMs = 50): void {
    if (this.timer !== undefined) return;
    this.timer = setInterval(() => this.tickFromTimer(), intervalMs);
    this.timer.unref();
    this.armDueTimer();
  }

  /** Stops the timer and waits for the work in hand; the journal is closed. */
  async stop(): Promise<void> {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
    clearTimeout(this.dueTimer);
    this.dueTimer = undefined;
    await this.queue.catch(() => undefined);
    this.journal?.close();
  }

  private tickFromTimer(): void {
    if (this.failure !== undefined) return;
    this.tick().catch((error: unknown) => (this.tickError = error));
  }

  /** Once started: a timer for the earliest scheduled step, unless one is set for it or sooner. */
  private armDueTimer(): void {
    const next = this.schedule.peek();
    if (this.timer === undefined || next === undefined) return;
    if (this.dueTimer !== undefined && this.dueTimerAt <= next.dueAt) return;
    clearTimeout(this.dueTimer);
    this.dueTimerAt = next.dueAt;
    this.dueTimer = setTimeout(
      () => {
        this.dueTimer = undefined;
        this.tickFromTimer();
      },
      Math.max(0, next.dueAt - this.clock.now().getTime()),
    );
    this.dueTimer.unref();
  }

  /** The last error a timer tick met, if any (a tick has no caller to tell). */
  lastTickError(): unknown {
    return this.tickError;
  }

  /** Down once the journal could not be written: the bank then refuses everything until restarted. */
  health(): { readonly up: boolean; readonly detail?: string } {
    return this.failure === undefined ? { up: true } : { up: false, detail: this.failure.message };
  }

  /** Every debtor account and currency the bank has seen, with its balances. */
  balances(): SandboxBalance[] {
    return [...this.ledgers.values()].map((ledger) => {
      const money = (minorUnits: bigint) => moneyJson(minorUnits, ledger.currency);
      return {
        account: ledger.account,
        currency: ledger.currency,
        booked: money(ledger.booked),
        reserved: money(ledger.reserved),
        available: money(ledger.booked - ledger.reserved),
      };
    });
  }

  // ---- deciding

  /**
   * Decides every transfer of a new message and signs the acknowledgement. The transfers are taken on only once
   * the acknowledgement exists, so a failure half-way leaves nothing that a resend would call a duplicate.
   */
  private async acknowledge(
    initiation: CreditTransferInitiation,
    xmlHash: string,
    facts: BankFact[],
  ): Promise<string> {
    const now = this.clock.now().getTime();
    const transactions: TransactionStatusReport[] = [];
    const taken: BankFact[] = [];
    const takenHere = new Set<string>();
    const reservedHere = new Map<string, bigint>();
    for (const block of initiation.paymentInformation) {
      for (const transfer of block.transfers) {
        const amount = parseMoney(transfer.amount);
        const ledger = this.ledgerFor(block.debtor.account, amount.currency, now, facts);
        const available = ledger.booked - ledger.reserved - (reservedHere.get(ledger.key) ?? 0n);
        const creditorEnding = accountNumberOf(transfer.creditor.account).slice(-4);
        const line = {
          statusId: this.newId('ST'),
          originalEndToEndId: transfer.endToEndId,
          originalPaymentInformationId: block.paymentInformationId,
        };
        const reject = (reasonCode: string) =>
          transactions.push({
            ...line,
            status: 'RJCT',
            reasonCode,
            reasonText: REASON_TEXTS[reasonCode],
          });
        if (this.takenEndToEndIds.has(transfer.endToEndId) || takenHere.has(transfer.endToEndId)) {
          reject('DUPL');
        } else if (creditorEnding === '0000') {
          reject('AC04');
        } else if (available < amount.minorUnits) {
          reject('AM04');
        } else {
          const pending = creditorEnding === '0002';
          const ref = this.newId('TX');
          takenHere.add(transfer.endToEndId);
          reservedHere.set(ledger.key, (reservedHere.get(ledger.key) ?? 0n) + amount.minorUnits);
          taken.push({
            type: 'TransferTaken',
            transfer: {
              ref,
              endToEndId: transfer.endToEndId,
              messageId: initiation.messageId,
              ledgerKey: ledger.key,
              creditor: transfer.creditor,
              amount: transfer.amount,
              ...(transfer.remittanceInformation !== undefined
                ? { remittanceInformation: transfer.remittanceInformation }
                : {}),
              status: pending ? 'pending' : 'accepted',
            },
            dueAt: now + (pending ? this.timings.pendingForMs : this.timings.settleAfterMs),
          });
          transactions.push({
            ...line,
            status: pending ? 'PDNG' : 'ACCP',
            bankReference: ref,
          });
        }
      }
    }
    const ack = await this.sign(
      buildPain002({
        messageId: this.newId('PS'),
        creationDateTime: new Date(now).toISOString(),
        originalMessageId: initiation.messageId,
        originalMessageNameId: 'pain.001.001.09',
        groupStatus: groupStatusOf(transactions),
        transactions,
      }),
    );
    for (const fact of taken) this.record(fact, facts);
    this.record({ type: 'MessageAcknowledged', messageId: initiation.messageId, xmlHash, ack }, facts);
    return ack;
  }

  /** Settles and returns what is due, then notifies each debtor account touched with one camt.054. */
  private async processDue(facts: BankFact[]): Promise<void> {
    const now = this.clock.now().getTime();
    const touched = new Map<string, { account: AccountJson; entries: BookedEntry[] }>();
    const notify = (ledger: Ledger, entry: BookedEntry) => {
      const label = accountLabel(ledger.account);
      const notification = touched.get(label) ?? { account: ledger.account, entries: [] };
      notification.entries.push(entry);
      touched.set(label, notification);
    };
    for (
      let step = this.schedule.peek();
      step !== undefined && step.dueAt <= now;
      step = this.schedule.peek()
    ) {
      this.schedule.pop();
      const transfer = this.transfers.get(step.ref)!;
      const ledger = this.ledgers.get(transfer.ledgerKey)!;
      const bookingDate = this.bookingDay(step.dueAt);
      if (step.action === 'settle' && (transfer.status === 'accepted' || transfer.status === 'pending')) {
        const entry: BookedEntry = {
          entryReference: this.newId('EN'),
          amount: transfer.amount,
          creditDebit: 'DBIT',
          bookingDate,
          valueDate: bookingDate,
          bankReference: transfer.ref,
          endToEndId: transfer.endToEndId,
          counterparty: transfer.creditor,
          ...(transfer.remittanceInformation !== undefined
            ? { remittanceInformation: transfer.remittanceInformation }
            : {}),
        };
        const returns = accountNumberOf(transfer.creditor.account).endsWith('0001');
        this.record(
          {
            type: 'TransferSettled',
            ref: transfer.ref,
            entry,
            ...(returns ? { returnDueAt: step.dueAt + this.timings.returnAfterMs } : {}),
          },
          facts,
        );
        notify(ledger, entry);
      } else if (step.action === 'return' && transfer.status === 'settled') {
        const entry: BookedEntry = {
          entryReference: this.newId('EN'),
          amount: transfer.amount,
          creditDebit: 'CRDT',
          bookingDate,
          valueDate: bookingDate,
          bankReference: this.newId('RT'),
          endToEndId: transfer.endToEndId,
          counterparty: transfer.creditor,
          returnReasonCode: this.returnReasonCode,
          returnReasonText: REASON_TEXTS[this.returnReasonCode] ?? this.returnReasonCode,
        };
        this.record({ type: 'TransferReturned', ref: transfer.ref, entry }, facts);
        notify(ledger, entry);
      }
    }
    for (const { account, entries } of touched.values()) {
      const messageId = this.newId('NT');
      const jws = await this.sign(
        buildCamt054({
          messageId,
          creationDateTime: new Date(now).toISOString(),
          notificationId: messageId,
          account,
          entries,
        }),
      );
      this.publish(jws, facts);
    }
  }

  private ledgerFor(account: AccountJson, currency: string, now: number, facts: BankFact[]): Ledger {
    const key = ledgerKeyOf(account, currency);
    const existing = this.ledgers.get(key);
    if (existing !== undefined) return existing;
    const opening =
      this.openingBalances.get(key) ??
      parseMoney({ value: this.defaultOpeningBalance.toString(), currency }, { allowZero: true }).minorUnits;
    this.record(
      {
        type: 'LedgerOpened',
        key,
        account: withoutBic(account),
        currency,
        opening: opening.toString(),
        openedOn: this.bookingDay(now),
      },
      facts,
    );
    return this.ledgers.get(key)!;
  }

  private statementOf(ledger: Ledger, day: string): AccountStatement {
    let opening = ledger.opening;
    const entries: BookedEntry[] = [];
    let closing = ledger.opening;
    for (const { entry, signed } of ledger.entries) {
      if (entry.bookingDate < day) opening += signed;
      if (entry.bookingDate <= day) closing += signed;
      if (entry.bookingDate === day) entries.push(entry);
    }
    const money = (minorUnits: bigint) => moneyJson(minorUnits, ledger.currency);
    return {
      statementId: this.newId('SS'),
      creationDateTime: this.clock.now().toISOString(),
      from: `${day}T00:00:00.000Z`,
      to: `${day}T23:59:59.999Z`,
      account: ledger.account,
      currency: ledger.currency,
      openingBalance: { type: 'OPBD', amount: money(opening), date: day },
      closingBalance: { type: 'CLBD', amount: money(closing), date: day },
      entries,
    };
  }

  /** The ledgers open on `day`, grouped by account, in a stable order. */
  private ledgersByAccount(day: string): Ledger[][] {
    const byAccount = new Map<string, Ledger[]>();
    const open = [...this.ledgers.values()].filter((ledger) => ledger.openedOn <= day);
    open.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    for (const ledger of open) {
      const label = accountLabel(ledger.account);
      byAccount.set(label, [...(byAccount.get(label) ?? []), ledger]);
    }
    return [...byAccount.values()];
  }

  /** The day an entry made at `time` is booked on: its own, or the first day not closed yet. */
  private bookingDay(time: number): string {
    const day = isoDay(time);
    if (this.lastClosedDay === undefined || day > this.lastClosedDay) return day;
    return isoDay(Date.parse(`${this.lastClosedDay}T00:00:00Z`) + 86_400_000);
  }

  // ---- applying and journalling

  private record(fact: BankFact, facts: BankFact[]): void {
    this.apply(fact);
    facts.push(fact);
  }

  private publish(jws: string, facts: BankFact[]): string {
    this.record({ type: 'MessagePublished', jws }, facts);
    return formatCursor(this.feed.length);
  }

  private apply(fact: BankFact): void {
    switch (fact.type) {
      case 'BankOpened':
        this.instanceId = fact.instanceId;
        return;
      case 'LedgerOpened': {
        const opening = BigInt(fact.opening);
        this.ledgers.set(fact.key, {
          key: fact.key,
          account: fact.account,
          currency: fact.currency,
          openedOn: fact.openedOn,
          opening,
          booked: opening,
          reserved: 0n,
          entries: [],
        });
        return;
      }
      case 'MessageAcknowledged':
        this.acksByMessageId.set(fact.messageId, { xmlHash: fact.xmlHash, ack: fact.ack });
        this.acksByXmlHash.set(fact.xmlHash, fact.ack);
        return;
      case 'TransferTaken': {
        const minorUnits = parseMoney(fact.transfer.amount).minorUnits;
        this.transfers.set(fact.transfer.ref, { ...fact.transfer, minorUnits });
        this.takenEndToEndIds.set(fact.transfer.endToEndId, fact.transfer.ref);
        this.ledgers.get(fact.transfer.ledgerKey)!.reserved += minorUnits;
        this.schedule.push({
          dueAt: fact.dueAt,
          order: this.stepOrder++,
          ref: fact.transfer.ref,
          action: 'settle',
        });
        return;
      }
      case 'TransferSettled': {
        const transfer = this.transfers.get(fact.ref)!;
        const ledger = this.ledgers.get(transfer.ledgerKey)!;
        transfer.status = 'settled';
        ledger.reserved -= transfer.minorUnits;
        ledger.booked -= transfer.minorUnits;
        ledger.entries.push({ entry: fact.entry, signed: -transfer.minorUnits });
        if (fact.returnDueAt !== undefined) {
          this.schedule.push({
            dueAt: fact.returnDueAt,
            order: this.stepOrder++,
            ref: fact.ref,
            action: 'return',
          });
        }
        return;
      }
      case 'TransferReturned': {
        const transfer = this.transfers.get(fact.ref)!;
        const ledger = this.ledgers.get(transfer.ledgerKey)!;
        transfer.status = 'returned';
        ledger.booked += transfer.minorUnits;
        ledger.entries.push({ entry: fact.entry, signed: transfer.minorUnits });
        return;
      }
      case 'MessagePublished':
        this.feed.push(fact.jws);
        return;
      case 'DayClosed':
        this.closedDays.set(fact.date, fact.cursors);
        if (this.lastClosedDay === undefined || fact.date > this.lastClosedDay)
          this.lastClosedDay = fact.date;
        return;
      default: {
        const unknown: never = fact;
        throw new Error(`unknown sandbox bank fact ${JSON.stringify(unknown)}`);
      }
    }
  }

  private replay(): void {
    const lines = this.journal?.readAll<JournalLine>() ?? [];
    for (const line of lines) {
      for (const fact of line.facts) this.apply(fact);
      this.nextId = line.nextId;
    }
    if (this.instanceId === '') {
      const instanceId = this.options.instanceId ?? `SB${randomBytes(4).toString('hex')}`;
      const facts: BankFact[] = [];
      this.record({ type: 'BankOpened', instanceId }, facts);
      this.flush(facts);
    }
  }

  /**
   * Runs one state-changing operation at a time (verification and validation run outside, in parallel), and
   * journals its facts before its answer leaves, whether it succeeds or is refused after doing due work.
   */
  private exclusive<T>(operation: (facts: BankFact[]) => Promise<T>): Promise<T> {
    const run = this.queue.then(async () => {
      this.assertUsable();
      const facts: BankFact[] = [];
      try {
        return await operation(facts);
      } finally {
        this.flush(facts);
        this.armDueTimer();
      }
    });
    this.queue = run.catch(() => undefined);
    return run;
  }

  private flush(facts: readonly BankFact[]): void {
    if (facts.length === 0) return;
    this.journalFacts(facts);
    // Once journalled: what a listener reads then survives a restart.
    if (this.publishedListeners.size > 0 && facts.some((fact) => fact.type === 'MessagePublished')) {
      for (const listener of this.publishedListeners) queueMicrotask(listener);
    }
  }

  private journalFacts(facts: readonly BankFact[]): void {
    if (this.journal === undefined) return;
    try {
      this.journal.append({
        at: this.clock.now().toISOString(),
        nextId: this.nextId,
        facts,
      } satisfies JournalLine);
    } catch (error) {
      // Memory is now ahead of the journal: answering anything more could promise what a restart forgets.
      this.failure = new SandboxBankFailure('the sandbox bank could not write its journal', { cause: error });
      throw this.failure;
    }
  }

  private assertUsable(): void {
    if (this.failure !== undefined) throw this.failure;
  }

  // ---- messages

  private async verify(jws: string): Promise<string> {
    try {
      return (await verifyIso20022(jws, this.trusted)).xml;
    } catch (error) {
      if (error instanceof Iso20022Error) throw refusalOf(error);
      throw error;
    }
  }

  /** Well-formed, a pain.001.001.09, valid against its XSD, with totals that add up; or refused. */
  private async readPain001(xml: string): Promise<CreditTransferInitiation> {
    try {
      // Read once: the reader checks well-formedness as it builds the tree the parser then takes.
      const document = readIso20022Document(xml);
      if (document.type !== 'pain.001.001.09') {
        throw new Iso20022Error(
          'ISO20022.UNSUPPORTED_MESSAGE',
          `the bank takes a pain.001.001.09, not a ${document.type}`,
        );
      }
      if (this.validateSchema) await assertSchemaValid(xml, document.type);
      return parsePain001(document);
    } catch (error) {
      if (error instanceof Iso20022Error) throw refusalOf(error);
      if (error instanceof MoneyError)
        throw new SandboxBankRefusal(422, 'ISO20022.INVALID_AMOUNT', error.message);
      throw error;
    }
  }

  private sign(xml: string): Promise<string> {
    return signIso20022(xml, this.options.signingKey);
  }

  private feedMessages(cursors: readonly string[]): SandboxFeedMessage[] {
    return cursors.map((cursor) => ({ cursor, jws: this.feed[Number(cursor) - 1] }));
  }

  private newId(kind: string): string {
    return `${this.instanceId}-${kind}${this.nextId++}`;
  }
}

function groupStatusOf(transactions: readonly TransactionStatusReport[]): PaymentStatusReport['groupStatus'] {
  const rejected = transactions.filter((t) => t.status === 'RJCT').length;
  if (rejected === transactions.length) return 'RJCT';
  if (rejected > 0) return 'PART';
  return transactions.every((t) => t.status === 'ACCP') ? 'ACCP' : 'ACTC';
}

/** Signed amounts too: a statement balance may be negative. */
function moneyJson(minorUnits: bigint, currency: string): MoneyJson {
  return { value: formatAmount({ minorUnits, currency: currencyOf(currency) }), currency };
}

function ledgerKeyOf(account: AccountJson, currency: string): string {
  return `${accountLabel(account)} ${currency}`;
}

/** The IBAN or the domestic number, as the bank reads its last four characters. */
function accountNumberOf(account: AccountJson): string {
  return (isIbanAccount(account) ? account.iban : account.number).replace(/[\s-]/g, '').toUpperCase();
}

// Statements name the account as the bank keeps it; the BIC is the bank's own, not part of the account.
function withoutBic(account: AccountJson): AccountJson {
  return isIbanAccount(account)
    ? { iban: account.iban }
    : { number: account.number, bankCode: account.bankCode };
}

function isoDay(time: number): string {
  return new Date(time).toISOString().slice(0, 10);
}

const CURSOR_DIGITS = 12;

function formatCursor(sequence: number): string {
  return String(sequence).padStart(CURSOR_DIGITS, '0');
}

function parseCursor(cursor: string | undefined): number {
  if (cursor === undefined || cursor === '') return 0;
  if (!/^\d{1,15}$/.test(cursor)) {
    throw new SandboxBankRefusal(
      400,
      'BANK.INVALID_CURSOR',
      `cursor ${JSON.stringify(cursor.slice(0, 40))} is not one the bank gave`,
    );
  }
  return Number(cursor);
}

/** A binary min-heap of due steps, by due time and then the order they were scheduled in. */
class StepQueue {
  private readonly heap: Step[] = [];

  peek(): Step | undefined {
    return this.heap[0];
  }

  push(step: Step): void {
    const heap = this.heap;
    heap.push(step);
    for (let i = heap.length - 1; i > 0;) {
      const parent = (i - 1) >> 1;
      if (!before(heap[i], heap[parent])) break;
      [heap[i], heap[parent]] = [heap[parent], heap[i]];
      i = parent;
    }
  }

  pop(): Step | undefined {
    const heap = this.heap;
    const top = heap[0];
    const last = heap.pop();
    if (heap.length > 0 && last !== undefined) {
      heap[0] = last;
      for (let i = 0; ;) {
        const left = 2 * i + 1;
        const right = left + 1;
        let smallest = i;
        if (left < heap.length && before(heap[left], heap[smallest])) smallest = left;
        if (right < heap.length && before(heap[right], heap[smallest])) smallest = right;
        if (smallest === i) break;
        [heap[i], heap[smallest]] = [heap[smallest], heap[i]];
        i = smallest;
      }
    }
    return top;
  }
}

function before(a: Step, b: Step): boolean {
  return a.dueAt < b.dueAt || (a.dueAt === b.dueAt && a.order < b.order);
}
