import fc from 'fast-check';
import { readXml } from './xml-reader';
import { escapeXml, writeXmlDocument, XmlLayout } from './xml-writer';

describe('writeXmlDocument', () => {
  const body = {
    GrpHdr: { MsgId: 'M-1', Nb: '2' },
    Tx: [
      { Amt: { '@_Ccy': 'EUR', '#text': '1.25' }, Note: undefined },
      { Amt: { '@_Ccy': 'JPY', '#text': '5000' }, Empty: '' },
    ],
    Skipped: undefined,
    Bare: {},
  };

  it('writes no whitespace between elements in the compact layout', () => {
    expect(writeXmlDocument('urn:x', body, 'compact')).toBe(
      '<?xml version="1.0" encoding="UTF-8"?>\n<Document xmlns="urn:x">' +
        '<GrpHdr><MsgId>M-1</MsgId><Nb>2</Nb></GrpHdr>' +
        '<Tx><Amt Ccy="EUR">1.25</Amt></Tx><Tx><Amt Ccy="JPY">5000</Amt><Empty></Empty></Tx>' +
        '<Bare></Bare></Document>\n',
    );
  });

  it('writes one element per line, two spaces deeper per level, in the indented layout (as XMLBuilder did)', () => {
    const xml = writeXmlDocument('urn:x', body, 'indented');
    expect(xml).toBe(
      [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<Document xmlns="urn:x">',
        '  <GrpHdr>',
        '    <MsgId>M-1</MsgId>',
        '    <Nb>2</Nb>',
        '  </GrpHdr>',
        '  <Tx>',
        '    <Amt Ccy="EUR">1.25</Amt>',
        '  </Tx>',
        '  <Tx>',
        '    <Amt Ccy="JPY">5000</Amt>',
        '    <Empty></Empty>',
        '  </Tx>',
        '  <Bare></Bare>',
        '</Document>',
        '',
      ].join('\n'),
    );
  });

  it('escapes the five markup characters in text and attributes', () => {
    const xml = writeXmlDocument(
      'urn:x',
      { Nm: `Tom & "Jerry's" <Co>`, Amt: { '@_Ccy': `a"b'<&>`, '#text': '1' } },
      'compact',
    );
    expect(xml).toContain('<Nm>Tom &amp; &quot;Jerry&apos;s&quot; &lt;Co&gt;</Nm>');
    expect(xml).toContain('<Amt Ccy="a&quot;b&apos;&lt;&amp;&gt;">1</Amt>');
  });

  it('refuses an element with both a text and children (ISO 20022 has no mixed content)', () => {
    expect(() => writeXmlDocument('urn:x', { Amt: { '#text': '1', Sub: 'x' } }, 'compact')).toThrow(
      /both a text/,
    );
  });

  it('writes any text so that reading it back gives the same text', () => {
    // Any XML characters, markup and references included; the reader trims XML whitespace at the ends, and
    // the builders trim every free text before writing it.
    const xmlChar = fc.oneof(
      fc.constantFrom('&', '<', '>', '"', "'", ';', '#', ']]>', '&amp;', '&#38;', ' ', '\t', '\n'),
      fc.string({ unit: 'grapheme', minLength: 1, maxLength: 1 }),
    );
    const text = fc
      .array(xmlChar, { maxLength: 30 })
      .map((parts) => parts.join('').replace(/^[ \t\r\n]+|[ \t\r\n]+$/g, ''))
      // eslint-disable-next-line no-control-regex -- leaving out the characters XML cannot carry
      .filter((value) => !/[\u0000-\u0008\u000B\u000C\u000E-\u001F\r\uFFFE\uFFFF]/.test(value));
    fc.assert(
      fc.property(text, text, fc.constantFrom('compact', 'indented'), (content, attribute, layout) => {
        const root = readXml(
          writeXmlDocument('urn:x', { E: { '@_A': attribute, '#text': content } }, layout as XmlLayout),
        );
        expect(root.children[0].text).toBe(content);
        // Attribute values keep their tabs and line breaks only as references; the builders write none.
        expect(root.children[0].attribute('A')).toBe(attribute.replace(/[\t\n]/g, ' '));
      }),
      { numRuns: 300 },
    );
  });

  it('leaves text without markup characters as it is', () => {
    const plain = 'Zoë 山田 😀 1.25';
    expect(escapeXml(plain)).toBe(plain);
  });
});
