import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import * as current from '../index';
import { CreditTransferInitiation, DebitCreditNotification, PaymentStatusReport } from '../messages';
import { Iso20022BuildOptions } from './xml-document';

/**
 * CPU per transaction to build and to parse the three messages of a payment's round trip, each 500
 * transactions: the connector's pain.001, the bank's pain.002 and its camt.054. It compares, in one process,
 * this library, in both its layouts, with the library as it was before its XML layer was rewritten
 * (fast-xml-parser: a separate well-formedness pass, the parser, XMLBuilder), read from git at BEFORE.
 * The variants take turns round by round, so that load from elsewhere on the machine hits all alike; each
 * figure is the median of ROUNDS rounds.
 * CPU time includes the garbage collector's, so each side also pays for some of the other's garbage.
 * Run from the repository root: `node -r @swc-node/register libs/iso20022/src/xml/xml-codec.bench.ts`
 * (ROUNDS, default 30; BEFORE, another commit to compare with; AFTER_ONLY=1 to time the new code alone).
 */

const BEFORE = process.env.BEFORE ?? '676101cb8113692b0345f6175f07473f287b9e15';
const TRANSACTIONS = 500;
const ROUNDS = Number(process.env.ROUNDS ?? 30);

type Codec = Pick<
  typeof current,
  'buildPain001' | 'parsePain001' | 'buildPain002' | 'parsePain002' | 'buildCamt054' | 'parseCamt054'
>;

interface Case {
  readonly name: string;
  readonly build: (codec: Codec, options?: Iso20022BuildOptions) => string;
  readonly parse: (codec: Codec, xml: string) => unknown;
}

/** One column: a codec and the layout it writes (the old code had one layout, today's `indented`). */
interface Variant {
  readonly label: string;
  readonly codec: Codec;
  readonly options?: Iso20022BuildOptions;
}

function main(): void {
  const { initiation, report, notification } = messages();
  const cases: Case[] = [
    {
      name: 'pain.001',
      build: (codec, options) => codec.buildPain001(initiation, options),
      parse: (codec, xml) => codec.parsePain001(xml),
    },
    {
      name: 'pain.002',
      build: (codec, options) => codec.buildPain002(report, options),
      parse: (codec, xml) => codec.parsePain002(xml),
    },
    {
      name: 'camt.054',
      build: (codec, options) => codec.buildCamt054(notification, options),
      parse: (codec, xml) => codec.parseCamt054(xml),
    },
  ];
  const before = process.env.AFTER_ONLY ? undefined : loadBefore();
  const variants: Variant[] = [
    ...(before ? [{ label: 'before', codec: before }] : []),
    { label: 'indented', codec: current, options: { layout: 'indented' } },
    { label: 'compact', codec: current, options: { layout: 'compact' } },
  ];
  console.log(
    `µs of CPU per transaction, ${TRANSACTIONS}-transaction messages, median of ${ROUNDS} alternating rounds` +
      (before ? ` (before = ${BEFORE.slice(0, 10)})` : ''),
  );
  console.log(
    'message'.padEnd(16) +
      variants.map((variant) => variant.label.padStart(10)).join('') +
      (before ? 'before/compact'.padStart(16) : ''),
  );
  const totals = variants.map(() => 0);
  const line = (name: string, times: readonly number[]) =>
    console.log(
      name.padEnd(16) +
        times.map((time) => time.toFixed(1).padStart(10)).join('') +
        (before ? `${(times[0] / times[times.length - 1]).toFixed(1)}×`.padStart(16) : ''),
    );
  for (const item of cases) {
    const xmls = variants.map((variant) => item.build(variant.codec, variant.options));
    if (before) checkSameAsBefore(item, before, xmls[1], xmls[2]);
    for (const step of ['build', 'parse'] as const) {
      const times = measure(
        variants.map((variant, index) =>
          step === 'build'
            ? () => item.build(variant.codec, variant.options)
            : () => item.parse(variant.codec, xmls[index]),
        ),
      );
      times.forEach((time, index) => (totals[index] += time));
      line(`${item.name} ${step}`, times);
    }
  }
  line('all six', totals);
}

/** Median µs of CPU per transaction of each of `works`, measured in rounds that take turns. */
function measure(works: readonly (() => unknown)[]): number[] {
  for (let warmUp = 0; warmUp < 5; warmUp++) works.forEach((work) => work());
  const times = works.map((): number[] => []);
  for (let round = 0; round < ROUNDS; round++) {
    works.forEach((work, index) => times[index].push(cpuMicros(work)));
  }
  return times.map((each) => median(each) / TRANSACTIONS);
}

function cpuMicros(work: () => unknown): number {
  const started = process.cpuUsage();
  work();
  const { user, system } = process.cpuUsage(started);
  return user + system;
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

/**
 * The indented layout must be the very bytes the old code wrote, the compact one the same without the
 * whitespace between elements, and both must read back to what the old code read.
 */
function checkSameAsBefore(item: Case, before: Codec, indented: string, compact: string): void {
  const old = item.build(before);
  if (indented !== old) throw new Error(`${item.name}: the indented XML differs from before`);
  if (compact !== old.replace(/>\s+</g, '><').replace('?><', '?>\n<')) {
    throw new Error(`${item.name}: the compact XML is not the old XML without its indentation`);
  }
  const expected = item.parse(before, old);
  for (const xml of [indented, compact]) {
    if (!isDeepStrictEqual(item.parse(current, xml), expected)) {
      throw new Error(`${item.name}: parsing gives other data than before`);
    }
  }
}

/**
 * The codecs as they were at BEFORE, copied out of git into a temporary directory with their package
 * imports pointed at this checkout. Undefined (with the reason printed) when git or fast-xml-parser, which
 * the old code needs, cannot be had.
 */
function loadBefore(): Codec | undefined {
  const root = resolve(__dirname, '..', '..', '..', '..');
  const source = 'libs/iso20022/src';
  let files: string[];
  let packages: Record<string, string>;
  try {
    files = execFileSync('git', ['ls-tree', '-r', '--name-only', BEFORE, source], {
      cwd: root,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    })
      .split('\n')
      .filter((file) => file.endsWith('.ts') && !file.endsWith('.spec.ts') && !file.endsWith('.bench.ts'));
    packages = {
      '@ledger/events': join(root, 'libs', 'events', 'src'),
      'fast-xml-parser': require.resolve('fast-xml-parser'),
    };
  } catch (error) {
    console.log(`no "before" column: ${(error as Error).message.split('\n')[0]}`);
    return undefined;
  }
  const directory = mkdtempSync(join(tmpdir(), 'iso20022-before-'));
  process.on('exit', () => rmSync(directory, { recursive: true, force: true }));
  for (const file of files) {
    let text = execFileSync('git', ['show', `${BEFORE}:${file}`], { cwd: root, encoding: 'utf8' });
    for (const [name, path] of Object.entries(packages)) {
      text = text.split(`from '${name}'`).join(`from ${JSON.stringify(path)}`);
    }
    const target = join(directory, file);
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, text);
  }
  // The codecs alone (not the index, which brings signing and schema validation along).
  const load = (name: string): Partial<Codec> =>
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded at run time from the copy
    require(join(directory, source, `${name}.codec.ts`)) as Partial<Codec>;
  return { ...load('pain001'), ...load('pain002'), ...load('camt054') } as Codec;
}

/** A 500-transfer batch from one debtor, and the bank's answers to it: a status per transfer, a debit each. */
function messages(): {
  initiation: CreditTransferInitiation;
  report: PaymentStatusReport;
  notification: DebitCreditNotification;
} {
  const debtor = { iban: iban(9_990_000_042), bic: 'COBADEFFXXX' };
  const transfers = Array.from({ length: TRANSACTIONS }, (_, index) => ({
    endToEndId: `0f3c9a7e5b2d4c1e8a6f${String(index).padStart(12, '0')}`,
    amount: { value: `${(index % 97) + 1}.25`, currency: 'EUR' },
    creditor: { name: `Creditor & Sons ${index}`, account: { iban: iban(1_000_000 + index) } },
    remittanceInformation: `claim C-${index} invoice <INV-${index}>`,
  }));
  const initiation: CreditTransferInitiation = {
    messageId: 'BATCH-0001',
    creationDateTime: '2026-01-05T08:00:00Z',
    initiatingPartyName: 'Ledger Test Co',
    paymentInformation: [
      {
        paymentInformationId: 'BATCH-0001-1',
        debtor: { name: 'Ledger Test Co', account: debtor },
        requestedExecutionDate: '2026-01-05',
        transfers,
      },
    ],
  };
  const report: PaymentStatusReport = {
    messageId: 'ACK-0001',
    creationDateTime: '2026-01-05T08:00:01Z',
    originalMessageId: 'BATCH-0001',
    originalMessageNameId: 'pain.001.001.09',
    groupStatus: 'ACCP',
    transactions: transfers.map((transfer, index) => ({
      statusId: `ST-${index}`,
      originalEndToEndId: transfer.endToEndId,
      status: 'ACCP',
      bankReference: `REF-${index}`,
      originalPaymentInformationId: 'BATCH-0001-1',
    })),
  };
  const notification: DebitCreditNotification = {
    messageId: 'NTF-0001',
    creationDateTime: '2026-01-05T17:00:00Z',
    notificationId: 'NTF-0001',
    account: debtor,
    entries: transfers.map((transfer, index) => ({
      entryReference: `E-${index}`,
      amount: transfer.amount,
      creditDebit: 'DBIT',
      bookingDate: '2026-01-05',
      valueDate: '2026-01-05',
      bankReference: `REF-${index}`,
      endToEndId: transfer.endToEndId,
      counterparty: transfer.creditor,
      remittanceInformation: transfer.remittanceInformation,
    })),
  };
  return { initiation, report, notification };
}

/** A German IBAN with valid check digits for `account` (up to ten digits). */
function iban(account: number): string {
  const bban = `37040044${String(account).padStart(10, '0')}`;
  const check = 98n - (BigInt(`${bban}131400`) % 97n);
  return `DE${String(check).padStart(2, '0')}${bban}`;
}

main();
