import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { base64 } from '../src/index.ts';
import { AwsKms } from '../src/dialects/aws.ts';
import { TEST_KEY_ID, rejects, sameBytes, testKeyring } from './support/helpers.mjs';

const ARN = `arn:aws:kms:us-east-2:111122223333:key/${TEST_KEY_ID}`;
const HEX64 = /^[0-9a-f]{64}$/;

async function setup() {
  const keyring = await testKeyring();
  return { keyring, aws: new AwsKms(keyring) };
}

const bytesOf = (text) => base64.decode(text);
const b64 = (bytes) => base64.encode(bytes);

// ── GenerateDataKey ──────────────────────────────────────────────────────────

const generate = suite('aws: generateDataKey');

generate('the seed example: alias/ExampleAlias and AES_256 give the CLI output shape, KeyId the key ARN', async () => {
  const { aws } = await setup();
  const response = await aws.generateDataKey({ KeyId: 'alias/ExampleAlias', KeySpec: 'AES_256' });
  assert.equal(Object.keys(response), ['Plaintext', 'KeyId', 'KeyMaterialId', 'CiphertextBlob']);
  assert.is(response.KeyId, ARN);
  assert.match(response.KeyMaterialId, HEX64);
  assert.is(bytesOf(response.Plaintext).length, 32);
  const opened = await aws.decrypt({ CiphertextBlob: response.CiphertextBlob });
  assert.is(opened.Plaintext, response.Plaintext);
});

generate('the seed example: NumberOfBytes 64 under the key id gives a 512-bit data key', async () => {
  const { aws } = await setup();
  const response = await aws.generateDataKey({ KeyId: TEST_KEY_ID, NumberOfBytes: 64 });
  assert.is(bytesOf(response.Plaintext).length, 64);
  assert.is(response.KeyId, ARN);
});

for (const [KeySpec, length] of [['AES_128', 16], ['AES_256', 32]]) {
  generate(`KeySpec ${KeySpec} gives ${length} bytes`, async () => {
    const { aws } = await setup();
    assert.is(bytesOf((await aws.generateDataKey({ KeyId: TEST_KEY_ID, KeySpec })).Plaintext).length, length);
  });
}

for (const n of [1, 1024]) {
  generate(`NumberOfBytes ${n} is within AWS's range`, async () => {
    const { aws } = await setup();
    assert.is(bytesOf((await aws.generateDataKey({ KeyId: TEST_KEY_ID, NumberOfBytes: n })).Plaintext).length, n);
  });
}

generate('KeyId may be a key ARN or an alias ARN; the response names the key ARN', async () => {
  const { aws } = await setup();
  for (const KeyId of [ARN, 'arn:aws:kms:us-east-2:111122223333:alias/ExampleAlias']) {
    assert.is((await aws.generateDataKey({ KeyId, KeySpec: 'AES_256' })).KeyId, ARN);
  }
});

generate('neither KeySpec nor NumberOfBytes is a ValidationException (AWS has no default size)', async () => {
  const { aws } = await setup();
  await rejects(aws.generateDataKey({ KeyId: TEST_KEY_ID }), 'ValidationException', /KeySpec .*NumberOfBytes/);
});

generate('both KeySpec and NumberOfBytes is a ValidationException', async () => {
  const { aws } = await setup();
  await rejects(aws.generateDataKey({ KeyId: TEST_KEY_ID, KeySpec: 'AES_256', NumberOfBytes: 32 }), 'ValidationException', /not both/);
});

for (const bad of [0, 1025, -1, 2.5, NaN, '32', true]) {
  generate(`NumberOfBytes ${JSON.stringify(bad) ?? String(bad)} is a ValidationException`, async () => {
    const { aws } = await setup();
    await rejects(aws.generateDataKey({ KeyId: TEST_KEY_ID, NumberOfBytes: bad }), 'ValidationException', /NumberOfBytes must be an integer from 1 to 1024/);
  });
}

for (const bad of ['AES_192', 'aes_256', 'SYMMETRIC_DEFAULT', '', 256]) {
  generate(`KeySpec ${JSON.stringify(bad)} is a ValidationException: AWS data keys are AES_128 or AES_256`, async () => {
    const { aws } = await setup();
    await rejects(aws.generateDataKey({ KeyId: TEST_KEY_ID, KeySpec: bad }), 'ValidationException', /KeySpec must be one of AES_128, AES_256/);
  });
}

generate('the EncryptionContext is bound: Decrypt needs the same map, in any key order', async () => {
  const { aws } = await setup();
  const { CiphertextBlob, Plaintext } = await aws.generateDataKey({ KeyId: TEST_KEY_ID, KeySpec: 'AES_256', EncryptionContext: { a: '1', b: '2' } });
  assert.is((await aws.decrypt({ CiphertextBlob, EncryptionContext: { b: '2', a: '1' } })).Plaintext, Plaintext);
  await rejects(aws.decrypt({ CiphertextBlob }), 'InvalidCiphertextException');
  await rejects(aws.decrypt({ CiphertextBlob, EncryptionContext: { a: '1' } }), 'InvalidCiphertextException');
});

for (const bad of [{ a: 1 }, ['a'], 'a=1', { a: null }]) {
  generate(`EncryptionContext ${JSON.stringify(bad)} is a ValidationException`, async () => {
    const { aws } = await setup();
    await rejects(aws.generateDataKey({ KeyId: TEST_KEY_ID, KeySpec: 'AES_256', EncryptionContext: bad }), 'ValidationException', /EncryptionContext/);
  });
}

generate('GrantTokens are accepted and ignored; a malformed list is a ValidationException', async () => {
  const { aws } = await setup();
  await aws.generateDataKey({ KeyId: TEST_KEY_ID, KeySpec: 'AES_256', GrantTokens: ['token-1', 'token-2'] });
  for (const bad of ['token', [''], [1], Array(11).fill('t'), ['x'.repeat(8193)]]) {
    await rejects(aws.generateDataKey({ KeyId: TEST_KEY_ID, KeySpec: 'AES_256', GrantTokens: bad }), 'ValidationException', /GrantTokens/);
  }
});

generate('DryRun checks the request and the key, then fails with DryRunOperationException', async () => {
  const { aws, keyring } = await setup();
  await rejects(aws.generateDataKey({ KeyId: TEST_KEY_ID, KeySpec: 'AES_256', DryRun: true }), 'DryRunOperationException', /DryRun/);
  await rejects(aws.generateDataKey({ KeyId: 'alias/nothing', KeySpec: 'AES_256', DryRun: true }), 'NotFoundException');
  await rejects(aws.generateDataKey({ KeyId: TEST_KEY_ID, DryRun: true }), 'ValidationException');
  keyring.disableKey(TEST_KEY_ID);
  await rejects(aws.generateDataKey({ KeyId: TEST_KEY_ID, KeySpec: 'AES_256', DryRun: true }), 'DisabledException');
  keyring.enableKey(TEST_KEY_ID);
  await rejects(aws.generateDataKey({ KeyId: TEST_KEY_ID, KeySpec: 'AES_256', DryRun: 'yes' }), 'ValidationException', /DryRun/);
  assert.ok((await aws.generateDataKey({ KeyId: TEST_KEY_ID, KeySpec: 'AES_256', DryRun: false })).Plaintext);
});

generate('KeyId is required, at most 2,048 characters, and must name a key', async () => {
  const { aws, keyring } = await setup();
  await rejects(aws.generateDataKey({ KeySpec: 'AES_256' }), 'ValidationException', /KeyId is required/);
  await rejects(aws.generateDataKey({ KeyId: '', KeySpec: 'AES_256' }), 'ValidationException', /KeyId/);
  await rejects(aws.generateDataKey({ KeyId: 'k'.repeat(2049), KeySpec: 'AES_256' }), 'ValidationException', /2048/);
  await rejects(aws.generateDataKey({ KeyId: 'no-such-key', KeySpec: 'AES_256' }), 'NotFoundException');
  await rejects(aws.generateDataKey({ KeyId: 'arn:aws:kms:eu-west-1:111122223333:key/x', KeySpec: 'AES_256' }), 'NotFoundException');
  keyring.disableKey(TEST_KEY_ID);
  await rejects(aws.generateDataKey({ KeyId: TEST_KEY_ID, KeySpec: 'AES_256' }), 'DisabledException');
});

generate('an unknown parameter or a request that is not an object is a ValidationException', async () => {
  const { aws } = await setup();
  await rejects(aws.generateDataKey({ KeyId: TEST_KEY_ID, Keyspec: 'AES_256' }), 'ValidationException', /Keyspec is not a parameter of GenerateDataKey/);
  await rejects(aws.generateDataKey('alias/ExampleAlias'), 'ValidationException', /takes an object/);
  await rejects(aws.generateDataKey(), 'ValidationException', /KeyId is required/);
});

generate('Recipient (Nitro Enclaves) is an UnsupportedOperationException', async () => {
  const { aws } = await setup();
  await rejects(
    aws.generateDataKey({ KeyId: TEST_KEY_ID, KeySpec: 'AES_256', Recipient: { KeyEncryptionAlgorithm: 'RSAES_OAEP_SHA_256' } }),
    'UnsupportedOperationException',
    /Recipient/,
  );
});

generate('generateDataKeyWithoutPlaintext returns only the wrapped copy, which decrypts', async () => {
  const { aws } = await setup();
  const response = await aws.generateDataKeyWithoutPlaintext({ KeyId: 'alias/ExampleAlias', NumberOfBytes: 24 });
  assert.equal(Object.keys(response), ['KeyId', 'KeyMaterialId', 'CiphertextBlob']);
  assert.is(response.KeyId, ARN);
  assert.is(bytesOf((await aws.decrypt({ CiphertextBlob: response.CiphertextBlob })).Plaintext).length, 24);
  await rejects(aws.generateDataKeyWithoutPlaintext({ KeyId: TEST_KEY_ID }), 'ValidationException', /GenerateDataKeyWithoutPlaintext needs/);
});

generate.run();

// ── Decrypt ──────────────────────────────────────────────────────────────────

const decrypting = suite('aws: decrypt');

decrypting('the response has KeyId (ARN), Plaintext, EncryptionAlgorithm and KeyMaterialId', async () => {
  const { aws } = await setup();
  const made = await aws.generateDataKey({ KeyId: TEST_KEY_ID, KeySpec: 'AES_128' });
  const opened = await aws.decrypt({ CiphertextBlob: made.CiphertextBlob });
  assert.equal(opened, { KeyId: ARN, Plaintext: made.Plaintext, EncryptionAlgorithm: 'SYMMETRIC_DEFAULT', KeyMaterialId: made.KeyMaterialId });
});

decrypting('KeyId is optional; when given it must name the key that wrapped the blob', async () => {
  const { aws, keyring } = await setup();
  await keyring.createKey({ keyId: 'other', aliases: ['alias/other'] });
  const { CiphertextBlob } = await aws.generateDataKey({ KeyId: TEST_KEY_ID, KeySpec: 'AES_256' });
  for (const KeyId of [TEST_KEY_ID, ARN, 'alias/ExampleAlias']) await aws.decrypt({ CiphertextBlob, KeyId });
  await rejects(aws.decrypt({ CiphertextBlob, KeyId: 'alias/other' }), 'IncorrectKeyException');
  await rejects(aws.decrypt({ CiphertextBlob, KeyId: 'missing' }), 'NotFoundException');
});

decrypting('EncryptionAlgorithm is SYMMETRIC_DEFAULT; an asymmetric one is InvalidKeyUsageException, others ValidationException', async () => {
  const { aws } = await setup();
  const { CiphertextBlob } = await aws.generateDataKey({ KeyId: TEST_KEY_ID, KeySpec: 'AES_256' });
  assert.is((await aws.decrypt({ CiphertextBlob, EncryptionAlgorithm: 'SYMMETRIC_DEFAULT' })).EncryptionAlgorithm, 'SYMMETRIC_DEFAULT');
  for (const asymmetric of ['RSAES_OAEP_SHA_1', 'RSAES_OAEP_SHA_256', 'SM2PKE']) {
    await rejects(aws.decrypt({ CiphertextBlob, EncryptionAlgorithm: asymmetric }), 'InvalidKeyUsageException', /symmetric/);
  }
  await rejects(aws.decrypt({ CiphertextBlob, EncryptionAlgorithm: 'AES_GCM' }), 'ValidationException', /EncryptionAlgorithm/);
});

decrypting('CiphertextBlob is required base64 of 1 to 6,144 bytes; a damaged blob is InvalidCiphertextException', async () => {
  const { aws } = await setup();
  const { CiphertextBlob } = await aws.generateDataKey({ KeyId: TEST_KEY_ID, KeySpec: 'AES_256' });
  await rejects(aws.decrypt({}), 'ValidationException', /CiphertextBlob is required/);
  await rejects(aws.decrypt({ CiphertextBlob: '' }), 'ValidationException', /CiphertextBlob/);
  await rejects(aws.decrypt({ CiphertextBlob: 'not base64!' }), 'ValidationException', /CiphertextBlob is not valid base64/);
  await rejects(aws.decrypt({ CiphertextBlob: bytesOf(CiphertextBlob) }), 'ValidationException', /base64 text/);
  await rejects(aws.decrypt({ CiphertextBlob: b64(new Uint8Array(6145)) }), 'ValidationException', /6144/);
  const tampered = bytesOf(CiphertextBlob);
  tampered[tampered.length - 1] ^= 1;
  await rejects(aws.decrypt({ CiphertextBlob: b64(tampered) }), 'InvalidCiphertextException');
});

decrypting('DryRun stops a valid Decrypt with DryRunOperationException; a disabled key refuses to decrypt', async () => {
  const { aws, keyring } = await setup();
  const { CiphertextBlob } = await aws.generateDataKey({ KeyId: TEST_KEY_ID, KeySpec: 'AES_256' });
  await rejects(aws.decrypt({ CiphertextBlob, DryRun: true }), 'DryRunOperationException');
  keyring.disableKey(TEST_KEY_ID);
  await rejects(aws.decrypt({ CiphertextBlob }), 'DisabledException');
});

decrypting.run();

// ── Encrypt and ReEncrypt ────────────────────────────────────────────────────

const wrapping = suite('aws: encrypt and reEncrypt');

wrapping('Encrypt wraps base64 Plaintext of 1 to 4,096 bytes; Decrypt returns it', async () => {
  const { aws } = await setup();
  const secret = new TextEncoder().encode('attack at dawn');
  const response = await aws.encrypt({ KeyId: 'alias/ExampleAlias', Plaintext: b64(secret), EncryptionContext: { purpose: 'test' } });
  assert.equal(Object.keys(response), ['CiphertextBlob', 'KeyId', 'EncryptionAlgorithm']);
  assert.is(response.KeyId, ARN);
  const opened = await aws.decrypt({ CiphertextBlob: response.CiphertextBlob, EncryptionContext: { purpose: 'test' } });
  assert.ok(sameBytes(bytesOf(opened.Plaintext), secret));
  await aws.encrypt({ KeyId: TEST_KEY_ID, Plaintext: b64(new Uint8Array(4096)) });
  await rejects(aws.encrypt({ KeyId: TEST_KEY_ID, Plaintext: b64(new Uint8Array(4097)) }), 'ValidationException', /4096/);
  await rejects(aws.encrypt({ KeyId: TEST_KEY_ID, Plaintext: '' }), 'ValidationException', /Plaintext/);
  await rejects(aws.encrypt({ KeyId: TEST_KEY_ID }), 'ValidationException', /Plaintext is required/);
});

wrapping('a refused Plaintext is never quoted in the error', async () => {
  const { aws } = await setup();
  const error = await rejects(aws.encrypt({ KeyId: TEST_KEY_ID, Plaintext: 'c2VjcmV0LXBhc3N3b3Jk!' }), 'ValidationException');
  assert.not.match(error.message, /c2VjcmV0/);
});

wrapping('ReEncrypt moves a blob to another key and context without returning the secret', async () => {
  const { aws, keyring } = await setup();
  await keyring.createKey({ keyId: 'archive', aliases: ['alias/archive'] });
  const made = await aws.generateDataKey({ KeyId: TEST_KEY_ID, KeySpec: 'AES_256', EncryptionContext: { v: '1' } });
  const moved = await aws.reEncrypt({
    CiphertextBlob: made.CiphertextBlob,
    SourceEncryptionContext: { v: '1' },
    DestinationKeyId: 'alias/archive',
    DestinationEncryptionContext: { v: '2' },
  });
  assert.equal(Object.keys(moved).sort(), [
    'CiphertextBlob', 'DestinationEncryptionAlgorithm', 'DestinationKeyMaterialId', 'KeyId', 'SourceEncryptionAlgorithm', 'SourceKeyId', 'SourceKeyMaterialId',
  ]);
  assert.is(moved.SourceKeyId, ARN);
  assert.is(moved.KeyId, 'arn:aws:kms:us-east-2:111122223333:key/archive');
  assert.is(moved.SourceKeyMaterialId, made.KeyMaterialId);
  assert.match(moved.DestinationKeyMaterialId, HEX64);
  assert.is((await aws.decrypt({ CiphertextBlob: moved.CiphertextBlob, EncryptionContext: { v: '2' } })).Plaintext, made.Plaintext);
  await rejects(aws.reEncrypt({ CiphertextBlob: made.CiphertextBlob, SourceEncryptionContext: { v: '1' }, SourceKeyId: 'archive', DestinationKeyId: 'archive' }), 'IncorrectKeyException');
  await rejects(aws.reEncrypt({ CiphertextBlob: made.CiphertextBlob }), 'ValidationException', /DestinationKeyId is required/);
  await rejects(aws.reEncrypt({ CiphertextBlob: made.CiphertextBlob, DestinationKeyId: 'archive' }), 'InvalidCiphertextException');
  await rejects(
    aws.reEncrypt({ CiphertextBlob: made.CiphertextBlob, DestinationKeyId: 'archive', DestinationEncryptionAlgorithm: 'RSAES_OAEP_SHA_1' }),
    'InvalidKeyUsageException',
  );
});

wrapping.run();

// ── keys and aliases ─────────────────────────────────────────────────────────

const keys = suite('aws: keys and aliases');

keys('DescribeKey gives AWS KeyMetadata, by id, ARN or alias', async () => {
  const { aws } = await setup();
  const before = Date.now() / 1000;
  const { KeyMetadata } = await aws.describeKey({ KeyId: 'alias/ExampleAlias' });
  assert.is(KeyMetadata.AWSAccountId, '111122223333');
  assert.is(KeyMetadata.KeyId, TEST_KEY_ID);
  assert.is(KeyMetadata.Arn, ARN);
  assert.is(KeyMetadata.Enabled, true);
  assert.is(KeyMetadata.KeyState, 'Enabled');
  assert.is(KeyMetadata.KeyUsage, 'ENCRYPT_DECRYPT');
  assert.is(KeyMetadata.KeySpec, 'SYMMETRIC_DEFAULT');
  assert.is(KeyMetadata.KeyManager, 'CUSTOMER');
  assert.equal(KeyMetadata.EncryptionAlgorithms, ['SYMMETRIC_DEFAULT']);
  assert.is(KeyMetadata.Origin, 'EXTERNAL');
  assert.is(KeyMetadata.ExpirationModel, 'KEY_MATERIAL_DOES_NOT_EXPIRE');
  assert.is(KeyMetadata.MultiRegion, false);
  assert.match(KeyMetadata.CurrentKeyMaterialId, HEX64);
  assert.ok(typeof KeyMetadata.CreationDate === 'number' && Math.abs(KeyMetadata.CreationDate - before) < 600);
  assert.is((await aws.describeKey({ KeyId: ARN })).KeyMetadata.KeyId, TEST_KEY_ID);
  await rejects(aws.describeKey({ KeyId: 'nothing' }), 'NotFoundException');
  await rejects(aws.describeKey({}), 'ValidationException', /KeyId is required/);
});

keys('a key made by the keyring has Origin AWS_KMS and no ExpirationModel', async () => {
  const { aws, keyring } = await setup();
  await keyring.createKey({ keyId: 'made' });
  const { KeyMetadata } = await aws.describeKey({ KeyId: 'made' });
  assert.is(KeyMetadata.Origin, 'AWS_KMS');
  assert.not.ok('ExpirationModel' in KeyMetadata);
});

keys('ListKeys lists every key with its ARN; Limit and Marker page through them', async () => {
  const { aws, keyring } = await setup();
  assert.equal(await aws.listKeys(), { Keys: [{ KeyId: TEST_KEY_ID, KeyArn: ARN }], Truncated: false });
  for (const keyId of ['k1', 'k2', 'k3', 'k4']) await keyring.createKey({ keyId });
  const first = await aws.listKeys({ Limit: 2 });
  assert.equal(first.Keys.map((k) => k.KeyId), [TEST_KEY_ID, 'k1']);
  assert.is(first.Truncated, true);
  const second = await aws.listKeys({ Limit: 2, Marker: first.NextMarker });
  assert.equal(second.Keys.map((k) => k.KeyId), ['k2', 'k3']);
  const last = await aws.listKeys({ Limit: 2, Marker: second.NextMarker });
  assert.equal(last, { Keys: [{ KeyId: 'k4', KeyArn: 'arn:aws:kms:us-east-2:111122223333:key/k4' }], Truncated: false });
  await rejects(aws.listKeys({ Marker: 'made-up' }), 'InvalidMarkerException');
  for (const Limit of [0, 1001, 1.5]) await rejects(aws.listKeys({ Limit }), 'ValidationException', /Limit/);
  assert.is((await aws.listKeys({ Limit: 1000 })).Keys.length, 5);
});

keys('ListAliases lists aliases with their ARN and target, for every key or one', async () => {
  const { aws, keyring } = await setup();
  await keyring.createKey({ keyId: 'other', aliases: ['alias/other'] });
  const all = await aws.listAliases();
  assert.equal(all.Aliases, [
    { AliasName: 'alias/ExampleAlias', AliasArn: 'arn:aws:kms:us-east-2:111122223333:alias/ExampleAlias', TargetKeyId: TEST_KEY_ID },
    { AliasName: 'alias/other', AliasArn: 'arn:aws:kms:us-east-2:111122223333:alias/other', TargetKeyId: 'other' },
  ]);
  assert.is(all.Truncated, false);
  assert.equal((await aws.listAliases({ KeyId: 'other' })).Aliases.map((a) => a.AliasName), ['alias/other']);
  const page = await aws.listAliases({ Limit: 1 });
  assert.equal([page.Truncated, page.NextMarker], [true, 'alias/other']);
  await rejects(aws.listAliases({ Limit: 101 }), 'ValidationException', /Limit/);
});

keys('CreateAlias points a new alias at a key id or key ARN', async () => {
  const { aws } = await setup();
  assert.equal(await aws.createAlias({ AliasName: 'alias/new', TargetKeyId: ARN }), {});
  assert.is((await aws.generateDataKey({ KeyId: 'alias/new', KeySpec: 'AES_256' })).KeyId, ARN);
  await rejects(aws.createAlias({ AliasName: 'alias/new', TargetKeyId: TEST_KEY_ID }), 'AlreadyExistsException');
  await rejects(aws.createAlias({ AliasName: 'alias/newer', TargetKeyId: 'alias/new' }), 'ValidationException', /not an alias/);
  await rejects(aws.createAlias({ AliasName: 'no-prefix', TargetKeyId: TEST_KEY_ID }), 'ValidationException');
  await rejects(aws.createAlias({ AliasName: 'alias/aws/reserved', TargetKeyId: TEST_KEY_ID }), 'ValidationException', /reserved/);
});

keys('CreateKey makes a symmetric key (AWS\'s defaults only); other specs, usages, origins, tags are refused', async () => {
  const { aws } = await setup();
  const { KeyMetadata } = await aws.createKey({ Description: 'made over the API', KeySpec: 'SYMMETRIC_DEFAULT', KeyUsage: 'ENCRYPT_DECRYPT' });
  assert.is(KeyMetadata.Description, 'made over the API');
  assert.is(KeyMetadata.Origin, 'AWS_KMS');
  assert.is((await aws.generateDataKey({ KeyId: KeyMetadata.KeyId, NumberOfBytes: 16 })).KeyId, KeyMetadata.Arn);
  assert.ok((await aws.createKey()).KeyMetadata.KeyId !== KeyMetadata.KeyId);
  await rejects(aws.createKey({ KeySpec: 'RSA_2048' }), 'ValidationException', /KeySpec/);
  await rejects(aws.createKey({ KeyUsage: 'SIGN_VERIFY' }), 'ValidationException', /KeyUsage/);
  await rejects(aws.createKey({ Origin: 'EXTERNAL' }), 'ValidationException', /Origin/);
  await rejects(aws.createKey({ Tags: [{ TagKey: 'a', TagValue: 'b' }] }), 'UnsupportedOperationException', /Tags/);
  await rejects(aws.createKey({ MultiRegion: true }), 'UnsupportedOperationException', /multi-Region/);
});

keys('UpdateAlias moves an alias, DeleteAlias removes it (the key stays)', async () => {
  const { aws, keyring } = await setup();
  await keyring.createKey({ keyId: 'other' });
  assert.equal(await aws.updateAlias({ AliasName: 'alias/ExampleAlias', TargetKeyId: 'other' }), {});
  assert.is((await aws.describeKey({ KeyId: 'alias/ExampleAlias' })).KeyMetadata.KeyId, 'other');
  await rejects(aws.updateAlias({ AliasName: 'alias/none', TargetKeyId: 'other' }), 'NotFoundException');
  await rejects(aws.updateAlias({ AliasName: 'alias/ExampleAlias', TargetKeyId: 'alias/ExampleAlias' }), 'ValidationException', /not an alias/);
  assert.equal(await aws.deleteAlias({ AliasName: 'alias/ExampleAlias' }), {});
  await rejects(aws.describeKey({ KeyId: 'alias/ExampleAlias' }), 'NotFoundException');
  await rejects(aws.deleteAlias({ AliasName: 'alias/ExampleAlias' }), 'NotFoundException');
  assert.is((await aws.describeKey({ KeyId: 'other' })).KeyMetadata.KeyId, 'other');
});

keys('ListKeyRotations lists each rotation, oldest first, with its key material id; paged', async () => {
  const { aws, keyring } = await setup();
  assert.equal((await aws.listKeyRotations({ KeyId: TEST_KEY_ID })).Rotations, []);
  const first = await keyring.rotateKey(TEST_KEY_ID);
  const second = await keyring.rotateKey(TEST_KEY_ID);
  const { Rotations, Truncated } = await aws.listKeyRotations({ KeyId: ARN });
  assert.equal(Rotations.map((r) => r.KeyMaterialId), [first.keyMaterialId, second.keyMaterialId]);
  assert.equal([...new Set(Rotations.map((r) => [r.KeyId, r.RotationType].join()))], [`${ARN},ON_DEMAND`]);
  assert.type(Rotations[0].RotationDate, 'number');
  assert.is(Truncated, false);
  const page = await aws.listKeyRotations({ KeyId: TEST_KEY_ID, Limit: 1 });
  assert.equal([page.Rotations.length, page.Truncated], [1, true]);
  assert.is((await aws.listKeyRotations({ KeyId: TEST_KEY_ID, Marker: page.NextMarker })).Rotations[0].KeyMaterialId, second.keyMaterialId);
  await rejects(aws.listKeyRotations({ KeyId: 'alias/ExampleAlias' }), 'ValidationException', /not an alias/);
});

keys('DisableKey and EnableKey switch a key off and on; they take a key id or ARN, not an alias', async () => {
  const { aws } = await setup();
  const { CiphertextBlob } = await aws.generateDataKey({ KeyId: TEST_KEY_ID, KeySpec: 'AES_256' });
  assert.equal(await aws.disableKey({ KeyId: TEST_KEY_ID }), {});
  assert.is((await aws.describeKey({ KeyId: TEST_KEY_ID })).KeyMetadata.KeyState, 'Disabled');
  await rejects(aws.generateDataKey({ KeyId: TEST_KEY_ID, KeySpec: 'AES_256' }), 'DisabledException');
  await rejects(aws.decrypt({ CiphertextBlob }), 'DisabledException');
  assert.equal(await aws.enableKey({ KeyId: ARN }), {});
  await aws.decrypt({ CiphertextBlob });
  await rejects(aws.disableKey({ KeyId: 'alias/ExampleAlias' }), 'ValidationException', /not an alias/);
  await rejects(aws.enableKey({ KeyId: 'arn:aws:kms:us-east-2:111122223333:alias/ExampleAlias' }), 'ValidationException', /not an alias/);
  await rejects(aws.enableKey({ KeyId: 'nothing' }), 'NotFoundException');
});

keys('RotateKeyOnDemand makes new key material current; blobs under the old material still decrypt', async () => {
  const { aws } = await setup();
  const before = await aws.generateDataKey({ KeyId: TEST_KEY_ID, KeySpec: 'AES_256' });
  assert.equal(await aws.rotateKeyOnDemand({ KeyId: TEST_KEY_ID }), { KeyId: TEST_KEY_ID });
  const after = await aws.generateDataKey({ KeyId: TEST_KEY_ID, KeySpec: 'AES_256' });
  assert.is.not(after.KeyMaterialId, before.KeyMaterialId);
  assert.is((await aws.describeKey({ KeyId: TEST_KEY_ID })).KeyMetadata.CurrentKeyMaterialId, after.KeyMaterialId);
  const opened = await aws.decrypt({ CiphertextBlob: before.CiphertextBlob });
  assert.equal([opened.Plaintext, opened.KeyMaterialId], [before.Plaintext, before.KeyMaterialId]);
  await rejects(aws.rotateKeyOnDemand({ KeyId: 'alias/ExampleAlias' }), 'ValidationException', /not an alias/);
});

keys('every call is async: a bad request rejects, it never throws synchronously', async () => {
  const { aws } = await setup();
  for (const method of ['generateDataKey', 'decrypt', 'encrypt', 'reEncrypt', 'describeKey', 'createAlias', 'enableKey', 'disableKey', 'rotateKeyOnDemand']) {
    const result = aws[method](42);
    assert.instance(result, Promise);
    await rejects(result, 'ValidationException');
  }
});

keys.run();
