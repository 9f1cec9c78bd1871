// seal / open / readHeader / sealedSize / RawAesKeyring / DataKeyCache: the AWS Encryption SDK
// message format (version 2) as webkms writes and reads it.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { DataKeyCache, Keyring, RawAesKeyring, base64, open, openStream, readHeader, seal, sealedSize } from '../src/index.ts';
import { crypto, has } from './support/env.mjs';
import { TEST_KEY_ID, rejects, sameBytes, testKeyBytes, testKeyring } from './support/helpers.mjs';
import { recordingCrypto } from './support/recording.mjs';
import { withDataKeys } from './support/forge.mjs';
import { NON_ASCII_CONTEXT, plaintext } from './fixtures/esdk/keys.mjs';

const SUITES = [0x0478, 0x0578];
const ARN = `arn:aws:kms:us-east-2:111122223333:key/${TEST_KEY_ID}`;
const utf8 = new TextEncoder();

const rawKeyring = (name = 'key-a', bytes = testKeyBytes(32)) => new RawAesKeyring({ keyNamespace: 'webkms-test', keyName: name, material: bytes, crypto });

/** The context keys in the order the header stores them. */
function storedContextKeys(message) {
  const view = new DataView(message.buffer, message.byteOffset);
  let at = 1 + 2 + 32;
  if (view.getUint16(at) === 0) return [];
  at += 2;
  const count = view.getUint16(at);
  at += 2;
  const keys = [];
  for (let i = 0; i < count; i++) {
    const keyLength = view.getUint16(at);
    keys.push(new TextDecoder().decode(message.subarray(at + 2, at + 2 + keyLength)));
    at += 2 + keyLength;
    at += 2 + view.getUint16(at);
  }
  return keys;
}

const roundTrips = suite('seal and open: round trips');

for (const algorithmSuite of SUITES) {
  const hex = `0x0${algorithmSuite.toString(16)}`;
  for (const length of [0, 1, 255, 256, 257, 512, 3 * 256 + 7, 40 * 256 + 1]) {
    roundTrips(`${hex}: ${length} bytes in 256-byte frames open to the same bytes, and sealedSize predicts the length`, async () => {
      const keyring = rawKeyring();
      const data = plaintext(length, length + 1);
      const options = { algorithmSuite, frameSize: 256, encryptionContext: { tenant: 'acme' } };
      const sealed = await seal(keyring, data, options);
      assert.ok(sameBytes(await open(keyring, sealed), data));
      const predicted = await sealedSize(keyring, length, options);
      if (algorithmSuite === 0x0478) assert.is(sealed.length, predicted);
      else assert.ok(sealed.length <= predicted && sealed.length >= predicted - 4, `${sealed.length} vs bound ${predicted}`);
      const header = readHeader(sealed);
      assert.is(header.algorithmSuiteId, algorithmSuite);
      assert.is(header.frameSize, 256);
    });
  }

  roundTrips(`${hex}: three megabytes and a bit in the default 1 MiB frames`, async () => {
    const keyring = rawKeyring();
    const data = plaintext(3 * 1024 * 1024 + 5, 7);
    const sealed = await seal(keyring, data, { algorithmSuite });
    assert.is(readHeader(sealed).frameSize, 1024 * 1024);
    assert.ok(sameBytes(await open(keyring, sealed), data));
  });
}

roundTrips('frame size 1 writes one frame per byte and an empty final frame', async () => {
  const keyring = rawKeyring();
  const sealed = await seal(keyring, 'hello', { frameSize: 1 });
  assert.is(sealed.length, readHeader(sealed).headerLength + 5 * (4 + 12 + 1 + 16) + (4 + 4 + 12 + 4 + 16));
  assert.is(new TextDecoder().decode(await open(keyring, sealed)), 'hello');
});

roundTrips('data may be a UTF-8 string, an ArrayBuffer, a DataView, a Blob or a ReadableStream; open takes them too', async () => {
  const keyring = rawKeyring();
  const text = 'grüße, 東京 🔑';
  const bytes = utf8.encode(text);
  const stream = (b) => new ReadableStream({ start(c) { c.enqueue(b.slice(0, 3)); c.enqueue(b.slice(3)); c.close(); } });
  const inputs = [text, bytes.slice().buffer, new DataView(bytes.slice().buffer), new Blob([bytes]), stream(bytes)];
  for (const input of inputs) {
    const sealed = await seal(keyring, input);
    assert.is(new TextDecoder().decode(await open(keyring, sealed)), text);
    for (const form of [sealed.slice().buffer, new Blob([sealed]), stream(sealed)]) {
      assert.is(new TextDecoder().decode(await open(keyring, form)), text);
    }
  }
});

roundTrips('a string with a lone surrogate, a number or a stream of text is a ValidationException that lists what is taken', async () => {
  const keyring = rawKeyring();
  await rejects(seal(keyring, 'a\uD800b'), 'ValidationException', /surrogate/);
  const everyForm = /must be a string, Uint8Array, ArrayBuffer, ArrayBufferView, Blob or ReadableStream of bytes$/;
  for (const wrong of [12345, null, {}, [1, 2]]) {
    await rejects(seal(keyring, wrong), 'ValidationException', new RegExp(`^data ${everyForm.source}`));
    await rejects(open(keyring, wrong), 'ValidationException', new RegExp(`^sealed ${everyForm.source}`));
  }
  const text = new ReadableStream({ start(c) { c.enqueue('text'); c.close(); } });
  await rejects(seal(keyring, text), 'ValidationException', /TextEncoderStream/);
});

roundTrips('every message has its own random message id, so the same data seals differently', async () => {
  const keyring = rawKeyring();
  const [a, b] = await Promise.all([seal(keyring, 'same'), seal(keyring, 'same')]);
  assert.not.ok(sameBytes(readHeader(a).messageId, readHeader(b).messageId));
  assert.is(readHeader(a).messageId.length, 32);
  assert.not.ok(sameBytes(a, b));
});

const keys = suite('keyrings and encrypted data keys');

keys('a Keyring key writes the AWS KMS keyring entry: aws-kms, the key ARN, the core blob under the message context', async () => {
  const keyring = await testKeyring();
  const sealed = await seal(keyring, 'data', { keyId: 'alias/ExampleAlias', encryptionContext: { purpose: 'test' } });
  const [edk] = readHeader(sealed).encryptedDataKeys;
  assert.is(edk.providerId, 'aws-kms');
  assert.is(edk.providerInfo, ARN, 'the key ARN, never the alias');
  assert.ok(sameBytes(edk.rawInfo, utf8.encode(ARN)));
  const opened = await keyring.decrypt({ ciphertextBlob: edk.ciphertext, encryptionContext: { purpose: 'test' } });
  assert.is(opened.plaintext.length, 32);
  await rejects(keyring.decrypt({ ciphertextBlob: edk.ciphertext }), 'InvalidCiphertextException');
  assert.is(new TextDecoder().decode(await open(keyring, sealed)), 'data');
});

keys('a RawAesKeyring writes the SDK raw AES entry: namespace, name ‖ tag bits ‖ IV length ‖ IV, 48-byte ciphertext', async () => {
  const sealed = await seal(rawKeyring('key-a'), 'data');
  const [edk] = readHeader(sealed).encryptedDataKeys;
  assert.is(edk.providerId, 'webkms-test');
  const name = utf8.encode('key-a');
  assert.is(edk.rawInfo.length, name.length + 4 + 4 + 12);
  assert.ok(sameBytes(edk.rawInfo.subarray(0, name.length), name));
  assert.equal([...edk.rawInfo.subarray(name.length, name.length + 8)], [0, 0, 0, 128, 0, 0, 0, 12]);
  assert.is(edk.ciphertext.length, 48);
});

keys('several keys add one encrypted data key each, in order; any one of them opens the message', async () => {
  const keyring = await testKeyring();
  await keyring.createKey({ keyId: 'second', aliases: ['alias/second'] });
  const a = rawKeyring('key-a');
  const b = rawKeyring('key-b', testKeyBytes(16, 5));
  const sealed = await seal([keyring, a, b], 'shared', { keyId: [TEST_KEY_ID, 'alias/second'], encryptionContext: { x: '1' } });
  const edks = readHeader(sealed).encryptedDataKeys;
  assert.equal(edks.map((e) => e.providerId), ['aws-kms', 'aws-kms', 'webkms-test', 'webkms-test']);
  assert.is(edks[1].providerInfo, 'arn:aws:kms:us-east-2:111122223333:key/second');
  for (const one of [keyring, a, b]) assert.is(new TextDecoder().decode(await open(one, sealed)), 'shared');
  const onlySecond = new Keyring({ crypto, region: 'us-east-2', accountId: '111122223333' });
  await onlySecond.importKey({ keyId: 'unrelated', material: testKeyBytes(32, 9) });
  assert.is(new TextDecoder().decode(await open([onlySecond, b], sealed)), 'shared', 'the first keyring cannot, the second can');
});

keys('keyrings that hold none of the keys give InvalidCiphertextException', async () => {
  const sealed = await seal(rawKeyring('key-a'), 'data');
  await rejects(open(rawKeyring('key-a', testKeyBytes(32, 1)), sealed), 'InvalidCiphertextException', /no keyring could unwrap/);
  await rejects(open(rawKeyring('key-other'), sealed), 'InvalidCiphertextException', /no keyring could unwrap/);
  await rejects(open(new RawAesKeyring({ keyNamespace: 'other', keyName: 'key-a', material: testKeyBytes(32), crypto }), sealed), 'InvalidCiphertextException');
  await rejects(open(await testKeyring(), sealed), 'InvalidCiphertextException', /no keyring could unwrap/);
});

keys('a Keyring key of another region or a disabled key does not open', async () => {
  const keyring = await testKeyring();
  const sealed = await seal(keyring, 'data', { keyId: TEST_KEY_ID });
  const elsewhere = await testKeyring({ region: 'eu-west-1' });
  // Its ARN names another region: skipped, without a decrypt.
  await rejects(open(elsewhere, sealed), 'InvalidCiphertextException', /1 skipped as another key's, 0 tried and failed$/);
  keyring.disableKey(TEST_KEY_ID);
  await rejects(open(keyring, sealed), 'InvalidCiphertextException', /DisabledException/);
  await rejects(seal(keyring, 'data', { keyId: TEST_KEY_ID }), 'DisabledException');
});

keys('RawAesKeyring takes 16 or 32 bytes, an AES-GCM CryptoKey or a JWK; they interoperate', async () => {
  const bytes = testKeyBytes(32, 3);
  const fromBytes = rawKeyring('k', bytes);
  const cryptoKey = await crypto.subtle.importKey('raw', bytes, 'AES-GCM', false, ['encrypt', 'decrypt']);
  const fromKey = new RawAesKeyring({ keyNamespace: 'webkms-test', keyName: 'k', material: cryptoKey, crypto });
  const jwk = { kty: 'oct', k: base64.encode(bytes, { alphabet: 'base64url' }) };
  const fromJwk = new RawAesKeyring({ keyNamespace: 'webkms-test', keyName: 'k', material: jwk, crypto });
  const sealed = await seal(fromBytes, 'x');
  assert.is(new TextDecoder().decode(await open(fromKey, sealed)), 'x');
  assert.is(new TextDecoder().decode(await open(fromJwk, await seal(fromKey, 'y'))), 'y');
  const aes128 = rawKeyring('k128', testKeyBytes(16));
  assert.is(new TextDecoder().decode(await open(aes128, await seal(aes128, 'z'))), 'z');
});

keys(`RawAesKeyring with 24 bytes ${has('aes192') ? 'works' : 'is an UnsupportedOperationException in this engine (no AES-192)'}`, async () => {
  const keyring = rawKeyring('k192', testKeyBytes(24));
  if (has('aes192')) assert.is(new TextDecoder().decode(await open(keyring, await seal(keyring, 'ok'))), 'ok');
  else await rejects(seal(keyring, 'ok'), 'UnsupportedOperationException', /192-bit/);
});

keys('RawAesKeyring neither keeps nor changes the bytes it is given', async () => {
  const bytes = testKeyBytes(32);
  const keyring = rawKeyring('k', bytes);
  const sealed = await seal(keyring, 'x');
  assert.ok(sameBytes(bytes, testKeyBytes(32)), 'unchanged (the SDK zeroes them, webkms does not)');
  bytes.fill(0);
  assert.is(new TextDecoder().decode(await open(keyring, sealed)), 'x', 'zeroing them afterwards changes nothing');
});

keys('RawAesKeyring refuses missing or reserved names and material of the wrong size', () => {
  const ok = { keyNamespace: 'ns', keyName: 'n', material: testKeyBytes(32), crypto };
  for (const bad of [
    { ...ok, keyNamespace: '' },
    { ...ok, keyName: undefined },
    { ...ok, keyNamespace: 'aws-kms' },
    { ...ok, keyName: 'a\uDC00' },
    { ...ok, material: testKeyBytes(15) },
    { ...ok, material: undefined },
  ]) {
    assert.throws(() => new RawAesKeyring(bad), (e) => e.name === 'ValidationException');
  }
});

keys('the WebCrypto given to the keyring does the work', async () => {
  let calls = 0;
  const counting = { getRandomValues: (a) => crypto.getRandomValues(a), subtle: new Proxy(crypto.subtle, { get: (t, n) => (typeof t[n] === 'function' ? (...args) => (calls++, t[n](...args)) : t[n]) }) };
  const keyring = new RawAesKeyring({ keyNamespace: 'ns', keyName: 'n', material: testKeyBytes(32), crypto: counting });
  assert.is(keyring.crypto, counting);
  const sealed = await seal(keyring, 'x');
  const afterSeal = calls;
  assert.ok(afterSeal >= 6, 'import, wrap, HKDF import, two derivations, header tag, frame');
  await open(keyring, sealed);
  assert.ok(calls > afterSeal + 5);
});

const context = suite('encryption context');

context('is stored sorted by the UTF-8 bytes of its keys, not JavaScript string order', async () => {
  const sealed = await seal(rawKeyring(), 'x', { encryptionContext: NON_ASCII_CONTEXT });
  const stored = storedContextKeys(sealed);
  const byUtf8 = Object.keys(NON_ASCII_CONTEXT).sort((a, b) => {
    const [x, y] = [utf8.encode(a), utf8.encode(b)];
    for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return x[i] - y[i];
    return x.length - y.length;
  });
  assert.equal(stored, byUtf8);
  assert.ok(stored.indexOf('Ａ') < stored.indexOf('🔑'), 'U+FF21 (EF BC A1) before U+1F511 (F0 9F 94 91)');
  assert.ok('Ａ' > '🔑', 'although JavaScript orders them the other way');
  assert.equal(readHeader(sealed).encryptionContext, NON_ASCII_CONTEXT);
});

context('the context is taken when seal is called: changing the object while it runs changes nothing', async () => {
  const keyring = await testKeyring();
  for (const keyrings of [keyring, [rawKeyring(), keyring]]) {
    const given = { purpose: 'a' };
    const sealing = seal(keyrings, new Uint8Array(10), { keyId: TEST_KEY_ID, encryptionContext: given });
    given.purpose = 'b';
    const sealed = await sealing;
    assert.equal(readHeader(sealed).encryptionContext, { purpose: 'a' });
    // The Keyring alone must open it: its wrapped data key is bound to the same context as the header.
    assert.is((await open(keyring, sealed, { encryptionContext: { purpose: 'a' } })).length, 10);
  }
});

context('open checks the required pairs: present with the same value; other stored pairs are fine', async () => {
  const keyring = rawKeyring();
  const sealed = await seal(keyring, 'x', { encryptionContext: { tenant: 'acme', purpose: 'test' } });
  assert.is(new TextDecoder().decode(await open(keyring, sealed, { encryptionContext: { tenant: 'acme' } })), 'x');
  assert.is(new TextDecoder().decode(await open(keyring, sealed, { encryptionContext: {} })), 'x');
  await rejects(open(keyring, sealed, { encryptionContext: { tenant: 'other' } }), 'InvalidCiphertextException', /another value.*tenant/);
  await rejects(open(keyring, sealed, { encryptionContext: { region: 'eu' } }), 'InvalidCiphertextException', /lacks the required key "region"/);
  await rejects(open(keyring, sealed, { encryptionContext: { tenant: 1 } }), 'ValidationException');
});

context('a leading U+FEFF (byte order mark) is part of a key or value: checked and reported as sealed', async () => {
  const raw = rawKeyring();
  const sealed = await seal(raw, 'x', { encryptionContext: { role: '\uFEFFadmin', '\uFEFFk': 'v' } });
  assert.equal(readHeader(sealed).encryptionContext, { role: '\uFEFFadmin', '\uFEFFk': 'v' });
  await rejects(open(raw, sealed, { encryptionContext: { role: 'admin' } }), 'InvalidCiphertextException');
  await rejects(open(raw, sealed, { encryptionContext: { k: 'v' } }), 'InvalidCiphertextException');
  assert.is(new TextDecoder().decode(await open(raw, sealed, { encryptionContext: { role: '\uFEFFadmin' } })), 'x');
  const keyring = await testKeyring();
  const viaKms = await seal(keyring, 'y', { keyId: TEST_KEY_ID, encryptionContext: { '\uFEFFa': '\uFEFFb', a: 'b' } });
  assert.is(new TextDecoder().decode(await open(keyring, viaKms)), 'y');
});

context('a key namespace with a leading U+FEFF is its own namespace, not aws-kms', async () => {
  const ns = new RawAesKeyring({ keyNamespace: '\uFEFFaws-kms', keyName: 'n', material: testKeyBytes(32), crypto });
  const sealed = await seal(ns, 'z');
  assert.is(readHeader(sealed).encryptedDataKeys[0].providerId, '\uFEFFaws-kms');
  assert.is(new TextDecoder().decode(await open(ns, sealed)), 'z');
});

context('keys starting with aws-crypto- are reserved; the signed suite stores its public key there', async () => {
  const keyring = rawKeyring();
  await rejects(seal(keyring, 'x', { encryptionContext: { 'aws-crypto-public-key': 'x' } }), 'ValidationException', /reserved/);
  await rejects(seal(keyring, 'x', { encryptionContext: { 'aws-crypto-anything': 'x' } }), 'ValidationException', /reserved/);
  const signed = readHeader(await seal(keyring, 'x', { algorithmSuite: 0x0578, encryptionContext: { a: 'b' } }));
  const publicKey = signed.encryptionContext['aws-crypto-public-key'];
  assert.is(publicKey.length, 68);
  assert.ok([2, 3].includes(base64.decode(publicKey)[0]), 'a compressed SEC1 point');
  assert.not.ok('aws-crypto-public-key' in readHeader(await seal(keyring, 'x')).encryptionContext);
});

context('a context that does not fit the 2-byte header field, or is not strings, is a ValidationException', async () => {
  const keyring = rawKeyring();
  await rejects(seal(keyring, 'x', { encryptionContext: { big: 'v'.repeat(70000) } }), 'ValidationException', /65,535/);
  await rejects(seal(keyring, 'x', { encryptionContext: { a: 1 } }), 'ValidationException');
  await rejects(seal(keyring, 'x', { encryptionContext: 'a=b' }), 'ValidationException');
});

const options = suite('options');

options('more than 65,535 wrapping keys is a ValidationException, not a corrupt header', async () => {
  const raw = rawKeyring();
  await rejects(seal(Array(65_536).fill(raw), 'x'), 'ValidationException', /65,535/);
});

options('frameSize must be an integer from 1 to 16 MiB', async () => {
  for (const frameSize of [0, -1, 1.5, 16 * 1024 * 1024 + 1, '64', NaN]) {
    await rejects(seal(rawKeyring(), 'x', { frameSize }), 'ValidationException', /frameSize/);
  }
  assert.is(readHeader(await seal(rawKeyring(), 'x', { frameSize: 16 * 1024 * 1024 })).frameSize, 16 * 1024 * 1024);
});

options('algorithmSuite is named by its SDK name or id; others are refused', async () => {
  const keyring = rawKeyring();
  const byName = await seal(keyring, 'x', { algorithmSuite: 'ALG_AES256_GCM_IV12_TAG16_HKDF_SHA512_COMMIT_KEY_ECDSA_P384' });
  assert.is(readHeader(byName).algorithmSuite, 'ALG_AES256_GCM_IV12_TAG16_HKDF_SHA512_COMMIT_KEY_ECDSA_P384');
  assert.is(readHeader(await seal(keyring, 'x')).algorithmSuiteId, 0x0478, 'the default');
  for (const algorithmSuite of [0x0378, 0x0178, 'ALG_AES256_GCM_IV12_TAG16', 1144.5]) {
    await rejects(seal(keyring, 'x', { algorithmSuite }), 'ValidationException', /algorithmSuite/);
  }
});

options('keyId is required with a Keyring, refused without one, and must name a key', async () => {
  const keyring = await testKeyring();
  await rejects(seal(keyring, 'x'), 'ValidationException', /keyId is required/);
  await rejects(seal(keyring, 'x', { keyId: [] }), 'ValidationException', /keyId is required/);
  await rejects(seal(keyring, 'x', { keyId: 7 }), 'ValidationException');
  await rejects(seal(rawKeyring(), 'x', { keyId: 'k' }), 'ValidationException', /Keyrings only/);
  await rejects(seal(keyring, 'x', { keyId: 'missing' }), 'NotFoundException');
  await rejects(sealedSize(keyring, 1, { keyId: 'alias/missing' }), 'NotFoundException');
});

options('keyrings must be Keyrings or RawAesKeyrings, at least one', async () => {
  for (const bad of [undefined, [], {}, [rawKeyring(), {}], 'key']) {
    await rejects(seal(bad, 'x'), 'ValidationException', /keyring/);
    await rejects(open(bad, new Uint8Array(10)), 'ValidationException', /keyring/);
  }
});

options('maxEncryptedDataKeys bounds the keys open reads: 10 by default, 1 to 65,535', async () => {
  const many = Array.from({ length: 11 }, (_, i) => rawKeyring(`k${i}`, testKeyBytes(16, i)));
  const sealed = await seal(many, 'x');
  await rejects(open(many[0], sealed), 'InvalidCiphertextException', /11 encrypted data keys, more than maxEncryptedDataKeys \(10\)/);
  assert.is(new TextDecoder().decode(await open(many[10], sealed, { maxEncryptedDataKeys: 11 })), 'x');
  await rejects(open(many[0], await seal(many.slice(0, 3), 'x'), { maxEncryptedDataKeys: 2 }), 'InvalidCiphertextException', /maxEncryptedDataKeys/);
  for (const bad of [0, 65536, 1.5, '3']) await rejects(open(many[0], sealed, { maxEncryptedDataKeys: bad }), 'ValidationException');
});

const header = suite('readHeader');

header('tells the suite, message id, context, encrypted data keys, frame size and where the body starts', async () => {
  const keyring = await testKeyring();
  const sealed = await seal([keyring, rawKeyring()], 'hello', { keyId: TEST_KEY_ID, encryptionContext: { a: 'b' }, frameSize: 1000 });
  const info = readHeader(sealed);
  assert.is(info.algorithmSuite, 'ALG_AES256_GCM_IV12_TAG16_HKDF_SHA512_COMMIT_KEY');
  assert.equal(info.encryptionContext, { a: 'b' });
  assert.equal(info.encryptedDataKeys.map((e) => e.providerId), ['aws-kms', 'webkms-test']);
  assert.is(info.frameSize, 1000);
  assert.equal([...sealed.subarray(info.headerLength, info.headerLength + 8)], [255, 255, 255, 255, 0, 0, 0, 1], 'the body starts with the final frame');
  assert.equal(readHeader(sealed.subarray(0, info.headerLength)), info, 'the header alone is enough');
  await rejects(() => readHeader(sealed.subarray(0, info.headerLength - 1)), 'InvalidCiphertextException', /truncated/);
  await rejects(() => readHeader(new Uint8Array(0)), 'InvalidCiphertextException', /truncated/);
});

header('a raw AES key comes with its fields (key name, also as providerInfo; tag length; IV length; IV), a KMS key with its ARN; all arrays are copies', async () => {
  const keyring = await testKeyring();
  const sealed = await seal([keyring, rawKeyring('key-b 🔑')], 'x', { keyId: TEST_KEY_ID });
  const [kms, raw] = readHeader(sealed).encryptedDataKeys;
  assert.is(kms.providerInfo, ARN);
  assert.not.ok('rawAes' in kms, 'a KMS key has no raw AES fields');
  assert.is(raw.providerInfo, 'key-b 🔑', 'the key name, not the binary fields as text');
  const { iv, ...fields } = raw.rawAes;
  assert.equal(fields, { keyName: 'key-b 🔑', tagLength: 128, ivLength: 12 });
  assert.ok(sameBytes(iv, raw.rawInfo.subarray(-12)), 'the IV ends the provider information');
  assert.ok(sameBytes(raw.rawInfo.subarray(0, -20), utf8.encode('key-b 🔑')), 'rawInfo is still the stored bytes');
  for (const bytes of [iv, raw.rawInfo, raw.ciphertext, kms.rawInfo, kms.ciphertext]) assert.ok(bytes.buffer !== sealed.buffer, 'a copy');
});

header('a key of another layout has no raw AES fields, and its provider information as text', async () => {
  const sealed = await seal(rawKeyring(), 'x');
  const [edk] = readHeader(sealed).encryptedDataKeys;
  const forged = withDataKeys(sealed, [
    { providerId: 'some-keyring', rawInfo: utf8.encode('just a name'), ciphertext: edk.ciphertext },
    { providerId: 'aws-kms', rawInfo: edk.rawInfo, ciphertext: edk.ciphertext },
    { providerId: 'raw-rsa', rawInfo: Uint8Array.of(0xff, ...edk.rawInfo.subarray(1)), ciphertext: edk.ciphertext },
  ]);
  const [named, kms, binary] = readHeader(forged).encryptedDataKeys;
  assert.is(named.providerInfo, 'just a name');
  assert.not.ok('rawAes' in named || 'rawAes' in kms || 'rawAes' in binary);
  assert.ok(binary.providerInfo.startsWith('\uFFFD'), 'bytes that are not UTF-8 become U+FFFD');
});

header('context text is decoded as UTF-8, short ASCII, long and non-ASCII alike; bytes that are not UTF-8 are refused', async () => {
  const long = 'x'.repeat(300);
  const encryptionContext = { ascii: 'plain', 'clé': 'välue ✓', long };
  const sealed = await seal(rawKeyring(), 'x', { encryptionContext });
  assert.equal(readHeader(sealed).encryptionContext, encryptionContext);
  const at = (text) => {
    const bytes = utf8.encode(text);
    for (let i = 0; i + bytes.length <= sealed.length; i++) if (bytes.every((b, j) => sealed[i + j] === b)) return i;
    throw new Error(`${text} not found`);
  };
  for (const [where, byte] of [
    [at('plain'), 0x80], // a lone continuation byte in short ASCII
    [at('välue') + 1, 0xff], // in place of the first byte of "ä"
    [at(long) + 200, 0xc3], // a lead byte without its continuation, in a long value
  ]) {
    const bad = sealed.slice();
    bad[where] = byte;
    await rejects(() => readHeader(bad), 'InvalidCiphertextException', /not UTF-8/);
  }
});

header('base64 text and other formats are refused with a hint', async () => {
  const sealed = await seal(rawKeyring(), 'x');
  await rejects(() => readHeader(utf8.encode(base64.encode(sealed))), 'InvalidCiphertextException', /base64/);
  await rejects(() => readHeader(Uint8Array.of(3, 0, 0, 0)), 'InvalidCiphertextException', /format version 2/);
  await rejects(() => readHeader('text'), 'ValidationException');
});

header('a Keyring ciphertext blob, or its base64 text, given to readHeader, open or openStream is named, pointing to keyring.decrypt', async () => {
  const keyring = await testKeyring();
  await keyring.createKey({ keyId: 'k'.repeat(128) });
  const blobs = [
    (await keyring.encrypt({ keyId: TEST_KEY_ID, plaintext: utf8.encode('secret') })).ciphertextBlob,
    (await keyring.generateDataKey({ keyId: TEST_KEY_ID })).ciphertextBlob,
    // A 128-character key id: its length byte is 0x80, the type byte of a version 1 message.
    (await keyring.encrypt({ keyId: 'k'.repeat(128), plaintext: utf8.encode('secret') })).ciphertextBlob,
  ];
  const named = /^not an AWS Encryption SDK message: it is a Keyring ciphertext blob: keyring\.decrypt opens it$/;
  for (const blob of blobs) {
    await rejects(() => readHeader(blob), 'InvalidCiphertextException', named);
    await rejects(open(rawKeyring(), blob), 'InvalidCiphertextException', named);
    const streamed = await new Response(blob).body.pipeThrough(openStream(rawKeyring())).pipeTo(new WritableStream()).then(() => undefined, (error) => error);
    assert.match(streamed?.message, named);
    // A string given to open is data, UTF-8: the text of the blob.
    await rejects(open(keyring, base64.encode(blob)), 'InvalidCiphertextException', /it is base64 text of a Keyring ciphertext blob: keyring\.decrypt opens it$/);
  }
});

const size = suite('sealedSize');

size('equals the sealed length for unsigned messages, and bounds it for signed ones, over many sizes and options', async () => {
  const keyring = await testKeyring();
  await keyring.createKey({ keyId: 'k2', aliases: ['alias/k2'] });
  const raw = rawKeyring('a-longer-key-name');
  const cases = [
    [raw, {}],
    [raw, { frameSize: 1 }],
    [raw, { frameSize: 100, encryptionContext: NON_ASCII_CONTEXT }],
    [keyring, { keyId: 'alias/ExampleAlias', frameSize: 4096 }],
    [[keyring, raw, rawKeyring('b', testKeyBytes(16))], { keyId: [TEST_KEY_ID, 'alias/k2'], encryptionContext: { t: 'x' }, frameSize: 333 }],
  ];
  for (const [keyrings, opts] of cases) {
    for (const length of [0, 1, 99, 100, 101, 1000, 4096, 5000]) {
      for (const algorithmSuite of SUITES) {
        const o = { ...opts, algorithmSuite };
        const predicted = await sealedSize(keyrings, length, o);
        const actual = (await seal(keyrings, new Uint8Array(length), o)).length;
        if (algorithmSuite === 0x0478) assert.is(actual, predicted, `${length} bytes ${JSON.stringify(opts)}`);
        else assert.ok(actual <= predicted && actual >= predicted - 4, `signed: ${actual} within 4 bytes under ${predicted}`);
      }
    }
  }
  await rejects(sealedSize(raw, -1), 'ValidationException');
  await rejects(sealedSize(raw, 2 ** 32 * 2, { frameSize: 1 }), 'ValidationException', /frames/);
});

const cache = suite('DataKeyCache');

/** Encryptions the test key has made: each data key wrapped costs one. */
const wraps = (keyring) => keyring.describeKey(TEST_KEY_ID).versions[0].encryptionCount;

cache('a burst of messages costs one data-key wrap; each message still has its own message id', async () => {
  const keyring = await testKeyring();
  const dataKeyCache = new DataKeyCache({ maxAge: 60_000 });
  const sealed = await Promise.all(Array.from({ length: 20 }, (_, i) => seal(keyring, `message ${i}`, { keyId: TEST_KEY_ID, cache: dataKeyCache, encryptionContext: { a: 'b' } })));
  assert.is(wraps(keyring), 1);
  assert.is(dataKeyCache.size, 1);
  assert.is(new Set(sealed.map((m) => base64.encode(readHeader(m).messageId))).size, 20);
  assert.is(new Set(sealed.map((m) => base64.encode(readHeader(m).encryptedDataKeys[0].ciphertext))).size, 1, 'one encrypted data key');
  for (const [i, m] of sealed.entries()) assert.is(new TextDecoder().decode(await open(keyring, m)), `message ${i}`);
});

cache('another context, suite or key gets its own data key', async () => {
  const keyring = await testKeyring();
  await keyring.createKey({ keyId: 'k2' });
  const dataKeyCache = new DataKeyCache({ maxAge: 60_000 });
  const go = (o) => seal(keyring, 'x', { keyId: TEST_KEY_ID, cache: dataKeyCache, ...o });
  await go({ encryptionContext: { a: '1' } });
  await go({ encryptionContext: { a: '2' } });
  await go({ encryptionContext: { a: '1' }, algorithmSuite: 0x0578 });
  await go({ encryptionContext: { a: '1' }, keyId: [TEST_KEY_ID, 'k2'] });
  await go({ encryptionContext: { a: '1' } });
  assert.is(wraps(keyring), 4);
  assert.is(dataKeyCache.size, 4);
});

cache('maxMessages, maxBytes and maxAge retire a data key', async () => {
  const keyring = await testKeyring();
  const byMessages = new DataKeyCache({ maxAge: 60_000, maxMessages: 3 });
  for (let i = 0; i < 7; i++) await seal(keyring, 'x', { keyId: TEST_KEY_ID, cache: byMessages });
  assert.is(wraps(keyring), 3, '7 messages, 3 per data key');
  const byBytes = new DataKeyCache({ maxAge: 60_000, maxBytes: 100 });
  for (let i = 0; i < 5; i++) await seal(keyring, new Uint8Array(40), { keyId: TEST_KEY_ID, cache: byBytes });
  assert.is(wraps(keyring), 3 + 3, '5 × 40 bytes, 2 per data key');
  await seal(keyring, new Uint8Array(101), { keyId: TEST_KEY_ID, cache: byBytes });
  await seal(keyring, new Uint8Array(101), { keyId: TEST_KEY_ID, cache: byBytes });
  assert.is(wraps(keyring), 6 + 2, 'a message over maxBytes is never served from the cache');
  const byAge = new DataKeyCache({ maxAge: 5 });
  await seal(keyring, 'x', { keyId: TEST_KEY_ID, cache: byAge });
  await new Promise((resolve) => setTimeout(resolve, 20));
  await seal(keyring, 'x', { keyId: TEST_KEY_ID, cache: byAge });
  assert.is(wraps(keyring), 8 + 2);
});

cache('a message over maxBytes bypasses the cache and leaves the cached data key in place', async () => {
  const keyring = await testKeyring();
  const dataKeyCache = new DataKeyCache({ maxAge: 60_000, maxBytes: 100 });
  await seal(keyring, new Uint8Array(10), { keyId: TEST_KEY_ID, cache: dataKeyCache });
  await seal(keyring, new Uint8Array(101), { keyId: TEST_KEY_ID, cache: dataKeyCache });
  await seal(keyring, new Uint8Array(10), { keyId: TEST_KEY_ID, cache: dataKeyCache });
  assert.is(wraps(keyring), 2, 'the small messages shared one data key');
});

cache('expired data keys leave the cache, also those no message asks for again', async () => {
  // The cache reads Date.now(): a clock of the test's own, so that a loaded machine sealing slowly
  // cannot expire the first entry before the second is sealed (5 ms of real time failed once in Firefox).
  const realNow = Date.now;
  let now = realNow();
  Date.now = () => now;
  try {
    const dataKeyCache = new DataKeyCache({ maxAge: 250 });
    const keyring = rawKeyring();
    await seal(keyring, 'x', { cache: dataKeyCache, encryptionContext: { a: '1' } });
    await seal(keyring, 'x', { cache: dataKeyCache, encryptionContext: { a: '2' } });
    assert.is(dataKeyCache.size, 2);
    now += 251;
    await seal(keyring, 'x', { cache: dataKeyCache, encryptionContext: { a: '3' } });
    assert.is(dataKeyCache.size, 1, 'only the fresh entry remains');
  } finally {
    Date.now = realNow;
  }
});

cache('capacity bounds the entries, least recently used out first; clear empties it', async () => {
  const dataKeyCache = new DataKeyCache({ maxAge: 60_000, capacity: 2 });
  const keyring = rawKeyring();
  for (const a of ['1', '2', '1', '3']) await seal(keyring, 'x', { cache: dataKeyCache, encryptionContext: { a } });
  assert.is(dataKeyCache.size, 2);
  dataKeyCache.clear();
  assert.is(dataKeyCache.size, 0);
});

cache('limits are checked: maxAge is required', () => {
  for (const bad of [{}, { maxAge: 0 }, { maxAge: Infinity }, { maxAge: 1, maxMessages: 0 }, { maxAge: 1, maxMessages: 2 ** 32 + 1 }, { maxAge: 1, maxBytes: 1.5 }, { maxAge: 1, capacity: 0 }]) {
    assert.throws(() => new DataKeyCache(bad), (e) => e.name === 'ValidationException', JSON.stringify(bad));
  }
});

const hygiene = suite('plaintext data keys');

hygiene('the data key is zeroed once imported for key derivation, on seal and on open', async () => {
  const rec = recordingCrypto();
  const keyring = new RawAesKeyring({ keyNamespace: 'ns', keyName: 'n', material: testKeyBytes(32), crypto: rec.crypto });
  const sealed = await seal(keyring, 'secret data', { algorithmSuite: 0x0578 });
  assert.is(rec.random.length, 1, 'one random draw: message id, data key, wrap IV');
  const [drawn] = rec.random;
  assert.is(drawn.length, 32 + 32 + 12);
  assert.ok(sameBytes(drawn.subarray(0, 32), sealed.subarray(3, 35)), 'the message id comes first');
  assert.ok(drawn.subarray(32, 64).every((b) => b === 0), 'the data key is all zero after seal');
  rec.calls.length = 0;
  await open(keyring, sealed);
  const unwrapped = rec.calls.filter((c) => c.name === 'decrypt' && c.result.byteLength === 32).map((c) => c.result);
  assert.is(unwrapped.length, 1);
  assert.ok(new Uint8Array(unwrapped[0]).every((b) => b === 0), 'the unwrapped data key is all zero after open');
});

hygiene('with a DataKeyCache, the data key bytes a cached key left unused are zeroed too', async () => {
  const rec = recordingCrypto();
  const keyring = new RawAesKeyring({ keyNamespace: 'ns', keyName: 'n', material: testKeyBytes(32), crypto: rec.crypto });
  const dataKeyCache = new DataKeyCache({ maxAge: 60_000 });
  await seal(keyring, 'x', { cache: dataKeyCache });
  await seal(keyring, 'y', { cache: dataKeyCache });
  assert.is(rec.random.length, 2);
  for (const drawn of rec.random) assert.ok(drawn.subarray(32).every((b) => b === 0), 'data key and IV bytes zeroed');
});

hygiene('with a Keyring, the generated data key is zeroed too', async () => {
  const rec = recordingCrypto();
  const keyring = new Keyring({ crypto: rec.crypto });
  await keyring.importKey({ keyId: 'k', material: testKeyBytes(32) });
  rec.calls.length = 0;
  await seal(keyring, 'x', { keyId: 'k' });
  // generateDataKey returns the data key in a buffer of its own; seal imports it for HKDF.
  const imported = rec.calls.filter((c) => c.name === 'importKey' && c.args[0] === 'raw' && c.args[1].byteLength === 32).map((c) => c.args[1]);
  assert.is(imported.length, 1, 'the data key was imported once, for key derivation');
  assert.ok(imported[0].every((b) => b === 0), 'and zeroed after');
});

roundTrips.run();
keys.run();
context.run();
options.run();
header.run();
size.run();
cache.run();
hygiene.run();
