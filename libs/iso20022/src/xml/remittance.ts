import { at, childrenOf, textOf, XmlNode } from './xml-document';

/**
 * `RmtInf` as one text: the unstructured lines joined by a space, or, when there are none, the structured
 * creditor references (`Strd/CdtrRefInf/Ref`), which are what a person would read to match the payment.
 */
export function remittanceText(remittance: XmlNode): string | undefined {
  const lines = childrenOf(remittance, 'Ustrd')
    .map(textOf)
    .filter((line): line is string => !!line);
  if (lines.length > 0) return lines.join(' ');
  const references = childrenOf(remittance, 'Strd')
    .map((structured) => textOf(at(structured, 'CdtrRefInf', 'Ref')))
    .filter((reference): reference is string => !!reference);
  return references.length > 0 ? references.join(' ') : undefined;
}
