// The ciphertext blob: a self-describing, versioned binary format for one AES-GCM-wrapped secret.
// docs/format.md documents it byte by byte.
import { KmsError } from './errors.js';
import { concat, utf8 } from './bytes.js';
import { misdirected } from './format-hint.js';
import { isKeyId } from './identifiers.js';
import { IV_LENGTH, TAG_LENGTH } from './webcrypto.js';

/** The format version byte webkms writes and the only one it reads. */
export const BLOB_FORMAT_VERSION = 1;

/** Bytes of the key version reference: the first 8 bytes of the version's key material id. */
export const VERSION_TAG_LENGTH = 8;

/** The largest secret a blob may carry: `encrypt` takes at most 4,096 bytes, as AWS KMS does. */
export const MAX_BLOB_PLAINTEXT = 4096;

/** The fields of a blob, and its header bytes (authenticated as the start of the AES-GCM AAD). */
export interface ParsedBlob {
  readonly header: Uint8Array;
  readonly keyId: string;
  readonly versionTag: Uint8Array;
  readonly iv: Uint8Array;
  readonly sealed: Uint8Array;
}

/** The header: format version, key id length and key id, version tag, IV. */
export function blobHeader(keyId: string, versionTag: Uint8Array, iv: Uint8Array): Uint8Array {
  const id = utf8(keyId);
  return concat(Uint8Array.of(BLOB_FORMAT_VERSION, id.length), id, versionTag, iv);
}

/** The error for a blob that does not parse; an AWS Encryption SDK message (or base64 text) is named as such. */
function invalid(blob: Uint8Array, reason: string): KmsError {
  const hint = misdirected(blob, 'blob', 'an AWS Encryption SDK message: open or openStream opens it');
  return new KmsError('InvalidCiphertextException', hint ? `not a Keyring ciphertext blob: ${hint}` : `the ciphertext blob is malformed: ${reason}`);
}

/**
 * Splits a blob into its fields, strictly: an unknown version, a truncated blob, a malformed key
 * id or a sealed part shorter than one byte plus tag or longer than the largest secret plus tag
 * is an `InvalidCiphertextException` (naming an AWS Encryption SDK message as one, so that the
 * caller turns to `open`). Returned arrays are views into `blob`.
 */
export function parseBlob(blob: Uint8Array): ParsedBlob {
  if (blob.length < 2) throw invalid(blob, 'it is shorter than its header');
  if (blob[0] !== BLOB_FORMAT_VERSION) throw invalid(blob, `unknown format version ${blob[0]} (this webkms reads version ${BLOB_FORMAT_VERSION})`);
  const idLength = blob[1]!;
  const headerLength = 2 + idLength + VERSION_TAG_LENGTH + IV_LENGTH;
  const sealedLength = blob.length - headerLength;
  if (sealedLength < 1 + TAG_LENGTH) throw invalid(blob, 'it is truncated');
  if (sealedLength > MAX_BLOB_PLAINTEXT + TAG_LENGTH) throw invalid(blob, 'it is longer than any blob webkms writes');
  // Built char by char: spreading a typed array into fromCharCode costs several times more.
  let keyId = '';
  for (let i = 2; i < 2 + idLength; i++) keyId += String.fromCharCode(blob[i]!);
  if (!isKeyId(keyId)) throw invalid(blob, 'the key id field is not a valid key id');
  const tagStart = 2 + idLength;
  return {
    header: blob.subarray(0, headerLength),
    keyId,
    versionTag: blob.subarray(tagStart, tagStart + VERSION_TAG_LENGTH),
    iv: blob.subarray(tagStart + VERSION_TAG_LENGTH, headerLength),
    sealed: blob.subarray(headerLength),
  };
}
