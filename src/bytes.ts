// Byte helpers shared by every format: concatenation, big-endian integers, UTF-8, hex, comparison.
import { KmsError, check } from './errors.js';

const utf8Encoder = new TextEncoder();

/** UTF-8 bytes of a string. */
export function utf8(text: string): Uint8Array<ArrayBuffer> {
  // Short ASCII text (key ids, context keys and values) is copied here: a call into the engine's
  // TextEncoder costs about a microsecond in Node and Deno, far more than this loop.
  if (text.length <= 64) {
    const out = new Uint8Array(text.length);
    for (let i = 0; i < text.length; i++) {
      const code = text.charCodeAt(i);
      if (code > 0x7f) return utf8Encoder.encode(text);
      out[i] = code;
    }
    return out;
  }
  return utf8Encoder.encode(text);
}

/** The number of UTF-8 bytes of a well-formed string. */
export function utf8Length(text: string): number {
  let length = text.length;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    // 2 bytes to U+07FF, 3 to U+FFFF; a surrogate pair (2 code units) is 4 bytes.
    if (code > 0x7f) length += code < 0x800 || (code >= 0xd800 && code <= 0xdfff) ? 1 : 2;
  }
  return length;
}

/** Writes the UTF-8 bytes of `text` into `out` at `offset` (room must suffice); returns the offset after them. */
export function utf8Into(text: string, out: Uint8Array, offset: number): number {
  let i = 0;
  for (; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code > 0x7f) return offset + utf8Encoder.encodeInto(text.slice(i), out.subarray(offset)).written;
    out[offset++] = code;
  }
  return offset;
}

/** Concatenates byte arrays into one new array. */
export function concat(...parts: readonly Uint8Array[]): Uint8Array<ArrayBuffer> {
  let length = 0;
  for (const part of parts) length += part.length;
  const out = new Uint8Array(length);
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

/** A 4-byte big-endian unsigned integer. */
export function uint32(value: number): Uint8Array<ArrayBuffer> {
  return Uint8Array.of(value >>> 24, (value >>> 16) & 0xff, (value >>> 8) & 0xff, value & 0xff);
}

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

/** Lowercase hex of the bytes. */
export function hex(bytes: Uint8Array): string {
  let out = '';
  for (const byte of bytes) out += HEX[byte];
  return out;
}

/** Compares two byte arrays in time that depends only on their lengths. */
export function timingSafeEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}

/** Any binary input a caller may hand over. */
export type BinaryInput = Uint8Array | ArrayBuffer | ArrayBufferView;

/** Whether `value` is an ArrayBuffer, also one from another realm (which fails `instanceof`). */
export const isArrayBuffer = (value: unknown): value is ArrayBuffer => Object.prototype.toString.call(value) === '[object ArrayBuffer]';

/**
 * A Uint8Array view of binary input (no copy), or a `ValidationException` naming `field`.
 * Accepts cross-realm buffers, which fail `instanceof`; refuses shared memory, which WebCrypto refuses.
 */
export function asBytes(value: unknown, field: string): Uint8Array {
  // The common case first: Object.prototype.toString costs more than the rest of a small call.
  if (value instanceof Uint8Array && value.buffer instanceof ArrayBuffer) return value;
  if (ArrayBuffer.isView(value) && isArrayBuffer(value.buffer)) {
    return value instanceof Uint8Array ? value : new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
  }
  if (isArrayBuffer(value)) return new Uint8Array(value);
  throw new KmsError('ValidationException', `${field} must be a Uint8Array, an ArrayBuffer or an ArrayBufferView (not shared memory)`);
}

/** Whether a string is well-formed UTF-16 (no lone surrogates), so its UTF-8 encoding is lossless. */
export function isWellFormed(text: string): boolean {
  // The engine's own check (ES2024) is several times faster than the regular expression.
  const native = (text as { isWellFormed?: () => boolean }).isWellFormed;
  return native ? native.call(text) : !/\p{Cs}/u.test(text);
}

/** What is wrong with `value` as a string that must have a UTF-8 form, or `undefined` when nothing is. */
export function stringProblem(value: unknown): string | undefined {
  if (typeof value !== 'string') return 'must be a string';
  return isWellFormed(value) ? undefined : 'contains a lone UTF-16 surrogate, which has no UTF-8 encoding';
}

/** Checks that `value` is a string with no lone surrogates (they would encode ambiguously). */
export function checkString(value: unknown, field: string): asserts value is string {
  const problem = stringProblem(value);
  check(problem === undefined, () => `${field} ${problem}`);
}
