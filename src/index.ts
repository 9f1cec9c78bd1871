// webkms: KMS-style envelope encryption on WebCrypto alone. This file only re-exports.
export { Keyring } from './keyring.js';
export { KmsError, type KmsErrorName } from './errors.js';
export * as base64 from './base64.js';
export type { Base64Alphabet, Base64DecodeOptions, Base64EncodeOptions } from './base64.js';
export type * from './types.js';
