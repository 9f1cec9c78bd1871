// Key material sealed under a root key, for stores that cannot keep a CryptoKey (Deno KV, Durable
// Objects, a user's database): AES-256-GCM with a fresh IV, the key id, version id and key
// material id bound as additional data, so that a sealed version cannot be moved to another key
// or version. The root key comes from a secret of the deployment and never enters the store.
import { decode, encode } from '../base64.js';
import { utf8 } from '../bytes.js';
import { KmsError } from '../errors.js';
import { importMaterial, materialIdentity } from '../key-material.js';
import type { KeyMaterial } from '../types.js';
import { IV_LENGTH, aesGcmDecrypt, aesGcmEncrypt, randomBytes } from '../webcrypto.js';
import type { SealedMaterial } from './types.js';

/** A root key, imported non-extractable, and its key material id. */
export interface RootKey {
  readonly cryptoKey: CryptoKey;
  readonly id: string;
}

/** Which version of which key a sealed material belongs to. */
export interface MaterialBinding {
  readonly keyId: string;
  readonly versionId: string;
  readonly keyMaterialId: string;
}

const LABEL = 'webkms sealed key material v1\0';
const BASE64URL = { alphabet: 'base64url' } as const;

/** Imports a root key: 32 bytes, a JWK or an AES-GCM `CryptoKey` of 256 bits. */
export async function importRootKey(crypto: Crypto, material: KeyMaterial): Promise<RootKey> {
  const { cryptoKey, keySpec } = await importMaterial(crypto, material);
  if (keySpec !== 'AES_256') throw new KmsError('ValidationException', `the root key must be a 256-bit AES key, not ${keySpec}`);
  const { keyMaterialId } = await materialIdentity(crypto, 'webkms root key', cryptoKey);
  return { cryptoKey, id: keyMaterialId };
}

const additionalData = ({ keyId, versionId, keyMaterialId }: MaterialBinding): Uint8Array => utf8(`${LABEL}${keyId}\0${versionId}\0${keyMaterialId}`);

/** Seals a version's material bytes under the root key. */
export async function sealMaterial(crypto: Crypto, root: RootKey, bytes: Uint8Array, binding: MaterialBinding): Promise<SealedMaterial> {
  const iv = randomBytes(crypto, IV_LENGTH);
  const sealed = await aesGcmEncrypt(crypto, root.cryptoKey, iv, bytes, additionalData(binding));
  return { alg: 'A256GCM', rootKeyId: root.id, iv: encode(iv, BASE64URL), ciphertext: encode(sealed, BASE64URL) };
}

/**
 * A version's material bytes, unsealed (the caller zeroes them once imported).
 * @throws `InvalidCiphertextException` naming the key: another root key sealed it, or the record
 *   was changed.
 */
export async function unsealMaterial(crypto: Crypto, root: RootKey | undefined, sealed: SealedMaterial, binding: MaterialBinding): Promise<Uint8Array> {
  const where = `key ${binding.keyId} version ${binding.versionId}`;
  if (!root) throw new KmsError('InvalidCiphertextException', `the stored material of ${where} is sealed under a root key: open the keyring with rootKey`);
  if (sealed.alg !== 'A256GCM') throw new KmsError('InvalidCiphertextException', `the stored material of ${where} is sealed with an unknown algorithm`);
  if (sealed.rootKeyId !== root.id) {
    throw new KmsError('InvalidCiphertextException', `the stored material of ${where} is sealed under another root key (${String(sealed.rootKeyId).slice(0, 64)}, not ${root.id})`);
  }
  let iv: Uint8Array;
  let ciphertext: Uint8Array;
  try {
    iv = decode(sealed.iv, BASE64URL);
    ciphertext = decode(sealed.ciphertext, BASE64URL);
  } catch {
    throw new KmsError('InvalidCiphertextException', `the stored material of ${where} is not valid base64url`);
  }
  if (iv.length !== IV_LENGTH) throw new KmsError('InvalidCiphertextException', `the stored material of ${where} has an IV of ${iv.length} bytes`);
  return aesGcmDecrypt(crypto, root.cryptoKey, iv, ciphertext, additionalData(binding), `the stored material of ${where} failed authentication: the record was changed`);
}
