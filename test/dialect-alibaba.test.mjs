import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { KmsError, base64 } from '../src/index.ts';
import { AlibabaKms, AlibabaKmsError, AlibabaKmsInstance } from '../src/dialects/alibaba.ts';
import { TEST_KEY_ID, rejects, sameBytes, testKeyring } from './support/helpers.mjs';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const bytesOf = (text) => base64.decode(text);
const b64 = (bytes) => base64.encode(bytes);

async function setup() {
  const keyring = await testKeyring();
  return { keyring, kms: new AlibabaKms(keyring), instance: new AlibabaKmsInstance(keyring) };
}

/** Asserts an AlibabaKmsError with Alibaba's `code` and HTTP `status`, and the AWS `name` of the same mistake. */
async function fails(action, code, status, name, pattern) {
  const error = await rejects(action, name, pattern);
  assert.instance(error, AlibabaKmsError);
  assert.is(error.code, code);
  assert.is(error.statusCode, status);
  assert.match(error.requestId, UUID);
  return error;
}

// ── classic RPC API ──────────────────────────────────────────────────────────

const classic = suite('alibaba classic: generateDataKey');

classic('the seed example: KeyId alone gives an AES_256 key, KeyId, KeyVersionId and a RequestId', async () => {
  const { kms, keyring } = await setup();
  const response = await kms.generateDataKey({ KeyId: TEST_KEY_ID });
  assert.equal(Object.keys(response), ['KeyVersionId', 'KeyId', 'CiphertextBlob', 'RequestId', 'Plaintext']);
  assert.is(bytesOf(response.Plaintext).length, 32);
  assert.is(response.KeyId, TEST_KEY_ID);
  assert.is(response.KeyVersionId, keyring.describeKey(TEST_KEY_ID).primaryVersionId);
  assert.match(response.RequestId, UUID);
  assert.is.not((await kms.generateDataKey({ KeyId: TEST_KEY_ID })).RequestId, response.RequestId);
});

classic('an alias resolves: KeyId in the response is the key id the alias points at', async () => {
  const { kms } = await setup();
  assert.is((await kms.generateDataKey({ KeyId: 'alias/ExampleAlias' })).KeyId, TEST_KEY_ID);
});

classic('a key ARN acs:kms:<region>:<account>:key/<id> of this keyring names the key', async () => {
  const { kms } = await setup();
  assert.is((await kms.generateDataKey({ KeyId: `acs:kms:us-east-2:111122223333:key/${TEST_KEY_ID}` })).KeyId, TEST_KEY_ID);
  await fails(kms.generateDataKey({ KeyId: `acs:kms:cn-hangzhou:111122223333:key/${TEST_KEY_ID}` }), 'Forbidden.KeyNotFound', 404, 'NotFoundException', /cn-hangzhou/);
});

classic('KeySpec AES_128 gives 16 bytes; NumberOfBytes prevails over KeySpec, as the seed says', async () => {
  const { kms } = await setup();
  assert.is(bytesOf((await kms.generateDataKey({ KeyId: TEST_KEY_ID, KeySpec: 'AES_128' })).Plaintext).length, 16);
  // The documentation's sample request: KeySpec=AES_256&NumberOfBytes=256.
  assert.is(bytesOf((await kms.generateDataKey({ KeyId: TEST_KEY_ID, KeySpec: 'AES_256', NumberOfBytes: 256 })).Plaintext).length, 256);
  assert.is(bytesOf((await kms.generateDataKey({ KeyId: TEST_KEY_ID, KeySpec: 'AES_128', NumberOfBytes: 1024 })).Plaintext).length, 1024);
  assert.is(bytesOf((await kms.generateDataKey({ KeyId: TEST_KEY_ID, NumberOfBytes: 1 })).Plaintext).length, 1);
});

for (const bad of [0, 1025, 2.5, '32', NaN]) {
  classic(`NumberOfBytes ${JSON.stringify(bad) ?? String(bad)} is InvalidParameter`, async () => {
    const { kms } = await setup();
    await fails(kms.generateDataKey({ KeyId: TEST_KEY_ID, NumberOfBytes: bad }), 'InvalidParameter', 400, 'ValidationException', /"NumberOfBytes" is not valid/);
  });
}

for (const bad of ['AES_192', 'aes_256', 'SYMMETRIC_DEFAULT', 128]) {
  classic(`KeySpec ${JSON.stringify(bad)} is InvalidParameter`, async () => {
    const { kms } = await setup();
    await fails(kms.generateDataKey({ KeyId: TEST_KEY_ID, KeySpec: bad }), 'InvalidParameter', 400, 'ValidationException', /"KeySpec" is not valid/);
  });
}

classic('EncryptionContext is JSON text, bound to the blob: Decrypt needs an equal map', async () => {
  const { kms } = await setup();
  const made = await kms.generateDataKey({ KeyId: TEST_KEY_ID, KeySpec: 'AES_256', EncryptionContext: '{"Example":"Example","b":"2"}' });
  const opened = await kms.decrypt({ CiphertextBlob: made.CiphertextBlob, EncryptionContext: '{ "b": "2", "Example": "Example" }' });
  assert.is(opened.Plaintext, made.Plaintext);
  await fails(kms.decrypt({ CiphertextBlob: made.CiphertextBlob }), 'InvalidParameter', 400, 'InvalidCiphertextException');
  await fails(kms.decrypt({ CiphertextBlob: made.CiphertextBlob, EncryptionContext: '{"Example":"example","b":"2"}' }), 'InvalidParameter', 400, 'InvalidCiphertextException');
});

for (const bad of ['{"a":1}', '["a"]', 'null', '{a:"b"}', '{"a":"b"', '', 'a=b']) {
  classic(`EncryptionContext ${JSON.stringify(bad)} is InvalidParameter`, async () => {
    const { kms } = await setup();
    await fails(kms.generateDataKey({ KeyId: TEST_KEY_ID, EncryptionContext: bad }), 'InvalidParameter', 400, 'ValidationException', /EncryptionContext/);
  });
}

for (const duplicated of ['{"tenant":"attacker","tenant":"victim"}', '{"tenant":"a","b":"c","\\u0074enant":"victim"}']) {
  classic(`EncryptionContext with a key twice (${duplicated}) is InvalidParameter, not "the last one wins"`, async () => {
    const { kms } = await setup();
    await fails(kms.generateDataKey({ KeyId: TEST_KEY_ID, EncryptionContext: duplicated }), 'InvalidParameter', 400, 'ValidationException', /"tenant" twice/);
    const made = await kms.generateDataKey({ KeyId: TEST_KEY_ID, EncryptionContext: '{"tenant":"victim"}' });
    await fails(kms.decrypt({ CiphertextBlob: made.CiphertextBlob, EncryptionContext: duplicated }), 'InvalidParameter', 400, 'ValidationException', /twice/);
  });
}

classic('EncryptionContext: a value that looks like a key ("b":) is a value, not a second key', async () => {
  const { kms } = await setup();
  const made = await kms.generateDataKey({ KeyId: TEST_KEY_ID, EncryptionContext: '{"a":"\\"b\\":","b":"a"}' });
  assert.is((await kms.decrypt({ CiphertextBlob: made.CiphertextBlob, EncryptionContext: '{"b":"a","a":"\\"b\\":"}' })).KeyId, TEST_KEY_ID);
});

classic('EncryptionContext as an object rather than JSON text is InvalidParameter', async () => {
  const { kms } = await setup();
  await fails(kms.generateDataKey({ KeyId: TEST_KEY_ID, EncryptionContext: { a: 'b' } }), 'InvalidParameter', 400, 'ValidationException', /EncryptionContext/);
});

classic('Format XML answers with an XML document of the same fields', async () => {
  const { kms } = await setup();
  const xml = await kms.generateDataKey({ KeyId: 'alias/ExampleAlias', Format: 'XML' });
  assert.type(xml, 'string');
  assert.ok(xml.startsWith('<?xml version="1.0" encoding="UTF-8"?>\n<GenerateDataKeyResponse><KeyVersionId>'), xml);
  assert.ok(xml.endsWith('</Plaintext></GenerateDataKeyResponse>'), xml);
  const field = (name) => new RegExp(`<${name}>([^<]*)</${name}>`).exec(xml)[1];
  assert.is(field('KeyId'), TEST_KEY_ID);
  assert.match(field('RequestId'), UUID);
  const opened = await kms.decrypt({ CiphertextBlob: field('CiphertextBlob'), Format: 'XML' });
  assert.match(opened, /^<\?xml version="1\.0" encoding="UTF-8"\?>\n<DecryptResponse><KeyId>/);
  assert.is(new RegExp('<Plaintext>([^<]*)</Plaintext>').exec(opened)[1], field('Plaintext'));
  assert.type(await kms.generateDataKey({ KeyId: TEST_KEY_ID, Format: 'JSON' }), 'object');
  await fails(kms.generateDataKey({ KeyId: TEST_KEY_ID, Format: 'xml' }), 'InvalidParameter', 400, 'ValidationException', /Format/);
});

classic('DryRun (true or "true") checks the request and fails with DryRunOperationError', async () => {
  const { kms, keyring } = await setup();
  await fails(kms.generateDataKey({ KeyId: TEST_KEY_ID, DryRun: 'true' }), 'DryRunOperationError', 400, 'DryRunOperationException', /dry run/);
  await fails(kms.generateDataKey({ KeyId: TEST_KEY_ID, DryRun: true }), 'DryRunOperationError', 400, 'DryRunOperationException');
  assert.ok((await kms.generateDataKey({ KeyId: TEST_KEY_ID, DryRun: 'false' })).Plaintext);
  await fails(kms.generateDataKey({ KeyId: TEST_KEY_ID, DryRun: 'yes' }), 'InvalidParameter', 400, 'ValidationException', /DryRun/);
  await fails(kms.generateDataKey({ KeyId: TEST_KEY_ID, NumberOfBytes: 0, DryRun: true }), 'InvalidParameter', 400, 'ValidationException');
  keyring.disableKey(TEST_KEY_ID);
  await fails(kms.generateDataKey({ KeyId: TEST_KEY_ID, DryRun: true }), 'Rejected.Disabled', 409, 'DisabledException');
});

classic('a missing KeyId is MissingParameter; an unknown key or alias is Forbidden.KeyNotFound or Forbidden.AliasNotFound', async () => {
  const { kms } = await setup();
  const missing = await fails(kms.generateDataKey({}), 'MissingParameter', 400, 'ValidationException');
  assert.is(missing.message, 'The parameter "KeyId" is needed but not provided.');
  await fails(kms.generateDataKey({ KeyId: 'key-hzz62f1cb66fa42qo' }), 'Forbidden.KeyNotFound', 404, 'NotFoundException', /^The specified Key is not found/);
  await fails(kms.generateDataKey({ KeyId: 'alias/missing' }), 'Forbidden.AliasNotFound', 404, 'NotFoundException', /^The specified Alias is not found/);
});

classic('a disabled key is Rejected.Disabled', async () => {
  const { kms, keyring } = await setup();
  keyring.disableKey(TEST_KEY_ID);
  await fails(kms.generateDataKey({ KeyId: TEST_KEY_ID }), 'Rejected.Disabled', 409, 'DisabledException', /key state is Disabled/);
});

classic('a parameter the call does not take is UnsupportedParameter', async () => {
  const { kms } = await setup();
  await fails(kms.generateDataKey({ KeyId: TEST_KEY_ID, Keyspec: 'AES_256' }), 'UnsupportedParameter', 400, 'ValidationException', /"Keyspec"/);
});

classic('errors are AlibabaKmsError and KmsError, and carry the call RequestId', async () => {
  const { kms } = await setup();
  const error = await fails(kms.generateDataKey({ KeyId: 'nothing' }), 'Forbidden.KeyNotFound', 404, 'NotFoundException');
  assert.instance(error, KmsError);
  assert.instance(error.cause, KmsError);
});

classic.run();

const classicDecrypt = suite('alibaba classic: decrypt');

classicDecrypt('Decrypt answers KeyId, KeyVersionId, Plaintext and RequestId', async () => {
  const { kms } = await setup();
  const made = await kms.generateDataKey({ KeyId: 'alias/ExampleAlias', NumberOfBytes: 48 });
  const opened = await kms.decrypt({ CiphertextBlob: made.CiphertextBlob });
  assert.equal(Object.keys(opened), ['KeyId', 'KeyVersionId', 'Plaintext', 'RequestId']);
  assert.equal([opened.KeyId, opened.KeyVersionId, opened.Plaintext], [TEST_KEY_ID, made.KeyVersionId, made.Plaintext]);
  assert.match(opened.RequestId, UUID);
});

classicDecrypt('a blob made before a rotation decrypts under its own KeyVersionId; new ones use the primary version', async () => {
  const { kms, keyring } = await setup();
  const old = await kms.generateDataKey({ KeyId: TEST_KEY_ID });
  const { versionId } = await keyring.rotateKey(TEST_KEY_ID);
  const fresh = await kms.generateDataKey({ KeyId: TEST_KEY_ID });
  assert.is(fresh.KeyVersionId, versionId);
  assert.is((await kms.decrypt({ CiphertextBlob: old.CiphertextBlob })).KeyVersionId, old.KeyVersionId);
});

classicDecrypt('CiphertextBlob is required base64; a damaged blob is InvalidParameter', async () => {
  const { kms } = await setup();
  const made = await kms.generateDataKey({ KeyId: TEST_KEY_ID });
  await fails(kms.decrypt({}), 'MissingParameter', 400, 'ValidationException', /"CiphertextBlob"/);
  await fails(kms.decrypt({ CiphertextBlob: 'not base64' }), 'InvalidParameter', 400, 'ValidationException', /base64/);
  const damaged = bytesOf(made.CiphertextBlob);
  damaged[damaged.length - 5] ^= 0x80;
  await fails(kms.decrypt({ CiphertextBlob: b64(damaged) }), 'InvalidParameter', 400, 'InvalidCiphertextException');
  await fails(kms.decrypt({ CiphertextBlob: made.CiphertextBlob, DryRun: true }), 'DryRunOperationError', 400, 'DryRunOperationException');
});

classicDecrypt.run();

// ── KMS instance API ─────────────────────────────────────────────────────────

const instance = suite('alibaba instance: generateDataKey and advanceGenerateDataKey');

instance('the seed example: NumberOfBytes 32 gives KeyId, Iv, Plaintext, CiphertextBlob, Algorithm AES_GCM and RequestId', async () => {
  const { instance: kms } = await setup();
  const response = await kms.generateDataKey({ KeyId: 'alias/ExampleAlias', NumberOfBytes: 32 });
  assert.equal(Object.keys(response), ['KeyId', 'Iv', 'Plaintext', 'CiphertextBlob', 'Algorithm', 'RequestId']);
  assert.is(response.KeyId, TEST_KEY_ID);
  assert.is(bytesOf(response.Iv).length, 12);
  assert.is(bytesOf(response.Plaintext).length, 32);
  assert.is(response.Algorithm, 'AES_GCM');
  assert.match(response.RequestId, UUID);
});

instance('NumberOfBytes is required (1 to 1,024)', async () => {
  const { instance: kms } = await setup();
  await fails(kms.generateDataKey({ KeyId: TEST_KEY_ID }), 'MissingParameter', 400, 'ValidationException', /"NumberOfBytes" is needed/);
  await fails(kms.advanceGenerateDataKey({ KeyId: TEST_KEY_ID }), 'MissingParameter', 400, 'ValidationException', /"NumberOfBytes" is needed/);
  for (const bad of [0, 1025, '32']) {
    await fails(kms.generateDataKey({ KeyId: TEST_KEY_ID, NumberOfBytes: bad }), 'InvalidParameter', 400, 'ValidationException', /NumberOfBytes/);
  }
  assert.is(bytesOf((await kms.generateDataKey({ KeyId: TEST_KEY_ID, NumberOfBytes: 1024 })).Plaintext).length, 1024);
});

instance('GenerateDataKey wraps under the initial version, AdvanceGenerateDataKey under the primary one', async () => {
  const { instance: kms, keyring } = await setup();
  const initial = keyring.describeKey(TEST_KEY_ID).initialVersionId;
  await keyring.rotateKey(TEST_KEY_ID);
  const { versionId: primary } = await keyring.rotateKey(TEST_KEY_ID);
  assert.is.not(primary, initial);
  const plain = await kms.generateDataKey({ KeyId: TEST_KEY_ID, NumberOfBytes: 32 });
  const advanced = await kms.advanceGenerateDataKey({ KeyId: TEST_KEY_ID, NumberOfBytes: 32 });
  assert.is(advanced.KeyVersionId, primary);
  assert.is((await kms.advanceDecrypt({ CiphertextBlob: plain.CiphertextBlob })).KeyVersionId, initial);
  assert.is((await kms.advanceDecrypt({ CiphertextBlob: advanced.CiphertextBlob })).KeyVersionId, primary);
});

instance('Algorithm may be given, and must be AES_GCM', async () => {
  const { instance: kms } = await setup();
  assert.is((await kms.generateDataKey({ KeyId: TEST_KEY_ID, NumberOfBytes: 16, Algorithm: 'AES_GCM' })).Algorithm, 'AES_GCM');
  await fails(kms.generateDataKey({ KeyId: TEST_KEY_ID, NumberOfBytes: 16, Algorithm: 'AES_CBC' }), 'InvalidParameter', 400, 'ValidationException', /Algorithm/);
});

instance('Aad is base64 of at most 8,192 bytes', async () => {
  const { instance: kms } = await setup();
  await kms.generateDataKey({ KeyId: TEST_KEY_ID, NumberOfBytes: 32, Aad: b64(new Uint8Array(8192)) });
  await fails(kms.generateDataKey({ KeyId: TEST_KEY_ID, NumberOfBytes: 32, Aad: b64(new Uint8Array(8193)) }), 'InvalidParameter', 400, 'ValidationException', /Aad/);
  await fails(kms.generateDataKey({ KeyId: TEST_KEY_ID, NumberOfBytes: 32, Aad: 'plain text' }), 'InvalidParameter', 400, 'ValidationException', /Aad/);
});

instance('an unknown key, an unknown alias and a disabled key give Alibaba codes', async () => {
  const { instance: kms, keyring } = await setup();
  await fails(kms.generateDataKey({ KeyId: 'key-hzz62f1cb66fa42qo', NumberOfBytes: 32 }), 'Forbidden.KeyNotFound', 404, 'NotFoundException');
  await fails(kms.generateDataKey({ KeyId: 'alias/none', NumberOfBytes: 32 }), 'Forbidden.AliasNotFound', 404, 'NotFoundException');
  keyring.disableKey(TEST_KEY_ID);
  await fails(kms.advanceGenerateDataKey({ KeyId: TEST_KEY_ID, NumberOfBytes: 32 }), 'Rejected.Disabled', 409, 'DisabledException');
});

instance.run();

const instanceDecrypt = suite('alibaba instance: decrypt and advanceDecrypt');

async function stored(kms, aad) {
  const made = await kms.generateDataKey({ KeyId: TEST_KEY_ID, NumberOfBytes: 32, ...(aad ? { Aad: aad } : {}) });
  return { made, request: { KeyId: TEST_KEY_ID, CiphertextBlob: made.CiphertextBlob, Iv: made.Iv, Algorithm: made.Algorithm, ...(aad ? { Aad: aad } : {}) } };
}

instanceDecrypt('Decrypt takes the four stored values and answers KeyId, Plaintext, Algorithm and RequestId', async () => {
  const { instance: kms } = await setup();
  const aad = b64(new TextEncoder().encode('order 42'));
  const { made, request } = await stored(kms, aad);
  const opened = await kms.decrypt(request);
  assert.equal(Object.keys(opened), ['KeyId', 'Plaintext', 'Algorithm', 'RequestId']);
  assert.equal([opened.KeyId, opened.Plaintext, opened.Algorithm], [TEST_KEY_ID, made.Plaintext, 'AES_GCM']);
  assert.is((await kms.decrypt({ ...request, KeyId: 'alias/ExampleAlias' })).Plaintext, made.Plaintext);
});

instanceDecrypt('each of KeyId, CiphertextBlob, Iv and Algorithm is required', async () => {
  const { instance: kms } = await setup();
  const { request } = await stored(kms);
  for (const field of ['KeyId', 'CiphertextBlob', 'Iv', 'Algorithm']) {
    const { [field]: _, ...rest } = request;
    await fails(kms.decrypt(rest), 'MissingParameter', 400, 'ValidationException', new RegExp(`"${field}" is needed`));
  }
});

instanceDecrypt('an Iv other than the one returned is refused before decrypting; it must be 12 bytes', async () => {
  const { instance: kms } = await setup();
  const { made, request } = await stored(kms);
  const other = bytesOf(made.Iv);
  other[0] ^= 1;
  await fails(kms.decrypt({ ...request, Iv: b64(other) }), 'InvalidParameter', 400, 'ValidationException', /"Iv" is not valid: Iv is not the IV/);
  await fails(kms.decrypt({ ...request, Iv: b64(new Uint8Array(16)) }), 'InvalidParameter', 400, 'ValidationException', /exactly 12 bytes/);
});

instanceDecrypt('a wrong or missing Aad, a damaged blob or another key fail without plaintext', async () => {
  const { instance: kms, keyring } = await setup();
  await keyring.createKey({ keyId: 'other' });
  const aad = b64(new TextEncoder().encode('v1'));
  const { made, request } = await stored(kms, aad);
  await fails(kms.decrypt({ ...request, Aad: undefined }), 'InvalidParameter', 400, 'InvalidCiphertextException');
  await fails(kms.decrypt({ ...request, Aad: b64(new TextEncoder().encode('v2')) }), 'InvalidParameter', 400, 'InvalidCiphertextException');
  const damaged = bytesOf(made.CiphertextBlob);
  damaged[damaged.length - 1] ^= 1;
  await fails(kms.decrypt({ ...request, CiphertextBlob: b64(damaged) }), 'InvalidParameter', 400, 'InvalidCiphertextException');
  await fails(kms.decrypt({ ...request, KeyId: 'other' }), 'InvalidParameter', 400, 'IncorrectKeyException');
  await fails(kms.decrypt({ ...request, KeyId: 'missing' }), 'Forbidden.KeyNotFound', 404, 'NotFoundException');
});

instanceDecrypt('Algorithm must be AES_GCM, and PaddingMode (for CBC and ECB) is refused', async () => {
  const { instance: kms } = await setup();
  const { request } = await stored(kms);
  await fails(kms.decrypt({ ...request, Algorithm: 'AES_CBC' }), 'InvalidParameter', 400, 'ValidationException', /Algorithm/);
  await fails(kms.decrypt({ ...request, PaddingMode: 'PKCS7_PADDING' }), 'InvalidParameter', 400, 'ValidationException', /PaddingMode/);
});

instanceDecrypt('AdvanceDecrypt needs only the blob and Aad; KeyId, Iv and Algorithm are checked when given', async () => {
  const { instance: kms, keyring } = await setup();
  await keyring.createKey({ keyId: 'other' });
  const aad = b64(Uint8Array.of(1, 2, 3));
  const made = await kms.advanceGenerateDataKey({ KeyId: TEST_KEY_ID, NumberOfBytes: 32, Aad: aad });
  const opened = await kms.advanceDecrypt({ CiphertextBlob: made.CiphertextBlob, Aad: aad });
  assert.equal(Object.keys(opened), ['KeyId', 'Plaintext', 'Algorithm', 'RequestId', 'KeyVersionId']);
  assert.ok(sameBytes(bytesOf(opened.Plaintext), bytesOf(made.Plaintext)));
  await kms.advanceDecrypt({ CiphertextBlob: made.CiphertextBlob, Aad: aad, KeyId: TEST_KEY_ID, Iv: made.Iv, Algorithm: 'AES_GCM' });
  await fails(kms.advanceDecrypt({ CiphertextBlob: made.CiphertextBlob, Aad: aad, KeyId: 'other' }), 'InvalidParameter', 400, 'IncorrectKeyException');
  await fails(kms.advanceDecrypt({ CiphertextBlob: made.CiphertextBlob, Aad: aad, Iv: b64(new Uint8Array(12)) }), 'InvalidParameter', 400, 'ValidationException', /Iv/);
  await fails(kms.advanceDecrypt({ CiphertextBlob: made.CiphertextBlob }), 'InvalidParameter', 400, 'InvalidCiphertextException');
});

instanceDecrypt.run();
