import { Iso20022Error } from '../iso20022.error';
import { Iso20022MessageType } from '../messages';
import { isXmlCodePoint, readXml, XmlElement } from './xml-reader';
import { writeXmlDocument, XmlBody, XmlLayout } from './xml-writer';

/** How the builders write a message. */
export interface Iso20022BuildOptions {
  /**
   * `compact` (the default): no whitespace between elements, the cheapest to sign, send, validate and parse.
   * `indented`: one element per line, two spaces per level, for people to read; the layout this library wrote
   * before it had the compact one.
   */
  readonly layout?: XmlLayout;
}

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

/** A parsed element, or undefined where the path led nowhere. */
export type XmlNode = XmlElement | undefined;

/** A parsed, well-formed ISO 20022 message: hand it to the `parse*` function of its type. */
export interface Iso20022Document {
  readonly type: Iso20022MessageType;
  /** The `Document` element, e.g. with a `CstmrCdtTrfInitn` child. */
  readonly document: XmlElement;
}

/** The root start tag after the prolog (declaration, comments, processing instructions, whitespace). */
const PROLOG_ITEM = /^(?:\s+|<\?[\s\S]*?\?>|<!--[\s\S]*?-->)/;
const ROOT_TAG =
  /^<(?:([A-Za-z_][\w.-]*):)?([A-Za-z_][\w.-]*)((?:\s+[^\s=/>]+\s*=\s*(?:"[^"]*"|'[^']*'))*)\s*\/?>/;
const ATTRIBUTE = /([^\s=/>]+)\s*=\s*(?:"([^"]*)"|'([^']*)')/g;

/**
 * The message type named by the root element's namespace, reading only the prolog and the root start tag
 * (the schema validator checks the rest, so it need not be parsed twice).
 */
export function peekMessageType(xml: string): Iso20022MessageType {
  const root = rootElement(stripBom(xml));
  return typeOfRoot(root.localName, root.namespace);
}

/**
 * Parses any ISO 20022 document this library speaks, checking it is well-formed (MALFORMED_XML) and that its
 * root is a `Document` in a supported namespace (UNSUPPORTED_MESSAGE).
 */
export function readIso20022Document(xml: string): Iso20022Document {
  const root = readXml(stripBom(xml));
  return { type: typeOfRoot(root.name, root.namespace), document: root };
}

function typeOfRoot(localName: string, namespace: string | undefined): Iso20022MessageType {
  if (localName !== 'Document') {
    throw new Iso20022Error(
      'ISO20022.UNSUPPORTED_MESSAGE',
      `root element is <${localName}>, not an ISO 20022 <Document>`,
    );
  }
  const type = ISO20022_MESSAGE_TYPES.find((candidate) => namespaceOf(candidate) === namespace);
  if (type === undefined) {
    throw new Iso20022Error(
      'ISO20022.UNSUPPORTED_MESSAGE',
      `unsupported document namespace ${JSON.stringify(namespace ?? '')}; supported: ${ISO20022_MESSAGE_TYPES.join(', ')}`,
    );
  }
  return type;
}

/**
 * A document of one of the `accepted` types (the namespace decides; UNSUPPORTED_MESSAGE otherwise): `input`
 * parsed, or, when the caller already parsed it with `readIso20022Document`, `input` itself.
 */
export function readDocument(
  input: string | Iso20022Document,
  accepted: readonly Iso20022MessageType[],
): Iso20022Document {
  const parsed = typeof input === 'string' ? readIso20022Document(input) : input;
  if (!accepted.includes(parsed.type)) {
    throw new Iso20022Error(
      'ISO20022.UNSUPPORTED_MESSAGE',
      `expected ${accepted.join(' or ')}, got a ${parsed.type} document`,
    );
  }
  return parsed;
}

/** Serialises `body` (the children of `Document`) with the namespace of `type`. */
export function writeDocument(
  type: Iso20022MessageType,
  body: XmlBody,
  options: Iso20022BuildOptions = {},
): string {
  return writeXmlDocument(namespaceOf(type), body, options.layout ?? 'compact');
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
      if (!isXmlCodePoint(codePoint)) throw malformedEntity(whole);
      return String.fromCodePoint(codePoint);
    }
    const value = NAMED[name];
    if (value === undefined) throw malformedEntity(whole);
    return value;
  });
}

function malformedEntity(entity: string): Iso20022Error {
  return new Iso20022Error(
    'ISO20022.MALFORMED_XML',
    `undefined or malformed entity ${JSON.stringify(entity)}`,
  );
}

// ---- reading the parse tree ------------------------------------------------------------------------------

/** Every `name` child of `node`, in document order. */
export function childrenOf(node: XmlNode, name: string): XmlElement[] {
  if (node === undefined) return [];
  const found: XmlElement[] = [];
  for (const child of node.children) if (child.name === name) found.push(child);
  return found;
}

/** The first `name` child of `node`, or undefined. */
export function childOf(node: XmlNode, name: string): XmlNode {
  if (node === undefined) return undefined;
  for (const child of node.children) if (child.name === name) return child;
  return undefined;
}

/** The first element along `path`, or undefined. */
export function at(node: XmlNode, ...path: string[]): XmlNode {
  let current: XmlNode = node;
  for (let index = 0; index < path.length && current !== undefined; index++) {
    current = childOf(current, path[index]);
  }
  return current;
}

/** The decoded text content of an element, or undefined when it is absent. */
export function textOf(node: XmlNode): string | undefined {
  return node?.text;
}

export function textAt(node: XmlNode, ...path: string[]): string | undefined {
  return at(node, ...path)?.text;
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
  return node?.attribute(name);
}
