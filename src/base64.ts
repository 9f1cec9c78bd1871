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

// And two ASCII codes, read as one uint16 in the platform's byte order → their 12 bits, or
// 0x8000 when either is outside the alphabet: one lookup per two characters (128 KiB, built once).
const twelveBitTables = new Map<Base64Alphabet, Uint16Array>();
function twelveBitTable(alphabet: Base64Alphabet): Uint16Array {
  let table = twelveBitTables.get(alphabet);
  if (!table) {
    const values = valueTable(alphabet);
    table = new Uint16Array(65536);
    for (let first = 0; first < 256; first++) {
      for (let second = 0; second < 256; second++) {
        const a = values[first]!;
        const b = values[second]!;
        table[littleEndian ? first | (second << 8) : (first << 8) | second] = (a | b) & 128 ? 0x8000 : (a << 6) | b;
      }
    }
    twelveBitTables.set(alphabet, table);
  }
  return table;
}

const asciiDecoder = new TextDecoder();
const asciiEncoder = new TextEncoder();
// The portable coders work through 48 KiB of bytes (64 KiB of text) at a time in one reused
// scratch buffer, and the text is the concatenation of ordinary-sized strings: one flat string of
// megabytes would be allocated and faulted in page by page, which costs more than the coding itself.
const BYTES_PER_CHUNK = 48 * 1024;
const CHARS_PER_CHUNK = (BYTES_PER_CHUNK / 3) * 4;
let asciiScratch: Uint8Array | undefined;
let quadScratch: Uint32Array | undefined;
let charScratch: Uint16Array | undefined;
// Where each pair of characters goes in a uint32 of four, in the platform's byte order.
const [FIRST_PAIR, SECOND_PAIR] = littleEndian ? [0, 16] : [16, 0];

/** Three bytes from `i` as 24 bits. */
const triple = (bytes: Uint8Array, i: number): number => (bytes[i]! << 16) | (bytes[i + 1]! << 8) | bytes[i + 2]!;
/** The four characters of 24 bits, as one uint32. */
const quad = (table: Uint16Array, n: number): number => (table[n >> 12]! << FIRST_PAIR) | (table[n & 4095]! << SECOND_PAIR);

function encodePortable(bytes: Uint8Array, table: Uint16Array, chars: string, padding: boolean): string {
  const whole = bytes.length - (bytes.length % 3);
  const ascii = (asciiScratch ??= new Uint8Array((BYTES_PER_CHUNK / 3) * 4));
  const out = (quadScratch ??= new Uint32Array(ascii.buffer));
  let text = '';
  for (let start = 0; start < whole; start += BYTES_PER_CHUNK) {
    const end = Math.min(start + BYTES_PER_CHUNK, whole);
    let o = 0;
    let i = start;
    // Four groups per turn: the loop's own cost is then a quarter (about 13% faster in Node 20).
    for (; i + 12 <= end; i += 12, o += 4) {
      out[o] = quad(table, triple(bytes, i));
      out[o + 1] = quad(table, triple(bytes, i + 3));
      out[o + 2] = quad(table, triple(bytes, i + 6));
      out[o + 3] = quad(table, triple(bytes, i + 9));
    }
    for (; i < end; i += 3) out[o++] = quad(table, triple(bytes, i));
    text += asciiDecoder.decode(ascii.subarray(0, o * 4));
  }
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
  return encodePortable(bytes, pairTable(alphabet), ALPHABETS[alphabet], padding);
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
  return decodePortable(text, data, expected, alphabet);
}

function decodePortable(text: string, data: number, expected: number, alphabet: Base64Alphabet): Uint8Array {
  const out = new Uint8Array(expected);
  const whole = data - (data % 4);
  const pairs = (charScratch ??= new Uint16Array(CHARS_PER_CHUNK / 2));
  const chars = new Uint8Array(pairs.buffer);
  const table = twelveBitTable(alphabet);
  let o = 0;
  let bad = 0;
  for (let start = 0; start < whole; start += CHARS_PER_CHUNK) {
    const length = Math.min(CHARS_PER_CHUNK, whole - start);
    // A non-ASCII character encodes to several bytes, so the chunk does not fit: a count catches it.
    const { read, written } = asciiEncoder.encodeInto(text.slice(start, start + length), chars);
    if (read !== length || written !== length) throw invalid('a character outside the alphabet');
    for (let i = 0; i < length / 2; i += 2) {
      const high = table[pairs[i]!]!;
      const low = table[pairs[i + 1]!]!;
      bad |= high | low;
      const n = (high << 12) | low;
      out[o++] = n >> 16;
      out[o++] = (n >> 8) & 255;
      out[o++] = n & 255;
    }
  }
  const tail = data - whole;
  if (tail > 0) {
    const values = valueTable(alphabet);
    const value = (i: number): number => values[text.charCodeAt(whole + i)] ?? 255;
    const a = value(0);
    const b = value(1);
    const c = tail === 3 ? value(2) : 0;
    // 255 (outside the alphabet) shifted to the flag bit of the pairs.
    bad |= (a | b | c) << 8;
    const n = (a << 18) | (b << 12) | (c << 6);
    out[o++] = n >> 16;
    if (tail === 3) out[o++] = (n >> 8) & 255;
  }
  // The flag of a pair outside the alphabet, or of a character of the tail ('=' included).
  if (bad & 0x8000) throw invalid('a character outside the alphabet or a misplaced "="');
  return out;
}
