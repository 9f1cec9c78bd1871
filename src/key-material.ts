// Master key material: turning what a caller hands over into a non-extractable AES-GCM CryptoKey,
// and the key material id that names a key version without revealing anything about the key.
import { decode } from './base64.js';
import { asBytes, concat, hex, isArrayBuffer, utf8 } from './bytes.js';
import { KmsError, check } from './errors.js';
import type { AesKeySpec, KeyMaterial } from './types.js';
import { AES_KEY_LENGTHS, IV_LENGTH, aesGcmEncrypt, importAesGcmKey, isCryptoKey, sha256 } from './webcrypto.js';
import { VERSION_TAG_LENGTH } from './blob.js';

/** A master key version's usable key and what identifies it. */
export interface MaterialKey {
  readonly cryptoKey: CryptoKey;
  readonly keySpec: AesKeySpec;
  readonly extractable: boolean;
}

/** The AES key spec of a key length in bytes. */
export function specOfLength(bytes: number): AesKeySpec {
  return `AES_${bytes * 8}` as AesKeySpec;
}

/** Key length in bytes of an AES key spec. */
export function lengthOfSpec(spec: AesKeySpec): number {
  return Number(spec.slice(4)) / 8;
}

/** Whether key material is bytes: a Uint8Array, another ArrayBufferView or an ArrayBuffer (of any realm). */
export const isBinary = (material: unknown): material is ArrayBufferView | ArrayBuffer => ArrayBuffer.isView(material) || isArrayBuffer(material);

/**
 * Imports material as an AES-GCM CryptoKey. Bytes and JWKs become non-extractable keys (the bytes
 * are not kept; the JWK's decoded copy is zeroed); a CryptoKey is used as it is.
 */
export async function importMaterial(crypto: Crypto, material: KeyMaterial): Promise<MaterialKey> {
  if (isBinary(material)) {
    const bytes = asBytes(material, 'material');
    check(AES_KEY_LENGTHS.includes(bytes.length), `key material must be 16, 24 or 32 bytes, not ${bytes.length}`);
    return { cryptoKey: await importAesGcmKey(crypto, bytes), keySpec: specOfLength(bytes.length), extractable: false };
  }
  if (isCryptoKey(material)) {
    const algorithm = material.algorithm as Partial<AesKeyAlgorithm>;
    check(algorithm.name === 'AES-GCM', `a CryptoKey used as key material must be an AES-GCM key, not ${String(algorithm.name)}`);
    check(
      material.usages.includes('encrypt') && material.usages.includes('decrypt'),
      'a CryptoKey used as key material needs both the "encrypt" and "decrypt" usages',
    );
    return { cryptoKey: material, keySpec: specOfLength((algorithm.length ?? 0) / 8), extractable: material.extractable };
  }
  check(typeof material === 'object' && material !== null && 'kty' in material, 'key material must be bytes (Uint8Array, ArrayBuffer, ArrayBufferView), an AES-GCM CryptoKey or a JWK');
  const bytes = jwkBytes(material);
  try {
    return await importMaterial(crypto, bytes);
  } finally {
    bytes.fill(0);
  }
}

/** The key bytes of a JWK used as key material, checked (`ValidationException`); the caller zeroes them. */
export function jwkBytes(jwk: JsonWebKey): Uint8Array {
  check(jwk.kty === 'oct', `a JWK used as key material must have kty "oct", not ${JSON.stringify(jwk.kty)}`);
  check(typeof jwk.k === 'string', 'a JWK used as key material needs its "k" member');
  check(jwk.use === undefined || jwk.use === 'enc', 'a JWK used as key material must not be marked for use other than "enc"');
  check(
    jwk.key_ops === undefined || (jwk.key_ops.includes('encrypt') && jwk.key_ops.includes('decrypt')),
    'a JWK used as key material must allow the "encrypt" and "decrypt" key_ops',
  );
  let bytes: Uint8Array;
  try {
    bytes = decode(jwk.k, { alphabet: 'base64url' });
  } catch {
    throw new KmsError('ValidationException', 'the JWK\'s "k" member is not valid base64url');
  }
  if (jwk.alg !== undefined && jwk.alg !== `A${bytes.length * 8}GCM`) {
    bytes.fill(0);
    throw new KmsError('ValidationException', `the JWK's alg ${JSON.stringify(jwk.alg)} does not fit a ${bytes.length}-byte AES-GCM key`);
  }
  return bytes;
}

const MATERIAL_ID_LABEL = 'webkms key material id v1\0';

/** What names a key version: its 64-hex key material id, and the version id taken from its start. */
export interface MaterialIdentity {
  readonly keyMaterialId: string;
  readonly versionTag: Uint8Array;
  readonly versionId: string;
}

/**
 * Derives a key version's identity from the key itself, so that it works for non-extractable
 * keys too: a key check value (AES-GCM of 32 zero bytes under an all-zero IV, with the label and
 * the key id as AAD), hashed with SHA-256. The same key id and material give the same id in every
 * engine; the hash reveals nothing of the key stream, and different key ids give unrelated ids.
 */
export async function materialIdentity(crypto: Crypto, keyId: string, cryptoKey: CryptoKey): Promise<MaterialIdentity> {
  const check = await aesGcmEncrypt(
    crypto,
    cryptoKey,
    new Uint8Array(IV_LENGTH),
    new Uint8Array(32),
    concat(utf8(MATERIAL_ID_LABEL), utf8(keyId)),
  );
  const digest = await sha256(crypto, check);
  const versionTag = digest.slice(0, VERSION_TAG_LENGTH);
  return { keyMaterialId: hex(digest), versionTag, versionId: hex(versionTag) };
}
