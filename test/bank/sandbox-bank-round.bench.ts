import { performance } from 'node:perf_hooks';
import {
  buildCamt054,
  buildPain002,
  exportPublicJwk,
  parsePain001,
  signIso20022,
  validateIso20022,
  verifyIso20022,
} from '@ledger/iso20022';
import { SandboxBank } from '../../apps/bank-connector/src/sandbox-bank/sandbox-bank';
import { ManualClock } from '../../apps/bank-connector/src/sandbox-bank/sandbox-clock';
import { pain001Xml, signedPain001, testKey, TransferSpec } from './bank-fixtures';

/**
 * What one 500-transfer round costs the sandbox bank: submit (verify, validate, parse, decide, pain.002, sign)
 * and settlement (500 DBIT entries in one camt.054, signed), one round at a time and four submits at once, with
 * and without the XSD validation, and the parts on their own. Run:
 * `node -r @swc-node/register test/bank/sandbox-bank-round.bench.ts` (ROUNDS, default 20).
 */
const TRANSFERS = 500;
const ROUNDS = Number(process.env.ROUNDS ?? 20);

async function main(): Promise<void> {
  const connector = await testKey('connector-bench');
  const bankKey = await testKey('bank-bench');
  let batch = 0;
  const transfers = (): TransferSpec[] => {
    batch += 1;
    return Array.from({ length: TRANSFERS }, (_, i) => ({
      endToEndId: `b${batch}-p${i}`,
      creditorEnding: String(1000 + (i % 9000)).padStart(4, '0'),
      serial: i,
      amount: `${(i % 97) + 1}.25`,
    }));
  };
  await parts(connector.key, transfers());

  for (const validateSchema of [true, false]) {
    const clock = new ManualClock();
    const bank = await SandboxBank.open({
      signingKey: bankKey.key,
      trustedConnectorKeys: [connector.publicJwk],
      clock,
      validateSchema,
    });
    const messages = await Promise.all(
      Array.from({ length: ROUNDS + 4 * 4 }, (_, i) =>
        signedPain001({ messageId: `B${validateSchema}${i}`, transfers: transfers() }, connector.key),
      ),
    );
    let cursor: string | undefined;
    const settle = async () => {
      clock.advance(1_000);
      const started = performance.now();
      const page = await bank.fetchMessages(cursor, 1_000);
      cursor = page.at(-1)?.cursor ?? cursor;
      return performance.now() - started;
    };
    // warm-up
    await bank.submit(messages[0]);
    await settle();
    const submitMs: number[] = [];
    const settleMs: number[] = [];
    for (let i = 1; i < ROUNDS; i++) {
      const started = performance.now();
      await bank.submit(messages[i]);
      submitMs.push(performance.now() - started);
      settleMs.push(await settle());
    }
    const concurrentMs: number[] = [];
    for (let r = 0; r < 4; r++) {
      const four = messages.slice(ROUNDS + r * 4, ROUNDS + r * 4 + 4);
      const started = performance.now();
      await Promise.all(four.map((m) => bank.submit(m)));
      await settle();
      concurrentMs.push(performance.now() - started);
    }
    const label = validateSchema ? 'with XSD validation' : 'without XSD validation';
    console.log(`\nsandbox bank, ${TRANSFERS}-transfer rounds, ${label}`);
    console.log(`  submit (verify…sign pain.002)  median ${median(submitMs).toFixed(1)} ms`);
    console.log(`  settle (camt.054, 500 entries)  median ${median(settleMs).toFixed(1)} ms`);
    const round = median(submitMs) + median(settleMs);
    console.log(
      `  one round at a time             ${round.toFixed(1)} ms → ${Math.round((TRANSFERS * 1000) / round)} transfers/s`,
    );
    const four = median(concurrentMs);
    console.log(
      `  four submits at once + settle   ${four.toFixed(1)} ms → ${Math.round((4 * TRANSFERS * 1000) / four)} transfers/s`,
    );
    await bank.stop();
  }
}

/** The parts of a round on their own, median of ten. */
async function parts(
  connectorKey: Parameters<typeof signIso20022>[1],
  transfers: TransferSpec[],
): Promise<void> {
  const xml = pain001Xml({ messageId: 'PARTS', transfers });
  const jws = await signIso20022(xml, connectorKey);
  const trusted = { keys: [await exportPublicJwk(connectorKey)] };
  const initiation = parsePain001(xml);
  const report = {
    messageId: 'ACK',
    creationDateTime: '2026-01-05T09:00:00Z',
    originalMessageId: 'PARTS',
    originalMessageNameId: 'pain.001.001.09' as const,
    groupStatus: 'ACCP' as const,
    transactions: initiation.paymentInformation[0].transfers.map((t, i) => ({
      statusId: `S${i}`,
      originalEndToEndId: t.endToEndId,
      status: 'ACCP' as const,
      bankReference: `R${i}`,
    })),
  };
  const notification = {
    messageId: 'N',
    creationDateTime: '2026-01-05T09:00:00Z',
    notificationId: 'N',
    account: initiation.paymentInformation[0].debtor.account,
    entries: initiation.paymentInformation[0].transfers.map((t, i) => ({
      entryReference: `E${i}`,
      amount: t.amount,
      creditDebit: 'DBIT' as const,
      bookingDate: '2026-01-05',
      valueDate: '2026-01-05',
      bankReference: `R${i}`,
      endToEndId: t.endToEndId,
      counterparty: t.creditor,
    })),
  };
  const ack = buildPain002(report);
  const camt = buildCamt054(notification);
  const measure = async (name: string, work: () => unknown) => {
    const times: number[] = [];
    for (let i = 0; i < 10; i++) {
      const started = performance.now();
      await work();
      times.push(performance.now() - started);
    }
    console.log(`  ${name.padEnd(34)} ${median(times).toFixed(1)} ms`);
  };
  console.log(
    `parts of a ${transfers.length}-transfer round (pain.001 ${kb(xml)} KiB, pain.002 ${kb(ack)} KiB, camt.054 ${kb(camt)} KiB)`,
  );
  await measure('verify pain.001 JWS', () => verifyIso20022(jws, trusted));
  await measure('validate pain.001 (XSD, alone)', () => validateIso20022(xml));
  await measure('parse pain.001', () => parsePain001(xml));
  await measure('build pain.002', () => buildPain002(report));
  await measure('sign pain.002', () => signIso20022(ack, connectorKey));
  await measure('build camt.054 (500 entries)', () => buildCamt054(notification));
  await measure('sign camt.054', () => signIso20022(camt, connectorKey));
}

function kb(text: string): number {
  return Math.round(Buffer.byteLength(text) / 1024);
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

void main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
