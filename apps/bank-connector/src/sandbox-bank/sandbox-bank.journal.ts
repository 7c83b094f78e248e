import {
  closeSync,
  existsSync,
  fsyncSync,
  ftruncateSync,
  mkdirSync,
  openSync,
  readFileSync,
  writeSync,
} from 'node:fs';
import { dirname } from 'node:path';

/**
 * The sandbox bank's durable state: one JSON line per operation (the facts it decided), appended before the
 * bank answers, and replayed on start. A line is written with one `write`, so a process killed mid-way leaves
 * at most a torn last line, which the replay drops (that operation was never answered). No fsync by default:
 * the bank must survive its process being killed, as the connector's crash test does, not a power cut.
 */
export class SandboxBankJournal {
  private fd: number | undefined;

  constructor(
    readonly file: string,
    private readonly fsync = false,
  ) {}

  /** Every complete line written so far, parsed, oldest first. */
  readAll<T>(): T[] {
    if (!existsSync(this.file)) return [];
    const text = readFileSync(this.file, 'utf8');
    const lines = text.split('\n');
    const records: T[] = [];
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i];
      if (line === '') continue;
      try {
        records.push(JSON.parse(line) as T);
      } catch (error) {
        // Only the last line can be torn by a crash; a broken line before it is damage, not a crash.
        if (i >= lines.length - 2) break;
        throw new Error(`${this.file}: line ${i + 1} is not JSON`, { cause: error });
      }
    }
    return records;
  }

  append(record: unknown): void {
    if (this.fd === undefined) {
      mkdirSync(dirname(this.file), { recursive: true });
      this.fd = openSync(this.file, 'a');
      this.dropTornTail();
    }
    const bytes = Buffer.from(`${JSON.stringify(record)}\n`, 'utf8');
    let written = 0;
    while (written < bytes.length) written += writeSync(this.fd, bytes, written);
    if (this.fsync) fsyncSync(this.fd);
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }

  // A torn line left by a crash would glue itself to the next record: cut it off first.
  private dropTornTail(): void {
    const bytes = readFileSync(this.file);
    if (bytes.length > 0 && bytes[bytes.length - 1] !== 0x0a) {
      ftruncateSync(this.fd!, bytes.lastIndexOf(0x0a) + 1);
    }
  }
}
