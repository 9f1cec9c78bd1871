// ECDSA P-384 for the signed suite (0x0578): a fresh key pair per message (or per cached data key),
// the public key stored compressed in the encryption context, signatures made and checked by
// WebCrypto over whole messages, or checked over a digest computed in pieces for streams.
import { KmsError } from '../errors.js';
import { decode, encode } from '../base64.js';
import { concat } from '../bytes.js';
import { type AffinePoint, P384_BYTES, decompress, fromBigInt, lowS, toBigInt, verifyDigest } from './p384.js';
import { derToIntegers, integersToRaw, rawToDer } from './footer.js';
import { bufferSource, engineCannot } from '../webcrypto.js';

const KEY_ALGORITHM = { name: 'ECDSA', namedCurve: 'P-384' } as const;
const SIGN_ALGORITHM = { name: 'ECDSA', hash: 'SHA-384' } as const;

/** A message's signing key: the private half (non-extractable), and the public half as stored. */
export interface SigningKey {
  readonly privateKey: CryptoKey;
  /** The compressed SEC1 point (0x02 or 0x03, then x), base64: the `aws-crypto-public-key` value. */
  readonly publicKey: string;
}

/** Bytes of the base64 public key in the context: 49 bytes make 68 characters. */
export const PUBLIC_KEY_TEXT_LENGTH = 68;

/** A fresh P-384 key pair; the private key cannot be exported. */
export async function generateSigningKey(crypto: Crypto): Promise<SigningKey> {
  let pair: CryptoKeyPair;
  let raw: Uint8Array;
  try {
    pair = await crypto.subtle.generateKey(KEY_ALGORITHM, false, ['sign', 'verify']);
    raw = new Uint8Array(await crypto.subtle.exportKey('raw', pair.publicKey));
  } catch (cause) {
    throw engineCannot('generate an ECDSA P-384 key pair', cause);
  }
  // WebCrypto exports 0x04 ‖ x ‖ y; the message format stores 0x02|parity(y) ‖ x.
  const compressed = concat(Uint8Array.of(2 | (raw[2 * P384_BYTES]! & 1)), raw.subarray(1, 1 + P384_BYTES));
  return { privateKey: pair.privateKey, publicKey: encode(compressed) };
}

/**
 * Signs `data` (header and body) with WebCrypto; the DER signature the footer stores, with low s.
 * (r, s) and (r, n − s) both verify, and WebCrypto returns either: webkms writes the low one, so
 * that its messages carry one canonical signature (readers accept both; see derToIntegers).
 */
export async function sign(crypto: Crypto, privateKey: CryptoKey, data: Uint8Array): Promise<Uint8Array> {
  let raw: Uint8Array;
  try {
    raw = new Uint8Array(await crypto.subtle.sign(SIGN_ALGORITHM, privateKey, bufferSource(data)));
  } catch (cause) {
    throw engineCannot('sign with ECDSA P-384', cause);
  }
  raw.set(fromBigInt(lowS(toBigInt(raw.subarray(P384_BYTES))), P384_BYTES), P384_BYTES);
  return rawToDer(raw);
}

/** The point of a message's `aws-crypto-public-key`; `InvalidCiphertextException` unless it is one. */
export function publicKeyPoint(text: string | undefined): AffinePoint {
  let point: AffinePoint | undefined;
  try {
    point = text === undefined ? undefined : decompress(decode(text));
  } catch {
    point = undefined;
  }
  if (!point) {
    throw new KmsError('InvalidCiphertextException', 'the signed message has no valid public key (aws-crypto-public-key) in its encryption context');
  }
  return point;
}

function signatureFailed(): KmsError {
  return new KmsError('InvalidCiphertextException', 'the message signature does not verify: the message was changed after it was signed');
}

/** Checks a DER signature over `data` with WebCrypto; `InvalidCiphertextException` when it fails. */
export async function verify(crypto: Crypto, point: AffinePoint, signature: Uint8Array, data: Uint8Array): Promise<void> {
  const raw = integersToRaw(derToIntegers(signature));
  if (!raw) throw signatureFailed();
  let valid: boolean;
  try {
    const uncompressed = concat(Uint8Array.of(4), fromBigInt(point.x, P384_BYTES), fromBigInt(point.y, P384_BYTES));
    const key = await crypto.subtle.importKey('raw', bufferSource(uncompressed), KEY_ALGORITHM, false, ['verify']);
    valid = await crypto.subtle.verify(SIGN_ALGORITHM, key, bufferSource(raw), bufferSource(data));
  } catch (cause) {
    throw engineCannot('verify ECDSA P-384 signatures', cause);
  }
  if (!valid) throw signatureFailed();
}

/**
 * Checks a DER signature over a message whose SHA-384 `digest` was computed in pieces (openStream
 * keeps a hash state, not the message; WebCrypto has no prehashed ECDSA). `InvalidCiphertextException` when it fails.
 */
export function verifyDigestSignature(point: AffinePoint, digest: Uint8Array, signature: Uint8Array): void {
  const [r, s] = derToIntegers(signature);
  if (!verifyDigest(point, digest, r, s)) throw signatureFailed();
}
