export * from './messages';
export { Iso20022Error, Iso20022ErrorCode } from './iso20022.error';
export { buildPain001, parsePain001 } from './pain001.codec';
export { buildPain002, parsePain002 } from './pain002.codec';
export { buildCamt054, parseCamt054 } from './camt054.codec';
export { buildCamt053, parseCamt053 } from './camt053.codec';
export {
  assertSchemaValid,
  validateIso20022,
  Iso20022ValidationResult,
  closeIso20022Validator,
  iso20022ValidatorStats,
} from './schema-validator';
export { parseBankMessage, BankMessage } from './bank-message.parser';
export { readIso20022Document, Iso20022Document, Iso20022BuildOptions } from './xml/xml-document';
export { XmlLayout } from './xml/xml-writer';
export {
  signIso20022,
  verifyIso20022,
  generateSigningKey,
  exportPublicJwk,
  loadOrCreateSigningKey,
  importSigningKeyFromPem,
  trustedKeysFromJwks,
  JwksResolver,
  SigningKey,
  TrustedKeys,
} from './signing';
