import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { base64 } from '../src/index.ts';
import { crypto } from './support/env.mjs';
import { rejects, sameBytes } from './support/helpers.mjs';

const utf8 = (s) => new TextEncoder().encode(s);
const RFC4648 = [
  ['', ''],
  ['f', 'Zg=='],
  ['fo', 'Zm8='],
  ['foo', 'Zm9v'],
  ['foob', 'Zm9vYg=='],
  ['fooba', 'Zm9vYmE='],
  ['foobar', 'Zm9vYmFy'],
];

const vectors = suite('base64: RFC 4648 vectors');

for (const [plain, encoded] of RFC4648) {
  vectors(`"${plain}" ⇄ "${encoded}"`, () => {
    assert.is(base64.encode(utf8(plain)), encoded);
    assert.ok(sameBytes(base64.decode(encoded), utf8(plain)));
    const url = encoded.replace(/=+$/, '');
    assert.is(base64.encode(utf8(plain), { alphabet: 'base64url' }), url);
    assert.ok(sameBytes(base64.decode(url, { alphabet: 'base64url' }), utf8(plain)));
    assert.ok(sameBytes(base64.decode(encoded, { alphabet: 'base64url' }), utf8(plain)), 'base64url also takes correct padding');
    assert.is(base64.encode(utf8(plain), { padding: false }), url);
    assert.is(base64.encode(utf8(plain), { alphabet: 'base64url', padding: true }), encoded);
  });
}

vectors('the two alphabets differ exactly in + / versus - _', () => {
  const bytes = Uint8Array.of(0xfb, 0xff, 0xbf);
  assert.is(base64.encode(bytes), '+/+/');
  assert.is(base64.encode(bytes, { alphabet: 'base64url' }), '-_-_');
  assert.ok(sameBytes(base64.decode('+/+/'), bytes));
  assert.ok(sameBytes(base64.decode('-_-_', { alphabet: 'base64url' }), bytes));
});

vectors('every byte value and every length up to 300 round-trip in both alphabets', () => {
  const all = Uint8Array.from({ length: 256 }, (_, i) => i);
  for (const alphabet of ['base64', 'base64url']) {
    assert.ok(sameBytes(base64.decode(base64.encode(all, { alphabet }), { alphabet }), all));
    for (let n = 0; n <= 300; n++) {
      const bytes = crypto.getRandomValues(new Uint8Array(n));
      const text = base64.encode(bytes, { alphabet });
      assert.is(text.length, alphabet === 'base64' ? Math.ceil(n / 3) * 4 : Math.ceil((n * 4) / 3));
      assert.ok(sameBytes(base64.decode(text, { alphabet }), bytes), `${alphabet} length ${n}`);
    }
  }
});

vectors('views at any offset into their buffer encode like copies, short and long', () => {
  const backing = crypto.getRandomValues(new Uint8Array(4096));
  for (const offset of [0, 1, 2, 3, 5]) {
    for (const n of [0, 1, 2, 31, 255, 256, 257, 1000, 4000]) {
      const view = backing.subarray(offset, offset + n);
      assert.is(base64.encode(view), base64.encode(view.slice()), `offset ${offset}, length ${n}`);
      assert.ok(sameBytes(base64.decode(base64.encode(view)), view));
    }
  }
});

vectors('64 MiB encodes and decodes without a RangeError', () => {
  const big = new Uint8Array(64 * 1024 * 1024);
  for (let i = 0; i < big.length; i += 65536) crypto.getRandomValues(big.subarray(i, i + 65536));
  const text = base64.encode(big);
  assert.is(text.length, Math.ceil(big.length / 3) * 4);
  const back = base64.decode(text);
  assert.is(back.length, big.length);
  for (let i = 0; i < big.length; i += 4099) assert.is(back[i], big[i]);
  assert.is(back[big.length - 1], big[big.length - 1]);
});

vectors.run();

const strict = suite('base64: strict decoding gives ValidationException');

for (const [label, text, alphabet] of [
  ['whitespace inside', 'Zm9v YmFy'],
  ['a trailing newline', 'Zm9vYmFy\n'],
  ['a leading tab', '\tZm9vYmFy'],
  ['a CRLF line break', 'Zm9v\r\nYmFy'],
  ['a character outside the alphabet', 'Zm9v*mFy'],
  ['a non-ASCII character', 'Zm9vYmF€'],
  ['a NUL', 'Zm9v\0mFy'],
  ['url characters in standard base64', 'Zm9v-_Fy'],
  ['standard characters in base64url', 'Zm9v+/Fy', 'base64url'],
  ['missing padding in standard base64', 'Zg'],
  ['too much padding', 'Zg==='],
  ['padding in the middle', 'Zg==Zg=='],
  ['padding only', '===='],
  ['a single "="', '='],
  ['a lone trailing character', 'Zm9vY'],
  ['a lone trailing character (url)', 'Zm9vY', 'base64url'],
  ['wrong padding length', 'Zm8=='],
  ['padding on a base64url string of the wrong length', 'Zm8==', 'base64url'],
  ['non-zero bits after the last byte (one byte)', 'Zh=='],
  ['non-zero bits after the last byte (two bytes)', 'Zm9='],
  ['non-zero bits after the last byte (url, unpadded)', 'Zh', 'base64url'],
]) {
  strict(`${label} is rejected`, async () => {
    await rejects(() => base64.decode(text, alphabet ? { alphabet } : {}), 'ValidationException', /base64/);
  });
}

strict('a bad character is caught at any position of a long text, across chunks', async () => {
  // 100,000 bytes: more than one 64 KiB chunk of text, and every position within groups of 16.
  const bytes = new Uint8Array(100_000);
  for (let i = 0; i < bytes.length; i += 65536) crypto.getRandomValues(bytes.subarray(i, i + 65536));
  const text = base64.encode(bytes);
  const positions = [0, 1, 2, 3, 15, 16, 17, 65535, 65536, 65537, text.length - 5, text.length - 4, text.length - 3];
  for (let i = 0; i < text.length; i += 9973) positions.push(i);
  for (const at of positions) {
    for (const c of ['*', '=', ' ', '-', '\u00e9', '\ud800']) {
      const bad = text.slice(0, at) + c + text.slice(at + 1);
      await rejects(() => base64.decode(bad), 'ValidationException', /base64/);
    }
  }
  assert.ok(sameBytes(base64.decode(text), bytes));
});

strict('an unknown alphabet or a non-string input is rejected', async () => {
  await rejects(() => base64.decode('Zg==', { alphabet: 'hex' }), 'ValidationException', /alphabet/);
  await rejects(() => base64.encode(new Uint8Array(1), { alphabet: 'base32' }), 'ValidationException', /alphabet/);
  await rejects(() => base64.decode(42), 'ValidationException', /string/);
  await rejects(() => base64.encode('text'), 'ValidationException', /Uint8Array/);
});

strict('each byte string has exactly one accepted encoding per alphabet', () => {
  const seen = new Map();
  const chars = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
  for (const a of chars) {
    for (const b of chars) {
      let bytes;
      try {
        bytes = base64.decode(`${a}${b}==`);
      } catch {
        continue;
      }
      const key = bytes.join(',');
      assert.not.ok(seen.has(key), `${a}${b}== and ${seen.get(key)} decode alike`);
      seen.set(key, `${a}${b}==`);
    }
  }
  assert.is(seen.size, 256);
});

strict.run();
