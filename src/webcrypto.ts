// The only place webkms touches WebCrypto: resolving the injected implementation, importing AES
// keys non-extractable, and AES-GCM with a 128-bit tag whose failures become typed errors.
import { KmsError } from './errors.js';

/** AES key lengths in bytes that WebCrypto's AES-GCM accepts. */
export const AES_KEY_LENGTHS: readonly number[] = [16, 24, 32];

/** The IV length webkms uses for every AES-GCM wrap: 96 bits, as NIST SP 800-38D recommends. */
export const IV_LENGTH = 12;

/** The AES-GCM tag length in bytes. */
export const TAG_LENGTH = 16;

/** The given WebCrypto, or the global one; a clear error when neither has `subtle` and `getRandomValues`. */
export function resolveCrypto(given?: Crypto): Crypto {
  const found = given ?? (globalThis as { crypto?: Crypto }).crypto;
  if (!found || typeof found.getRandomValues !== 'function' || typeof found.subtle?.encrypt !== 'function') {
    throw new KmsError(
      'UnsupportedOperationException',
      given
        ? 'the crypto option is not a WebCrypto implementation (it needs subtle and getRandomValues)'
        : 'no WebCrypto here: pass { crypto } (in a browser, crypto.subtle exists only in secure contexts: https or localhost)',
    );
  }
  return found;
}

/** `length` bytes from the WebCrypto random generator (at most 65,536 per call, as WebCrypto allows). */
export function randomBytes(crypto: Crypto, length: number): Uint8Array<ArrayBuffer> {
  return crypto.getRandomValues(new Uint8Array(length));
}

/** Whether `value` is a CryptoKey, also one from another realm or another WebCrypto implementation. */
export function isCryptoKey(value: unknown): value is CryptoKey {
  return (
    typeof value === 'object' &&
    value !== null &&
    ((value as { [Symbol.toStringTag]?: unknown })[Symbol.toStringTag] === 'CryptoKey' ||
      (typeof CryptoKey === 'function' && value instanceof CryptoKey))
  );
}

// wrapKey lets generateDataKeyWithoutPlaintext wrap a secret that WebCrypto generated itself.
const KEY_USAGES: KeyUsage[] = ['encrypt', 'decrypt', 'wrapKey'];

/**
 * Types bytes as WebCrypto's BufferSource. WebCrypto takes views of plain ArrayBuffers only;
 * asBytes() refuses shared ones at the boundary, so every Uint8Array here is one.
 */
export const bufferSource = (bytes: Uint8Array): Uint8Array<ArrayBuffer> => bytes as Uint8Array<ArrayBuffer>;

/**
 * What a WebCrypto call that should not fail becomes when it does: the engine lacks the algorithm
 * or key size (Chromium has no AES-192), or the key belongs to another WebCrypto.
 */
export function engineCannot(what: string, cause: unknown): KmsError {
  const reason = cause instanceof Error ? `${cause.name}: ${cause.message}` : 'unknown error';
  return new KmsError('UnsupportedOperationException', `this engine's WebCrypto cannot ${what} (${reason})`, { cause });
}

/**
 * Imports raw AES key bytes (16, 24 or 32) as an AES-GCM key, non-extractable unless asked (keys
 * meant for export bundles). WebCrypto copies the bytes. An engine that lacks the key size
 * (Chromium has no AES-192) gives `UnsupportedOperationException`.
 */
export async function importAesGcmKey(crypto: Crypto, material: Uint8Array, extractable = false): Promise<CryptoKey> {
  try {
    return await crypto.subtle.importKey('raw', bufferSource(material), { name: 'AES-GCM' }, extractable, KEY_USAGES);
  } catch (cause) {
    throw engineCannot(`import a ${material.length * 8}-bit AES-GCM key`, cause);
  }
}

/**
 * The AES-GCM parameters of every call here: the given IV and additional data. The tag is 128 bits,
 * WebCrypto's default; naming it costs Node a few percent of a small call in argument conversion.
 */
const gcm = (iv: Uint8Array, additionalData: Uint8Array): AesGcmParams => ({
  name: 'AES-GCM',
  iv: bufferSource(iv),
  additionalData: bufferSource(additionalData),
});

// The two functions below chain on WebCrypto's promise rather than await it: one async frame less
// is a measurable share of a small operation's JavaScript.

/** AES-GCM encryption with a 128-bit tag: returns ciphertext ‖ tag. */
export function aesGcmEncrypt(
  crypto: Crypto,
  key: CryptoKey,
  iv: Uint8Array,
  plaintext: Uint8Array,
  additionalData: Uint8Array,
): Promise<Uint8Array<ArrayBuffer>> {
  return crypto.subtle.encrypt(gcm(iv, additionalData), key, bufferSource(plaintext)).then(
    (sealed) => new Uint8Array(sealed),
    (cause: unknown) => {
      throw engineCannot('encrypt with this AES-GCM key', cause);
    },
  );
}

/**
 * AES-GCM decryption of ciphertext ‖ tag. Any failure (wrong key, IV, additional data, tampered
 * bytes) is an `InvalidCiphertextException`; no plaintext is released unless the tag verifies.
 */
export function aesGcmDecrypt(
  crypto: Crypto,
  key: CryptoKey,
  iv: Uint8Array,
  sealed: Uint8Array,
  additionalData: Uint8Array,
  failure = 'the ciphertext, its encryption context or its AAD does not match: authentication failed',
): Promise<Uint8Array<ArrayBuffer>> {
  if (sealed.length < TAG_LENGTH) return Promise.reject(new KmsError('InvalidCiphertextException', 'the ciphertext is shorter than its tag'));
  return crypto.subtle.decrypt(gcm(iv, additionalData), key, bufferSource(sealed)).then(
    (opened) => new Uint8Array(opened),
    (cause: unknown) => {
      throw new KmsError('InvalidCiphertextException', failure, { cause });
    },
  );
}

/**
 * AES-GCM-wraps `length` random bytes generated inside WebCrypto (as an extractable HMAC key that
 * only `wrapKey` ever exports), so the secret never exists in JavaScript memory. Returns ciphertext
 * ‖ tag, or `undefined` when the key lacks the `wrapKey` usage or the engine cannot generate an HMAC
 * key of that length (Deno stops at 128 bytes, Firefox at 256).
 */
export async function wrapGeneratedSecret(
  crypto: Crypto,
  key: CryptoKey,
  length: number,
  iv: Uint8Array,
  additionalData: Uint8Array,
): Promise<Uint8Array<ArrayBuffer> | undefined> {
  if (!key.usages.includes('wrapKey')) return undefined;
  let secret: CryptoKey;
  try {
    secret = (await crypto.subtle.generateKey({ name: 'HMAC', hash: 'SHA-256', length: length * 8 }, true, ['sign'])) as CryptoKey;
  } catch {
    return undefined;
  }
  try {
    return new Uint8Array(await crypto.subtle.wrapKey('raw', secret, key, gcm(iv, additionalData)));
  } catch (cause) {
    throw engineCannot('wrap a generated key with this AES-GCM key', cause);
  }
}

/** SHA-256 digest. */
export async function sha256(crypto: Crypto, data: Uint8Array): Promise<Uint8Array<ArrayBuffer>> {
  return new Uint8Array(await crypto.subtle.digest('SHA-256', bufferSource(data)));
}
