// The encryption context: validation and the one canonical byte encoding that is authenticated.
import { asBytes, isWellFormed, stringProblem, utf8, utf8Into, utf8Length } from './bytes.js';
import { KmsError, excerpt } from './errors.js';
import { mapEntries, shapeOf } from './plain.js';

/**
 * A string→string map bound to a ciphertext: the same map must be given again to decrypt it. A
 * plain object (its own enumerable properties) or a `Map` (its entries); nothing else.
 */
export type EncryptionContext = Readonly<Record<string, string>> | ReadonlyMap<string, string>;

/**
 * Reads a string→string map argument — a plain object or a `Map` — into its pairs (unsorted),
 * refusing anything else and any key or value that is not a well-formed string; `fail` makes the
 * caller's error from a message. One reading for every place a context enters: the Keyring, seal
 * and open, and the dialects.
 */
export function stringPairs(value: unknown, field: string, fail: (message: string) => Error): Array<[string, string]> {
  const entries = mapEntries(value);
  if (entries === undefined) throw fail(`${field} must be a plain object or a Map of strings to strings, not ${shapeOf(value)}`);
  for (const [key, item] of entries) {
    // The messages are built only for a failure: a template per pair is a measurable share of a call.
    if (typeof key !== 'string' || !isWellFormed(key)) throw fail(`${field} key ${stringProblem(key)}`);
    if (typeof item !== 'string' || !isWellFormed(item)) throw fail(`${field} value of ${excerpt(key, 40)} ${stringProblem(item)}`);
  }
  return entries as Array<[string, string]>;
}

const validationError = (message: string): KmsError => new KmsError('ValidationException', message);

/**
 * Checks that `value` is absent or a string map (see {@link stringPairs}), and returns its pairs
 * sorted by the UTF-8 bytes of their keys.
 */
export function contextPairs(value: unknown, field = 'encryptionContext'): Array<[string, string]> {
  if (value === undefined) return [];
  const pairs = stringPairs(value, field, validationError);
  return pairs.length < 2 ? pairs : pairs.sort(([a], [b]) => compareUtf8(a, b));
}

/** The context's pairs as UTF-8 bytes, checked and sorted by key bytes (see `contextPairs`). */
export function contextEntries(value: unknown, field = 'encryptionContext'): Array<[Uint8Array, Uint8Array]> {
  return pairBytes(contextPairs(value, field));
}

/** Pairs already checked and sorted (by {@link contextPairs}) as UTF-8 bytes. */
export function pairBytes(pairs: ReadonlyArray<readonly [string, string]>): Array<[Uint8Array, Uint8Array]> {
  return pairs.map(([key, item]) => [utf8(key), utf8(item)]);
}

// UTF-16 code units sort surrogates (code points from U+10000) below U+E000–U+FFFF; UTF-8 bytes
// and code points sort them above. This rank restores code point order.
const rank = (unit: number): number => (unit < 0xd800 ? unit : unit < 0xe000 ? unit + 0x2000 : unit - 0x800);

/** Orders well-formed strings as their UTF-8 bytes order, without encoding them. */
function compareUtf8(a: string, b: string): number {
  const length = Math.min(a.length, b.length);
  for (let i = 0; i < length; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) return rank(x) - rank(y);
  }
  return a.length - b.length;
}

/** A request's encryption context and AAD, checked: what `encodeAdditionalData` encodes. */
export interface AdditionalData {
  /** The context's pairs, sorted by the UTF-8 bytes of their keys. */
  readonly pairs: ReadonlyArray<readonly [string, string]>;
  readonly aad: Uint8Array;
}

/**
 * Checks an encryption context and AAD (`ValidationException` naming `fields`). Requests check
 * them before looking up keys; the encoding comes later, when the blob header's size is known.
 */
export function checkAdditionalData(
  encryptionContext: unknown,
  aad: unknown,
  fields: { context: string; aad: string } = { context: 'encryptionContext', aad: 'aad' },
): AdditionalData {
  // The AAD is copied: reEncrypt encodes its destination's only after an await, and a caller's
  // later change to the array must not change what is bound.
  return { pairs: contextPairs(encryptionContext, fields.context), aad: aad === undefined ? new Uint8Array(0) : asBytes(aad, fields.aad).slice() };
}

/**
 * The authenticated form of an encryption context and of raw AAD bytes, in one byte string:
 *
 *     uint32 pairCount, then per pair (sorted by key bytes): uint32 keyLength, key, uint32 valueLength, value
 *     uint32 aadLength, aad
 *
 * Every field is length-prefixed, so no two different (context, aad) pairs share an encoding
 * (plain concatenation would make {"ab":"c"} equal {"a":"bc"}). No context and {} encode alike,
 * as do no AAD and empty AAD. The first `room` bytes of the result are left for the caller's
 * prefix (the blob header, which the AES-GCM AAD starts with): one array, not two and a copy.
 */
export function encodeAdditionalData({ pairs, aad }: AdditionalData, room = 0): Uint8Array {
  // Written once into one array of the exact size: an allocation per string costs more than
  // measuring, and Node keeps arrays of up to 64 bytes on its heap at a tenth of the cost.
  let length = room + 4 + 4 + aad.length;
  for (const [key, item] of pairs) length += 8 + utf8Length(key) + utf8Length(item);
  const out = new Uint8Array(length);
  let offset = room;
  const uint32 = (value: number): void => {
    out[offset++] = value >>> 24;
    out[offset++] = value >>> 16;
    out[offset++] = value >>> 8;
    out[offset++] = value;
  };
  const text = (value: string): void => {
    const end = utf8Into(value, out, offset + 4);
    uint32(end - offset - 4);
    offset = end;
  };
  uint32(pairs.length);
  for (const [key, item] of pairs) {
    text(key);
    text(item);
  }
  uint32(aad.length);
  out.set(aad, offset);
  return out;
}
