import {
  claimStreamId,
  CURRENT_SCHEMA_VERSIONS,
  duplicateGuardStreamId,
  LedgerDomainEvent,
  paymentStreamId,
  RecordedEvent,
} from '@ledger/events';

/** An ISO instant `seconds` after 2025-03-14T00:00:00Z (same day), without reading or building a clock. */
export function instant(seconds: number): string {
  const two = (n: number) => String(n).padStart(2, '0');
  return `2025-03-14T${two(Math.floor(seconds / 3600) % 24)}:${two(Math.floor(seconds / 60) % 60)}:${two(seconds % 60)}.000Z`;
}

function streamOf(event: LedgerDomainEvent): string {
  const data = event.data as {
    readonly key?: string;
    readonly claimId?: string;
    readonly paymentId?: string;
  };
  if (event.type.startsWith('DuplicateGuard')) return duplicateGuardStreamId(String(data.key));
  if (event.type.startsWith('Claim')) return claimStreamId(String(data.claimId));
  return paymentStreamId(String(data.paymentId));
}

/**
 * Builds a log for the projections' tests: each event gets the next global position (strictly
 * increasing, as the event store promises), its stream's next revision, and a time a minute later.
 */
export class History {
  readonly events: RecordedEvent[] = [];
  private readonly revisions = new Map<string, bigint>();

  constructor(private position = 100n) {}

  add(
    event: LedgerDomainEvent,
    options: { readonly at?: string; readonly actor?: string } = {},
  ): RecordedEvent {
    const streamId = streamOf(event);
    const revision = this.revisions.get(streamId) ?? 0n;
    this.revisions.set(streamId, revision + 1n);
    this.position += 7n; // gaps, as the global log has events of other streams in between
    const index = this.events.length;
    const recorded: RecordedEvent = {
      type: event.type,
      data: event.data,
      metadata: {
        eventId: `evt-${index + 1}`,
        correlationId: `corr-${index + 1}`,
        causationId: `cmd-${index + 1}`,
        actor: { subject: options.actor ?? 'tester', roles: [] },
        occurredAt: options.at ?? instant(8 * 3600 + index * 60),
        schemaVersion: CURRENT_SCHEMA_VERSIONS[event.type],
      },
      streamId,
      revision,
      position: this.position,
    };
    this.events.push(recorded);
    return recorded;
  }
}
