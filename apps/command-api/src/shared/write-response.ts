import type { FastifyReply } from 'fastify';

/** Every response of a command that wrote events names the log position of the last one (a string: it is a 64-bit integer). */
export function positionOf(position: bigint | null): string | null {
  return position === null ? null : position.toString();
}

/** The stream revision as an ETag, for `If-Match` on the next command. */
export function setRevision(reply: FastifyReply, revision: bigint): void {
  void reply.header('etag', `"${revision}"`);
}
