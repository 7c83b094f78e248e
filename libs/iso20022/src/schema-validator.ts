import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { validateXML } from 'xmllint-wasm';
import { Iso20022Error } from './iso20022.error';
import { Iso20022MessageType } from './messages';
import { peekMessageType } from './xml/xml-document';
import { closeXmllintPool, runXmllint } from './xml/xmllint-pool';

export interface Iso20022ValidationResult {
  readonly valid: boolean;
  /** The message type the namespace names, when it is one this library speaks. */
  readonly type?: Iso20022MessageType;
  readonly errors: string[];
}

/**
 * Validates a message against the XSD its namespace names. Malformed XML and unknown namespaces are reported
 * as invalid (with the reason in `errors`), never thrown. Only the root tag is read here; xmllint checks that
 * the rest is well-formed.
 */
export async function validateIso20022(xml: string): Promise<Iso20022ValidationResult> {
  let type: Iso20022MessageType;
  try {
    type = peekMessageType(xml);
  } catch (error) {
    if (error instanceof Iso20022Error) return { valid: false, errors: [error.message] };
    throw error;
  }
  const errors = await validated(type, xml);
  return { valid: errors.length === 0, type, errors };
}

/** Throws SCHEMA_INVALID (with xmllint's messages in `details.errors`) unless `xml` validates as `type`. */
export async function assertSchemaValid(xml: string, type: Iso20022MessageType): Promise<void> {
  const errors = await validated(type, xml);
  if (errors.length > 0) {
    throw new Iso20022Error(
      'ISO20022.SCHEMA_INVALID',
      `the ${type} message does not validate against its schema: ${errors.slice(0, 3).join('; ')}`,
      { errors },
    );
  }
}

/** What validation has cost: xmllint runs and documents, and documents answered from memory. */
export const iso20022ValidatorStats = { runs: 0, documents: 0, remembered: 0 };

/**
 * Large messages that validated lately, kept by type. The same text checked again gets the same answer
 * without another xmllint run: the in-process sandbox bank checks the pain.001 the connector has just
 * checked (half a megabyte for a batch of 500), and a resend is checked again. A message is compared
 * with those of its type and length only, so one never seen before costs a scan of a few lengths, not
 * a hash of its text. Small messages are not worth remembering; invalid ones are validated each time,
 * for their errors.
 */
const REMEMBERED_MESSAGES = 8;
const REMEMBERED_FROM_CHARACTERS = 16 * 1024;
const recentlyValid: Array<{ readonly type: Iso20022MessageType; readonly xml: string }> = [];

async function validated(type: Iso20022MessageType, xml: string): Promise<string[]> {
  const large = xml.length >= REMEMBERED_FROM_CHARACTERS;
  if (large) {
    const index = recentlyValid.findIndex(
      (known) => known.xml.length === xml.length && known.type === type && known.xml === xml,
    );
    if (index >= 0) {
      recentlyValid.push(...recentlyValid.splice(index, 1));
      iso20022ValidatorStats.remembered += 1;
      return [];
    }
  }
  const errors = await batchValidator.validate(type, xml);
  if (large && errors.length === 0) {
    recentlyValid.push({ type, xml });
    if (recentlyValid.length > REMEMBERED_MESSAGES) recentlyValid.shift();
  }
  return errors;
}

const SCHEMA_PROBE = 'pain.001.001.09.xsd';

/**
 * The vendored XSDs: `libs/iso20022/schemas`, found by walking up from this file, so the same code finds them
 * from `libs/iso20022/src` (ts) and from `dist/libs/iso20022/src` (compiled; the build does not copy .xsd).
 */
export function schemasDirectory(): string {
  for (let directory = __dirname; ; directory = dirname(directory)) {
    for (const candidate of [join(directory, 'schemas'), join(directory, 'libs', 'iso20022', 'schemas')]) {
      if (existsSync(join(candidate, SCHEMA_PROBE))) return candidate;
    }
    if (dirname(directory) === directory) {
      throw new Error(`ISO 20022 schemas not found above ${__dirname} (expected libs/iso20022/schemas)`);
    }
  }
}

const schemas = new Map<Iso20022MessageType, { fileName: string; contents: string }>();

function schemaOf(type: Iso20022MessageType): { fileName: string; contents: string } {
  let schema = schemas.get(type);
  if (schema === undefined) {
    const fileName = `${type}.xsd`;
    schema = { fileName, contents: readFileSync(join(schemasDirectory(), fileName), 'utf8') };
    schemas.set(type, schema);
  }
  return schema;
}

interface Job {
  readonly sequence: number;
  readonly xml: string;
  readonly resolve: (errors: string[]) => void;
  readonly reject: (error: unknown) => void;
}

// Calls that arrive while the workers are busy are queued and validated together, one xmllint run per schema,
// at most two runs at a time (the machine has two cores). A lone call runs at once.
const MAX_RUNS = 2;
const MAX_BATCH_DOCUMENTS = 64;
const MAX_BATCH_CHARACTERS = 16 * 1024 * 1024;

class BatchValidator {
  private readonly queues = new Map<Iso20022MessageType, Job[]>();
  private running = 0;
  private sequence = 0;

  validate(type: Iso20022MessageType, xml: string): Promise<string[]> {
    return new Promise((resolve, reject) => {
      const queue = this.queues.get(type) ?? [];
      queue.push({ sequence: this.sequence++, xml, resolve, reject });
      this.queues.set(type, queue);
      this.pump();
    });
  }

  private pump(): void {
    while (this.running < MAX_RUNS) {
      const next = this.oldestQueue();
      if (next === undefined) return;
      const [type, queue] = next;
      const batch: Job[] = [];
      let characters = 0;
      while (queue.length > 0 && batch.length < MAX_BATCH_DOCUMENTS) {
        if (batch.length > 0 && characters + queue[0].xml.length > MAX_BATCH_CHARACTERS) break;
        const job = queue.shift() as Job;
        characters += job.xml.length;
        batch.push(job);
      }
      if (queue.length === 0) this.queues.delete(type);
      this.running += 1;
      void this.run(type, batch).finally(() => {
        this.running -= 1;
        this.pump();
      });
    }
  }

  private oldestQueue(): [Iso20022MessageType, Job[]] | undefined {
    let oldest: [Iso20022MessageType, Job[]] | undefined;
    for (const entry of this.queues) {
      if (oldest === undefined || entry[1][0].sequence < oldest[1][0].sequence) oldest = entry;
    }
    return oldest;
  }

  private async run(type: Iso20022MessageType, batch: readonly Job[]): Promise<void> {
    iso20022ValidatorStats.runs += 1;
    iso20022ValidatorStats.documents += batch.length;
    try {
      const results = await validateBatch(
        schemaOf(type),
        batch.map((job) => job.xml),
      );
      batch.forEach((job, index) => job.resolve(results[index]));
    } catch (error) {
      batch.forEach((job) => job.reject(error));
    }
  }
}

const batchValidator = new BatchValidator();

async function validateBatch(
  schema: { fileName: string; contents: string },
  documents: readonly string[],
): Promise<string[][]> {
  const fileNames = documents.map((_, index) => `message-${index}.xml`);
  const files = documents.map((contents, index) => ({ fileName: fileNames[index], contents }));
  const args = ['--schema', schema.fileName, '--noout', ...fileNames];
  const run = await runXmllint([...files, schema], args, MAX_RUNS);
  let stderr = run.stderr;
  if (![0, 1, 3, 4].includes(run.exitCode)) {
    // xmllint itself failed (memory, a broken worker). In a batch, find out whose document did it by
    // validating each on its own; alone, retry once through xmllint-wasm's own (slower) entry point.
    if (documents.length > 1) {
      return Promise.all(documents.map((document) => validateBatch(schema, [document]).then((r) => r[0])));
    }
    try {
      stderr = (await validateXML({ xml: files, schema: [schema], maxMemoryPages: 16384 })).rawOutput;
    } catch (error) {
      return [
        [
          `xmllint could not validate the message: ${stderr.trim()} ${String((error as Error).message ?? error)}`,
        ],
      ];
    }
  }
  const lines = stderr.split('\n');
  return fileNames.map((fileName) => {
    if (lines.includes(`${fileName} validates`)) return [];
    const errors = lines
      .filter((line) => line.startsWith(`${fileName}:`))
      .map((line) => line.slice(fileName.length + 1).replace(/^(\d+):\s*/, 'line $1: '));
    return errors.length > 0 ? errors : [`${fileName} fails to validate: ${stderr.trim().slice(0, 500)}`];
  });
}

/** Stops the validation workers (they are unref'd and stop after a minute idle anyway). */
export function closeIso20022Validator(): Promise<void> {
  return closeXmllintPool();
}
