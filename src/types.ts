// The public shapes of the Keyring API: what goes in, what comes out.
import type { BinaryInput } from './bytes.js';
import type { EncryptionContext } from './context.js';
import type { KeyStore } from './stores/types.js';

export type { BinaryInput, EncryptionContext };

// WebCrypto's types, for the declarations: derived from the global `crypto`, which lib.dom and
// @types/node both declare, so that the package's types compile with either (a Node project needs
// no lib.dom). Where lib.dom is present they are its `Crypto` and `CryptoKey`. The build
// (scripts/build-types.mjs) imports them into every declaration file that names them.

/** The WebCrypto implementation: `globalThis.crypto`'s type. */
export type Crypto = typeof globalThis extends {
  /** The global WebCrypto, whose type is the type wanted. */
  crypto: infer C extends object;
} ? C : CryptoFallback;

/** A WebCrypto key: what the `crypto` global's `subtle.encrypt` takes. */
export type CryptoKey = Crypto extends {
  /** WebCrypto's `SubtleCrypto`. */
  subtle: {
    /** WebCrypto's `encrypt`, whose key parameter is the type wanted. */
    encrypt(algorithm: never, key: infer K, data: never): unknown;
  };
} ? K : CryptoKeyFallback;

/** `Crypto` where the global `crypto` is not declared at all (neither lib.dom nor @types/node). */
export interface CryptoFallback {
  /** WebCrypto's `SubtleCrypto`. */
  readonly subtle: object;
  /** Fills `array` with random values. */
  getRandomValues<T extends ArrayBufferView | null>(array: T): T;
}

/** `CryptoKey` where the global `crypto` is not declared at all. */
export interface CryptoKeyFallback {
  /** The key's algorithm. */
  readonly algorithm: {
    /** The algorithm's name, e.g. `AES-GCM`. */
    name: string;
  };
  /** Whether `exportKey` may read it. */
  readonly extractable: boolean;
  /** `secret` for AES keys. */
  readonly type: string;
  /** What the key may do, e.g. `encrypt`. */
  readonly usages: string[];
}

/** A JSON Web Key (RFC 7517): the members of lib.dom's `JsonWebKey`. webkms takes `{ kty: 'oct', k }`. */
export interface JsonWebKey {
  /** Algorithm (RFC 7518), e.g. `A256GCM`. */
  alg?: string;
  /** Curve of an EC key. */
  crv?: string;
  /** Private exponent or EC private key. */
  d?: string;
  /** RSA first factor CRT exponent. */
  dp?: string;
  /** RSA second factor CRT exponent. */
  dq?: string;
  /** RSA public exponent. */
  e?: string;
  /** Whether the key may be exported (WebCrypto). */
  ext?: boolean;
  /** The key bytes of an `oct` key, base64url. */
  k?: string;
  /** Operations the key may be used for. */
  key_ops?: string[];
  /** Key type: `oct` for the AES keys webkms takes. */
  kty?: string;
  /** RSA modulus. */
  n?: string;
  /** Further RSA primes. */
  oth?: {
    /** The prime's CRT exponent. */
    d?: string;
    /** The prime factor. */
    r?: string;
    /** The prime's CRT coefficient. */
    t?: string;
  }[];
  /** RSA first prime factor. */
  p?: string;
  /** RSA second prime factor. */
  q?: string;
  /** RSA first CRT coefficient. */
  qi?: string;
  /** Intended use: `enc` or `sig`. */
  use?: string;
  /** EC x coordinate. */
  x?: string;
  /** EC y coordinate. */
  y?: string;
}

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
  /** The key material to import. */
  material: KeyMaterial;
  /** Alias names (`alias/…`) to point at the new key. */
  aliases?: readonly string[];
  /** Free text, as `describeKey` returns it. */
  description?: string;
}

/** Input of `Keyring.createKey`. */
export interface CreateKeyInput {
  /** Default: a random UUID. */
  keyId?: string;
  /** Default `AES_256`; `SYMMETRIC_DEFAULT` is AWS's name for it. */
  keySpec?: AesKeySpec | 'SYMMETRIC_DEFAULT';
  /** Alias names (`alias/…`) to point at the new key. */
  aliases?: readonly string[];
  /** Free text, as `describeKey` returns it. */
  description?: string;
  /**
   * Make the material extractable, so that `exportKeys` can put the key in a backup bundle; its
   * rotations then make extractable material too. Default `false`: a non-extractable `CryptoKey`
   * that no code can read. An extractable key can be read by any code that can use the keyring
   * (`crypto.subtle.exportKey`): choose it only for keys you intend to back up or move.
   */
  extractable?: boolean;
}

/** Options of `Keyring.updateAlias` and `Keyring.deleteAlias`. */
export interface AliasChangeOptions {
  /**
   * Change the alias only if it still points at this key (key id or key ARN), checked when the
   * change is written: a compare-and-set for writers sharing a key store, so that a decision made
   * on what the alias pointed at is not applied to a key it points at since. Otherwise
   * `ConflictException`, and nothing changes.
   */
  ifTargetKeyId?: string;
}

/** Input of `Keyring.rotateKey`. */
export interface RotateKeyInput {
  /**
   * New material of the key's size. Default: random material from the WebCrypto generator. Random
   * material, bytes and JWKs are extractable when the key is (`describeKey(…).extractable`).
   */
  material?: KeyMaterial;
}

/**
 * What protects an export bundle: a 256-bit AES wrapping key (32 bytes, a JWK or an AES-GCM
 * `CryptoKey` with `encrypt` and `decrypt` usages), or a passphrase from which PBKDF2-SHA-256
 * derives one. `iterations` (export only; importing reads it from the bundle): 600,000 to
 * 10,000,000, default 600,000.
 */
export type BundleProtection =
  | {
      /** The 256-bit AES wrapping key. */
      wrappingKey: KeyMaterial;
    }
  | {
      /** The passphrase PBKDF2-SHA-256 derives the wrapping key from. */
      passphrase: string;
      /** PBKDF2 iterations when exporting: 600,000 to 10,000,000, default 600,000. */
      iterations?: number;
    };

/** Options of `keyring.exportKeys`. */
export interface ExportKeysOptions {
  /** The keys to export (ids, ARNs, alias names or alias ARNs). Default: every key. */
  keyIds?: readonly string[];
}

/**
 * Options of `Keyring.importKeys`: those of `Keyring.open`, with the store optional (without one,
 * the keys are imported into a keyring in memory). `region` and `accountId` default to the
 * bundle's, so that ARNs stay the same.
 */
export interface ImportKeysOptions extends Omit<KeyringOpenOptions, 'store'> {
  /** A store to import into, through a keyring opened on it. */
  store?: KeyStore;
}

/**
 * An export bundle, as `exportKeys` returns it: JSON data (`JSON.stringify` it to save it).
 * Byte-level format: docs/format.md, "Export bundles".
 */
export interface KeyBundle {
  /** Always `webkms-key-bundle`. */
  format: 'webkms-key-bundle';
  /** The bundle format version: 1. */
  version: number;
  /** When the bundle was made, ISO 8601. */
  exportedAt: string;
  /** The region and account of the keyring that made it (a new keyring takes them by default). */
  region: string;
  /** The account id of the keyring that made it. */
  accountId: string;
  /** How the bundle key is found. */
  protection: KeyBundleProtection;
  /** The exported keys. */
  keys: KeyBundleKey[];
  /** base64url: the 12-byte AES-GCM IV of `tag`. */
  iv: string;
  /** base64url: the 16-byte AES-GCM tag over every other member of the bundle. */
  tag: string;
}

/** How a bundle's key is found: from a passphrase, or the caller's wrapping key. */
export type KeyBundleProtection =
  | {
      /** The kind of protection. */
      kind: 'passphrase';
      /** The wrapping algorithm: AES-256-GCM. */
      alg: 'A256GCM';
      /** The key derivation: PBKDF2 with SHA-256. */
      kdf: 'PBKDF2-SHA-256';
      /** PBKDF2 iterations: 600,000 to 10,000,000. */
      iterations: number;
      /** base64url: 16 random bytes, new for every bundle. */
      salt: string;
      /** 64 hex characters naming the bundle key (a key check value, not the key). */
      wrappingKeyId: string;
    }
  | {
      /** The kind of protection. */
      kind: 'wrappingKey';
      /** The wrapping algorithm: AES-256-GCM. */
      alg: 'A256GCM';
      /** 64 hex characters naming the wrapping key (a key check value, not the key). */
      wrappingKeyId: string;
    };

/** A key in a bundle. */
export interface KeyBundleKey {
  /** The key id. */
  keyId: string;
  /** The key's description. */
  description: string;
  /** `AWS_KMS` for keys made by `createKey`, `EXTERNAL` for imported material. */
  origin: 'AWS_KMS' | 'EXTERNAL';
  /** The master key's size. */
  keySpec: AesKeySpec;
  /** Whether the imported key's material is extractable again. */
  extractable: boolean;
  /** Whether the key was enabled. */
  enabled: boolean;
  /** ISO 8601. */
  creationDate: string;
  /** The aliases pointing at the key. */
  aliases: string[];
  /** Oldest first; the last is the primary version. */
  versions: KeyBundleVersion[];
}

/** A key version in a bundle. */
export interface KeyBundleVersion {
  /** The version id. */
  versionId: string;
  /** 64 lowercase hex characters identifying the version's key material. */
  keyMaterialId: string;
  /** ISO 8601. */
  creationDate: string;
  /** Encryptions made (or reserved) under this version: the importing keyring counts on from it. */
  encryptionCount: number;
  /** base64url: the 12-byte AES-GCM IV of `material`. */
  iv: string;
  /** base64url: the material, AES-256-GCM-wrapped under the bundle key, then the 16-byte tag. */
  material: string;
}

/** One version of a master key. */
export interface KeyVersionMetadata {
  /** The version id. */
  versionId: string;
  /** 64 lowercase hex characters identifying the version's key material. */
  keyMaterialId: string;
  /** When the version was made. */
  creationDate: Date;
  /** New data keys are wrapped under the primary (newest) version unless a version is named. */
  primary: boolean;
  /** AES-GCM encryptions this version has performed (bounded by `maxEncryptionsPerKeyVersion`). */
  encryptionCount: number;
}

/** What `describeKey` tells about a master key. Never key material. */
export interface KeyMetadata {
  /** The key id, never an alias. */
  keyId: string;
  /** The key ARN. */
  arn: string;
  /** Free text given when the key was made. */
  description: string;
  /** Whether the key wraps and unwraps. */
  enabled: boolean;
  /** `Enabled` or `Disabled`, as AWS names the state. */
  keyState: 'Enabled' | 'Disabled';
  /** When the key was made. */
  creationDate: Date;
  /** `AWS_KMS` for keys made by `createKey`, `EXTERNAL` for imported material. */
  origin: 'AWS_KMS' | 'EXTERNAL';
  /** The master key's size. */
  keySpec: AesKeySpec;
  /** Always `ENCRYPT_DECRYPT`. */
  keyUsage: 'ENCRYPT_DECRYPT';
  /** Whether the material can be read back: only when an extractable `CryptoKey` was imported. */
  extractable: boolean;
  /** The alias names pointing at the key. */
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
  /** The key id. */
  keyId: string;
  /** The key ARN. */
  keyArn: string;
}

/** An entry of `listAliases`. */
export interface AliasListEntry {
  /** The alias name, `alias/…`. */
  aliasName: string;
  /** The alias ARN. */
  aliasArn: string;
  /** The id of the key it points at. */
  targetKeyId: string;
}

/** Which key version did the work. */
export interface KeyVersionResult {
  /** The key's id, never an alias. */
  keyId: string;
  /** The key's ARN. */
  arn: string;
  /** The key version that wrapped (or had wrapped) the secret. */
  versionId: string;
  /** 64 lowercase hex characters identifying the version's key material. */
  keyMaterialId: string;
}

/** A secret wrapped under a key version. */
export interface WrapResult extends KeyVersionResult {
  /** The self-describing blob `decrypt` takes (format: docs/format.md). */
  ciphertextBlob: Uint8Array<ArrayBuffer>;
  /** The 96-bit AES-GCM IV, also inside the blob. */
  iv: Uint8Array<ArrayBuffer>;
  /** Always `AES_GCM`. */
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
  /** The encryption context bound to the blob: a plain object or `Map` of strings, required again to decrypt. */
  encryptionContext?: EncryptionContext;
  /** Additional authenticated bytes, required again to decrypt. */
  aad?: BinaryInput;
  /** Wrap under this version instead of the primary one. */
  versionId?: string;
}

/** A fresh data key and its wrapped copy. */
export interface GenerateDataKeyResult extends WrapResult {
  /** The data key: a fresh buffer the library keeps no reference to. Zero it after use. */
  plaintext: Uint8Array<ArrayBuffer>;
}

/** Input of `Keyring.encrypt`. */
export interface EncryptInput {
  /** Key id, key ARN, alias name or alias ARN. */
  keyId: string;
  /** 1 to 4,096 bytes. */
  plaintext: BinaryInput;
  /** The encryption context bound to the blob: a plain object or `Map` of strings, required again to decrypt. */
  encryptionContext?: EncryptionContext;
  /** Additional authenticated bytes, required again to decrypt. */
  aad?: BinaryInput;
  /** Wrap under this version instead of the primary one. */
  versionId?: string;
}

/** Input of `Keyring.decrypt`. */
export interface DecryptInput {
  /** The blob, as bytes or as base64 text. */
  ciphertextBlob: BinaryInput | string;
  /** The encryption context given when wrapping (the order of its pairs does not matter). */
  encryptionContext?: EncryptionContext;
  /** The additional authenticated bytes given when wrapping. */
  aad?: BinaryInput;
  /** When given, must name the key the blob was wrapped under (`IncorrectKeyException` otherwise). */
  keyId?: string;
}

/** The unwrapped secret and the key version that had wrapped it. */
export interface DecryptResult extends KeyVersionResult {
  /** A fresh buffer the library keeps no reference to. Zero it after use. */
  plaintext: Uint8Array<ArrayBuffer>;
}

/** Input of `Keyring.reEncrypt`. */
export interface ReEncryptInput {
  /** The blob to move, as bytes or as base64 text. */
  ciphertextBlob: BinaryInput | string;
  /** The encryption context the blob was wrapped with. */
  sourceEncryptionContext?: EncryptionContext;
  /** The additional authenticated bytes the blob was wrapped with. */
  sourceAad?: BinaryInput;
  /** When given, must name the key that wrapped the blob. */
  sourceKeyId?: string;
  /** The key to wrap under: key id, key ARN, alias name or alias ARN. */
  destinationKeyId: string;
  /** The encryption context to bind to the new blob. */
  destinationEncryptionContext?: EncryptionContext;
  /** Additional authenticated bytes to bind to the new blob. */
  destinationAad?: BinaryInput;
  /** Wrap under this version of the destination key instead of its primary one. */
  destinationVersionId?: string;
}

/** The secret wrapped anew, and the key version that had wrapped it before. */
export interface ReEncryptResult extends WrapResult {
  /** The key that had wrapped the blob. */
  sourceKeyId: string;
  /** Its ARN. */
  sourceArn: string;
  /** The version that had wrapped it. */
  sourceVersionId: string;
  /** That version's key material id. */
  sourceKeyMaterialId: string;
}
