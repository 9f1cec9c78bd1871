// Strict base64 (RFC 4648 §4) and base64url (§5). Uses the engine's Uint8Array.fromBase64/toBase64
// where they exist (every engine but Node 20) and a table-driven coder elsewhere. Decoding accepts
// exactly one encoding per byte string: no whitespace, no stray characters, no non-zero pad bits.
import { KmsError } from './errors.js';

/** Which of RFC 4648's two alphabets: `base64` (`+/`) or `base64url` (`-_`). */
export type Base64Alphabet = 'base64' | 'base64url';

/** Options of {@link encode}. */
export interface Base64EncodeOptions {
  /** Default `base64`. */
  alphabet?: Base64Alphabet;
  /** Whether to append `=` padding. Default: `true` for `base64`, `false` for `base64url`. */
  padding?: boolean;
}

/** Options of {@link decode}. */
export interface Base64DecodeOptions {
  /**
   * Default `base64`, whose padding is required. `base64url` takes padding or none, but when
   * present it must be right.
   */
  alphabet?: Base64Alphabet;
}

interface NativeBase64 {
  fromBase64?: (text: string, options: { alphabet: Base64Alphabet; lastChunkHandling: 'loose' }) => Uint8Array;
}
interface NativeBytes {
  toBase64?: (options: { alphabet: Base64Alphabet; omitPadding: boolean }) => string;
}
const native = Uint8Array as unknown as NativeBase64;
const hasNativeEncode = typeof (Uint8Array.prototype as NativeBytes).toBase64 === 'function';

const ALPHABETS: Record<Base64Alphabet, string> = {
  base64: 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/',
  base64url: 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_',
};

// Encoding: one lookup per 12 bits gives two ASCII characters as one uint16 in the platform's byte
// order, written straight into the output; TextDecoder turns the ASCII bytes into a string at native speed.
const littleEndian = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
const pairTables = new Map<Base64Alphabet, Uint16Array>();
function pairTable(alphabet: Base64Alphabet): Uint16Array {
  let table = pairTables.get(alphabet);
  if (!table) {
    const chars = ALPHABETS[alphabet];
    table = new Uint16Array(4096);
    for (let i = 0; i < 4096; i++) {
      const first = chars.charCodeAt(i >> 6);
      const second = chars.charCodeAt(i & 63);
      table[i] = littleEndian ? first | (second << 8) : (first << 8) | second;
    }
    pairTables.set(alphabet, table);
  }
  return table;
}

// Decoding: ASCII code → 6-bit value, 255 for anything outside the alphabet.
const valueTables = new Map<Base64Alphabet, Uint8Array>();
function valueTable(alphabet: Base64Alphabet): Uint8Array {
  let table = valueTables.get(alphabet);
  if (!table) {
    table = new Uint8Array(256).fill(255);
    const chars = ALPHABETS[alphabet];
    for (let i = 0; i < 64; i++) table[chars.charCodeAt(i)] = i;
    valueTables.set(alphabet, table);
  }
  return table;
}

const asciiDecoder = new TextDecoder();
const asciiEncoder = new TextEncoder();
// Chunks keep every intermediate array small, so 64 MiB and larger inputs never hit engine limits.
const ENCODE_CHUNK = 3 * 1024 * 1024;

function encodeChunk(bytes: Uint8Array, table: Uint16Array, chars: string, padding: boolean): string {
  const whole = bytes.length - (bytes.length % 3);
  const out = new Uint16Array((whole / 3) * 2);
  let o = 0;
  for (let i = 0; i < whole; i += 3) {
    const n = (bytes[i]! << 16) | (bytes[i + 1]! << 8) | bytes[i + 2]!;
    out[o++] = table[n >> 12]!;
    out[o++] = table[n & 4095]!;
  }
  let text = asciiDecoder.decode(out);
  const rest = bytes.length - whole;
  if (rest === 1) {
    const n = bytes[whole]!;
    text += chars[n >> 2]! + chars[(n & 3) << 4]! + (padding ? '==' : '');
  } else if (rest === 2) {
    const n = (bytes[whole]! << 8) | bytes[whole + 1]!;
    text += chars[n >> 10]! + chars[(n >> 4) & 63]! + chars[(n & 15) << 2]! + (padding ? '=' : '');
  }
  return text;
}

/** Encodes bytes as base64 (default) or base64url. */
export function encode(bytes: Uint8Array, options: Base64EncodeOptions = {}): string {
  const alphabet = checkAlphabet(options.alphabet);
  const padding = options.padding ?? alphabet === 'base64';
  if (!(bytes instanceof Uint8Array)) throw new KmsError('ValidationException', 'base64.encode takes a Uint8Array');
  if (hasNativeEncode) return (bytes as Uint8Array & Required<NativeBytes>).toBase64({ alphabet, omitPadding: !padding });
  const table = pairTable(alphabet);
  const chars = ALPHABETS[alphabet];
  if (bytes.length <= ENCODE_CHUNK) return encodeChunk(bytes, table, chars, padding);
  const parts: string[] = [];
  for (let i = 0; i < bytes.length; i += ENCODE_CHUNK) {
    parts.push(encodeChunk(bytes.subarray(i, i + ENCODE_CHUNK), table, chars, padding));
  }
  return parts.join('');
}

function invalid(reason: string): KmsError {
  return new KmsError('ValidationException', `invalid base64: ${reason}`);
}

function checkAlphabet(alphabet: unknown = 'base64'): Base64Alphabet {
  if (alphabet !== 'base64' && alphabet !== 'base64url') {
    throw new KmsError('ValidationException', "base64 alphabet must be 'base64' or 'base64url'");
  }
  return alphabet;
}

/**
 * Decodes base64 (default) or base64url. Throws `ValidationException` on any character outside
 * the alphabet (whitespace included), on missing or misplaced padding, and on non-zero pad bits.
 */
export function decode(text: string, options: Base64DecodeOptions = {}): Uint8Array {
  const alphabet = checkAlphabet(options.alphabet);
  if (typeof text !== 'string') throw invalid('input must be a string');
  // Shape first, in O(1): length and padding decide the exact decoded length.
  const pads = text.endsWith('==') ? 2 : text.endsWith('=') ? 1 : 0;
  const data = text.length - pads;
  if (pads > 0 && text.length % 4 !== 0) throw invalid('padding where the length is not a multiple of 4');
  if (alphabet === 'base64' && text.length % 4 !== 0) throw invalid('length is not a multiple of 4 (padding is required)');
  if (data % 4 === 1) throw invalid('length leaves a lone trailing character');
  const expected = Math.floor((data * 3) / 4);
  const values = valueTable(alphabet);
  // The last data character may carry only the bits that belong to a byte: the rest must be zero.
  const tail = data % 4;
  if (tail !== 0) {
    const last = values[text.charCodeAt(data - 1)] ?? 255;
    if (last !== 255 && (last & (tail === 2 ? 15 : 3)) !== 0) throw invalid('non-zero bits after the last byte');
  }
  let out: Uint8Array;
  if (native.fromBase64) {
    try {
      out = native.fromBase64(text, { alphabet, lastChunkHandling: 'loose' });
    } catch {
      throw invalid('a character outside the alphabet or a misplaced "="');
    }
    // fromBase64 skips ASCII whitespace; a shorter result than the shape promises means it did.
    if (out.length !== expected) throw invalid('whitespace is not allowed');
    return out;
  }
  return decodePortable(text, data, expected, values);
}

function decodePortable(text: string, data: number, expected: number, values: Uint8Array): Uint8Array {
  const chars = asciiEncoder.encode(text);
  // Non-ASCII characters encode to several bytes; a length change catches them.
  if (chars.length !== text.length) throw invalid('a character outside the alphabet');
  const out = new Uint8Array(expected);
  const whole = data - (data % 4);
  let o = 0;
  let bad = 0;
  for (let i = 0; i < whole; i += 4) {
    const a = values[chars[i]!]!;
    const b = values[chars[i + 1]!]!;
    const c = values[chars[i + 2]!]!;
    const d = values[chars[i + 3]!]!;
    bad |= a | b | c | d;
    const n = (a << 18) | (b << 12) | (c << 6) | d;
    out[o++] = n >> 16;
    out[o++] = (n >> 8) & 255;
    out[o++] = n & 255;
  }
  const tail = data - whole;
  if (tail > 0) {
    const a = values[chars[whole]!]!;
    const b = values[chars[whole + 1]!]!;
    const c = tail === 3 ? values[chars[whole + 2]!]! : 0;
    bad |= a | b | c;
    const n = (a << 18) | (b << 12) | (c << 6);
    out[o++] = n >> 16;
    if (tail === 3) out[o++] = (n >> 8) & 255;
  }
  // Any 255 (not in the alphabet, '=' included) sets bit 7, which no 6-bit value has.
  if (bad & 128) throw invalid('a character outside the alphabet or a misplaced "="');
  return out;
}
