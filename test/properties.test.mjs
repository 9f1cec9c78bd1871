// Property tests (fast-check): for random keys, sizes, contexts and AAD, wrapping round-trips and
// every change of context, AAD, key or version fails.
import { suite } from 'uvu';
import fc from 'fast-check';
import { Keyring, KmsError } from '../src/index.ts';
import { crypto } from './support/env.mjs';
import { sameBytes } from './support/helpers.mjs';
import { scaled } from './support/scale.mjs';

const RUNS = scaled(300, 25);

// Any well-formed strings: full Unicode (astral included), empty strings, many pairs.
const text = fc.string({ unit: 'binary', maxLength: 12 });
const contextArb = fc.dictionary(text, text, { maxKeys: 12 });
const aadArb = fc.option(fc.uint8Array({ maxLength: 64 }), { nil: undefined });
const keyArb = fc.constantFrom(16, 32).chain((n) => fc.uint8Array({ minLength: n, maxLength: n }));
const sizeArb = fc.integer({ min: 1, max: 1024 });

async function keyringWith(material) {
  const keyring = new Keyring({ crypto });
  await keyring.importKey({ keyId: 'prop', material });
  return keyring;
}

async function failsAsInvalidCiphertext(promise) {
  try {
    await promise;
    return false;
  } catch (error) {
    return error instanceof KmsError && error.name === 'InvalidCiphertextException';
  }
}

const shuffle = (entries, seed) => [...entries].sort((a, b) => ((seed ^ a[0].length * 31) % 7) - ((seed ^ b[0].length * 17) % 5));

const properties = suite(`properties (${RUNS} runs each)`);

properties('wrap then unwrap returns the data key, whatever the key, size, context (in any key order) and AAD', async () => {
  await fc.assert(
    fc.asyncProperty(keyArb, sizeArb, contextArb, aadArb, fc.integer(), async (material, numberOfBytes, encryptionContext, aad, seed) => {
      const keyring = await keyringWith(material);
      const key = await keyring.generateDataKey({ keyId: 'prop', numberOfBytes, encryptionContext, aad });
      const reordered = Object.fromEntries(shuffle(Object.entries(encryptionContext), seed).reverse());
      const opened = await keyring.decrypt({ ciphertextBlob: key.ciphertextBlob, encryptionContext: reordered, aad });
      return opened.plaintext.length === numberOfBytes && sameBytes(opened.plaintext, key.plaintext);
    }),
    { numRuns: RUNS },
  );
});

properties('any other context fails: a changed value, a renamed key, a pair added or removed', async () => {
  await fc.assert(
    fc.asyncProperty(keyArb, contextArb, text, text, fc.nat(3), async (material, encryptionContext, k, v, how) => {
      // Built from entries, never by assignment: a key named "__proto__" must stay an own pair.
      const entries = Object.entries(encryptionContext);
      const [first] = entries;
      if (how === 0 && first) entries[0] = [first[0], `${first[1]}x`];
      else if (how === 1 && first) entries[0] = [`${first[0]}\u0000`, first[1]];
      else if (how === 2 && first) entries.shift();
      else if (Object.hasOwn(encryptionContext, k)) entries.push([k, `${encryptionContext[k]}${v}!`]);
      else entries.push([k, v]);
      const other = Object.fromEntries(entries);
      const keyring = await keyringWith(material);
      const key = await keyring.generateDataKey({ keyId: 'prop', encryptionContext });
      return failsAsInvalidCiphertext(keyring.decrypt({ ciphertextBlob: key.ciphertextBlob, encryptionContext: other }));
    }),
    { numRuns: RUNS },
  );
});

properties('any other AAD fails, including AAD moved into or out of the context', async () => {
  await fc.assert(
    fc.asyncProperty(keyArb, fc.uint8Array({ maxLength: 64 }), fc.uint8Array({ maxLength: 64 }), async (material, aad, other) => {
      fc.pre(!sameBytes(aad, other));
      const keyring = await keyringWith(material);
      const key = await keyring.generateDataKey({ keyId: 'prop', aad });
      return failsAsInvalidCiphertext(keyring.decrypt({ ciphertextBlob: key.ciphertextBlob, aad: other }));
    }),
    { numRuns: RUNS },
  );
});

properties('other material under the same key id fails; the same material, added as a version, opens it (versions are named by their material)', async () => {
  await fc.assert(
    fc.asyncProperty(keyArb, keyArb, sizeArb, async (material, otherMaterial, numberOfBytes) => {
      fc.pre(material.length === otherMaterial.length && !sameBytes(material, otherMaterial));
      const keyring = await keyringWith(material);
      const impostor = await keyringWith(otherMaterial);
      const key = await keyring.generateDataKey({ keyId: 'prop', numberOfBytes });
      const wrongKey = await failsAsInvalidCiphertext(impostor.decrypt({ ciphertextBlob: key.ciphertextBlob }));
      await impostor.rotateKey('prop', { material });
      const opened = await impostor.decrypt({ ciphertextBlob: key.ciphertextBlob });
      return wrongKey && sameBytes(opened.plaintext, key.plaintext);
    }),
    { numRuns: Math.max(10, RUNS / 5) },
  );
});

properties('the canonical context encoding is injective: different contexts never share bytes', async () => {
  const { checkAdditionalData, encodeAdditionalData } = await import('../src/context.ts');
  const encode = (context) => encodeAdditionalData(checkAdditionalData(context));
  await fc.assert(
    fc.property(contextArb, contextArb, (a, b) => {
      const same = sameBytes(encode(a), encode(b));
      const equal = JSON.stringify(Object.entries(a).sort()) === JSON.stringify(Object.entries(b).sort());
      return same === equal;
    }),
    { numRuns: RUNS * 10 },
  );
});

// Code points from every UTF-8 length and both sides of the surrogate range, so that UTF-16 order
// (which puts astral characters below U+E000–U+FFFF) and UTF-8 order disagree often.
const codePoint = fc
  .oneof(fc.integer({ min: 0x20, max: 0x7e }), fc.integer({ min: 0x80, max: 0xd7ff }), fc.integer({ min: 0xe000, max: 0xffff }), fc.integer({ min: 0x10000, max: 0x10ffff }))
  .map((n) => String.fromCodePoint(n));
const wellFormed = fc.string({ unit: codePoint, maxLength: 6 });

/** The encoding as docs/format.md writes it, from TextEncoder's bytes: the reference. */
function referenceEncoding(context) {
  const utf8 = (s) => new TextEncoder().encode(s);
  const u32 = (n) => [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255];
  const compare = (a, b) => {
    for (let i = 0; i < Math.min(a.length, b.length); i++) if (a[i] !== b[i]) return a[i] - b[i];
    return a.length - b.length;
  };
  const pairs = Object.entries(context).map(([k, v]) => [utf8(k), utf8(v)]).sort(([a], [b]) => compare(a, b));
  return Uint8Array.from([...u32(pairs.length), ...pairs.flatMap(([k, v]) => [...u32(k.length), ...k, ...u32(v.length), ...v]), ...u32(0)]);
}

properties('the context encoding equals the reference: pairs sorted by UTF-8 bytes, every string length-prefixed', async () => {
  const { checkAdditionalData, encodeAdditionalData } = await import('../src/context.ts');
  await fc.assert(
    fc.property(fc.dictionary(wellFormed, wellFormed, { maxKeys: 8 }), (context) =>
      sameBytes(encodeAdditionalData(checkAdditionalData(context)), referenceEncoding(context)),
    ),
    { numRuns: RUNS * 10 },
  );
});

properties.run();

