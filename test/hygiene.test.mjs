// Key hygiene: plaintext the library handles itself is zeroed or never exists in JavaScript
// memory, and no error, string form, JSON or inspection of a keyring or result shows key material.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { Keyring, KmsError, base64 } from '../src/index.ts';
import { crypto } from './support/env.mjs';
import { rejects, sameBytes, toHex } from './support/helpers.mjs';
import { AwsKms } from '../src/dialects/aws.ts';
import { recordingCrypto } from './support/recording.mjs';

const allZero = (bytes) => bytes.every((b) => b === 0);

const internal = suite('plaintext the library handles itself');

/** A keyring on a recording WebCrypto, with one random 256-bit key 'k'; the import's records cleared. */
async function recordingKeyring() {
  const rec = recordingCrypto();
  const keyring = new Keyring({ crypto: rec.crypto });
  await keyring.importKey({ keyId: 'k', material: crypto.getRandomValues(new Uint8Array(32)) });
  rec.random.length = 0;
  rec.calls.length = 0;
  return { rec, keyring };
}

internal('generateDataKeyWithoutPlaintext: WebCrypto generates and wraps the data key, no JS buffer ever holds it', async () => {
  const rec = recordingCrypto();
  const keyring = new Keyring({ crypto: rec.crypto });
  await keyring.importKey({ keyId: 'k', material: crypto.getRandomValues(new Uint8Array(32)) });
  for (const numberOfBytes of [16, 32, 64, 128]) {
    rec.random.length = 0;
    rec.calls.length = 0;
    const wrapped = await keyring.generateDataKeyWithoutPlaintext({ keyId: 'k', numberOfBytes, encryptionContext: { a: 'b' } });
    assert.not.ok('plaintext' in wrapped);
    assert.equal(rec.random.map((a) => a.length), [12], 'getRandomValues made only the IV');
    assert.equal(rec.calls.map((c) => c.name), ['generateKey', 'wrapKey'], 'the key was generated and wrapped inside WebCrypto');
    const opened = await keyring.decrypt({ ciphertextBlob: wrapped.ciphertextBlob, encryptionContext: { a: 'b' } });
    assert.is(opened.plaintext.length, numberOfBytes);
  }
});

internal('generateDataKey draws IV and data key in one call, copies the key out and zeroes the draw', async () => {
  const { rec, keyring } = await recordingKeyring();
  const key = await keyring.generateDataKey({ keyId: 'k', numberOfBytes: 48 });
  assert.equal(rec.random.map((a) => a.length), [12 + 48]);
  const [draw] = rec.random;
  assert.equal([...draw.subarray(0, 12)], [...key.iv], 'the IV is the start of the draw');
  assert.ok(allZero(draw.subarray(12)), 'the data key\'s bytes in the draw are zeroed');
  assert.not.ok(allZero(key.plaintext), 'the returned copy is the key');
});

internal('generateDataKeyWithoutPlaintext without wrapKey (a CryptoKey imported as encrypt/decrypt only) zeroes its random bytes', async () => {
  const rec = recordingCrypto();
  const keyring = new Keyring({ crypto: rec.crypto });
  const master = await crypto.subtle.importKey('raw', crypto.getRandomValues(new Uint8Array(32)), 'AES-GCM', false, ['encrypt', 'decrypt']);
  await keyring.importKey({ keyId: 'k', material: master });
  rec.random.length = 0;
  const wrapped = await keyring.generateDataKeyWithoutPlaintext({ keyId: 'k', numberOfBytes: 32 });
  const dataKeyBuffer = rec.random.find((a) => a.length === 32);
  assert.ok(dataKeyBuffer, 'random bytes were drawn for the data key');
  assert.ok(allZero(dataKeyBuffer), 'and zeroed after wrapping');
  assert.is((await keyring.decrypt({ ciphertextBlob: wrapped.ciphertextBlob })).plaintext.length, 32);
});

internal('generateDataKeyWithoutPlaintext of 1,024 bytes opens everywhere, whichever path the engine allows', async () => {
  const { rec, keyring } = await recordingKeyring();
  const wrapped = await keyring.generateDataKeyWithoutPlaintext({ keyId: 'k', numberOfBytes: 1024 });
  for (const array of rec.random.filter((a) => a.length === 1024)) assert.ok(allZero(array), 'a fallback buffer was zeroed');
  assert.is((await keyring.decrypt({ ciphertextBlob: wrapped.ciphertextBlob })).plaintext.length, 1024);
});

internal('createKey and rotateKey zero the random material once it is imported', async () => {
  const rec = recordingCrypto();
  const keyring = new Keyring({ crypto: rec.crypto });
  await keyring.createKey({ keyId: 'k' });
  await keyring.rotateKey('k');
  const materials = rec.random.filter((a) => a.length === 32);
  assert.is(materials.length, 2);
  assert.ok(materials.every(allZero));
});

internal('a JWK\'s decoded key bytes are zeroed after import; the caller\'s own bytes are left alone', async () => {
  const rec = recordingCrypto();
  const keyring = new Keyring({ crypto: rec.crypto });
  const bytes = crypto.getRandomValues(new Uint8Array(32));
  await keyring.importKey({ keyId: 'jwk', material: { kty: 'oct', k: base64.encode(bytes, { alphabet: 'base64url' }) } });
  const jwkImport = rec.calls.find((c) => c.name === 'importKey');
  assert.ok(allZero(jwkImport.args[1]), 'the decoded JWK bytes were zeroed');
  const mine = bytes.slice();
  await keyring.importKey({ keyId: 'raw', material: mine });
  assert.ok(sameBytes(mine, bytes), 'bytes the caller passed are not the library\'s to zero');
});

internal('reEncrypt zeroes the intermediate plaintext it decrypted', async () => {
  const rec = recordingCrypto();
  const keyring = new Keyring({ crypto: rec.crypto });
  await keyring.importKey({ keyId: 'k', material: crypto.getRandomValues(new Uint8Array(32)) });
  const key = await keyring.generateDataKey({ keyId: 'k' });
  rec.calls.length = 0;
  await keyring.reEncrypt({ ciphertextBlob: key.ciphertextBlob, destinationKeyId: 'k' });
  const decrypted = rec.calls.find((c) => c.name === 'decrypt');
  assert.is(decrypted.result.byteLength, 32);
  assert.ok(allZero(new Uint8Array(decrypted.result)));
});

internal('AwsKms.encrypt refuses a base64 Plaintext over 4,096 bytes without leaving a decoded copy (seen through the engine\'s fromBase64 where it has one)', async () => {
  const keyring = new Keyring({ crypto });
  await keyring.createKey({ keyId: 'k' });
  const aws = new AwsKms(keyring);
  const secret = crypto.getRandomValues(new Uint8Array(4097));
  const text = base64.encode(secret);
  const native = Uint8Array.fromBase64;
  const decoded = [];
  if (native) Uint8Array.fromBase64 = (...args) => decoded.at(decoded.push(native.apply(Uint8Array, args)) - 1);
  try {
    await rejects(aws.encrypt({ KeyId: 'k', Plaintext: text }), 'ValidationException', /1 to 4096 bytes, not 4097/);
  } finally {
    if (native) Uint8Array.fromBase64 = native;
  }
  assert.ok(decoded.every(allZero), 'no decoded copy of the refused secret is left');
});

internal.run();

const exposure = suite('nothing shows key material');

/** Every way the master key's bytes could be spelled in a serialisation. */
function spellings(bytes) {
  return [
    toHex(bytes),
    toHex(bytes).toUpperCase(),
    base64.encode(bytes),
    base64.encode(bytes, { alphabet: 'base64url' }),
    Array.from(bytes).join(','),
    Array.from(bytes).join(', '),
  ];
}

/** Every view of a value this engine offers: JSON, String, own properties, and util.inspect / Deno.inspect where they exist. */
function views(value) {
  const out = [String(value)];
  try {
    out.push(JSON.stringify(value) ?? '');
  } catch (error) {
    out.push(String(error));
  }
  if (value instanceof Error) out.push(value.message, value.stack ?? '', String(value.cause ?? ''), value.cause?.stack ?? '');
  const inspect = globalThis.Deno?.inspect ?? globalThis.process?.getBuiltinModule?.('node:util')?.inspect;
  if (inspect) out.push(inspect(value, { showHidden: true, depth: 8, getters: true }));
  return out.join('\n');
}

function assertNoMaterial(value, material, what) {
  const text = views(value);
  for (const spelling of spellings(material)) assert.not.ok(text.includes(spelling), `${what} shows the key material`);
}

exposure('keyrings, key metadata, results and errors never show master key material', async () => {
  const material = crypto.getRandomValues(new Uint8Array(32));
  const keyring = new Keyring({ crypto });
  await keyring.importKey({ keyId: 'k', material, aliases: ['alias/k'] });
  await keyring.importKey({ keyId: 'jwk', material: { kty: 'oct', k: base64.encode(material, { alphabet: 'base64url' }) } });
  const key = await keyring.generateDataKey({ keyId: 'k', encryptionContext: { a: 'b' } });
  const values = {
    keyring,
    describeKey: keyring.describeKey('k'),
    listKeys: keyring.listKeys(),
    listAliases: keyring.listAliases(),
    generateDataKey: key,
    decrypt: await keyring.decrypt({ ciphertextBlob: key.ciphertextBlob, encryptionContext: { a: 'b' } }),
    rotate: await keyring.rotateKey('k', { material: crypto.getRandomValues(new Uint8Array(32)) }),
  };
  for (const [what, value] of Object.entries(values)) assertNoMaterial(value, material, what);
});

exposure('errors about key material never repeat it', async () => {
  const keyring = new Keyring({ crypto });
  const errors = [];
  const capture = async (promise) => {
    try {
      await promise;
    } catch (error) {
      assert.instance(error, KmsError);
      errors.push(error);
    }
  };
  const odd = crypto.getRandomValues(new Uint8Array(33));
  await capture(keyring.importKey({ keyId: 'a', material: odd }));
  await capture(keyring.importKey({ keyId: 'b', material: { kty: 'oct', k: base64.encode(odd, { alphabet: 'base64url' }) } }));
  await capture(keyring.importKey({ keyId: 'c', material: { kty: 'oct', k: base64.encode(odd.subarray(0, 32), { alphabet: 'base64url' }), alg: 'A128GCM' } }));
  await keyring.importKey({ keyId: 'd', material: odd.subarray(0, 32) });
  await capture(keyring.rotateKey('d', { material: odd.subarray(0, 16) }));
  await capture(keyring.rotateKey('d', { material: odd.subarray(0, 32) }));
  const key = await keyring.generateDataKey({ keyId: 'd' });
  await capture(keyring.decrypt({ ciphertextBlob: key.ciphertextBlob, encryptionContext: { wrong: 'context' } }));
  assert.is(errors.length, 6);
  for (const error of errors) {
    assertNoMaterial(error, odd.subarray(0, 32), `${error.name} (${error.message})`);
    assertNoMaterial(error, odd.subarray(0, 16), `${error.name} (${error.message})`);
    assertNoMaterial(error, key.plaintext, `${error.name} (${error.message})`);
  }
});

exposure.run();
