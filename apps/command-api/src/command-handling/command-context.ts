import { CommandMetadata } from '@ledger/domain';

/** What every command carries besides its data: who, when, under which ids, and how to be retried. */
export interface CommandContext {
  readonly metadata: CommandMetadata;
  readonly correlationId: string;
  readonly idempotencyKey?: string;
  readonly requestHash: string;
  /** The revision the client read (`If-Match`); the command fails with 412 if the stream moved on. */
  readonly ifMatch?: bigint;
}
