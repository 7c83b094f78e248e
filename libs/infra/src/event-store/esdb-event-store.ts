import {
  ANY,
  BACKWARDS,
  END,
  EventStoreDBClient,
  FORWARDS,
  jsonEvent,
  NO_STREAM,
  ResolvedEvent,
  START,
  STREAM_EXISTS,
  StreamNotFoundError,
  WrongExpectedVersionError as EsdbWrongExpectedVersionError,
  eventTypeFilter,
  excludeSystemEvents,
  streamNameFilter,
  AppendExpectedRevision,
  Filter,
} from '@eventstore/db-client';
import {
  AdapterHealth,
  AllSubscription,
  AppendOptions,
  AppendResult,
  EventMetadata,
  EventStore,
  ExpectedRevision,
  LedgerEvent,
  matchesFilter,
  ReadAllOptions,
  ReadStreamOptions,
  RecordedEvent,
  SubscribeToAllOptions,
  Upcasters,
  WrongExpectedVersionError,
} from '@ledger/events';

/**
 * The production event store: EventStoreDB through its gRPC client. The ledger's global position is
 * the event's commit position in `$all`. EventStoreDB itself provides what the port promises:
 * optimistic concurrency, atomic multi-event appends, idempotent re-appends by event id, catch-up
 * subscriptions that turn live without a gap.
 */
export class EsdbEventStore implements EventStore {
  private readonly client: EventStoreDBClient;

  constructor(
    connectionString: string,
    private readonly upcasters?: Upcasters,
  ) {
    this.client = EventStoreDBClient.connectionString(connectionString);
  }

  async appendToStream(
    stream: string,
    events: readonly LedgerEvent[],
    options: AppendOptions,
  ): Promise<AppendResult> {
    try {
      const result = await this.client.appendToStream(
        stream,
        events.map((event) =>
          jsonEvent({
            id: event.metadata.eventId,
            type: event.type,
            data: event.data as never,
            metadata: event.metadata as never,
          }),
        ),
        { expectedRevision: toEsdbExpected(options.expectedRevision) },
      );
      return { nextExpectedRevision: result.nextExpectedRevision, position: result.position?.commit ?? -1n };
    } catch (error) {
      if (error instanceof EsdbWrongExpectedVersionError) {
        const actual = typeof error.actualVersion === 'bigint' ? error.actualVersion : ('no_stream' as const);
        throw new WrongExpectedVersionError(stream, options.expectedRevision, actual);
      }
      throw error;
    }
  }

  async readStream(stream: string, options: ReadStreamOptions = {}): Promise<RecordedEvent[]> {
    const backwards = options.direction === 'backwards' || options.fromRevision === 'end';
    const fromRevision =
      typeof options.fromRevision === 'bigint' ? options.fromRevision : backwards ? END : START;
    const events: RecordedEvent[] = [];
    try {
      for await (const resolved of this.client.readStream(stream, {
        fromRevision,
        direction: backwards ? BACKWARDS : FORWARDS,
        maxCount: options.maxCount ?? Number.MAX_SAFE_INTEGER,
      })) {
        const event = this.decode(resolved);
        if (event) events.push(event);
      }
    } catch (error) {
      if (error instanceof StreamNotFoundError) return [];
      throw error;
    }
    return events;
  }

  /** One read per stream, all at once: the client has no read of several streams. */
  async readStreams(streams: readonly string[]): Promise<Map<string, RecordedEvent[]>> {
    const unique = [...new Set(streams)];
    const read = await Promise.all(unique.map((stream) => this.readStream(stream)));
    return new Map(unique.map((stream, i) => [stream, read[i]]));
  }

  readAll(options: ReadAllOptions = {}): AsyncIterable<RecordedEvent> {
    const fromPosition =
      options.fromPosition === undefined || options.fromPosition === 'start'
        ? START
        : { commit: options.fromPosition, prepare: options.fromPosition };
    const max = options.maxCount ?? Number.POSITIVE_INFINITY;
    // readAll has no server-side filter in this client: system events and filtered-out events are
    // skipped here, so page by hand until `max` matching events were delivered.
    // eslint-disable-next-line @typescript-eslint/no-this-alias
    const store = this;
    return {
      async *[Symbol.asyncIterator]() {
        let delivered = 0;
        for await (const resolved of store.client.readAll({ fromPosition, direction: FORWARDS })) {
          const event = store.decode(resolved);
          if (!event || !matchesFilter(event, options.filter)) continue;
          yield event;
          if (++delivered >= max) return;
        }
      },
    };
  }

  subscribeToAll(options: SubscribeToAllOptions = {}): AllSubscription {
    const fromPosition =
      options.fromPosition === undefined || options.fromPosition === 'start'
        ? START
        : { commit: options.fromPosition, prepare: options.fromPosition };
    const subscription = this.client.subscribeToAll({ fromPosition, filter: toEsdbFilter(options.filter) });
    // eslint-disable-next-line @typescript-eslint/no-this-alias
    const store = this;
    return {
      async *[Symbol.asyncIterator]() {
        for await (const resolved of subscription) {
          const event = store.decode(resolved);
          // The server filters on one criterion; the other, if given, is applied here.
          if (event && matchesFilter(event, options.filter)) yield event;
        }
      },
      close: () => subscription.unsubscribe(),
    };
  }

  async headPosition(): Promise<bigint> {
    for await (const resolved of this.client.readAll({
      fromPosition: END,
      direction: BACKWARDS,
      maxCount: 1,
    })) {
      return resolved.event?.position?.commit ?? -1n;
    }
    return -1n;
  }

  async health(): Promise<AdapterHealth> {
    try {
      await this.headPosition();
      return { status: 'up', adapter: 'eventstoredb' };
    } catch (error) {
      return { status: 'down', adapter: 'eventstoredb', detail: (error as Error).message };
    }
  }

  async close(): Promise<void> {
    await this.client.dispose();
  }

  private decode(resolved: ResolvedEvent): RecordedEvent | undefined {
    const recorded = resolved.event;
    if (!recorded || recorded.type.startsWith('$') || recorded.streamId.startsWith('$') || !recorded.isJson) {
      return undefined;
    }
    const event: RecordedEvent = {
      type: recorded.type,
      data: recorded.data,
      metadata: recorded.metadata as unknown as EventMetadata,
      streamId: recorded.streamId,
      revision: recorded.revision,
      position: recorded.position?.commit ?? resolved.commitPosition ?? -1n,
    };
    return this.upcasters ? this.upcasters.upcast(event) : event;
  }
}

function toEsdbExpected(expected: ExpectedRevision): AppendExpectedRevision {
  switch (expected) {
    case 'any':
      return ANY;
    case 'no_stream':
      return NO_STREAM;
    case 'stream_exists':
      return STREAM_EXISTS;
    default:
      return expected;
  }
}

function toEsdbFilter(filter: SubscribeToAllOptions['filter']): Filter {
  if (filter?.streamPrefixes?.length) return streamNameFilter({ prefixes: [...filter.streamPrefixes] });
  if (filter?.eventTypePrefixes?.length) return eventTypeFilter({ prefixes: [...filter.eventTypePrefixes] });
  return excludeSystemEvents();
}
