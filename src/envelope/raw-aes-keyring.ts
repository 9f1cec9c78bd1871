// A wrapping key held locally, with exactly the behaviour of the AWS Encryption SDK's raw AES
// keyring: the data key is AES-GCM-encrypted under it with a random IV and the serialised
// encryption context as AAD, and the encrypted data key names the key by namespace and name.
import { KmsError, check } from '../errors.js';
import { checkObject } from '../plain.js';
import { asBytes, checkString, concat, timingSafeEqual, uint32, utf8 } from '../bytes.js';
import { importMaterial, isBinary } from '../key-material.js';
import type { KeyMaterial } from '../types.js';
import { AES_KEY_LENGTHS, IV_LENGTH, TAG_LENGTH, aesGcmDecrypt, aesGcmEncrypt, randomBytes, resolveCrypto } from '../webcrypto.js';
import { type EncryptedDataKey, providerInfoText } from './header.js';
import { DATA_KEY_LENGTH } from './suites.js';

/** Options of `new RawAesKeyring(…)`. */
export interface RawAesKeyringOptions {
  /** Names the key together with `keyName`: the encrypted data key's provider id. Not `aws-kms…`. */
  keyNamespace: string;
  /** Names the key together with `keyNamespace`; stored at the start of the provider information. */
  keyName: string;
  /**
   * The wrapping key: 16, 24 or 32 bytes (copied, never kept or changed), an AES-GCM `CryptoKey`
   * with `encrypt` and `decrypt` usages, or a JWK `{ kty: "oct", k }`.
   */
  material: KeyMaterial;
  /** The WebCrypto to use. Default: `globalThis.crypto`. */
  crypto?: Crypto;
}

interface Internals {
  readonly crypto: Crypto;
  readonly key: Promise<CryptoKey>;
  readonly namespace: string;
  readonly name: Uint8Array;
}

const internals = new WeakMap<RawAesKeyring, Internals>();

const TAG_BITS = TAG_LENGTH * 8;
// The provider information after the key name: tag length in bits, IV length, IV.
const INFO_SUFFIX_LENGTH = 4 + 4 + IV_LENGTH;
// Provider ids of the AWS KMS keyrings, never of a raw AES key.
const KMS_PROVIDER_PREFIX = 'aws-kms';

/**
 * A local AES wrapping key for `seal` and `open`, interoperable with the AWS Encryption SDK's raw
 * AES keyring (`RawAesKeyringNode`, `RawAesKeyring` in Python, Java, C, .NET, Go, Rust) built with
 * the same namespace, name and key bytes. Key material is imported non-extractable.
 * @example
 * ```ts
 * import { RawAesKeyring, seal, open } from 'webkms';
 *
 * // The same namespace, name and key bytes as the raw AES keyring of an official SDK.
 * const keyring = new RawAesKeyring({ keyNamespace: 'my-app', keyName: 'data-key-2025', material: keyBytes });
 * const sealed = await seal(keyring, 'a secret');
 * const data = await open(keyring, sealed);
 * ```
 */
export class RawAesKeyring {
  /** The key namespace: the provider id of the encrypted data keys this keyring makes. */
  readonly keyNamespace: string;
  /** The key name. */
  readonly keyName: string;

  /**
   * @throws `ValidationException` for a missing or malformed namespace, name or material;
   *   `UnsupportedOperationException` when there is no WebCrypto. An engine that lacks the key size
   *   (Chromium has no AES-192) fails on first use with `UnsupportedOperationException`.
   */
  constructor(options: RawAesKeyringOptions) {
    checkObject(options, 'RawAesKeyring takes { keyNamespace, keyName, material, crypto? }');
    const { keyNamespace, keyName, material } = options;
    checkString(keyNamespace, 'keyNamespace');
    checkString(keyName, 'keyName');
    check(keyNamespace.length > 0 && keyName.length > 0, 'keyNamespace and keyName must not be empty');
    // The AWS KMS keyrings own this provider id: a raw key under it would be taken for a KMS key.
    check(!keyNamespace.startsWith(KMS_PROVIDER_PREFIX), 'keyNamespace must not start with "aws-kms", which names AWS KMS keys');
    const name = utf8(keyName);
    check(utf8(keyNamespace).length <= 0xffff && name.length + INFO_SUFFIX_LENGTH <= 0xffff, 'keyNamespace and keyName must fit the message format (65,535 bytes)');
    const crypto = resolveCrypto(options.crypto);
    check(material !== undefined && material !== null, 'material is required');
    const key = isBinary(material) ? importBytes(crypto, material) : importMaterial(crypto, material).then((imported) => imported.cryptoKey);
    // Errors surface on first use; until then they must not count as unhandled.
    key.catch(() => undefined);
    this.keyNamespace = keyNamespace;
    this.keyName = keyName;
    internals.set(this, { crypto, key, namespace: keyNamespace, name });
  }

  /** The WebCrypto this keyring uses (the one given, or the global one). */
  get crypto(): Crypto {
    return internalsOf(this).crypto;
  }
}

/** Imports a copy of the bytes, zeroed once imported: the caller's bytes stay theirs, unchanged. */
function importBytes(crypto: Crypto, material: ArrayBufferView | ArrayBuffer): Promise<CryptoKey> {
  const copy = asBytes(material, 'material').slice();
  check(AES_KEY_LENGTHS.includes(copy.length), `material must be 16, 24 or 32 bytes, not ${copy.length}`);
  return importMaterial(crypto, copy)
    .then((imported) => imported.cryptoKey)
    .finally(() => copy.fill(0));
}

function internalsOf(keyring: RawAesKeyring): Internals {
  const found = internals.get(keyring);
  if (!found) throw new KmsError('ValidationException', 'not a RawAesKeyring made by its constructor');
  return found;
}

/** The encrypted data key this keyring would write, with placeholder bytes of the right sizes. */
export function rawAesPlaceholder(keyring: RawAesKeyring): EncryptedDataKey {
  const { namespace, name } = internalsOf(keyring);
  const rawInfo = new Uint8Array(name.length + INFO_SUFFIX_LENGTH);
  return { providerId: namespace, providerInfo: '', rawInfo, ciphertext: new Uint8Array(DATA_KEY_LENGTH + TAG_LENGTH) };
}

/**
 * Wraps a data key: AES-GCM, `aad` = the serialised encryption context, under `iv` (random bytes
 * the caller drew with the data key) or a fresh random IV.
 */
export async function rawAesWrap(keyring: RawAesKeyring, dataKey: Uint8Array, aad: Uint8Array, iv?: Uint8Array): Promise<EncryptedDataKey> {
  const { crypto, key, namespace, name } = internalsOf(keyring);
  iv ??= randomBytes(crypto, IV_LENGTH);
  const ciphertext = await aesGcmEncrypt(crypto, await key, iv, dataKey, aad);
  const rawInfo = concat(name, uint32(TAG_BITS), uint32(IV_LENGTH), iv);
  return { providerId: namespace, providerInfo: providerInfoText(rawInfo), rawInfo, ciphertext };
}

/** The fields of raw AES provider information: key name, tag length in bits, IV length, IV (views). */
export interface RawAesFields {
  readonly name: Uint8Array;
  readonly tagLength: number;
  readonly ivLength: number;
  readonly iv: Uint8Array;
}

/**
 * The provider information of an encrypted data key split as the raw AES keyring lays it out, or
 * `undefined` when it cannot be one: an `aws-kms…` provider id, or no 12-byte IV (what every SDK
 * writes) at its end. Read from the end, since the key name before the fields has no length.
 */
export function rawAesFields(edk: EncryptedDataKey): RawAesFields | undefined {
  const info = edk.rawInfo;
  const nameLength = info.length - INFO_SUFFIX_LENGTH;
  if (nameLength < 0 || edk.providerId.startsWith(KMS_PROVIDER_PREFIX)) return undefined;
  const view = new DataView(info.buffer, info.byteOffset + nameLength, 8);
  if (view.getUint32(4) !== IV_LENGTH) return undefined;
  return { name: info.subarray(0, nameLength), tagLength: view.getUint32(0), ivLength: IV_LENGTH, iv: info.subarray(nameLength + 8) };
}

/**
 * Unwraps an encrypted data key if it is this keyring's: `undefined`, without any decryption, when
 * it names another key or has another layout or size; `InvalidCiphertextException` when it is this
 * key's and does not authenticate.
 */
export async function rawAesUnwrap(keyring: RawAesKeyring, edk: EncryptedDataKey, aad: Uint8Array): Promise<Uint8Array | undefined> {
  const { crypto, key, namespace, name } = internalsOf(keyring);
  const fields = edk.providerId === namespace ? rawAesFields(edk) : undefined;
  if (!fields || fields.tagLength !== TAG_BITS || !timingSafeEqual(fields.name, name) || edk.ciphertext.length !== DATA_KEY_LENGTH + TAG_LENGTH) return undefined;
  return aesGcmDecrypt(crypto, await key, fields.iv, edk.ciphertext, aad);
}
