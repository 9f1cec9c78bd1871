// The P-384 curve arithmetic that WebCrypto does not expose: decompressing the SEC1 point the
// message format stores, and ECDSA verification of a SHA-384 digest computed in pieces (openStream).
// Only public values pass through here (public keys, signatures, digests of ciphertext), so
// BigInt's variable timing reveals nothing secret. Signing always uses WebCrypto.

const P = 2n ** 384n - 2n ** 128n - 2n ** 96n + 2n ** 32n - 1n;
const N = 0xffffffffffffffffffffffffffffffffffffffffffffffffc7634d81f4372ddf581a0db248b0a77aecec196accc52973n;
const B = 0xb3312fa7e23ee7e4988e056be3f82d19181d9c6efe8141120314088f5013875ac656398d8a2ed19d2a85c8edd3ec2aefn;
const GX = 0xaa87ca22be8b05378eb1c71ef320ad746e1d3b628ba79b9859f741e082542a385502f25dbf55296c3a545e3872760ab7n;
const GY = 0x3617de4a96262c6f5d9e98bf9292dc29f8f41dbd289a147ce9da3113b5f0b8c00a60b1ce1d7e819d7a431d7c90ea0e5fn;

/** Bytes of a P-384 field element or scalar. */
export const P384_BYTES = 48;

/** An affine point on P-384. */
export interface AffinePoint {
  readonly x: bigint;
  readonly y: bigint;
}

// Jacobian coordinates (X/Z², Y/Z³) avoid an inversion per step; Z = 0 is the point at infinity.
type Jacobian = readonly [bigint, bigint, bigint];
const INFINITY: Jacobian = [1n, 1n, 0n];

const mod = (a: bigint, m: bigint): bigint => {
  const r = a % m;
  return r < 0n ? r + m : r;
};

function power(base: bigint, exponent: bigint, m: bigint): bigint {
  let result = 1n;
  let b = mod(base, m);
  for (let e = exponent; e > 0n; e >>= 1n) {
    if (e & 1n) result = (result * b) % m;
    b = (b * b) % m;
  }
  return result;
}

// Fermat: m is prime for both the field and the group order.
const invert = (a: bigint, m: bigint): bigint => power(a, m - 2n, m);

/** Big-endian bytes as an unsigned BigInt. */
export function toBigInt(bytes: Uint8Array): bigint {
  let value = 0n;
  for (const byte of bytes) value = (value << 8n) | BigInt(byte);
  return value;
}

/** An unsigned BigInt as `length` big-endian bytes. */
export function fromBigInt(value: bigint, length: number): Uint8Array {
  const out = new Uint8Array(length);
  let rest = value;
  for (let i = length - 1; i >= 0; i--) {
    out[i] = Number(rest & 0xffn);
    rest >>= 8n;
  }
  return out;
}

const curveRight = (x: bigint): bigint => mod(x * x * x - 3n * x + B, P);

/**
 * The point of a compressed SEC1 encoding (0x02 or 0x03, then x), or `undefined` when the bytes
 * do not encode a point of the curve. P ≡ 3 (mod 4), so the square root is one exponentiation.
 */
export function decompress(bytes: Uint8Array): AffinePoint | undefined {
  if (bytes.length !== 1 + P384_BYTES || (bytes[0] !== 2 && bytes[0] !== 3)) return undefined;
  const x = toBigInt(bytes.subarray(1));
  if (x >= P) return undefined;
  const right = curveRight(x);
  let y = power(right, (P + 1n) / 4n, P);
  if ((y * y) % P !== right) return undefined;
  if ((y & 1n) !== BigInt(bytes[0]! & 1)) y = P - y;
  return { x, y };
}

function double([x, y, z]: Jacobian): Jacobian {
  if (z === 0n || y === 0n) return INFINITY;
  // a = −3: dbl-2001-b
  const delta = (z * z) % P;
  const gamma = (y * y) % P;
  const beta = (x * gamma) % P;
  const alpha = (3n * mod(x - delta, P) * (x + delta)) % P;
  const x3 = mod(alpha * alpha - 8n * beta, P);
  const z3 = mod((y + z) * (y + z) - gamma - delta, P);
  const y3 = mod(alpha * (4n * beta - x3) - 8n * gamma * gamma, P);
  return [x3, y3, z3];
}

function add(p: Jacobian, q: Jacobian): Jacobian {
  const [x1, y1, z1] = p;
  const [x2, y2, z2] = q;
  if (z1 === 0n) return q;
  if (z2 === 0n) return p;
  const z1z1 = (z1 * z1) % P;
  const z2z2 = (z2 * z2) % P;
  const u1 = (x1 * z2z2) % P;
  const u2 = (x2 * z1z1) % P;
  const s1 = (y1 * z2 * z2z2) % P;
  const s2 = (y2 * z1 * z1z1) % P;
  if (u1 === u2) return s1 === s2 ? double(p) : INFINITY;
  const h = mod(u2 - u1, P);
  const r = mod(s2 - s1, P);
  const hh = (h * h) % P;
  const hhh = (h * hh) % P;
  const v = (u1 * hh) % P;
  const x3 = mod(r * r - hhh - 2n * v, P);
  const y3 = mod(r * (v - x3) - s1 * hhh, P);
  const z3 = (h * z1 * z2) % P;
  return [x3, y3, z3];
}

/** u1·G + u2·Q in one pass over the bits (Shamir's trick); the affine x, or undefined at infinity. */
function combinedX(u1: bigint, u2: bigint, q: AffinePoint): bigint | undefined {
  const g: Jacobian = [GX, GY, 1n];
  const qj: Jacobian = [q.x, q.y, 1n];
  const table: Jacobian[] = [INFINITY, g, qj, add(g, qj)];
  let acc = INFINITY;
  for (let bit = 383n; bit >= 0n; bit--) {
    acc = double(acc);
    const index = Number(((u1 >> bit) & 1n) | (((u2 >> bit) & 1n) << 1n));
    if (index) acc = add(acc, table[index]!);
  }
  const [x, , z] = acc;
  if (z === 0n) return undefined;
  const zInverse = invert(z, P);
  return (x * zInverse * zInverse) % P;
}

/**
 * The low one of the two values of s that make a valid signature with the same r: s or n − s,
 * whichever is at most n / 2 (what libsecp256k1 and Bitcoin's BIP 62 call low-s).
 */
export function lowS(s: bigint): bigint {
  return s > N >> 1n ? N - s : s;
}

/**
 * ECDSA verification (FIPS 186-5 §6.4.2) of signature (r, s) over a 48-byte SHA-384 digest
 * under public key `q`, which the caller has checked is on the curve.
 */
export function verifyDigest(q: AffinePoint, digest: Uint8Array, r: bigint, s: bigint): boolean {
  if (r <= 0n || r >= N || s <= 0n || s >= N || digest.length !== P384_BYTES) return false;
  const e = toBigInt(digest) % N;
  const w = invert(s, N);
  const x = combinedX((e * w) % N, (r * w) % N, q);
  return x !== undefined && x % N === r;
}
