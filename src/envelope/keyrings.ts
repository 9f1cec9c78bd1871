// What `seal` and `open` take as keys: webkms `Keyring`s (their keys write the AWS KMS keyring's
// encrypted data keys) and `RawAesKeyring`s, alone or mixed in an array (the SDK's multi-keyring).
import { KmsError, check, excerpt } from '../errors.js';
import { blobHeader, VERSION_TAG_LENGTH } from '../blob.js';
import { utf8 } from '../bytes.js';
import { type Keyring, type WrappingVersion, isKeyring, wrappingVersion } from '../keyring.js';
import { IV_LENGTH, TAG_LENGTH } from '../webcrypto.js';
import type { EncryptedDataKey } from './header.js';
import { RawAesKeyring, rawAesPlaceholder, rawAesUnwrap, rawAesWrap } from './raw-aes-keyring.js';
import { DATA_KEY_LENGTH } from './suites.js';

/** A keyring `seal` and `open` use: a webkms `Keyring` or a `RawAesKeyring`. */
export type EnvelopeKeyring = Keyring | RawAesKeyring;

/** One keyring or several: each key adds an encrypted data key; `open` needs any one of them. */
export type EnvelopeKeyrings = EnvelopeKeyring | readonly EnvelopeKeyring[];

/** The provider id of encrypted data keys wrapped by a KMS key (here: a `Keyring` key). */
const KMS_PROVIDER_ID = 'aws-kms';

/** The encryption context in the two forms the wrapping keys take. */
export interface WrappingContext {
  /** As the Keyring takes it: a plain object, copied from the caller's at the call. */
  readonly map: Readonly<Record<string, string>>;
  /** Serialised as in the header (pair count and pairs): the raw AES keyring's AAD. */
  readonly bytes: Uint8Array;
}

/** One key that wraps the message's data key. */
export interface WrappingKey {
  readonly crypto: Crypto;
  readonly keyring: EnvelopeKeyring;
  /** Within its keyring, what the key wraps under now (a Keyring's key and version): a cache entry's identity. */
  readonly target: string;
  /** Random bytes `generate` takes from the message's one random draw (0 when it makes its own). */
  readonly randomLength: number;
  /**
   * A fresh data key (the first key generates the data key), from `random` (`randomLength` bytes,
   * which the caller zeroes once the materials are made), and what gives its encrypted copy: the
   * caller starts importing the data key first, as the message key and every frame wait on that
   * and nothing waits on the wrap until the header.
   */
  generate(context: WrappingContext, random: Uint8Array): Promise<{ dataKey: Uint8Array; wrapped: () => Promise<EncryptedDataKey> }>;
  wrap(dataKey: Uint8Array, context: WrappingContext): Promise<EncryptedDataKey>;
  /** An encrypted data key of the size this key writes, for `sealedSize`. */
  placeholder(): EncryptedDataKey;
}

/** The keyrings as a non-empty array, checked. */
export function keyringList(keyrings: unknown): readonly EnvelopeKeyring[] {
  const list = Array.isArray(keyrings) ? (keyrings as unknown[]) : [keyrings];
  check(list.length > 0, 'at least one keyring is required');
  for (const keyring of list) {
    check(isKeyring(keyring) || keyring instanceof RawAesKeyring, 'keyrings must be webkms Keyrings or RawAesKeyrings');
  }
  return list as readonly EnvelopeKeyring[];
}

function kmsEdk(arn: string, ciphertextBlob: Uint8Array): EncryptedDataKey {
  return { providerId: KMS_PROVIDER_ID, providerInfo: arn, rawInfo: utf8(arn), ciphertext: ciphertextBlob };
}

function keyringKey(keyring: Keyring, target: WrappingVersion): WrappingKey {
  // The key and version resolved for this message: an alias moved or a rotation made while the
  // wraps await do not change what this message's cache entry says it was wrapped under.
  const { keyId, versionId } = target;
  return {
    crypto: keyring.crypto,
    keyring,
    target: `${keyId} ${versionId}`,
    // The Keyring draws the data key itself, as generateDataKey does.
    randomLength: 0,
    async generate(context) {
      const key = await keyring.generateDataKey({ keyId, versionId, numberOfBytes: DATA_KEY_LENGTH, encryptionContext: context.map });
      const edk = kmsEdk(key.arn, key.ciphertextBlob);
      return { dataKey: key.plaintext, wrapped: () => Promise.resolve(edk) };
    },
    async wrap(dataKey, context) {
      const wrapped = await keyring.encrypt({ keyId, versionId, plaintext: dataKey, encryptionContext: context.map });
      return kmsEdk(wrapped.arn, wrapped.ciphertextBlob);
    },
    placeholder() {
      const blobLength = blobHeader(keyId, new Uint8Array(VERSION_TAG_LENGTH), new Uint8Array(IV_LENGTH)).length + DATA_KEY_LENGTH + TAG_LENGTH;
      return kmsEdk(target.arn, new Uint8Array(blobLength));
    },
  };
}

function rawAesKey(keyring: RawAesKeyring): WrappingKey {
  return {
    crypto: keyring.crypto,
    keyring,
    // Immutable: the keyring is the key.
    target: '',
    // The data key, then the IV of its wrap.
    randomLength: DATA_KEY_LENGTH + IV_LENGTH,
    async generate(context, random) {
      const dataKey = random.subarray(0, DATA_KEY_LENGTH);
      return { dataKey, wrapped: () => rawAesWrap(keyring, dataKey, context.bytes, random.subarray(DATA_KEY_LENGTH)) };
    },
    wrap: (dataKey, context) => rawAesWrap(keyring, dataKey, context.bytes),
    placeholder: () => rawAesPlaceholder(keyring),
  };
}

/** The `keyId` option of a seal, checked against its keyrings: the Keyring keys to wrap under. */
export function keyIdList(keyrings: readonly EnvelopeKeyring[], keyId: unknown): readonly string[] {
  // Copied at the call: each message resolves the ids again, after the caller may have changed its array.
  const keyIds = keyId === undefined ? [] : Array.isArray(keyId) ? [...(keyId as unknown[])] : [keyId];
  if (keyrings.some(isKeyring)) {
    check(keyIds.length > 0, 'keyId is required with a Keyring: the key (or keys) to wrap the data key under');
    for (const id of keyIds) check(typeof id === 'string', 'keyId must be a key id, key ARN, alias name or alias ARN, or an array of them');
  } else {
    check(keyId === undefined, 'keyId applies to Keyrings only; a RawAesKeyring is its own key');
  }
  return keyIds as string[];
}

/**
 * The wrapping keys of a message: each RawAesKeyring, and each of `keyIds` in each Keyring,
 * resolved now to a key and its primary version (`NotFoundException`, `DisabledException`).
 */
export function wrappingKeys(keyrings: readonly EnvelopeKeyring[], keyIds: readonly string[]): WrappingKey[] {
  return keyrings.flatMap((keyring) =>
    keyring instanceof RawAesKeyring ? [rawAesKey(keyring)] : keyIds.map((id) => keyringKey(keyring, wrappingVersion(keyring, id))),
  );
}

/** Why an encrypted data key did not open, for the error when none does: bounded, whatever the error says. */
function reason(edk: EncryptedDataKey, error: unknown): string {
  return `${excerpt(edk.providerId, 40)}: ${excerpt(error instanceof Error ? `${error.name}: ${error.message}` : String(error), 200)}`;
}

/** Whether `arn` is the ARN of a key `keyring` holds: only those are worth a `decrypt`. */
function holdsKey(keyring: Keyring, arn: string): boolean {
  try {
    return keyring.describeKey(arn).arn === arn;
  } catch {
    // Another region or account, a key it lacks, or no key ARN at all.
    return false;
  }
}

/** The reasons an error names one by one; the others are counted. */
const MAX_REASONS = 3;

/** The data key, and the WebCrypto of the keyring that unwrapped it. */
export interface Unwrapped {
  readonly dataKey: Uint8Array;
  readonly crypto: Crypto;
}

/**
 * Unwraps the data key with the first keyring, in order, that opens one of the encrypted data
 * keys, in order. A Keyring tries each `aws-kms` key whose ARN names one of its keys; a
 * RawAesKeyring tries each key of its namespace, name and sizes. Keys that cannot be a keyring's
 * are skipped without a decryption. `InvalidCiphertextException` when none opens, its message
 * bounded: how many tries (of each keyring with each key) were skipped and failed, and the first
 * few reasons.
 */
export async function unwrapDataKey(
  keyrings: readonly EnvelopeKeyring[],
  edks: readonly EncryptedDataKey[],
  context: WrappingContext,
): Promise<Unwrapped> {
  const reasons: string[] = [];
  let failed = 0;
  const fail = (edk: EncryptedDataKey, error: unknown): void => {
    if (failed++ < MAX_REASONS) reasons.push(reason(edk, error));
  };
  for (const keyring of keyrings) {
    for (const edk of edks) {
      try {
        let dataKey: Uint8Array | undefined;
        if (keyring instanceof RawAesKeyring) {
          dataKey = await rawAesUnwrap(keyring, edk, context.bytes);
        } else if (edk.providerId === KMS_PROVIDER_ID && holdsKey(keyring, edk.providerInfo)) {
          // keyId = the ARN: the blob must name that very key (IncorrectKeyException otherwise).
          const opened = await keyring.decrypt({ ciphertextBlob: edk.ciphertext, encryptionContext: context.map, keyId: edk.providerInfo });
          dataKey = opened.plaintext;
        }
        if (dataKey === undefined) continue;
        if (dataKey.length === DATA_KEY_LENGTH) return { dataKey, crypto: keyring.crypto };
        dataKey.fill(0);
        fail(edk, `it unwrapped to ${dataKey.length} bytes, not ${DATA_KEY_LENGTH}`);
      } catch (error) {
        fail(edk, error);
      }
    }
  }
  const skipped = keyrings.length * edks.length - failed;
  const more = failed > reasons.length ? `; and ${failed - reasons.length} more` : '';
  throw new KmsError(
    'InvalidCiphertextException',
    `no keyring could unwrap any of the message's ${edks.length} encrypted data keys (readHeader lists them): ${skipped} skipped as another key's, ${failed} tried and failed${failed ? ` (${reasons.join('; ')}${more})` : ''}`,
  );
}
