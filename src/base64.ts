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
  fromBase64(text: string, options: { alphabet: Base64Alphabet; lastChunkHandling: 'loose' }): Uint8Array<ArrayBuffer>;
}
interface NativeBytes {
  toBase64(options: { alphabet: Base64Alphabet; omitPadding: boolean }): string;
}
// Engines ship fromBase64 and toBase64 together (one proposal).
const hasNative = typeof (Uint8Array as Partial<NativeBase64>).fromBase64 === 'function';

// The 62 characters both alphabets share.
const SHARED = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const ALPHABETS: Record<Base64Alphabet, string> = { base64: `${SHARED}+/`, base64url: `${SHARED}-_` };

interface Tables {
  /** 12 bits → their two characters as one uint16, in the platform's byte order. */
  pairs: Uint16Array;
  /**
   * Two characters (the first in the high byte) → their 12 bits, or 0x8000 when either is outside
   * the alphabet: one lookup per two characters.
   */
  twelveBits: Uint16Array;
}
// Built on first use by the portable coders: 8 KiB + 128 KiB per alphabet.
const tableCache: Partial<Record<Base64Alphabet, Tables>> = {};
function tables(alphabet: Base64Alphabet): Tables {
  let t = tableCache[alphabet];
  if (!t) {
    const chars = ALPHABETS[alphabet];
    // Pairs are written byte by byte, so each uint16 holds its two characters in the platform's order.
    const pairBytes = new Uint8Array(8192);
    t = tableCache[alphabet] = { pairs: new Uint16Array(pairBytes.buffer), twelveBits: new Uint16Array(65536).fill(0x8000) };
    for (let i = 0; i < 4096; i++) {
      const first = chars.charCodeAt(i >> 6);
      const second = chars.charCodeAt(i & 63);
      pairBytes[2 * i] = first;
      pairBytes[2 * i + 1] = second;
      t.twelveBits[(first << 8) | second] = i;
    }
  }
  return t;
}

// The portable coders work through 48 KiB of bytes (64 KiB of text) at a time in one reused
// scratch buffer (empty where the engine codes base64 itself), and the text is the concatenation of
// ordinary-sized strings: one flat string of megabytes would be allocated and faulted in page by
// page, which costs more than the coding itself. TextDecoder and TextEncoder.encodeInto move the
// ASCII between the scratch and strings at native speed.
const BYTES_PER_CHUNK = 48 * 1024;
const CHARS_PER_CHUNK = (BYTES_PER_CHUNK / 3) * 4;
const scratch = new ArrayBuffer(hasNative ? 0 : CHARS_PER_CHUNK + 4);
const scratchView = new DataView(scratch);
const scratchBytes = new Uint8Array(scratch);
const scratchPairs = new Uint16Array(scratch);
const scratchQuads = new Uint32Array(scratch);
const asciiDecoder = new TextDecoder();
const asciiEncoder = new TextEncoder();
const littleEndian = new Uint8Array(Uint16Array.of(1).buffer)[0] === 1;

function encodePortable(bytes: Uint8Array, alphabet: Base64Alphabet, padding: boolean): string {
  const length = bytes.length;
  const whole = length - (length % 3);
  const { pairs } = tables(alphabet);
  // Locals: V8 reloads and checks a module binding at every use in the loops.
  const pairsOut = scratchPairs;
  const quadsOut = scratchQuads;
  const ascii = scratchBytes;
  // From a few hundred bytes on, reading them four at a time through a DataView pays for making
  // one (about 100 ns in Node 20): 1.4× the speed at 1 MiB. Its loop writes four characters as one
  // uint32 with constant shifts (variable ones cost 13%), which is right on little-endian platforms
  // only; the others, and short inputs, take the group loop.
  const input = littleEndian && length >= 256 ? new DataView(bytes.buffer, bytes.byteOffset, length) : undefined;
  let text = '';
  for (let start = 0; start < whole; start += BYTES_PER_CHUNK) {
    const end = Math.min(start + BYTES_PER_CHUNK, whole);
    let i = start;
    let o = 0; // in pairs of characters
    if (input) {
      // Twelve bytes (three big-endian uint32) → sixteen characters (four uint32) per turn.
      for (; i + 12 <= end; i += 12, o += 8) {
        const a = input.getUint32(i);
        const b = input.getUint32(i + 4);
        const c = input.getUint32(i + 8);
        const q = o >> 1;
        quadsOut[q] = pairs[a >>> 20]! | (pairs[(a >>> 8) & 4095]! << 16);
        quadsOut[q + 1] = pairs[((a & 255) << 4) | (b >>> 28)]! | (pairs[(b >>> 16) & 4095]! << 16);
        quadsOut[q + 2] = pairs[(b >>> 4) & 4095]! | (pairs[((b & 15) << 8) | (c >>> 24)]! << 16);
        quadsOut[q + 3] = pairs[(c >>> 12) & 4095]! | (pairs[c & 4095]! << 16);
      }
    }
    for (; i < end; i += 3) {
      const n = (bytes[i]! << 16) | (bytes[i + 1]! << 8) | bytes[i + 2]!;
      pairsOut[o++] = pairs[n >>> 12]!;
      pairsOut[o++] = pairs[n & 4095]!;
    }
    text += asciiDecoder.decode(ascii.subarray(0, o * 2));
  }
  if (whole < length) {
    const chars = ALPHABETS[alphabet];
    const two = whole + 1 < length;
    const n = (bytes[whole]! << 8) | (two ? bytes[whole + 1]! : 0);
    text += chars[n >> 10]! + chars[(n >> 4) & 63]! + (two ? chars[(n << 2) & 63]! : '') + (padding ? (two ? '=' : '==') : '');
  }
  return text;
}

/**
 * Encodes bytes as base64 (default) or base64url.
 * @example
 * ```ts
 * import { base64 } from 'webkms';
 *
 * base64.encode(new Uint8Array([251, 255]));                                  // '+/8='
 * base64.encode(new Uint8Array([251, 255]), { alphabet: 'base64url' });       // '-_8'
 * base64.encode(new Uint8Array([251, 255]), { alphabet: 'base64url', padding: true }); // '-_8='
 * ```
 */
export function encode(bytes: Uint8Array, options: Base64EncodeOptions = {}): string {
  const alphabet = checkAlphabet(options.alphabet);
  const padding = options.padding ?? alphabet === 'base64';
  if (!(bytes instanceof Uint8Array)) throw new KmsError('ValidationException', 'base64.encode takes a Uint8Array');
  if (hasNative) return (bytes as Uint8Array & NativeBytes).toBase64({ alphabet, omitPadding: !padding });
  return encodePortable(bytes, alphabet, padding);
}

// '=' and whitespace are characters outside the alphabet too.
const invalid = (reason = 'a character outside the alphabet'): KmsError => new KmsError('ValidationException', `invalid base64: ${reason}`);

function checkAlphabet(alphabet: unknown = 'base64'): Base64Alphabet {
  if (alphabet !== 'base64' && alphabet !== 'base64url') throw new KmsError('ValidationException', 'unknown base64 alphabet');
  return alphabet;
}

/**
 * Decodes base64 (default) or base64url. Throws `ValidationException` on any character outside
 * the alphabet (whitespace included), on missing or misplaced padding, and on non-zero pad bits.
 * @example
 * ```ts
 * import { base64 } from 'webkms';
 *
 * base64.decode('+/8=');                               // Uint8Array [251, 255]
 * base64.decode('-_8', { alphabet: 'base64url' });     // the same
 * base64.decode('+/8');                                // ValidationException: padding is required
 * ```
 */
export function decode(text: string, options: Base64DecodeOptions = {}): Uint8Array<ArrayBuffer> {
  const alphabet = checkAlphabet(options.alphabet);
  if (typeof text !== 'string') throw invalid('not a string');
  // Shape first, in O(1): length and padding decide the exact decoded length. Padding, required in
  // base64, makes a multiple of 4; no padding leaves 0, 2 or 3 characters after the last four.
  const pads = text.endsWith('==') ? 2 : text.endsWith('=') ? 1 : 0;
  const data = text.length - pads;
  const tail = data % 4;
  if (tail === 1 || ((pads || alphabet === 'base64') && text.length % 4)) throw invalid('wrong length or padding');
  const expected = Math.floor((data * 3) / 4);
  let out: Uint8Array<ArrayBuffer> | undefined;
  if (hasNative) {
    try {
      out = (Uint8Array as unknown as NativeBase64).fromBase64(text, { alphabet, lastChunkHandling: 'loose' });
    } catch {
      // A character outside the alphabet or a misplaced '=': out stays undefined.
    }
    // fromBase64 skips ASCII whitespace: a result shorter than the shape promises means it did.
    if (out?.length !== expected) throw invalid();
  } else {
    out = decodePortable(text, data, expected, tables(alphabet).twelveBits);
  }
  // All characters are in the alphabet, and the last may carry only bits that belong to a byte:
  // the others must be zero. These are the characters whose values leave them zero, in both alphabets.
  if (tail && !(tail === 2 ? 'AQgw' : 'AEIMQUYcgkosw048').includes(text[data - 1]!)) throw invalid('non-zero pad bits');
  return out;
}

function decodePortable(text: string, data: number, expected: number, table: Uint16Array): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(expected);
  // Locals: V8 reloads and checks a module binding at every use in the loops.
  const view = scratchView;
  const ascii = scratchBytes;
  let o = 0;
  let bad = 0;
  for (let start = 0; start < data; start += CHARS_PER_CHUNK) {
    const length = Math.min(CHARS_PER_CHUNK, data - start);
    // A non-ASCII character encodes to several bytes, so the chunk does not fit: a count catches it.
    const { read, written } = asciiEncoder.encodeInto(text.slice(start, start + length), ascii);
    if (read !== length || written !== length) throw invalid();
    // A last group of two or three characters is made four with 'A's (zero bits); the scratch has
    // room for them after a whole chunk.
    ascii[length] = ascii[length + 1] = 65;
    let i = 0;
    let p = 0;
    // Sixteen characters per turn, read four at a time as one big-endian uint32 (two table indexes),
    // and their twelve bytes written as three uint32 in place, where the characters were; one copy
    // moves them out. Below a few hundred characters, the copy costs more than it saves.
    if (length >= 256) {
      for (; i + 16 <= length; i += 16, p += 12) {
        const a = view.getUint32(i);
        const b = view.getUint32(i + 4);
        const c = view.getUint32(i + 8);
        const d = view.getUint32(i + 12);
        const a1 = table[a >>> 16]!;
        const a2 = table[a & 0xffff]!;
        const b1 = table[b >>> 16]!;
        const b2 = table[b & 0xffff]!;
        const c1 = table[c >>> 16]!;
        const c2 = table[c & 0xffff]!;
        const d1 = table[d >>> 16]!;
        const d2 = table[d & 0xffff]!;
        bad |= a1 | a2 | b1 | b2 | c1 | c2 | d1 | d2;
        view.setUint32(p, (a1 << 20) | (a2 << 8) | (b1 >> 4));
        view.setUint32(p + 4, (b1 << 28) | (b2 << 16) | (c1 << 4) | (c2 >> 8));
        view.setUint32(p + 8, (c2 << 24) | (d1 << 12) | d2);
      }
      out.set(ascii.subarray(0, p), o);
      o += p;
    }
    // The rest, four characters per turn; the last group may decode to only one or two bytes.
    for (; i < length; i += 4, o += 3) {
      const a = view.getUint32(i);
      const a1 = table[a >>> 16]!;
      const a2 = table[a & 0xffff]!;
      bad |= a1 | a2;
      out[o] = a1 >> 4;
      if (o + 1 < expected) out[o + 1] = (a1 << 4) | (a2 >> 8);
      if (o + 2 < expected) out[o + 2] = a2;
    }
  }
  // The flag of a pair with a character outside the alphabet.
  if (bad & 0x8000) throw invalid();
  return out;
}
