// SHA-384 (FIPS 180-4) that hashes a message fed in pieces. WebCrypto only digests whole buffers,
// and openStream must check a signed message's footer without holding the message: this keeps
// 200 bytes of state instead. No secrets pass through it (it hashes ciphertext), so plain
// JavaScript is fine. Tested against WebCrypto's SHA-384 in every engine.

// The 64-bit words are pairs of 32-bit halves: [high, low].
let ROUND_CONSTANTS: Int32Array | undefined;
let INITIAL_STATE: Int32Array | undefined;

/** Integer k-th root of a non-negative BigInt, by Newton's method. */
function integerRoot(value: bigint, k: bigint): bigint {
  let x = 1n << (BigInt(value.toString(2).length) / k + 1n);
  for (;;) {
    const next = ((k - 1n) * x + value / x ** (k - 1n)) / k;
    if (next >= x) return x;
    x = next;
  }
}

/** The first 64 bits of the fractional parts of the k-th roots of `primes`, as [high, low] pairs. */
function fractionalBits(primes: readonly number[], k: bigint): Int32Array {
  const out = new Int32Array(primes.length * 2);
  primes.forEach((prime, i) => {
    const bits = integerRoot(BigInt(prime) << (64n * k), k) & 0xffffffffffffffffn;
    out[2 * i] = Number(bits >> 32n) | 0;
    out[2 * i + 1] = Number(bits & 0xffffffffn) | 0;
  });
  return out;
}

function primes(count: number): number[] {
  const found: number[] = [];
  for (let candidate = 2; found.length < count; candidate++) {
    if (found.every((p) => candidate % p !== 0)) found.push(candidate);
  }
  return found;
}

// FIPS 180-4 defines the constants as these roots; computing them once, on first use, avoids 88
// literals to mistype.
function constants(): [Int32Array, Int32Array] {
  if (!ROUND_CONSTANTS || !INITIAL_STATE) {
    const first = primes(80);
    ROUND_CONSTANTS = fractionalBits(first, 3n);
    INITIAL_STATE = fractionalBits(first.slice(8, 16), 2n);
  }
  return [ROUND_CONSTANTS, INITIAL_STATE];
}

const TWO_32 = 2 ** 32;

/** An incremental SHA-384: `update` with the message's pieces in order, then `digest` once. */
export class Sha384 {
  readonly #state: Int32Array;
  readonly #block = new Uint8Array(128);
  readonly #words = new Int32Array(160);
  #buffered = 0;
  #length = 0;

  /** A hash of nothing yet. */
  constructor() {
    this.#state = constants()[1].slice();
  }

  /** Feeds the next bytes of the message. */
  update(bytes: Uint8Array): void {
    let offset = 0;
    this.#length += bytes.length;
    if (this.#buffered > 0) {
      offset = Math.min(128 - this.#buffered, bytes.length);
      this.#block.set(bytes.subarray(0, offset), this.#buffered);
      this.#buffered += offset;
      if (this.#buffered < 128) return;
      compress(this.#state, this.#words, this.#block, 0);
      this.#buffered = 0;
    }
    for (; offset + 128 <= bytes.length; offset += 128) compress(this.#state, this.#words, bytes, offset);
    this.#block.set(bytes.subarray(offset), 0);
    this.#buffered = bytes.length - offset;
  }

  /** The 48-byte digest of everything fed so far. */
  digest(): Uint8Array {
    const block = this.#block;
    block.fill(0, this.#buffered);
    block[this.#buffered] = 0x80;
    if (this.#buffered >= 112) {
      compress(this.#state, this.#words, block, 0);
      block.fill(0);
    }
    // The bit length as a 128-bit big-endian integer; messages here stay far below 2^53 bytes.
    const view = new DataView(block.buffer);
    view.setUint32(120, Math.floor(this.#length / 2 ** 29));
    view.setUint32(124, (this.#length * 8) >>> 0);
    compress(this.#state, this.#words, block, 0);
    const out = new Uint8Array(48);
    const outView = new DataView(out.buffer);
    for (let i = 0; i < 12; i++) outView.setInt32(i * 4, this.#state[i]!);
    return out;
  }
}

/** One 128-byte block into the state (FIPS 180-4 §6.4.2), with `w` as the message schedule's space. */
function compress(s: Int32Array, w: Int32Array, bytes: Uint8Array, offset: number): void {
  const [K] = constants();
  for (let i = 0; i < 32; i++) {
    const at = offset + i * 4;
    w[i] = (bytes[at]! << 24) | (bytes[at + 1]! << 16) | (bytes[at + 2]! << 8) | bytes[at + 3]!;
  }
  for (let i = 32; i < 160; i += 2) {
    // σ0(w[t-15]) = ROTR1 ^ ROTR8 ^ SHR7; σ1(w[t-2]) = ROTR19 ^ ROTR61 ^ SHR6
    let h = w[i - 30]!;
    let l = w[i - 29]!;
    const s0h = ((h >>> 1) | (l << 31)) ^ ((h >>> 8) | (l << 24)) ^ (h >>> 7);
    const s0l = ((l >>> 1) | (h << 31)) ^ ((l >>> 8) | (h << 24)) ^ ((l >>> 7) | (h << 25));
    h = w[i - 4]!;
    l = w[i - 3]!;
    const s1h = ((h >>> 19) | (l << 13)) ^ ((l >>> 29) | (h << 3)) ^ (h >>> 6);
    const s1l = ((l >>> 19) | (h << 13)) ^ ((h >>> 29) | (l << 3)) ^ ((l >>> 6) | (h << 26));
    const lo = (s0l >>> 0) + (s1l >>> 0) + (w[i - 13]! >>> 0) + (w[i - 31]! >>> 0);
    w[i] = (s0h + s1h + w[i - 14]! + w[i - 32]! + Math.floor(lo / TWO_32)) | 0;
    w[i + 1] = lo | 0;
  }
  let ah = s[0]!, al = s[1]!, bh = s[2]!, bl = s[3]!, ch = s[4]!, cl = s[5]!, dh = s[6]!, dl = s[7]!;
  let eh = s[8]!, el = s[9]!, fh = s[10]!, fl = s[11]!, gh = s[12]!, gl = s[13]!, hh = s[14]!, hl = s[15]!;
  for (let i = 0; i < 160; i += 2) {
    // Σ1(e) = ROTR14 ^ ROTR18 ^ ROTR41; Ch(e, f, g) = (e & f) ^ (~e & g)
    const S1h = ((eh >>> 14) | (el << 18)) ^ ((eh >>> 18) | (el << 14)) ^ ((el >>> 9) | (eh << 23));
    const S1l = ((el >>> 14) | (eh << 18)) ^ ((el >>> 18) | (eh << 14)) ^ ((eh >>> 9) | (el << 23));
    const chh = (eh & fh) ^ (~eh & gh);
    const chl = (el & fl) ^ (~el & gl);
    const t1l = (hl >>> 0) + (S1l >>> 0) + (chl >>> 0) + (K[i + 1]! >>> 0) + (w[i + 1]! >>> 0);
    const t1h = hh + S1h + chh + K[i]! + w[i]! + Math.floor(t1l / TWO_32);
    // Σ0(a) = ROTR28 ^ ROTR34 ^ ROTR39; Maj(a, b, c) = (a & b) ^ (a & c) ^ (b & c)
    const S0h = ((ah >>> 28) | (al << 4)) ^ ((al >>> 2) | (ah << 30)) ^ ((al >>> 7) | (ah << 25));
    const S0l = ((al >>> 28) | (ah << 4)) ^ ((ah >>> 2) | (al << 30)) ^ ((ah >>> 7) | (al << 25));
    const majh = (ah & bh) ^ (ah & ch) ^ (bh & ch);
    const majl = (al & bl) ^ (al & cl) ^ (bl & cl);
    const t2l = (S0l >>> 0) + (majl >>> 0);
    const t2h = S0h + majh + Math.floor(t2l / TWO_32);
    hh = gh; hl = gl; gh = fh; gl = fl; fh = eh; fl = el;
    const el2 = (dl >>> 0) + (t1l >>> 0);
    eh = (dh + t1h + Math.floor(el2 / TWO_32)) | 0;
    el = el2 | 0;
    dh = ch; dl = cl; ch = bh; cl = bl; bh = ah; bl = al;
    const al2 = (t1l >>> 0) + (t2l >>> 0);
    ah = (t1h + t2h + Math.floor(al2 / TWO_32)) | 0;
    al = al2 | 0;
  }
  addTo(s, 0, ah, al); addTo(s, 2, bh, bl); addTo(s, 4, ch, cl); addTo(s, 6, dh, dl);
  addTo(s, 8, eh, el); addTo(s, 10, fh, fl); addTo(s, 12, gh, gl); addTo(s, 14, hh, hl);
}

/** Adds the 64-bit word (h, l) into the state's word at `i`, modulo 2^64. */
function addTo(s: Int32Array, i: number, h: number, l: number): void {
  const lo = (s[i + 1]! >>> 0) + (l >>> 0);
  s[i] = (s[i]! + h + Math.floor(lo / TWO_32)) | 0;
  s[i + 1] = lo | 0;
}
