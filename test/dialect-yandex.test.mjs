import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { KmsError, base64 } from '../src/index.ts';
import { YandexKms, YandexKmsError } from '../src/dialects/yandex.ts';
import { crypto } from './support/env.mjs';
import { TEST_KEY_ID, rejects, testKeyBytes, testKeyring } from './support/helpers.mjs';

const bytesOf = (text) => base64.decode(text);
const b64 = (bytes) => base64.encode(bytes);
const aadOf = (text) => b64(new TextEncoder().encode(text));

async function setup() {
  const keyring = await testKeyring();
  return { keyring, kms: new YandexKms(keyring) };
}

const STATUS = { INVALID_ARGUMENT: [3, 400], NOT_FOUND: [5, 404], FAILED_PRECONDITION: [9, 400] };

/** Asserts a YandexKmsError of gRPC `status` (code and HTTP status follow), with the AWS `name` of the same mistake. */
async function fails(action, status, name, pattern) {
  const error = await rejects(action, name, pattern);
  assert.instance(error, YandexKmsError);
  assert.is(error.status, status);
  assert.equal([error.code, error.httpStatus], STATUS[status]);
  return error;
}

const generate = suite('yandex: generateDataKey');

generate('the seed request: POST /kms/v1/keys/{keyId}:generateDataKey answers keyId, versionId, dataKeyPlaintext, dataKeyCiphertext', async () => {
  const { kms, keyring } = await setup();
  const response = await kms.generateDataKey(TEST_KEY_ID, { dataKeySpec: 'AES_256' });
  assert.equal(Object.keys(response), ['keyId', 'versionId', 'dataKeyPlaintext', 'dataKeyCiphertext']);
  assert.is(response.keyId, TEST_KEY_ID);
  assert.is(response.versionId, keyring.describeKey(TEST_KEY_ID).primaryVersionId);
  assert.is(bytesOf(response.dataKeyPlaintext).length, 32);
  const opened = await kms.decrypt(TEST_KEY_ID, { ciphertext: response.dataKeyCiphertext });
  assert.is(opened.plaintext, response.dataKeyPlaintext);
});

generate('an alias name may stand for the key id; responses name the key id', async () => {
  const { kms } = await setup();
  const response = await kms.generateDataKey('alias/ExampleAlias');
  assert.is(response.keyId, TEST_KEY_ID);
  assert.is((await kms.decrypt('alias/ExampleAlias', { ciphertext: response.dataKeyCiphertext })).keyId, TEST_KEY_ID);
});

for (const [dataKeySpec, length] of [[undefined, 32], ['SYMMETRIC_ALGORITHM_UNSPECIFIED', 32], ['AES_128', 16], ['AES_192', 24], ['AES_256', 32], ['AES_256_HSM', 32]]) {
  generate(`dataKeySpec ${dataKeySpec ?? '(absent)'} gives ${length} bytes, in every engine`, async () => {
    const { kms } = await setup();
    const response = await kms.generateDataKey(TEST_KEY_ID, dataKeySpec ? { dataKeySpec } : {});
    assert.is(bytesOf(response.dataKeyPlaintext).length, length);
    assert.is(bytesOf((await kms.decrypt(TEST_KEY_ID, { ciphertext: response.dataKeyCiphertext })).plaintext).length, length);
  });
}

generate('the body is optional: generateDataKey(keyId) gives an AES_256 data key', async () => {
  const { kms } = await setup();
  assert.is(bytesOf((await kms.generateDataKey(TEST_KEY_ID)).dataKeyPlaintext).length, 32);
});

generate('AES_256_HSM needs a non-extractable master key, and says so when it is not', async () => {
  const { kms, keyring } = await setup();
  const readable = await crypto.subtle.importKey('raw', testKeyBytes(32, 7), 'AES-GCM', true, ['encrypt', 'decrypt']);
  await keyring.importKey({ keyId: 'readable', material: readable });
  const error = await fails(kms.generateDataKey('readable', { dataKeySpec: 'AES_256_HSM' }), 'FAILED_PRECONDITION', 'KMSInvalidStateException', /AES_256_HSM/);
  assert.match(error.message, /extractable/);
  assert.is(bytesOf((await kms.generateDataKey('readable', { dataKeySpec: 'AES_256' })).dataKeyPlaintext).length, 32);
});

for (const bad of ['AES_512', 'aes_256', 'GOST_R_3412_2015_K', 3, '']) {
  generate(`dataKeySpec ${JSON.stringify(bad)} is INVALID_ARGUMENT`, async () => {
    const { kms } = await setup();
    await fails(kms.generateDataKey(TEST_KEY_ID, { dataKeySpec: bad }), 'INVALID_ARGUMENT', 'ValidationException', /dataKeySpec must be one of AES_128, AES_192, AES_256, AES_256_HSM/);
  });
}

generate('skipPlaintext leaves dataKeyPlaintext empty; the ciphertext still decrypts', async () => {
  const { kms } = await setup();
  const response = await kms.generateDataKey(TEST_KEY_ID, { dataKeySpec: 'AES_128', skipPlaintext: true });
  assert.is(response.dataKeyPlaintext, '');
  assert.is(bytesOf((await kms.decrypt(TEST_KEY_ID, { ciphertext: response.dataKeyCiphertext })).plaintext).length, 16);
  assert.ok((await kms.generateDataKey(TEST_KEY_ID, { skipPlaintext: false })).dataKeyPlaintext);
  await fails(kms.generateDataKey(TEST_KEY_ID, { skipPlaintext: 'true' }), 'INVALID_ARGUMENT', 'ValidationException', /skipPlaintext/);
});

generate('versionId picks an older version; absent or empty means the primary one', async () => {
  const { kms, keyring } = await setup();
  const first = keyring.describeKey(TEST_KEY_ID).primaryVersionId;
  const { versionId: second } = await keyring.rotateKey(TEST_KEY_ID);
  assert.is((await kms.generateDataKey(TEST_KEY_ID)).versionId, second);
  assert.is((await kms.generateDataKey(TEST_KEY_ID, { versionId: '' })).versionId, second);
  const old = await kms.generateDataKey(TEST_KEY_ID, { versionId: first });
  assert.is(old.versionId, first);
  assert.is((await kms.decrypt(TEST_KEY_ID, { ciphertext: old.dataKeyCiphertext })).versionId, first);
  await fails(kms.generateDataKey(TEST_KEY_ID, { versionId: 'abjbaddn64b8ooa0m5a5' }), 'NOT_FOUND', 'NotFoundException');
  await fails(kms.generateDataKey(TEST_KEY_ID, { versionId: 'v'.repeat(51) }), 'INVALID_ARGUMENT', 'ValidationException', /versionId .*50/);
});

generate('the path keyId is required, at most 50 characters, and must name a key', async () => {
  const { kms } = await setup();
  await fails(kms.generateDataKey(''), 'INVALID_ARGUMENT', 'ValidationException', /keyId/);
  await fails(kms.generateDataKey(undefined), 'INVALID_ARGUMENT', 'ValidationException', /keyId is required/);
  await fails(kms.generateDataKey('k'.repeat(51)), 'INVALID_ARGUMENT', 'ValidationException', /keyId .*50/);
  await fails(kms.generateDataKey({ keyId: TEST_KEY_ID }), 'INVALID_ARGUMENT', 'ValidationException', /keyId/);
  await fails(kms.generateDataKey('abjbaddn64b8ooa0m5a5'), 'NOT_FOUND', 'NotFoundException');
});

generate('aadContext is base64 of at most 8,192 characters, bound to the ciphertext', async () => {
  const { kms } = await setup();
  const made = await kms.generateDataKey(TEST_KEY_ID, { aadContext: aadOf('tenant=acme') });
  assert.ok(await kms.decrypt(TEST_KEY_ID, { ciphertext: made.dataKeyCiphertext, aadContext: aadOf('tenant=acme') }));
  await fails(kms.decrypt(TEST_KEY_ID, { ciphertext: made.dataKeyCiphertext }), 'INVALID_ARGUMENT', 'InvalidCiphertextException');
  await fails(kms.decrypt(TEST_KEY_ID, { ciphertext: made.dataKeyCiphertext, aadContext: aadOf('tenant=acne') }), 'INVALID_ARGUMENT', 'InvalidCiphertextException');
  await kms.generateDataKey(TEST_KEY_ID, { aadContext: 'A'.repeat(8192) });
  await fails(kms.generateDataKey(TEST_KEY_ID, { aadContext: 'A'.repeat(8196) }), 'INVALID_ARGUMENT', 'ValidationException', /aadContext .*8192/);
  await fails(kms.generateDataKey(TEST_KEY_ID, { aadContext: 'not base64!' }), 'INVALID_ARGUMENT', 'ValidationException', /aadContext is not valid base64/);
});

generate('bytes fields read as proto3 JSON does: standard or URL-safe base64, padded or not', async () => {
  const { kms } = await setup();
  const aad = Uint8Array.of(0xfb, 0xff, 0xbf, 0x01);
  const made = await kms.generateDataKey(TEST_KEY_ID, { aadContext: b64(aad) });
  for (const spelling of [b64(aad), '+/+/AQ', '-_-_AQ==', '-_-_AQ']) {
    assert.ok(await kms.decrypt(TEST_KEY_ID, { ciphertext: made.dataKeyCiphertext, aadContext: spelling }), spelling);
  }
  const urlSafe = base64.encode(bytesOf(made.dataKeyCiphertext), { alphabet: 'base64url' });
  assert.ok(await kms.decrypt(TEST_KEY_ID, { ciphertext: urlSafe, aadContext: b64(aad) }));
  await fails(kms.decrypt(TEST_KEY_ID, { ciphertext: made.dataKeyCiphertext, aadContext: '+_+_AQ' }), 'INVALID_ARGUMENT', 'ValidationException', /base64/);
});

generate('a field the body does not have is INVALID_ARGUMENT; a disabled key is FAILED_PRECONDITION', async () => {
  const { kms, keyring } = await setup();
  await fails(kms.generateDataKey(TEST_KEY_ID, { keySpec: 'AES_256' }), 'INVALID_ARGUMENT', 'ValidationException', /keySpec is not a parameter/);
  keyring.disableKey(TEST_KEY_ID);
  const error = await fails(kms.generateDataKey(TEST_KEY_ID), 'FAILED_PRECONDITION', 'DisabledException');
  assert.instance(error, KmsError);
});

generate.run();

const decrypting = suite('yandex: decrypt');

decrypting('decrypt answers keyId, versionId and plaintext', async () => {
  const { kms } = await setup();
  const made = await kms.generateDataKey(TEST_KEY_ID, { dataKeySpec: 'AES_192' });
  const opened = await kms.decrypt(TEST_KEY_ID, { ciphertext: made.dataKeyCiphertext });
  assert.equal(opened, { keyId: TEST_KEY_ID, versionId: made.versionId, plaintext: made.dataKeyPlaintext });
});

decrypting('the path keyId must be the key that made the ciphertext', async () => {
  const { kms, keyring } = await setup();
  await keyring.createKey({ keyId: 'other' });
  const made = await kms.generateDataKey(TEST_KEY_ID);
  await fails(kms.decrypt('other', { ciphertext: made.dataKeyCiphertext }), 'INVALID_ARGUMENT', 'IncorrectKeyException');
  await fails(kms.decrypt('missing', { ciphertext: made.dataKeyCiphertext }), 'NOT_FOUND', 'NotFoundException');
});

decrypting('ciphertext is required base64; a damaged one is INVALID_ARGUMENT', async () => {
  const { kms } = await setup();
  const made = await kms.generateDataKey(TEST_KEY_ID);
  await fails(kms.decrypt(TEST_KEY_ID, {}), 'INVALID_ARGUMENT', 'ValidationException', /ciphertext is required/);
  await fails(kms.decrypt(TEST_KEY_ID), 'INVALID_ARGUMENT', 'ValidationException', /ciphertext is required/);
  await fails(kms.decrypt(TEST_KEY_ID, { ciphertext: 'x' }), 'INVALID_ARGUMENT', 'ValidationException', /ciphertext is not valid base64/);
  const damaged = bytesOf(made.dataKeyCiphertext);
  damaged[damaged.length - 1] ^= 1;
  await fails(kms.decrypt(TEST_KEY_ID, { ciphertext: b64(damaged) }), 'INVALID_ARGUMENT', 'InvalidCiphertextException');
});

decrypting.run();

const encrypting = suite('yandex: encrypt');

encrypting('encrypt answers keyId, versionId and ciphertext; decrypt with the same key and aadContext gives the plaintext back', async () => {
  const { kms, keyring } = await setup();
  const plaintext = aadOf('a small secret');
  const made = await kms.encrypt(TEST_KEY_ID, { plaintext, aadContext: aadOf('tenant=acme') });
  assert.equal(Object.keys(made), ['keyId', 'versionId', 'ciphertext']);
  assert.is(made.keyId, TEST_KEY_ID);
  assert.is(made.versionId, keyring.describeKey(TEST_KEY_ID).primaryVersionId);
  const opened = await kms.decrypt(TEST_KEY_ID, { ciphertext: made.ciphertext, aadContext: aadOf('tenant=acme') });
  assert.equal(opened, { keyId: TEST_KEY_ID, versionId: made.versionId, plaintext });
  await fails(kms.decrypt(TEST_KEY_ID, { ciphertext: made.ciphertext }), 'INVALID_ARGUMENT', 'InvalidCiphertextException');
});

encrypting('versionId picks an older version; an alias may name the key; URL-safe base64 is read', async () => {
  const { kms, keyring } = await setup();
  const first = keyring.describeKey(TEST_KEY_ID).primaryVersionId;
  await keyring.rotateKey(TEST_KEY_ID);
  const old = await kms.encrypt('alias/ExampleAlias', { plaintext: '-_-_AQ', versionId: first });
  assert.is(old.versionId, first);
  assert.is(old.keyId, TEST_KEY_ID);
  assert.is((await kms.decrypt(TEST_KEY_ID, { ciphertext: old.ciphertext })).plaintext, b64(Uint8Array.of(0xfb, 0xff, 0xbf, 0x01)));
});

encrypting('plaintext is required, 1 to 4,096 bytes, at most 32,768 characters, and never quoted in an error', async () => {
  const { kms } = await setup();
  await fails(kms.encrypt(TEST_KEY_ID, {}), 'INVALID_ARGUMENT', 'ValidationException', /plaintext is required/);
  await fails(kms.encrypt(TEST_KEY_ID, { plaintext: '' }), 'INVALID_ARGUMENT', 'ValidationException', /plaintext must decode to at least 1 bytes/);
  const tooLong = 'A'.repeat(32772);
  const error = await fails(kms.encrypt(TEST_KEY_ID, { plaintext: tooLong }), 'INVALID_ARGUMENT', 'ValidationException', /plaintext .*32768/);
  assert.not.ok(error.message.includes('AAAA'));
  await fails(kms.encrypt(TEST_KEY_ID, { plaintext: b64(new Uint8Array(4097)) }), 'INVALID_ARGUMENT', 'ValidationException', /4096/);
  assert.ok(await kms.encrypt(TEST_KEY_ID, { plaintext: b64(new Uint8Array(4096)) }));
  const secret = 'c2VjcmV0IHRleHQ';
  const invalid = await fails(kms.encrypt(TEST_KEY_ID, { plaintext: `${secret}!` }), 'INVALID_ARGUMENT', 'ValidationException', /plaintext is not valid base64/);
  assert.not.ok(invalid.message.includes(secret));
});

encrypting('an unknown key is NOT_FOUND, a disabled one FAILED_PRECONDITION, an unknown field INVALID_ARGUMENT', async () => {
  const { kms, keyring } = await setup();
  await fails(kms.encrypt('abjbaddn64b8ooa0m5a5', { plaintext: 'AQ==' }), 'NOT_FOUND', 'NotFoundException');
  await fails(kms.encrypt(TEST_KEY_ID, { plaintext: 'AQ==', Plaintext: 'AQ==' }), 'INVALID_ARGUMENT', 'ValidationException', /Plaintext is not a parameter/);
  keyring.disableKey(TEST_KEY_ID);
  await fails(kms.encrypt(TEST_KEY_ID, { plaintext: 'AQ==' }), 'FAILED_PRECONDITION', 'DisabledException');
});

encrypting.run();
