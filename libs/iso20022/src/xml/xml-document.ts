import { XMLBuilder, XMLParser, XMLValidator } from 'fast-xml-parser';
import { Iso20022Error } from '../iso20022.error';
import { Iso20022MessageType } from '../messages';

export const ISO20022_NAMESPACE_PREFIX = 'urn:iso:std:iso:20022:tech:xsd:';

export const ISO20022_MESSAGE_TYPES: readonly Iso20022MessageType[] = [
  'pain.001.001.09',
  'pain.002.001.11',
  'camt.054.001.08',
  'camt.053.001.08',
  'camt.053.001.02',
];

export function namespaceOf(type: Iso20022MessageType): string {
  return ISO20022_NAMESPACE_PREFIX + type;
}

/** A parsed element: a string for a leaf without attributes, an object otherwise (fast-xml-parser's shape). */
export type XmlNode = unknown;

export interface ParsedDocument {
  readonly type: Iso20022MessageType;
  /** The children of `Document`, e.g. `{ CstmrCdtTrfInitn: {...} }`. */
  readonly document: XmlNode;
}

// Entities stay encoded in the parse tree and are decoded by `text` below, in one pass, so `&amp;lt;` stays
// `&lt;` and a DOCTYPE-declared entity can never expand (DOCTYPEs are refused before parsing anyway).
const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@_',
  parseTagValue: false,
  parseAttributeValue: false,
  processEntities: false,
  removeNSPrefix: true,
  trimValues: true,
  ignoreDeclaration: true,
  ignorePiTags: true,
});

const builder = new XMLBuilder({
  ignoreAttributes: false,
  attributeNamePrefix: '@_',
  format: true,
  indentBy: '  ',
  processEntities: true,
});

/** The root start tag after the prolog (declaration, comments, processing instructions, whitespace). */
const PROLOG_ITEM = /^(?:\s+|<\?[\s\S]*?\?>|<!--[\s\S]*?-->)/;
const ROOT_TAG =
  /^<(?:([A-Za-z_][\w.-]*):)?([A-Za-z_][\w.-]*)((?:\s+[^\s=/>]+\s*=\s*(?:"[^"]*"|'[^']*'))*)\s*\/?>/;
const ATTRIBUTE = /([^\s=/>]+)\s*=\s*(?:"([^"]*)"|'([^']*)')/g;

/**
 * Checks that `xml` is a well-formed ISO 20022 `Document` and tells its message type from the namespace of the
 * root element. Throws MALFORMED_XML or UNSUPPORTED_MESSAGE; never parses the body.
 */
export function detectMessageType(xml: string): Iso20022MessageType {
  const root = rootElement(stripBom(xml));
  const wellFormed = XMLValidator.validate(stripBom(xml));
  if (wellFormed !== true) {
    const { msg, line, col } = wellFormed.err;
    throw new Iso20022Error(
      'ISO20022.MALFORMED_XML',
      `not well-formed XML (line ${line}, column ${col}): ${msg}`,
    );
  }
  return typeOfRoot(root);
}

/**
 * The message type named by the root element's namespace, reading only the prolog and the root start tag
 * (the schema validator checks the rest, so it need not be parsed twice).
 */
export function peekMessageType(xml: string): Iso20022MessageType {
  return typeOfRoot(rootElement(stripBom(xml)));
}

function typeOfRoot(root: { localName: string; namespace: string | undefined }): Iso20022MessageType {
  if (root.localName !== 'Document') {
    throw new Iso20022Error(
      'ISO20022.UNSUPPORTED_MESSAGE',
      `root element is <${root.localName}>, not an ISO 20022 <Document>`,
    );
  }
  const type = ISO20022_MESSAGE_TYPES.find((candidate) => namespaceOf(candidate) === root.namespace);
  if (type === undefined) {
    throw new Iso20022Error(
      'ISO20022.UNSUPPORTED_MESSAGE',
      `unsupported document namespace ${JSON.stringify(root.namespace ?? '')}; supported: ${ISO20022_MESSAGE_TYPES.join(', ')}`,
    );
  }
  return type;
}

/** Parses a document of one of the `accepted` types (the namespace decides). */
export function readDocument(xml: string, accepted: readonly Iso20022MessageType[]): ParsedDocument {
  const type = detectMessageType(xml);
  if (!accepted.includes(type)) {
    throw new Iso20022Error(
      'ISO20022.UNSUPPORTED_MESSAGE',
      `expected ${accepted.join(' or ')}, got a ${type} document`,
    );
  }
  let parsed: Record<string, unknown>;
  try {
    parsed = parser.parse(stripBom(xml)) as Record<string, unknown>;
  } catch (error) {
    throw new Iso20022Error('ISO20022.MALFORMED_XML', `not well-formed XML: ${(error as Error).message}`);
  }
  return { type, document: parsed.Document };
}

/** Serialises `body` (the children of `Document`) with the namespace of `type`. */
export function writeDocument(type: Iso20022MessageType, body: Record<string, unknown>): string {
  const xml = builder.build({
    Document: { '@_xmlns': namespaceOf(type), ...body },
  }) as string;
  return `<?xml version="1.0" encoding="UTF-8"?>\n${xml}`;
}

function stripBom(xml: string): string {
  if (typeof xml !== 'string')
    throw new Iso20022Error('ISO20022.MALFORMED_XML', 'the message is not a string');
  return xml.charCodeAt(0) === 0xfeff ? xml.slice(1) : xml;
}

function rootElement(xml: string): { localName: string; namespace: string | undefined } {
  let rest = xml;
  for (let match = PROLOG_ITEM.exec(rest); match; match = PROLOG_ITEM.exec(rest)) {
    rest = rest.slice(match[0].length);
  }
  if (/^<!DOCTYPE/i.test(rest)) {
    throw new Iso20022Error('ISO20022.MALFORMED_XML', 'a DOCTYPE is not allowed in an ISO 20022 message');
  }
  const tag = ROOT_TAG.exec(rest);
  if (!tag) throw new Iso20022Error('ISO20022.MALFORMED_XML', 'no root element found');
  const [, prefix, localName, attributes] = tag;
  const namespaceAttribute = prefix ? `xmlns:${prefix}` : 'xmlns';
  let namespace: string | undefined;
  for (const attribute of attributes.matchAll(ATTRIBUTE)) {
    if (attribute[1] === namespaceAttribute) namespace = attribute[2] ?? attribute[3];
  }
  return { localName, namespace: namespace === undefined ? undefined : decodeEntities(namespace) };
}

const ENTITY = /&(#x[0-9a-fA-F]+|#[0-9]+|amp|lt|gt|quot|apos|[^;\s&]*);?/g;
const NAMED: Readonly<Record<string, string>> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

function decodeEntities(raw: string): string {
  if (!raw.includes('&')) return raw;
  return raw.replace(ENTITY, (whole, name: string) => {
    if (!whole.endsWith(';')) throw malformedEntity(whole);
    if (name.startsWith('#')) {
      const codePoint = name[1] === 'x' ? parseInt(name.slice(2), 16) : parseInt(name.slice(1), 10);
      if (!isXmlChar(codePoint)) throw malformedEntity(whole);
      return String.fromCodePoint(codePoint);
    }
    const value = NAMED[name];
    if (value === undefined) throw malformedEntity(whole);
    return value;
  });
}

function isXmlChar(codePoint: number): boolean {
  return (
    codePoint === 0x9 ||
    codePoint === 0xa ||
    codePoint === 0xd ||
    (codePoint >= 0x20 && codePoint <= 0xd7ff) ||
    (codePoint >= 0xe000 && codePoint <= 0xfffd) ||
    (codePoint >= 0x10000 && codePoint <= 0x10ffff)
  );
}

function malformedEntity(entity: string): Iso20022Error {
  return new Iso20022Error(
    'ISO20022.MALFORMED_XML',
    `undefined or malformed entity ${JSON.stringify(entity)}`,
  );
}

// ---- reading the parse tree ------------------------------------------------------------------------------

function isObject(node: XmlNode): node is Record<string, unknown> {
  return typeof node === 'object' && node !== null && !Array.isArray(node);
}

/** Every `name` child of `node`, in document order (one child is not wrapped in an array by the parser). */
export function childrenOf(node: XmlNode, name: string): XmlNode[] {
  if (!isObject(node)) return [];
  const value = node[name];
  if (value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}

/** The first element along `path`, or undefined. */
export function at(node: XmlNode, ...path: string[]): XmlNode {
  let current: XmlNode = node;
  for (const name of path) {
    current = childrenOf(current, name)[0];
    if (current === undefined) return undefined;
  }
  return current;
}

/** The decoded text content of an element, or undefined when it is absent. */
export function textOf(node: XmlNode): string | undefined {
  if (node === undefined) return undefined;
  if (typeof node === 'string') return decodeEntities(node);
  if (isObject(node)) {
    const value = node['#text'];
    return typeof value === 'string' ? decodeEntities(value) : '';
  }
  return undefined;
}

export function textAt(node: XmlNode, ...path: string[]): string | undefined {
  return textOf(at(node, ...path));
}

/** The text along `path`; MISSING_FIELD (naming the path) when it is absent or empty. */
export function requiredTextAt(node: XmlNode, ...path: string[]): string {
  const value = textAt(node, ...path);
  if (value === undefined || value === '') {
    throw new Iso20022Error('ISO20022.MISSING_FIELD', `missing ${path.join('/')}`, { field: path.join('/') });
  }
  return value;
}

export function attributeOf(node: XmlNode, name: string): string | undefined {
  if (!isObject(node)) return undefined;
  const value = node[`@_${name}`];
  return typeof value === 'string' ? decodeEntities(value) : undefined;
}
