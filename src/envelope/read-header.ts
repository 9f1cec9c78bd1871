// readHeader: what a message header tells without any key, in copies the caller may keep, with the
// provider information of raw AES keys split into its fields.
import { KmsError } from '../errors.js';
import { asBytes } from '../bytes.js';
import { type EncryptedDataKey as StoredDataKey, type ParsedHeader, headerParser, utf8Text } from './header.js';
import { rawAesFields } from './raw-aes-keyring.js';
import type { AlgorithmSuiteName } from './suites.js';
import { Incomplete } from './wire.js';

/** The provider information of an encrypted data key made by a raw AES keyring, field by field. */
export interface RawAesKeyInfo {
  /** With the provider id (the key namespace), names the wrapping key. */
  readonly keyName: string;
  /** The AES-GCM tag length, in bits (128 is what every SDK writes and reads). */
  readonly tagLength: number;
  /** The IV length in bytes: 12. */
  readonly ivLength: number;
  /** The IV of the data key's wrap. */
  readonly iv: Uint8Array<ArrayBuffer>;
}

/** One encrypted data key of a message header: the data key wrapped by one key provider. */
export interface EncryptedDataKey {
  /** Who wrapped it: `aws-kms` for KMS keys, the key namespace for raw AES keys. */
  readonly providerId: string;
  /**
   * The provider information as text: the key ARN for `aws-kms`, the key name for raw AES keys
   * (`rawAes`), else `rawInfo` decoded as UTF-8 (invalid bytes become U+FFFD).
   */
  readonly providerInfo: string;
  /** The provider information, as stored. */
  readonly rawInfo: Uint8Array<ArrayBuffer>;
  /** The wrapped data key. */
  readonly ciphertext: Uint8Array<ArrayBuffer>;
  /**
   * For a key laid out as raw AES keyrings write it (UTF-8 key name, tag length, IV length, a
   * 12-byte IV; provider id not `aws-kms…`): those fields. Absent for other keys.
   */
  readonly rawAes?: RawAesKeyInfo;
}

/** What {@link readHeader} tells about a message, without any key. None of it is authenticated yet. */
export interface MessageHeaderInfo {
  /** The suite's name, as the AWS Encryption SDK names it. */
  algorithmSuite: AlgorithmSuiteName;
  /** The suite's 2-byte id: `0x0478` or `0x0578`. */
  algorithmSuiteId: 0x0478 | 0x0578;
  /** The 32 random bytes that identify the message (and salt its key derivation). */
  messageId: Uint8Array<ArrayBuffer>;
  /** The stored encryption context; for signed suites it includes `aws-crypto-public-key`. */
  encryptionContext: Record<string, string>;
  /** Who can open the message: one entry per key it was sealed under, in the stored order. */
  encryptedDataKeys: EncryptedDataKey[];
  /** Plaintext bytes per regular frame. */
  frameSize: number;
  /** Bytes from the start of the message to the start of the body, the header tag included. */
  headerLength: number;
}

const MAX_EDKS = 0xffff;

/** A copy of a stored encrypted data key, with the raw AES fields when it has them. */
function describeDataKey(stored: StoredDataKey): EncryptedDataKey {
  const { providerId } = stored;
  const rawInfo = stored.rawInfo.slice();
  const ciphertext = stored.ciphertext.slice();
  const fields = rawAesFields(stored);
  const keyName = fields && utf8Text(fields.name);
  if (keyName === undefined) return { providerId, providerInfo: stored.providerInfo, rawInfo, ciphertext };
  const { tagLength, ivLength, iv } = fields!;
  return { providerId, providerInfo: keyName, rawInfo, ciphertext, rawAes: { keyName, tagLength, ivLength, iv: iv.slice() } };
}

/**
 * Reads the header of a sealed message, or of its first bytes, without any key: the suite, the
 * message id, the stored encryption context, the encrypted data keys (who can open it) and the
 * frame size. Nothing here is authenticated until `open` has checked the header tag; use it to
 * route a message or to check its context before opening it, not to trust it. The arrays are
 * copies.
 * @throws `InvalidCiphertextException` when the bytes end before the header does or are not a
 *   version 2 header; `ValidationException` when the argument is not bytes.
 * @example
 * ```ts
 * import { readHeader } from 'webkms';
 *
 * const { encryptionContext, encryptedDataKeys, frameSize } = readHeader(sealed);
 * // e.g. pick the keyring by who can open it, before opening:
 * const arns = encryptedDataKeys.filter((edk) => edk.providerId === 'aws-kms').map((edk) => edk.providerInfo);
 * ```
 */
export function readHeader(sealedOrPrefix: Uint8Array | ArrayBuffer): MessageHeaderInfo {
  const bytes = asBytes(sealedOrPrefix, 'readHeader input');
  let header: ParsedHeader;
  try {
    header = headerParser(MAX_EDKS, false)(bytes);
  } catch (error) {
    if (error instanceof Incomplete) throw new KmsError('InvalidCiphertextException', `the message header is truncated: ${bytes.length} bytes given, at least ${error.needed} needed`);
    throw error;
  }
  return {
    algorithmSuite: header.suite.name,
    algorithmSuiteId: header.suite.id,
    messageId: header.messageId.slice(),
    encryptionContext: header.encryptionContext,
    encryptedDataKeys: header.encryptedDataKeys.map(describeDataKey),
    frameSize: header.frameSize,
    headerLength: header.headerLength,
  };
}
