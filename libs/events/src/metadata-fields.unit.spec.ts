import { EventMetadata } from './envelope';
import { MetadataField, MetadataSelection } from './metadata-fields';

const full: EventMetadata = {
  eventId: 'e-1',
  correlationId: 'corr-1',
  causationId: 'cause-1',
  actor: { subject: 'fin-1', roles: ['finance'] },
  idempotencyKey: 'key-1',
  occurredAt: '2026-01-05T08:00:00.000Z',
  schemaVersion: 2,
};

describe('MetadataSelection', () => {
  it('always selects schemaVersion, which upcasting reads, and orders the fields', () => {
    expect(new MetadataSelection(['occurredAt']).fields).toEqual(['occurredAt', 'schemaVersion']);
    expect(new MetadataSelection([]).fields).toEqual(['schemaVersion']);
    expect(new MetadataSelection(['actor', 'occurredAt', 'actor']).fields).toEqual([
      'actor',
      'occurredAt',
      'schemaVersion',
    ]);
  });

  it('builds metadata of the selected fields, leaving absent ones undefined', () => {
    const selection = new MetadataSelection(['occurredAt', 'requestHash']);
    expect(selection.fields).toEqual(['occurredAt', 'requestHash', 'schemaVersion']);
    const metadata = selection.metadata(['2026-01-05T08:00:00.000Z', null, 3]);
    expect(metadata.occurredAt).toBe('2026-01-05T08:00:00.000Z');
    expect(metadata.schemaVersion).toBe(3);
    expect(metadata.requestHash).toBeUndefined();
    expect({ ...metadata }).toEqual({ occurredAt: '2026-01-05T08:00:00.000Z', schemaVersion: 3 });
    expect(JSON.parse(JSON.stringify(selection.select(full)))).toEqual({
      occurredAt: full.occurredAt,
      schemaVersion: 2,
    });
  });

  it('throws when a field it did not select is read, rather than answer undefined', () => {
    const metadata = new MetadataSelection(['occurredAt']).select(full);
    expect(() => metadata.actor).toThrow(
      "metadata.actor was not read from the log: name it in the projection's metadata",
    );
    expect(() => metadata.eventId).toThrow(/metadata\.eventId was not read/);
    // An optional field that was selected but is absent reads as undefined.
    expect(
      new MetadataSelection(['idempotencyKey']).select({ ...full, idempotencyKey: undefined }),
    ).toMatchObject({ schemaVersion: 2 });
  });

  it('refuses a name that is not a metadata field', () => {
    expect(() => new MetadataSelection(['occuredAt' as MetadataField])).toThrow(
      'occuredAt is not a metadata field',
    );
  });
});
