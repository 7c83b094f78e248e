import type { FastifyInstance } from 'fastify';

/** Bank statements run to thousands of entries; JSON requests keep the app's 1 MiB limit. */
export const XML_BODY_LIMIT = 16 * 1024 * 1024;
export const XML_MEDIA_TYPES = ['application/xml', 'text/xml'] as const;

/**
 * Lets Fastify take XML bodies as text (it parses only JSON and plain text on its own). Added while the app
 * initialises its modules, before it listens; a process hosting several apps adds it once.
 */
export function registerXmlBodyParser(fastify: FastifyInstance): void {
  for (const type of XML_MEDIA_TYPES) {
    if (fastify.hasContentTypeParser(type)) continue;
    fastify.addContentTypeParser(
      type,
      { parseAs: 'string', bodyLimit: XML_BODY_LIMIT },
      (_request, body, done) => done(null, body),
    );
  }
}

/** The media type of a `Content-Type` header, lower case, without its parameters. */
export function mediaTypeOf(header: string | undefined): string {
  return (header ?? '').split(';')[0].trim().toLowerCase();
}
