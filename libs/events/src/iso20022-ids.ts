/**
 * ISO 20022 ids (MsgId, EndToEndId) are at most 35 characters; the ledger's batch and payment ids are
 * UUIDs (36). A UUID travels as its 32 hex digits, which map back one to one; any other id of at most 35
 * characters travels as it is.
 */
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const COMPACT_UUID = /^[0-9a-f]{32}$/;
const ISO_ID = /^[A-Za-z0-9/?:().,'+ -]{1,35}$/;

export function toIsoId(id: string): string {
  if (UUID.test(id)) return compactId(id);
  if (ISO_ID.test(id) && !COMPACT_UUID.test(id)) return id;
  throw new Error(`id ${id} cannot travel as an ISO 20022 identifier`);
}

/** The form an id travels in when it can: a UUID's 32 hex digits, anything else unchanged. */
export function compactId(id: string): string {
  return UUID.test(id) ? id.replace(/-/g, '').toLowerCase() : id;
}

export function fromIsoId(isoId: string): string {
  if (!COMPACT_UUID.test(isoId)) return isoId;
  return [
    isoId.slice(0, 8),
    isoId.slice(8, 12),
    isoId.slice(12, 16),
    isoId.slice(16, 20),
    isoId.slice(20),
  ].join('-');
}
