// The public shapes of the Keyring API: what goes in, what comes out.
import type { BinaryInput } from './bytes.js';
import type { EncryptionContext } from './context.js';
import type { KeyStore } from './stores/types.js';

export type { BinaryInput, EncryptionContext };

/** AES key sizes: of a master key (`createKey`) or of a data key (`generateDataKey`). */
export type AesKeySpec = 'AES_128' | 'AES_192' | 'AES_256';

/**
 * Master key material: raw AES key bytes (16, 24 or 32, in a Uint8Array, another ArrayBufferView
 * or an ArrayBuffer), an AES-GCM `CryptoKey` with `encrypt` and `decrypt` usages, or a JWK with
 * `kty: "oct"`.
 */
export type KeyMaterial = Uint8Array | ArrayBuffer | CryptoKey | JsonWebKey;

/** Options of `new Keyring(…)`. */
export interface KeyringOptions {
  /** The WebCrypto to use. Default: `globalThis.crypto`. */
  crypto?: Crypto;
  /** The region named in ARNs. Default `us-east-1`. */
  region?: string;
  /** The 12-digit account id named in ARNs. Default `000000000000`. */
  accountId?: string;
  /**
   * How many AES-GCM encryptions one key version may perform before the keyring refuses with
   * `KMSInvalidStateException` and asks for a rotation. Default 2^32, the bound NIST SP 800-38D
   * sets for random 96-bit IVs.
   */
  maxEncryptionsPerKeyVersion?: number;
}

/** Options of `Keyring.open(…)`: those of `new Keyring(…)`, and where the keys live. */
export interface KeyringOpenOptions extends KeyringOptions {
  /** Where the keys are kept: `MemoryKeyStore`, `IndexedDbKeyStore`, … or your own {@link KeyStore}. */
  store: KeyStore;
  /**
   * For a store that cannot keep `CryptoKey`s (`keepsCryptoKeys: false`): the 256-bit AES key that
   * seals every version's material there (32 bytes, a JWK or an AES-GCM `CryptoKey`), e.g. from a
   * Worker secret or an environment variable. It never enters the store.
   */
  rootKey?: KeyMaterial;
}

/** Input of `Keyring.importKey`. */
export interface ImportKeyInput {
  /** Default: a random UUID. */
  keyId?: string;
  material: KeyMaterial;
  aliases?: readonly string[];
  description?: string;
}

/** Input of `Keyring.createKey`. */
export interface CreateKeyInput {
  /** Default: a random UUID. */
  keyId?: string;
  /** Default `AES_256`; `SYMMETRIC_DEFAULT` is AWS's name for it. */
  keySpec?: AesKeySpec | 'SYMMETRIC_DEFAULT';
  aliases?: readonly string[];
  description?: string;
}

/** Input of `Keyring.rotateKey`. */
export interface RotateKeyInput {
  /** New material of the key's size. Default: random material from the WebCrypto generator. */
  material?: KeyMaterial;
}

/** One version of a master key. */
export interface KeyVersionMetadata {
  versionId: string;
  keyMaterialId: string;
  creationDate: Date;
  /** New data keys are wrapped under the primary (newest) version unless a version is named. */
  primary: boolean;
  /** AES-GCM encryptions this version has performed (bounded by `maxEncryptionsPerKeyVersion`). */
  encryptionCount: number;
}

/** What `describeKey` tells about a master key. Never key material. */
export interface KeyMetadata {
  keyId: string;
  arn: string;
  description: string;
  enabled: boolean;
  keyState: 'Enabled' | 'Disabled';
  creationDate: Date;
  /** `AWS_KMS` for keys made by `createKey`, `EXTERNAL` for imported material. */
  origin: 'AWS_KMS' | 'EXTERNAL';
  keySpec: AesKeySpec;
  keyUsage: 'ENCRYPT_DECRYPT';
  /** Whether the material can be read back: only when an extractable `CryptoKey` was imported. */
  extractable: boolean;
  aliases: string[];
  /** The version new data keys are wrapped under. */
  primaryVersionId: string;
  /** The first version (Alibaba's GenerateDataKey wraps under it). */
  initialVersionId: string;
  /** The key material id of the primary version. */
  currentKeyMaterialId: string;
  /** Every version, oldest first. */
  versions: KeyVersionMetadata[];
}

/** An entry of `listKeys`. */
export interface KeyListEntry {
  keyId: string;
  keyArn: string;
}

/** An entry of `listAliases`. */
export interface AliasListEntry {
  aliasName: string;
  aliasArn: string;
  targetKeyId: string;
}

/** Which key version did the work. */
export interface KeyVersionResult {
  /** The key's id, never an alias. */
  keyId: string;
  /** The key's ARN. */
  arn: string;
  versionId: string;
  /** 64 lowercase hex characters identifying the version's key material. */
  keyMaterialId: string;
}

/** A secret wrapped under a key version. */
export interface WrapResult extends KeyVersionResult {
  /** The self-describing blob `decrypt` takes (format: docs/format.md). */
  ciphertextBlob: Uint8Array;
  /** The 96-bit AES-GCM IV, also inside the blob. */
  iv: Uint8Array;
  algorithm: 'AES_GCM';
}

/** Input of `Keyring.generateDataKey` and `generateDataKeyWithoutPlaintext`. */
export interface GenerateDataKeyInput {
  /** Key id, key ARN, alias name or alias ARN. */
  keyId: string;
  /** Data key size; default `AES_256`. `numberOfBytes` prevails when both are given. */
  keySpec?: AesKeySpec;
  /** Data key size in bytes, an integer from 1 to 1,024. */
  numberOfBytes?: number;
  encryptionContext?: EncryptionContext;
  /** Additional authenticated bytes, required again to decrypt. */
  aad?: BinaryInput;
  /** Wrap under this version instead of the primary one. */
  versionId?: string;
}

/** A fresh data key and its wrapped copy. */
export interface GenerateDataKeyResult extends WrapResult {
  /** The data key: a fresh buffer the library keeps no reference to. Zero it after use. */
  plaintext: Uint8Array;
}

/** Input of `Keyring.encrypt`. */
export interface EncryptInput {
  keyId: string;
  /** 1 to 4,096 bytes. */
  plaintext: BinaryInput;
  encryptionContext?: EncryptionContext;
  aad?: BinaryInput;
  versionId?: string;
}

/** Input of `Keyring.decrypt`. */
export interface DecryptInput {
  /** The blob, as bytes or as base64 text. */
  ciphertextBlob: BinaryInput | string;
  encryptionContext?: EncryptionContext;
  aad?: BinaryInput;
  /** When given, must name the key the blob was wrapped under (`IncorrectKeyException` otherwise). */
  keyId?: string;
}

/** The unwrapped secret and the key version that had wrapped it. */
export interface DecryptResult extends KeyVersionResult {
  /** A fresh buffer the library keeps no reference to. Zero it after use. */
  plaintext: Uint8Array;
}

/** Input of `Keyring.reEncrypt`. */
export interface ReEncryptInput {
  ciphertextBlob: BinaryInput | string;
  sourceEncryptionContext?: EncryptionContext;
  sourceAad?: BinaryInput;
  sourceKeyId?: string;
  destinationKeyId: string;
  destinationEncryptionContext?: EncryptionContext;
  destinationAad?: BinaryInput;
  destinationVersionId?: string;
}

/** The secret wrapped anew, and the key version that had wrapped it before. */
export interface ReEncryptResult extends WrapResult {
  sourceKeyId: string;
  sourceArn: string;
  sourceVersionId: string;
  sourceKeyMaterialId: string;
}
