import { randomUUID } from 'node:crypto';
import {
  currentSchemaVersion,
  EventStore,
  LedgerEvent,
  PaymentDispatchedData,
  paymentStreamId,
} from '@ledger/events';

/** A well-formed event for store tests; the payload is irrelevant to the store. */
export function testEvent(
  type = 'TestEvent',
  data: Record<string, unknown> = {},
  eventId = randomUUID(),
): LedgerEvent {
  return {
    type,
    data,
    metadata: {
      eventId,
      correlationId: 'corr-test',
      causationId: 'cause-test',
      actor: { subject: 'test', roles: ['admin'] },
      occurredAt: '2026-01-01T00:00:00.000Z',
      schemaVersion: 1,
    },
  };
}

export function testEvents(count: number, type = 'TestEvent'): LedgerEvent[] {
  return Array.from({ length: count }, (_, i) => testEvent(type, { i }));
}

export async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of iterable) out.push(item);
  return out;
}

/** Takes `count` items from an endless iterable, failing instead of hanging if they never come. */
export async function take<T>(iterable: AsyncIterable<T>, count: number, timeoutMs = 20_000): Promise<T[]> {
  const out: T[] = [];
  const iterator = iterable[Symbol.asyncIterator]();
  const deadline = Date.now() + timeoutMs;
  while (out.length < count) {
    const remaining = deadline - Date.now();
    let timer: NodeJS.Timeout | undefined;
    const next = await Promise.race([
      iterator.next(),
      new Promise<'timeout'>(
        (resolve) => (timer = setTimeout(() => resolve('timeout'), Math.max(remaining, 0))),
      ),
    ]);
    clearTimeout(timer);
    if (next === 'timeout') throw new Error(`timed out after ${out.length} of ${count} items`);
    if (next.done) break;
    out.push(next.value);
  }
  return out;
}

/** Starts a payment's stream with its dispatch, as the command API would, by a treasurer. */
export async function appendDispatchedPayment(store: EventStore, data: PaymentDispatchedData): Promise<void> {
  await store.appendToStream(
    paymentStreamId(data.paymentId),
    [
      {
        type: 'PaymentDispatched',
        data,
        metadata: {
          eventId: randomUUID(),
          correlationId: 'corr-test',
          causationId: 'cause-test',
          actor: { subject: 'trent', roles: ['treasurer'] },
          occurredAt: '2026-11-22T09:00:00.000Z',
          schemaVersion: currentSchemaVersion('PaymentDispatched'),
        },
      },
    ],
    { expectedRevision: 'no_stream' },
  );
}
