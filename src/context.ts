// The encryption context: validation and the one canonical byte encoding that is authenticated.
import { asBytes, checkString, utf8 } from './bytes.js';
import { check } from './errors.js';

/** A string→string map bound to a ciphertext: the same map must be given again to decrypt it. */
export type EncryptionContext = Readonly<Record<string, string>>;

/**
 * Checks that `value` is absent or a plain object of string values (no lone surrogates), and
 * returns its entries sorted by the UTF-8 bytes of their keys.
 */
export function contextEntries(value: unknown, field = 'encryptionContext'): Array<[Uint8Array, Uint8Array]> {
  if (value === undefined) return [];
  check(
    value !== null && typeof value === 'object' && !Array.isArray(value) && !ArrayBuffer.isView(value),
    `${field} must be an object of string keys to string values`,
  );
  const entries: Array<[Uint8Array, Uint8Array]> = [];
  for (const [key, item] of Object.entries(value)) {
    checkString(key, `${field} key`);
    checkString(item, `${field} value of "${key}"`);
    entries.push([utf8(key), utf8(item)]);
  }
  return entries.sort(([a], [b]) => compareBytes(a, b));
}

/** Orders byte strings lexicographically, a shorter prefix first: UTF-8 byte order. */
export function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const length = Math.min(a.length, b.length);
  for (let i = 0; i < length; i++) {
    if (a[i] !== b[i]) return a[i]! - b[i]!;
  }
  return a.length - b.length;
}

/**
 * The authenticated form of an encryption context and of raw AAD bytes, in one byte string:
 *
 *     uint32 pairCount, then per pair (sorted by key bytes): uint32 keyLength, key, uint32 valueLength, value
 *     uint32 aadLength, aad
 *
 * Every field is length-prefixed, so no two different (context, aad) pairs share an encoding
 * (plain concatenation would make {"ab":"c"} equal {"a":"bc"}). No context and {} encode alike,
 * as do no AAD and empty AAD.
 */
export function encodeAdditionalData(
  encryptionContext: unknown,
  aad: unknown,
  fields: { context: string; aad: string } = { context: 'encryptionContext', aad: 'aad' },
): Uint8Array {
  const entries = contextEntries(encryptionContext, fields.context);
  const aadBytes = aad === undefined ? new Uint8Array(0) : asBytes(aad, fields.aad);
  // Written into one array: a small allocation per field (or a DataView) costs more than the copying.
  let length = 4 + 4 + aadBytes.length;
  for (const [key, item] of entries) length += 8 + key.length + item.length;
  const out = new Uint8Array(length);
  let offset = 0;
  const uint32 = (value: number): void => {
    out[offset++] = value >>> 24;
    out[offset++] = value >>> 16;
    out[offset++] = value >>> 8;
    out[offset++] = value;
  };
  const field = (bytes: Uint8Array): void => {
    uint32(bytes.length);
    out.set(bytes, offset);
    offset += bytes.length;
  };
  uint32(entries.length);
  for (const [key, item] of entries) {
    field(key);
    field(item);
  }
  field(aadBytes);
  return out;
}
