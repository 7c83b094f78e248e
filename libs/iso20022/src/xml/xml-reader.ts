import { Iso20022Error } from '../iso20022.error';

/**
 * A strict, non-validating XML 1.0 reader for bank messages: one pass that both checks well-formedness (with
 * namespaces) and builds a small element tree. ISO 20022 messages use no DTD, so none is read: a DOCTYPE is
 * refused, and the only entities are the five predefined ones and character references, decoded once. It
 * replaces a separate well-formedness pass plus a general-purpose parser, which cost most of the CPU of
 * reading a message.
 */

// Shared by every element without children (most are leaves), so a leaf costs no array; never mutated.
const NO_CHILDREN: readonly XmlElement[] = Object.freeze([]);

/** One element: its local name (prefix dropped), attributes by local name, child elements and text. */
export class XmlElement {
  children: readonly XmlElement[] = NO_CHILDREN;
  /** The element's own character data, decoded, without the whitespace around each run (`trimValues`). */
  text = '';
  /** Attribute local names and values, alternating (`[name, value, ...]`); most elements have none. */
  attributes: string[] | undefined = undefined;

  constructor(
    readonly name: string,
    /** The namespace URI of the element, resolved from its prefix or the default namespace. */
    readonly namespace: string | undefined,
  ) {}

  attribute(localName: string): string | undefined {
    const attributes = this.attributes;
    if (attributes === undefined) return undefined;
    for (let index = 0; index < attributes.length; index += 2) {
      if (attributes[index] === localName) return attributes[index + 1];
    }
    return undefined;
  }
}

const XML_NAMESPACE = 'http://www.w3.org/XML/1998/namespace';
const XMLNS_NAMESPACE = 'http://www.w3.org/2000/xmlns/';

// XML 1.0 (5th edition) NameStartChar / NameChar without ':' (an NCName), as used by Namespaces in XML.
const NC_START =
  'A-Z_a-z\\u00C0-\\u00D6\\u00D8-\\u00F6\\u00F8-\\u02FF\\u0370-\\u037D\\u037F-\\u1FFF\\u200C-\\u200D' +
  '\\u2070-\\u218F\\u2C00-\\u2FEF\\u3001-\\uD7FF\\uF900-\\uFDCF\\uFDF0-\\uFFFD\\u{10000}-\\u{EFFFF}';
const NC_CHAR = `${NC_START}\\-.0-9\\u00B7\\u0300-\\u036F\\u203F-\\u2040`;
// The combining marks (U+0300–036F) are ranges of single code points, as the XML Name production lists them.
// eslint-disable-next-line no-misleading-character-class
const QNAME = new RegExp(`^(?:([${NC_START}][${NC_CHAR}]*):)?([${NC_START}][${NC_CHAR}]*)$`, 'u');
// Namespaces in XML §7: a processing instruction's target contains no colon.
// eslint-disable-next-line no-misleading-character-class
const PI_TARGET = new RegExp(`^[${NC_START}][${NC_CHAR}]*$`, 'u');

/** Characters XML 1.0 does not allow anywhere (lone surrogates are checked with `isWellFormed`). */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const NOT_XML_CHAR = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/;
const XML_DECLARATION =
  /^<\?xml[ \t\r\n]+version[ \t\r\n]*=[ \t\r\n]*(["'])1\.[0-9]+\1(?:[ \t\r\n]+encoding[ \t\r\n]*=[ \t\r\n]*(["'])[A-Za-z][A-Za-z0-9._-]*\2)?(?:[ \t\r\n]+standalone[ \t\r\n]*=[ \t\r\n]*(["'])(?:yes|no)\3)?[ \t\r\n]*\?>/;
const REFERENCE = /&(?:#x([0-9a-fA-F]+)|#([0-9]+)|(amp|lt|gt|quot|apos));/y;
const PREDEFINED: Readonly<Record<string, string>> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

const LT = 0x3c;
const GT = 0x3e;
const SLASH = 0x2f;
const BANG = 0x21;
const QUESTION = 0x3f;
const EQUALS = 0x3d;
const AMPERSAND = 0x26;

/** Parsed qualified names by their text. Tag names repeat endlessly; bounded so hostile input cannot grow it. */
const qualifiedNames = new Map<string, { prefix: string | undefined; local: string }>();
const QUALIFIED_NAME_CACHE_LIMIT = 4_096;

/**
 * Reads `xml` (a BOM, if any, already removed) into its root element. Throws MALFORMED_XML, naming the line and
 * column, for anything that is not namespace-well-formed XML 1.0, and for any DOCTYPE.
 */
export function readXml(xml: string): XmlElement {
  return new Reader(xml).document();
}

class Reader {
  private position = 0;
  /** Namespace bindings in scope: prefix → URI; `''` is the default namespace. */
  private readonly namespaces = new Map<string, string>([['xml', XML_NAMESPACE]]);

  constructor(private readonly xml: string) {}

  document(): XmlElement {
    const xml = this.xml;
    if (NOT_XML_CHAR.test(xml) || !(xml as unknown as { isWellFormed(): boolean }).isWellFormed()) {
      const index = firstNonXmlChar(xml);
      throw this.error('a character XML does not allow', index);
    }
    const declaration = XML_DECLARATION.exec(xml);
    if (declaration !== null) this.position = declaration[0].length;
    else if (/^<\?xml[ \t\r\n?]/i.test(xml)) throw this.error('a malformed XML declaration', 0);
    this.misc();
    if (this.position >= xml.length) throw this.error('no root element', this.position);
    if (xml.startsWith('<!DOCTYPE', this.position)) {
      throw new Iso20022Error('ISO20022.MALFORMED_XML', 'a DOCTYPE is not allowed in an ISO 20022 message');
    }
    if (xml.charCodeAt(this.position) !== LT) throw this.error('text before the root element', this.position);
    const root = this.content();
    this.misc();
    if (this.position < xml.length) throw this.error('content after the root element', this.position);
    return root;
  }

  /** Whitespace, comments and processing instructions (before and after the root element). */
  private misc(): void {
    const xml = this.xml;
    for (;;) {
      this.position = skipWhitespace(xml, this.position);
      if (xml.startsWith('<!--', this.position)) this.comment();
      else if (xml.startsWith('<?', this.position)) this.processingInstruction();
      else return;
    }
  }

  /** The root element and everything inside it, without recursion (the depth of a document costs no stack). */
  private content(): XmlElement {
    const xml = this.xml;
    const length = xml.length;
    const open: XmlElement[] = [];
    const openNames: string[] = [];
    const bindingMarks: number[] = [];
    const bindingUndo: [string, string | undefined][] = [];
    let root: XmlElement | undefined;
    let position = this.position;
    for (;;) {
      // `position` is at a '<'.
      const next = xml.charCodeAt(position + 1);
      if (next === SLASH) {
        const nameStart = position + 2;
        const expected = openNames.pop();
        // Compared in place: no need to cut the name out of the text when it is the expected one.
        let nameEnd = expected === undefined ? nameStart : nameStart + expected.length;
        if (
          expected === undefined ||
          !xml.startsWith(expected, nameStart) ||
          endOfName(xml, nameEnd) !== nameEnd
        ) {
          nameEnd = endOfName(xml, nameStart);
          const name = xml.slice(nameStart, nameEnd);
          throw this.error(
            expected === undefined
              ? `a stray end tag </${name}>`
              : `end tag </${name}> where </${expected}> was expected`,
            position,
          );
        }
        position = skipWhitespace(xml, nameEnd);
        if (xml.charCodeAt(position) !== GT) throw this.error(`a malformed end tag </${expected}>`, position);
        position += 1;
        open.pop();
        this.closeScope(bindingUndo, bindingMarks.pop() as number);
        if (open.length === 0) break;
      } else if (next === BANG) {
        if (xml.startsWith('<!--', position)) {
          this.position = position;
          this.comment();
          position = this.position;
        } else if (xml.startsWith('<![CDATA[', position)) {
          const end = xml.indexOf(']]>', position + 9);
          if (end < 0) throw this.error('an unterminated CDATA section', position);
          if (open.length === 0) throw this.error('a CDATA section outside the root element', position);
          open[open.length - 1].text += xml.slice(position + 9, end);
          position = end + 3;
        } else if (xml.startsWith('<!DOCTYPE', position)) {
          throw new Iso20022Error(
            'ISO20022.MALFORMED_XML',
            'a DOCTYPE is not allowed in an ISO 20022 message',
          );
        } else {
          throw this.error('a malformed markup declaration', position);
        }
      } else if (next === QUESTION) {
        this.position = position;
        this.processingInstruction();
        position = this.position;
      } else {
        // A start tag.
        const nameStart = position + 1;
        const nameEnd = endOfName(xml, nameStart);
        const qualifiedName = xml.slice(nameStart, nameEnd);
        const name = this.qualifiedName(qualifiedName, nameStart);
        position = nameEnd;
        let attributeNames: string[] | undefined;
        let attributeValues: string[] | undefined;
        let seenAttributes: Set<string> | undefined;
        let selfClosing = false;
        for (;;) {
          const afterSpace = skipWhitespace(xml, position);
          const code = xml.charCodeAt(afterSpace);
          if (code === GT) {
            position = afterSpace + 1;
            break;
          }
          if (code === SLASH && xml.charCodeAt(afterSpace + 1) === GT) {
            position = afterSpace + 2;
            selfClosing = true;
            break;
          }
          if (afterSpace === position || afterSpace >= length) {
            throw this.error(`a malformed start tag <${qualifiedName}>`, afterSpace);
          }
          const attributeEnd = endOfName(xml, afterSpace);
          const attributeName = xml.slice(afterSpace, attributeEnd);
          this.qualifiedName(attributeName, afterSpace);
          let cursor = skipWhitespace(xml, attributeEnd);
          if (xml.charCodeAt(cursor) !== EQUALS) {
            throw this.error(`attribute ${attributeName} without a value`, cursor);
          }
          cursor = skipWhitespace(xml, cursor + 1);
          const quote = xml[cursor];
          if (quote !== '"' && quote !== "'")
            throw this.error(`attribute ${attributeName} not quoted`, cursor);
          const valueEnd = xml.indexOf(quote, cursor + 1);
          if (valueEnd < 0) throw this.error(`attribute ${attributeName} not closed`, cursor);
          const raw = xml.slice(cursor + 1, valueEnd);
          if (raw.includes('<')) throw this.error(`a '<' in attribute ${attributeName}`, cursor);
          if (attributeNames === undefined) {
            attributeNames = [];
            attributeValues = [];
          } else if (
            // A set once there are many, so that a hostile tag with thousands of attributes stays linear.
            attributeNames.length < 16
              ? attributeNames.includes(attributeName)
              : (seenAttributes ??= new Set(attributeNames)).has(attributeName)
          ) {
            throw this.error(`attribute ${attributeName} repeated`, afterSpace);
          }
          attributeNames.push(attributeName);
          seenAttributes?.add(attributeName);
          (attributeValues as string[]).push(this.attributeValue(raw, cursor + 1));
          position = valueEnd + 1;
        }
        bindingMarks.push(bindingUndo.length);
        if (attributeNames !== undefined) {
          this.declareNamespaces(attributeNames, attributeValues as string[], bindingUndo, nameStart);
        }
        const namespace = this.namespaces.get(name.prefix ?? '');
        if (name.prefix !== undefined && namespace === undefined) {
          throw this.error(`namespace prefix ${name.prefix} is not declared`, nameStart);
        }
        const element = new XmlElement(name.local, namespace === '' ? undefined : namespace);
        if (attributeNames !== undefined) {
          const attributes = this.attributesOf(attributeNames, attributeValues as string[], nameStart);
          if (attributes.length > 0) element.attributes = attributes;
        }
        if (open.length > 0) {
          const parent = open[open.length - 1];
          if (parent.children === NO_CHILDREN) parent.children = [element];
          else (parent.children as XmlElement[]).push(element);
        } else {
          // The loop ends when the root closes, so nothing follows it here (see document()).
          root = element;
        }
        if (selfClosing) {
          this.closeScope(bindingUndo, bindingMarks.pop() as number);
          if (open.length === 0) break;
        } else {
          open.push(element);
          openNames.push(qualifiedName);
        }
      }
      // Character data up to the next markup.
      const nextMarkup = xml.indexOf('<', position);
      if (nextMarkup < 0) {
        throw this.error(`end of input inside <${openNames[openNames.length - 1]}>`, length);
      }
      if (nextMarkup > position) {
        this.characterData(open[open.length - 1], position, nextMarkup);
        position = nextMarkup;
      }
    }
    this.position = position;
    return root as XmlElement;
  }

  /** A run of text between two markups: trimmed of XML whitespace, checked, decoded and kept. */
  private characterData(element: XmlElement, start: number, end: number): void {
    const xml = this.xml;
    const from = skipWhitespace(xml, start);
    if (from >= end) return;
    let to = end;
    while (isWhitespace(xml.charCodeAt(to - 1))) to -= 1;
    const raw = xml.slice(from, to);
    if (raw.includes(']]>')) throw this.error("']]>' in text", from);
    // Line ends reach the application as LF (XML 1.0 §2.11), before references are decoded.
    const text = raw.includes('\r') ? raw.replace(/\r\n?/g, '\n') : raw;
    element.text += text.includes('&') ? this.decode(text, from) : text;
  }

  /** An attribute value: references decoded, literal tabs and line breaks normalised to spaces (XML 1.0 §3.3.3). */
  private attributeValue(raw: string, at: number): string {
    const normalised = /[\t\r\n]/.test(raw) ? raw.replace(/\r\n|[\t\r\n]/g, ' ') : raw;
    return normalised.includes('&') ? this.decode(normalised, at) : normalised;
  }

  /** Resolves `xmlns` and `xmlns:p` attributes into the scope, remembering what to undo at the end tag. */
  private declareNamespaces(
    names: readonly string[],
    values: readonly string[],
    undo: [string, string | undefined][],
    at: number,
  ): void {
    for (let index = 0; index < names.length; index++) {
      const name = names[index];
      let prefix: string;
      if (name === 'xmlns') prefix = '';
      else if (name.startsWith('xmlns:')) prefix = name.slice(6);
      else continue;
      const uri = values[index];
      if (prefix === 'xmlns' || (prefix === 'xml') !== (uri === XML_NAMESPACE) || uri === XMLNS_NAMESPACE) {
        throw this.error(`a reserved namespace declaration ${name}="${uri}"`, at);
      }
      if (prefix !== '' && uri === '') throw this.error(`namespace prefix ${prefix} bound to ""`, at);
      undo.push([prefix, this.namespaces.get(prefix)]);
      this.namespaces.set(prefix, uri);
    }
  }

  /** Ends the namespace declarations of an element: undoes the bindings made since `mark`. */
  private closeScope(undo: [string, string | undefined][], mark: number): void {
    while (undo.length > mark) {
      const [prefix, previous] = undo.pop() as [string, string | undefined];
      if (previous === undefined) this.namespaces.delete(prefix);
      else this.namespaces.set(prefix, previous);
    }
  }

  /** The attributes by local name, with their prefixes checked (a prefixed name must be declared). */
  private attributesOf(names: readonly string[], values: readonly string[], at: number): string[] {
    const attributes: string[] = [];
    let expandedNames: Set<string> | undefined;
    for (let index = 0; index < names.length; index++) {
      const name = this.qualifiedName(names[index], at);
      if (name.prefix === 'xmlns' || names[index] === 'xmlns') continue;
      if (name.prefix !== undefined) {
        const uri = this.namespaces.get(name.prefix);
        if (uri === undefined) throw this.error(`namespace prefix ${name.prefix} is not declared`, at);
        // Two prefixes bound to one URI may not name the same attribute twice (Namespaces in XML §6.3).
        expandedNames ??= new Set();
        const expanded = `{${uri}}${name.local}`;
        if (expandedNames.has(expanded)) throw this.error(`attribute ${names[index]} repeated`, at);
        expandedNames.add(expanded);
      }
      attributes.push(name.local, values[index]);
    }
    return attributes;
  }

  private qualifiedName(text: string, at: number): { prefix: string | undefined; local: string } {
    let name = qualifiedNames.get(text);
    if (name === undefined) {
      const match = QNAME.exec(text);
      if (match === null) {
        throw this.error(text === '' ? 'a missing name' : `an invalid name ${JSON.stringify(text)}`, at);
      }
      name = { prefix: match[1], local: match[2] };
      if (qualifiedNames.size >= QUALIFIED_NAME_CACHE_LIMIT) qualifiedNames.clear();
      qualifiedNames.set(text, name);
    }
    return name;
  }

  private comment(): void {
    const start = this.position;
    const end = this.xml.indexOf('--', start + 4);
    if (end < 0 || this.xml.charCodeAt(end + 2) !== GT) {
      throw this.error(end < 0 ? 'an unterminated comment' : "'--' inside a comment", end < 0 ? start : end);
    }
    this.position = end + 3;
  }

  private processingInstruction(): void {
    const start = this.position;
    const end = this.xml.indexOf('?>', start + 2);
    if (end < 0) throw this.error('an unterminated processing instruction', start);
    const body = this.xml.slice(start + 2, end);
    const targetEnd = body.search(/[ \t\r\n]/);
    const target = targetEnd < 0 ? body : body.slice(0, targetEnd);
    if (!PI_TARGET.test(target) || target.toLowerCase() === 'xml') {
      throw this.error(`a malformed processing instruction <?${target}`, start);
    }
    this.position = end + 2;
  }

  /** Decodes the predefined entities and character references of `raw`, refusing any other '&'. */
  private decode(raw: string, at: number): string {
    let decoded = '';
    let from = 0;
    for (let ampersand = raw.indexOf('&'); ampersand >= 0; ampersand = raw.indexOf('&', from)) {
      REFERENCE.lastIndex = ampersand;
      const reference = REFERENCE.exec(raw);
      if (reference === null) {
        const shown = /^&[^;\s&<]{0,12};?/.exec(raw.slice(ampersand))?.[0] ?? '&';
        throw this.error(`undefined or malformed entity ${JSON.stringify(shown)}`, at + ampersand);
      }
      decoded += raw.slice(from, ampersand);
      if (reference[3] !== undefined) {
        decoded += PREDEFINED[reference[3]];
      } else {
        const digits = reference[1] ?? reference[2];
        // Long digit strings would lose precision; no valid code point needs more than 7 hex or 8 decimal digits.
        const codePoint = digits.length > 8 ? -1 : parseInt(digits, reference[1] !== undefined ? 16 : 10);
        if (!isXmlCodePoint(codePoint)) {
          throw this.error(
            `a character reference ${reference[0]} to a character XML does not allow`,
            at + ampersand,
          );
        }
        decoded += String.fromCodePoint(codePoint);
      }
      from = REFERENCE.lastIndex;
    }
    return decoded + raw.slice(from);
  }

  private error(what: string, index: number): Iso20022Error {
    const { line, column } = lineAndColumn(this.xml, index);
    return new Iso20022Error(
      'ISO20022.MALFORMED_XML',
      `not well-formed XML (line ${line}, column ${column}): ${what}`,
    );
  }
}

function isWhitespace(code: number): boolean {
  return code === 0x20 || code === 0x0a || code === 0x09 || code === 0x0d;
}

function skipWhitespace(xml: string, from: number): number {
  let index = from;
  while (isWhitespace(xml.charCodeAt(index))) index += 1;
  return index;
}

/** The end of a name: the first whitespace, '>', '/', '=' or markup character (the name itself is checked apart). */
function endOfName(xml: string, from: number): number {
  let index = from;
  for (;;) {
    const code = xml.charCodeAt(index);
    if (
      code !== code || // NaN: end of input
      code === GT ||
      code === SLASH ||
      code === EQUALS ||
      code === LT ||
      code === AMPERSAND ||
      code === 0x22 ||
      code === 0x27 ||
      isWhitespace(code)
    ) {
      return index;
    }
    index += 1;
  }
}

/** A code point XML 1.0 allows in a document (the `Char` production). */
export function isXmlCodePoint(codePoint: number): boolean {
  return (
    codePoint === 0x9 ||
    codePoint === 0xa ||
    codePoint === 0xd ||
    (codePoint >= 0x20 && codePoint <= 0xd7ff) ||
    (codePoint >= 0xe000 && codePoint <= 0xfffd) ||
    (codePoint >= 0x10000 && codePoint <= 0x10ffff)
  );
}

function firstNonXmlChar(xml: string): number {
  for (let index = 0; index < xml.length; index++) {
    const code = xml.charCodeAt(index);
    if (code >= 0xd800 && code <= 0xdbff) {
      const low = xml.charCodeAt(index + 1);
      if (low >= 0xdc00 && low <= 0xdfff) {
        index += 1;
        continue;
      }
      return index;
    }
    if (!isXmlCodePoint(code)) return index;
  }
  return xml.length;
}

function lineAndColumn(xml: string, index: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (
    let newline = xml.indexOf('\n');
    newline >= 0 && newline < index;
    newline = xml.indexOf('\n', newline + 1)
  ) {
    line += 1;
    lineStart = newline + 1;
  }
  return { line, column: index - lineStart + 1 };
}
