import { Readable } from 'node:stream';
import { Controller, Get, Inject, Param, Query, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { EVENT_STORE, EventStore, RecordedEvent } from '@ledger/events';
import { ProblemError, RequireRoles } from '@ledger/infra';

const MAX_LIMIT = 1_000_000;

/**
 * The full history for auditors, as NDJSON in log order: one event a line, positions and revisions
 * as decimal strings. Streamed, so a million events never sit in memory at once.
 */
@Controller('audit')
@RequireRoles('auditor', 'admin')
export class AuditHttpController {
  constructor(@Inject(EVENT_STORE) private readonly store: EventStore) {}

  /** `fromPosition` is inclusive; `limit` defaults to 10,000. */
  @Get('events')
  events(
    @Query('fromPosition') fromPosition: string | undefined,
    @Query('limit') limit: string | undefined,
    @Res() reply: FastifyReply,
  ): void {
    const from = fromPosition === undefined ? 'start' : parsePosition(fromPosition);
    const max = limit === undefined ? 10_000 : parseLimit(limit);
    send(reply, this.store.readAll({ fromPosition: from, maxCount: max }));
  }

  @Get('streams/:stream')
  async stream(@Param('stream') stream: string, @Res() reply: FastifyReply): Promise<void> {
    if (!/^[A-Za-z0-9._:|%~*'()!/-]{1,512}$/.test(stream)) {
      throw new ProblemError(400, 'REQUEST.INVALID', 'stream must be a stream name such as claim-<id>');
    }
    const events = await this.store.readStream(stream);
    if (events.length === 0)
      throw new ProblemError(404, 'STREAM.NOT_FOUND', `stream ${stream} has no events`);
    send(reply, toAsyncIterable(events));
  }
}

function send(reply: FastifyReply, events: AsyncIterable<RecordedEvent>): void {
  const lines = Readable.from(
    (async function* () {
      for await (const event of events) yield `${JSON.stringify(auditLine(event))}\n`;
    })(),
  );
  void reply.header('content-type', 'application/x-ndjson; charset=utf-8').send(lines);
}

export function auditLine(event: RecordedEvent) {
  return {
    position: event.position.toString(),
    streamId: event.streamId,
    revision: event.revision.toString(),
    type: event.type,
    data: event.data,
    metadata: event.metadata,
  };
}

async function* toAsyncIterable<T>(items: T[]): AsyncIterable<T> {
  yield* items;
}

function parsePosition(value: string): bigint {
  if (!/^\d{1,19}$/.test(value))
    throw new ProblemError(400, 'REQUEST.INVALID', 'fromPosition must be a log position (digits)');
  return BigInt(value);
}

function parseLimit(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < 1 || n > MAX_LIMIT) {
    throw new ProblemError(400, 'REQUEST.INVALID', `limit must be a whole number from 1 to ${MAX_LIMIT}`);
  }
  return n;
}
