import { EventMetadata } from './envelope';

export type MetadataField = keyof EventMetadata;

/** Every field of `EventMetadata`: the compiler holds it to the interface. */
const METADATA_FIELDS: Readonly<Record<MetadataField, true>> = {
  eventId: true,
  correlationId: true,
  causationId: true,
  actor: true,
  idempotencyKey: true,
  requestHash: true,
  occurredAt: true,
  schemaVersion: true,
};

/**
 * Some fields of the metadata, for a reader that needs only those (a replay: the metadata is a third of
 * what an event weighs, and decoding it a good part of reading it). `schemaVersion` is always among
 * them: upcasting reads it. The metadata it builds holds those fields; reading any other throws rather
 * than answer `undefined`, so a projection that reads a field it did not declare fails loudly instead of
 * rebuilding something else than the live read model.
 */
export class MetadataSelection {
  readonly fields: readonly MetadataField[];
  private readonly guard: object;

  constructor(fields: Iterable<MetadataField>) {
    const chosen = new Set<MetadataField>(fields);
    for (const field of chosen)
      if (METADATA_FIELDS[field] !== true) throw new TypeError(`${String(field)} is not a metadata field`);
    chosen.add('schemaVersion');
    this.fields = [...chosen].sort();
    const guard: PropertyDescriptorMap = {};
    for (const field of Object.keys(METADATA_FIELDS) as MetadataField[]) {
      if (chosen.has(field)) continue;
      guard[field] = {
        get() {
          throw new Error(
            `metadata.${field} was not read from the log: name it in the projection's metadata`,
          );
        },
      };
    }
    this.guard = Object.freeze(Object.create(Object.prototype, guard) as object);
  }

  /** The fields' values in `fields` order (null or undefined: absent) as metadata. */
  metadata(values: readonly unknown[]): EventMetadata {
    return this.fromColumns(values, 0);
  }

  /**
   * The metadata of a row whose columns from `offset` on hold the fields' values in `fields` order, an
   * object-valued field (`actor`) as JSON text.
   */
  fromColumns(row: readonly unknown[], offset: number): EventMetadata {
    const metadata = Object.create(this.guard) as Record<string, unknown>;
    for (let i = 0; i < this.fields.length; i++) {
      const field = this.fields[i];
      const value = row[offset + i];
      if (value === null || value === undefined) continue;
      metadata[field] = field === 'actor' && typeof value === 'string' ? JSON.parse(value) : value;
    }
    return metadata as unknown as EventMetadata;
  }

  /** Of the whole metadata, the selected fields only. */
  select(metadata: EventMetadata): EventMetadata {
    return this.metadata(this.fields.map((field) => metadata[field]));
  }
}
