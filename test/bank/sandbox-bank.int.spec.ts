import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseCamt054, parsePain002, verifyIso20022 } from '@ledger/iso20022';
import { SandboxBank, SandboxBankOptions } from '../../apps/bank-connector/src/sandbox-bank/sandbox-bank';
import { ManualClock, systemClock } from '../../apps/bank-connector/src/sandbox-bank/sandbox-clock';
import { signedPain001, testKey, TestKey } from './bank-fixtures';

/** What the contract cannot see: the sandbox bank's journal across restarts, and its timer. */
describe('sandbox bank specifics', () => {
  let connector: TestKey;
  let bankKey: TestKey;
  let dir: string;
  const banks: SandboxBank[] = [];

  beforeAll(async () => {
    [connector, bankKey] = await Promise.all([testKey('connector-j'), testKey('bank-j')]);
  });
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'sandbox-bank-'));
  });
  afterEach(async () => {
    for (const bank of banks.splice(0)) await bank.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  async function open(clock: ManualClock, options: Partial<SandboxBankOptions> = {}): Promise<SandboxBank> {
    const bank = await SandboxBank.open({
      signingKey: bankKey.key,
      trustedConnectorKeys: [connector.publicJwk],
      clock,
      journalFile: join(dir, 'journal.jsonl'),
      ...options,
    });
    banks.push(bank);
    return bank;
  }
  const ackOf = async (jws: string) =>
    parsePain002((await verifyIso20022(jws, { keys: [bankKey.publicJwk] })).xml);
  const entriesOf = async (feed: readonly { jws: string }[]) =>
    (
      await Promise.all(
        feed.map(async (m) => parseCamt054((await verifyIso20022(m.jws, { keys: [bankKey.publicJwk] })).xml)),
      )
    ).flatMap((n) => n.entries.map((e) => [e.endToEndId, e.creditDebit, e.bookingDate]));

  it('remembers acknowledgements, taken end-to-end ids, balances, due work and its feed across a restart', async () => {
    const clock = new ManualClock();
    const first = await open(clock);
    const message = await signedPain001(
      {
        messageId: 'M-DURABLE',
        transfers: [
          { endToEndId: 'J-PAID', serial: 1 },
          { endToEndId: 'J-RETURNED', creditorEnding: '0001', serial: 2 },
          { endToEndId: 'J-PENDING', creditorEnding: '0002', serial: 3 },
        ],
      },
      connector.key,
    );
    const { ack } = await first.submit(message);
    clock.advance(200);
    const feedBefore = await first.fetchMessages(undefined, 100);
    expect(await entriesOf(feedBefore)).toEqual([
      ['J-PAID', 'DBIT', '2026-01-05'],
      ['J-RETURNED', 'DBIT', '2026-01-05'],
    ]);
    const balancesBefore = first.balances();
    await first.stop();

    const second = await open(clock);
    expect(await second.submit(message)).toEqual({ ack, replayed: true });
    expect(await second.fetchMessages(undefined, 100)).toEqual(feedBefore);
    expect(second.balances()).toEqual(balancesBefore);
    const again = await ackOf(
      (
        await second.submit(
          await signedPain001({ messageId: 'M-AGAIN', transfers: [{ endToEndId: 'J-PAID' }] }, connector.key),
        )
      ).ack,
    );
    expect(again.transactions.map((t) => [t.status, t.reasonCode])).toEqual([['RJCT', 'DUPL']]);
    // ids go on from where the first bank left them, under the same instance prefix
    const firstIds = (await ackOf(ack)).transactions.map((t) => t.statusId);
    expect(firstIds).not.toContain(again.transactions[0].statusId);
    expect(again.transactions[0].statusId.split('-')[0]).toBe(firstIds[0].split('-')[0]);
    // the pending settlement and the return were still scheduled
    clock.advance(3_000);
    expect(await entriesOf(await second.fetchMessages(feedBefore.at(-1)!.cursor, 100))).toEqual([
      ['J-PENDING', 'DBIT', '2026-01-05'],
      ['J-RETURNED', 'CRDT', '2026-01-05'],
    ]);
  });

  it('keeps closed days across a restart: the same statements again, and later bookings on the next day', async () => {
    const clock = new ManualClock();
    const first = await open(clock);
    await first.submit(
      await signedPain001({ messageId: 'M-EOD', transfers: [{ endToEndId: 'E-1' }] }, connector.key),
    );
    clock.advance(200);
    const closed = await first.closeDay();
    expect(closed).toMatchObject({ date: '2026-01-05', alreadyClosed: false });
    expect(closed.messages).toHaveLength(1);
    await first.stop();

    const second = await open(clock);
    expect(await second.closeDay('2026-01-05')).toEqual({ ...closed, alreadyClosed: true });
    await second.submit(
      await signedPain001({ messageId: 'M-EOD-2', transfers: [{ endToEndId: 'E-2' }] }, connector.key),
    );
    clock.advance(200);
    const feed = await second.fetchMessages(closed.messages[0].cursor, 100);
    expect(await entriesOf(feed)).toEqual([['E-2', 'DBIT', '2026-01-06']]);
  });

  it('drops a torn last line left by a crash, and refuses a journal damaged before its end', async () => {
    const clock = new ManualClock();
    const journal = join(dir, 'journal.jsonl');
    const first = await open(clock);
    const message = await signedPain001(
      { messageId: 'M-TORN', transfers: [{ endToEndId: 'T-1' }] },
      connector.key,
    );
    const { ack } = await first.submit(message);
    await first.stop();
    appendFileSync(journal, '{"at":"2026-01-05T09:00:00.000Z","nextId":9,"fac');

    const second = await open(clock);
    expect(await second.submit(message)).toEqual({ ack, replayed: true });
    await second.submit(
      await signedPain001({ messageId: 'M-AFTER', transfers: [{ endToEndId: 'T-2' }] }, connector.key),
    );
    await second.stop();
    const lines = readFileSync(journal, 'utf8').trimEnd().split('\n');
    expect(lines.every((line) => JSON.parse(line) !== undefined)).toBe(true);

    const third = await open(clock);
    expect(third.balances()[0].reserved).toEqual({ value: '200.00', currency: 'EUR' });
    await third.stop();

    writeFileSync(journal, ['{"broken', ...lines].join('\n') + '\n');
    await expect(open(clock)).rejects.toThrow(/line 1 is not JSON/);
  });

  it('does due work on its own once started', async () => {
    const clock = new ManualClock();
    const bank = await open(clock, { journalFile: undefined });
    await bank.submit(
      await signedPain001({ messageId: 'M-TIMER', transfers: [{ endToEndId: 'R-1' }] }, connector.key),
    );
    bank.start(5);
    clock.advance(200);
    // no caller asks: only the timer can settle it (bounded wait, no timing asserted)
    for (let i = 0; i < 500 && bank.balances()[0].reserved.value !== '0.00'; i++) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    expect(bank.balances()[0]).toMatchObject({
      booked: { value: '999999900.00', currency: 'EUR' },
      reserved: { value: '0.00', currency: 'EUR' },
    });
    expect(bank.lastTickError()).toBeUndefined();
    await bank.stop();
  });

  it('does a step when it falls due rather than at the next interval, and tells listeners it published', async () => {
    const bank = await open(new ManualClock(), { journalFile: undefined, clock: systemClock });
    const published: number[] = [];
    const stopListening = bank.onPublished(() => published.push(Date.now()));
    // An interval no test waits out: only the timer for the due step can settle the transfer.
    bank.start(600_000);
    const sent = Date.now();
    await bank.submit(
      await signedPain001({ messageId: 'M-DUE', transfers: [{ endToEndId: 'R-DUE' }] }, connector.key),
    );
    // The acknowledgement is the answer to the submission, not a feed message.
    await new Promise((resolve) => setImmediate(resolve));
    expect(published).toEqual([]);
    for (let i = 0; i < 500 && published.length < 1; i++) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    // The booking notice of the settlement, due 200 ms after the submission (the default timings).
    expect(published).toHaveLength(1);
    expect(published[0] - sent).toBeGreaterThanOrEqual(195);
    const feed = await bank.fetchMessages(undefined, 10);
    expect(await entriesOf(feed)).toEqual([['R-DUE', 'DBIT', expect.any(String)]]);
    stopListening();
    await bank.submit(
      await signedPain001({ messageId: 'M-DUE-2', transfers: [{ endToEndId: 'R-DUE-2' }] }, connector.key),
    );
    for (let i = 0; i < 500 && (await bank.fetchMessages(undefined, 10)).length < 2; i++) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    expect(published).toHaveLength(1);
  });
});
