// The pieces WebCrypto lacks, checked against WebCrypto itself: SHA-384 fed in pieces (for
// openStream's signature check), P-384 point decompression and ECDSA verification of a digest,
// and the DER form of signatures.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { KmsError } from '../src/index.ts';
import { Sha384 } from '../src/envelope/sha384.ts';
import { decompress, fromBigInt, toBigInt, verifyDigest } from '../src/envelope/p384.ts';
import { derToIntegers, integersToRaw, rawToDer } from '../src/envelope/footer.ts';
import { crypto, engine } from './support/env.mjs';
import { sameBytes, toHex } from './support/helpers.mjs';
import { plaintext } from './fixtures/esdk/keys.mjs';

const N = 0xffffffffffffffffffffffffffffffffffffffffffffffffc7634d81f4372ddf581a0db248b0a77aecec196accc52973n;
const digest = async (bytes) => new Uint8Array(await crypto.subtle.digest('SHA-384', bytes));
const KEY_PAIRS = ['node', 'deno', 'bun', 'direct'].includes(engine) ? 8 : 3;

const sha = suite('SHA-384 in pieces');

sha('equals WebCrypto for every length from 0 to 300 bytes, fed in uneven pieces', async () => {
  for (let length = 0; length <= 300; length++) {
    const data = plaintext(length, length + 1);
    const hash = new Sha384();
    for (let at = 0, step = 1; at < length; at += step, step = (step * 7) % 61 + 1) hash.update(data.subarray(at, at + step));
    assert.is(toHex(hash.digest()), toHex(await digest(data)), `${length} bytes`);
  }
});

sha('equals WebCrypto for a megabyte in 1,000-byte pieces and in one piece', async () => {
  const data = plaintext(1024 * 1024, 5);
  const pieces = new Sha384();
  for (let at = 0; at < data.length; at += 1000) pieces.update(data.subarray(at, at + 1000));
  const whole = new Sha384();
  whole.update(data);
  const expected = toHex(await digest(data));
  assert.is(toHex(pieces.digest()), expected);
  assert.is(toHex(whole.digest()), expected);
});

sha('matches the FIPS 180-4 example "abc"', () => {
  const hash = new Sha384();
  hash.update(new TextEncoder().encode('abc'));
  assert.is(toHex(hash.digest()), 'cb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a43ff5bed8086072ba1e7cc2358baeca134c825a7');
});

const curve = suite('P-384');

/** A WebCrypto key pair, its public point compressed and uncompressed. */
async function keyPair() {
  const pair = await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-384' }, true, ['sign', 'verify']);
  const raw = new Uint8Array(await crypto.subtle.exportKey('raw', pair.publicKey));
  const compressed = Uint8Array.of(2 | (raw[96] & 1), ...raw.subarray(1, 49));
  return { pair, raw, compressed };
}

curve('decompressing the compressed form of WebCrypto public keys gives their coordinates', async () => {
  for (let i = 0; i < KEY_PAIRS; i++) {
    const { raw, compressed } = await keyPair();
    const point = decompress(compressed);
    assert.is(point.x, toBigInt(raw.subarray(1, 49)));
    assert.is(point.y, toBigInt(raw.subarray(49)));
    assert.ok(sameBytes(fromBigInt(point.y, 48), raw.subarray(49)));
  }
});

curve('bytes that are no compressed point are refused', async () => {
  const { compressed } = await keyPair();
  assert.is(decompress(compressed.subarray(1)), undefined, 'too short');
  assert.is(decompress(Uint8Array.of(4, ...compressed.subarray(1))), undefined, 'not 0x02 or 0x03');
  assert.is(decompress(Uint8Array.of(2, ...new Uint8Array(48).fill(255))), undefined, 'x not below p');
  let offCurve = 0;
  for (let x = 1; x < 40; x++) if (decompress(Uint8Array.of(2, ...fromBigInt(BigInt(x), 48))) === undefined) offCurve++;
  assert.ok(offCurve > 5, 'about half of all x have no point');
});

curve('verifyDigest accepts WebCrypto signatures and refuses changed ones', async () => {
  for (let i = 0; i < KEY_PAIRS; i++) {
    const { pair, compressed } = await keyPair();
    const point = decompress(compressed);
    const message = plaintext(100 + i, i + 1);
    const signature = new Uint8Array(await crypto.subtle.sign({ name: 'ECDSA', hash: 'SHA-384' }, pair.privateKey, message));
    const r = toBigInt(signature.subarray(0, 48));
    const s = toBigInt(signature.subarray(48));
    const hash = await digest(message);
    assert.ok(verifyDigest(point, hash, r, s));
    assert.ok(verifyDigest(point, hash, r, N - s), 'ECDSA signatures are malleable: (r, n − s) verifies too');
    const other = hash.slice();
    other[47] ^= 1;
    assert.not.ok(verifyDigest(point, other, r, s), 'another digest');
    assert.not.ok(verifyDigest(point, hash, r + 1n, s), 'another r');
    assert.not.ok(verifyDigest(point, hash, 0n, s), 'r = 0');
    assert.not.ok(verifyDigest(point, hash, r, N), 's = n');
    assert.not.ok(verifyDigest(decompress((await keyPair()).compressed), hash, r, s), 'another key');
  }
});

const der = suite('DER signatures');

der('raw r ‖ s and DER convert both ways, padding integers whose top bit is set', () => {
  for (const [r, s] of [[1n, 2n], [2n ** 383n, 5n], [N - 1n, 2n ** 376n - 1n], [0x80n, 0x7fn]]) {
    const raw = Uint8Array.of(...fromBigInt(r, 48), ...fromBigInt(s, 48));
    const encoded = rawToDer(raw);
    assert.is(encoded[0], 0x30);
    assert.is(encoded[1], encoded.length - 2);
    assert.equal(derToIntegers(encoded), [r, s]);
    assert.ok(sameBytes(integersToRaw([r, s]), raw));
  }
  assert.equal([...rawToDer(Uint8Array.of(...fromBigInt(0x80n, 48), ...fromBigInt(1n, 48)))], [0x30, 7, 2, 2, 0, 0x80, 2, 1, 1]);
});

der('malformed DER is an InvalidCiphertextException', () => {
  const good = rawToDer(Uint8Array.of(...fromBigInt(5n, 48), ...fromBigInt(7n, 48)));
  for (const bad of [
    new Uint8Array(0),
    good.subarray(0, good.length - 1),
    Uint8Array.of(...good, 0),
    Uint8Array.of(0x31, ...good.subarray(1)),
    Uint8Array.of(0x30, 6, 2, 1, 0x85, 2, 1, 7),
    Uint8Array.of(0x30, 5, 2, 0, 2, 1, 7),
    Uint8Array.of(0x30, 6, 4, 1, 5, 2, 1, 7),
  ]) {
    assert.throws(() => derToIntegers(bad), (e) => e instanceof KmsError && e.name === 'InvalidCiphertextException', toHex(bad));
  }
  assert.is(integersToRaw([2n ** 384n, 1n]), undefined, 'an integer over 48 bytes has no raw form');
});

sha.run();
curve.run();
der.run();
