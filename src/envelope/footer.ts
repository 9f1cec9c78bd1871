// The message footer of signed suites: the ECDSA signature over header and body, DER-encoded
// (WebCrypto signs and verifies the raw r ‖ s form, so both directions are converted here).
import { KmsError } from '../errors.js';
import { concat } from '../bytes.js';
import { P384_BYTES, fromBigInt, toBigInt } from './p384.js';
import { type Reader, uint16 } from './wire.js';

/**
 * The longest DER signature of P-384: SEQUENCE of two INTEGERs of up to 49 bytes each (48 and a
 * zero byte when the top bit is set). Lengths vary with the values, so footers vary by a few bytes.
 */
export const MAX_SIGNATURE_LENGTH = 2 + 2 * (2 + P384_BYTES + 1);

function derInteger(bytes: Uint8Array): Uint8Array {
  let start = 0;
  while (start < bytes.length - 1 && bytes[start] === 0) start++;
  const value = bytes.subarray(start);
  const padded = value[0]! & 0x80 ? concat(Uint8Array.of(0), value) : value;
  return concat(Uint8Array.of(0x02, padded.length), padded);
}

/** WebCrypto's r ‖ s (48 bytes each) as the DER SEQUENCE the message format stores. */
export function rawToDer(raw: Uint8Array): Uint8Array {
  const body = concat(derInteger(raw.subarray(0, P384_BYTES)), derInteger(raw.subarray(P384_BYTES)));
  return concat(Uint8Array.of(0x30, body.length), body);
}

function badSignature(reason: string): KmsError {
  return new KmsError('InvalidCiphertextException', `the message signature is malformed: ${reason}`);
}

/**
 * A DER ECDSA signature as its two integers; `InvalidCiphertextException` unless it is one, in
 * canonical DER (minimal lengths and integers) as OpenSSL-based SDKs require, so that one pair
 * (r, s) has one encoding. That does not make signatures unique: (r, n − s) verifies as well, and
 * it is accepted, since the official SDKs write high s too (webkms signs with low s). So anyone can
 * turn a signed message into a second valid one: other footer bytes, the same header, frames and
 * plaintext. Nobody without the keys can change its plaintext, context or keys that way, but
 * neither the message id (shared by both) nor the signature or a hash of the bytes (different)
 * names one message's bytes.
 */
export function derToIntegers(der: Uint8Array): readonly [r: bigint, s: bigint] {
  let at = 0;
  const byte = (): number => {
    if (at >= der.length) throw badSignature('it is truncated');
    return der[at++]!;
  };
  if (byte() !== 0x30) throw badSignature('it is not a DER SEQUENCE');
  // At most 2 × (2 + 49) content bytes for P-384: a short-form length, always.
  if (byte() !== der.length - at) throw badSignature('its length does not match');
  const integer = (): bigint => {
    if (byte() !== 0x02) throw badSignature('it does not hold two INTEGERs');
    const size = byte();
    if (size === 0 || size > P384_BYTES + 1 || at + size > der.length) throw badSignature('an INTEGER has a bad length');
    const value = der.subarray(at, at + size);
    at += size;
    if (value[0]! & 0x80) throw badSignature('an INTEGER is negative');
    if (value[0] === 0 && size > 1 && !(value[1]! & 0x80)) throw badSignature('an INTEGER has a redundant leading zero');
    return toBigInt(value);
  };
  const r = integer();
  const s = integer();
  if (at !== der.length) throw badSignature('it has bytes after its INTEGERs');
  return [r, s];
}

/** The two integers as WebCrypto's r ‖ s, or `undefined` when one does not fit in 48 bytes. */
export function integersToRaw([r, s]: readonly [bigint, bigint]): Uint8Array | undefined {
  const limit = 1n << BigInt(P384_BYTES * 8);
  if (r >= limit || s >= limit) return undefined;
  return concat(fromBigInt(r, P384_BYTES), fromBigInt(s, P384_BYTES));
}

/** The footer: the signature's length (2 bytes), then the signature. */
export function serializeFooter(signature: Uint8Array): Uint8Array {
  return concat(uint16(signature.length), signature);
}

/** Reads the footer at the reader's position; throws `Incomplete` when the input ends inside it. */
export function readFooter(reader: Reader): Uint8Array {
  return reader.take(reader.u16());
}
