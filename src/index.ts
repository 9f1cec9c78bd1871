// webkms: KMS-style envelope encryption on WebCrypto alone. This file only re-exports.
/**
 * KMS-style envelope encryption on WebCrypto alone: a {@link Keyring} of master keys (aliases,
 * versions, rotation, encryption context) that generates, wraps and unwraps data keys; key stores
 * that keep it; and messages in the AWS Encryption SDK format ({@link seal}, {@link open} and
 * their streams). The vendor dialects and the KMS endpoint are the other entry points.
 * @module webkms
 */
export { Keyring } from './keyring.js';
export { KmsError, type KmsErrorName } from './errors.js';
export { MemoryKeyStore } from './stores/memory.js';
export {
  DenoKvKeyStore,
  type DenoKvAtomicOperation,
  type DenoKvEntry,
  type DenoKvKey,
  type DenoKvKeyPart,
  type DenoKvKeyStoreOptions,
  type DenoKvLike,
} from './stores/deno-kv.js';
export {
  DurableObjectKeyStore,
  type DurableObjectKeyStoreOptions,
  type DurableObjectStorageLike,
  type DurableObjectTransactionLike,
} from './stores/durable-object.js';
export { IndexedDbKeyStore, type IndexedDbFactory, type IndexedDbKeyStoreOptions } from './stores/indexeddb.js';
export type {
  KeyStore,
  KeyStoreKind,
  KeyStoreRecord,
  KeyStoreValues,
  KeyStoreWrite,
  SealedMaterial,
  StoredAlias,
  StoredKey,
  StoredKeyVersion,
  StoredKeyring,
  StoredMaterial,
} from './stores/types.js';
export * as base64 from './base64.js';
export type { Base64Alphabet, Base64DecodeOptions, Base64EncodeOptions } from './base64.js';
export type * from './types.js';
export { seal, sealedSize, type SealOptions, type SealStreamOptions } from './envelope/seal.js';
export { open, type OpenOptions } from './envelope/open.js';
export { sealStream, openStream } from './envelope/streams.js';
export { readHeader, type EncryptedDataKey, type MessageHeaderInfo, type RawAesKeyInfo } from './envelope/read-header.js';
export { RawAesKeyring, type RawAesKeyringOptions } from './envelope/raw-aes-keyring.js';
export { DataKeyCache, type DataKeyCacheOptions } from './envelope/cache.js';
export type { EnvelopeKeyring, EnvelopeKeyrings } from './envelope/keyrings.js';
export type { AlgorithmSuiteName, AlgorithmSuiteOption } from './envelope/suites.js';
export type { SealData } from './envelope/input.js';
