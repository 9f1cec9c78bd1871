import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { Keyring, MemoryKeyStore, RawAesKeyring, base64, open, seal } from '../src/index.ts';
import { crypto, has } from './support/env.mjs';
import { TEST_KEY_ID, rejects, sameBytes, testKeyBytes, testKeyring } from './support/helpers.mjs';

const keyring = (options = {}) => new Keyring({ crypto, ...options });

const importing = suite('importKey and createKey');

importing('imports raw bytes of 16 and 32 bytes as non-extractable keys', async () => {
  const ring = keyring();
  for (const length of [16, 32]) {
    const meta = await ring.importKey({ keyId: `k${length}`, material: testKeyBytes(length) });
    assert.is(meta.keySpec, `AES_${length * 8}`);
    assert.is(meta.extractable, false);
    assert.is(meta.origin, 'EXTERNAL');
    assert.is(meta.keyState, 'Enabled');
    const key = await ring.generateDataKey({ keyId: `k${length}` });
    assert.ok(sameBytes((await ring.decrypt({ ciphertextBlob: key.ciphertextBlob })).plaintext, key.plaintext));
  }
});

importing('does not keep the caller\'s bytes: zeroing them afterwards changes nothing', async () => {
  const ring = keyring();
  const material = testKeyBytes();
  await ring.importKey({ keyId: 'k', material });
  const key = await ring.generateDataKey({ keyId: 'k' });
  material.fill(0);
  const opened = await ring.decrypt({ ciphertextBlob: key.ciphertextBlob });
  assert.ok(sameBytes(opened.plaintext, key.plaintext));
  const zero = keyring();
  await zero.importKey({ keyId: 'k', material });
  await rejects(zero.decrypt({ ciphertextBlob: key.ciphertextBlob }), 'InvalidCiphertextException');
});

importing('imports an AES-GCM CryptoKey and a JWK, which wrap alike for the same bytes', async () => {
  const bytes = testKeyBytes();
  const cryptoKey = await crypto.subtle.importKey('raw', bytes, 'AES-GCM', false, ['encrypt', 'decrypt']);
  const jwk = { kty: 'oct', k: base64.encode(bytes, { alphabet: 'base64url' }), alg: 'A256GCM', ext: true };
  const a = keyring();
  const b = keyring();
  const c = keyring();
  const fromBytes = await a.importKey({ keyId: 'k', material: bytes });
  const fromKey = await b.importKey({ keyId: 'k', material: cryptoKey });
  const fromJwk = await c.importKey({ keyId: 'k', material: jwk });
  assert.is(fromKey.currentKeyMaterialId, fromBytes.currentKeyMaterialId);
  assert.is(fromJwk.currentKeyMaterialId, fromBytes.currentKeyMaterialId);
  assert.is(fromJwk.extractable, false);
  const key = await b.generateDataKey({ keyId: 'k' });
  assert.ok(sameBytes((await c.decrypt({ ciphertextBlob: key.ciphertextBlob })).plaintext, key.plaintext));
  assert.ok(sameBytes((await a.decrypt({ ciphertextBlob: key.ciphertextBlob })).plaintext, key.plaintext));
});

importing('an extractable CryptoKey is used as it is, and describeKey says so, also once it is rotated in', async () => {
  const cryptoKey = await crypto.subtle.generateKey({ name: 'AES-GCM', length: 256 }, true, ['encrypt', 'decrypt']);
  const ring = keyring();
  assert.is((await ring.importKey({ keyId: 'x', material: cryptoKey })).extractable, true);
  await ring.createKey({ keyId: 'y' });
  assert.is(ring.describeKey('y').extractable, false);
  await ring.rotateKey('y', { material: cryptoKey });
  assert.is(ring.describeKey('y').extractable, true, 'one readable version makes the key readable');
});

for (const [label, material, pattern] of [
  ['15 bytes', new Uint8Array(15), /16, 24 or 32/],
  ['33 bytes', new Uint8Array(33), /16, 24 or 32/],
  ['0 bytes', new Uint8Array(0), /16, 24 or 32/],
  ['a string', 'secret', /material/],
  ['a number', 42, /material/],
  ['null', null, /material/],
  ['an RSA JWK', { kty: 'RSA', n: 'AQAB', e: 'AQAB' }, /kty/],
  ['a JWK without k', { kty: 'oct' }, /"k"/],
  ['a JWK with bad base64url', { kty: 'oct', k: 'a+b/' }, /base64url/],
  ['a JWK whose alg does not fit', { kty: 'oct', k: base64.encode(new Uint8Array(32), { alphabet: 'base64url' }), alg: 'A128GCM' }, /alg/],
  ['a JWK for signing', { kty: 'oct', k: base64.encode(new Uint8Array(32), { alphabet: 'base64url' }), use: 'sig' }, /use/],
  ['a JWK without encrypt', { kty: 'oct', k: base64.encode(new Uint8Array(32), { alphabet: 'base64url' }), key_ops: ['decrypt'] }, /key_ops/],
  ['a JWK of 20 bytes', { kty: 'oct', k: base64.encode(new Uint8Array(20), { alphabet: 'base64url' }) }, /16, 24 or 32/],
]) {
  importing(`material that is ${label} is a ValidationException`, async () => {
    await rejects(keyring().importKey({ keyId: 'k', material }), 'ValidationException', pattern);
  });
}

importing('material may be an ArrayBuffer or any ArrayBufferView, as bytes are everywhere else, and is left as it was', async () => {
  const bytes = testKeyBytes(32, 5);
  const expected = (await keyring().importKey({ keyId: 'k', material: bytes })).currentKeyMaterialId;
  for (const material of [bytes.slice().buffer, new DataView(bytes.slice().buffer), new Uint16Array(bytes.slice().buffer)]) {
    assert.is((await keyring().importKey({ keyId: 'k', material })).currentKeyMaterialId, expected, material.constructor.name);
  }
  const buffer = bytes.slice().buffer;
  const ring = keyring();
  await ring.importKey({ keyId: 'r', material: testKeyBytes(32) });
  await ring.rotateKey('r', { material: buffer });
  assert.ok(sameBytes(new Uint8Array(buffer), bytes), 'the caller\'s buffer is not zeroed');
  const raw = new RawAesKeyring({ keyNamespace: 'ns', keyName: 'k', material: buffer, crypto });
  assert.ok(sameBytes(await open(raw, await seal(raw, bytes)), bytes), 'a RawAesKeyring takes it too');
  await rejects(keyring().importKey({ keyId: 'k', material: 'secret' }), 'ValidationException', /must be bytes \(Uint8Array, ArrayBuffer, ArrayBufferView\), an AES-GCM CryptoKey or a JWK/);
});

importing('a CryptoKey of another algorithm or without the usages is a ValidationException', async () => {
  const hmac = await crypto.subtle.generateKey({ name: 'HMAC', hash: 'SHA-256', length: 256 }, false, ['sign']);
  await rejects(keyring().importKey({ keyId: 'k', material: hmac }), 'ValidationException', /AES-GCM/);
  const encryptOnly = await crypto.subtle.generateKey({ name: 'AES-GCM', length: 256 }, false, ['encrypt']);
  await rejects(keyring().importKey({ keyId: 'k', material: encryptOnly }), 'ValidationException', /usages/);
});

importing('importKey without material is a ValidationException', async () => {
  await rejects(keyring().importKey({ keyId: 'k' }), 'ValidationException', /material/);
  await rejects(keyring().importKey(), 'ValidationException');
});

importing('createKey makes random, non-extractable keys: AES_256 by default', async () => {
  const ring = keyring();
  const a = await ring.createKey();
  const b = await ring.createKey({ keySpec: 'SYMMETRIC_DEFAULT', description: 'second' });
  assert.match(a.keyId, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  assert.is(a.keySpec, 'AES_256');
  assert.is(a.origin, 'AWS_KMS');
  assert.is(a.extractable, false);
  assert.is(b.description, 'second');
  assert.is.not(a.currentKeyMaterialId, b.currentKeyMaterialId);
  const c = await ring.createKey({ keySpec: 'AES_128' });
  assert.is(c.keySpec, 'AES_128');
  await rejects(ring.createKey({ keySpec: 'AES_512' }), 'ValidationException', /keySpec/);
});

importing('createKey({ extractable: true }) keeps extractable CryptoKeys, and the key\'s rotations make extractable material too', async () => {
  const store = new MemoryKeyStore();
  const ring = await Keyring.open({ store, crypto });
  assert.is((await ring.createKey({ keyId: 'backed-up', extractable: true })).extractable, true);
  await ring.rotateKey('backed-up');
  await ring.rotateKey('backed-up', { material: testKeyBytes() });
  await ring.createKey({ keyId: 'locked' });
  await ring.rotateKey('locked');
  const stored = (await store.load()).filter((r) => r.kind === 'key').map((r) => [r.id, r.value.versions.map((v) => v.material.extractable)]);
  assert.equal(stored, [['backed-up', [true, true, true]], ['locked', [false, false]]]);
  await rejects(ring.createKey({ extractable: 'yes' }), 'ValidationException', /extractable/);
  ring.close();
});

importing('a taken key id or alias is an AlreadyExistsException, also for concurrent imports', async () => {
  const ring = await testKeyring();
  await rejects(ring.importKey({ keyId: TEST_KEY_ID, material: testKeyBytes() }), 'AlreadyExistsException');
  await rejects(ring.createKey({ aliases: ['alias/ExampleAlias'] }), 'AlreadyExistsException');
  await rejects(ring.createKey({ aliases: ['alias/twice', 'alias/twice'] }), 'AlreadyExistsException');
  const results = await Promise.allSettled([1, 2, 3].map(() => ring.importKey({ keyId: 'race', material: testKeyBytes() })));
  assert.is(results.filter((r) => r.status === 'fulfilled').length, 1);
  assert.is(results.filter((r) => r.status === 'rejected' && r.reason.name === 'AlreadyExistsException').length, 2);
});

for (const keyId of ['', 'has space', 'alias/x', 'a'.repeat(129), 'ключ', 'a:b']) {
  importing(`key id ${JSON.stringify(keyId.slice(0, 20))} is a ValidationException`, async () => {
    await rejects(keyring().importKey({ keyId, material: testKeyBytes() }), 'ValidationException', /keyId/);
  });
}

importing.run();

const versions = suite('rotation and versions');

versions('rotateKey adds a primary version; old blobs still decrypt', async () => {
  const ring = await testKeyring();
  const before = await ring.generateDataKey({ keyId: TEST_KEY_ID });
  const rotated = await ring.rotateKey('alias/ExampleAlias');
  assert.is.not(rotated.versionId, before.versionId);
  assert.is(rotated.keyId, TEST_KEY_ID);
  const after = await ring.generateDataKey({ keyId: TEST_KEY_ID });
  assert.is(after.versionId, rotated.versionId);
  assert.is(after.keyMaterialId, rotated.keyMaterialId);
  const old = await ring.decrypt({ ciphertextBlob: before.ciphertextBlob });
  assert.ok(sameBytes(old.plaintext, before.plaintext));
  assert.is(old.versionId, before.versionId);
  const meta = ring.describeKey(TEST_KEY_ID);
  assert.is(meta.versions.length, 2);
  assert.is(meta.primaryVersionId, rotated.versionId);
  assert.is(meta.initialVersionId, before.versionId);
  assert.equal(meta.versions.map((v) => v.primary), [false, true]);
});

versions('rotateKey takes new material of the same size, refuses another size or the same material', async () => {
  const ring = await testKeyring();
  const rotated = await ring.rotateKey(TEST_KEY_ID, { material: testKeyBytes(32, 100) });
  const other = new Keyring({ crypto, region: 'us-east-2', accountId: '111122223333' });
  await other.importKey({ keyId: TEST_KEY_ID, material: testKeyBytes(32, 100) });
  assert.is(other.describeKey(TEST_KEY_ID).currentKeyMaterialId, rotated.keyMaterialId, 'the material id depends on key id and material only');
  await rejects(ring.rotateKey(TEST_KEY_ID, { material: testKeyBytes(16) }), 'ValidationException', /same size/);
  await rejects(ring.rotateKey(TEST_KEY_ID, { material: testKeyBytes(32, 100) }), 'ValidationException', /already/);
});

versions('versionId picks an older version; an unknown one is a NotFoundException', async () => {
  const ring = await testKeyring();
  const initial = ring.describeKey(TEST_KEY_ID).initialVersionId;
  await ring.rotateKey(TEST_KEY_ID);
  const key = await ring.generateDataKey({ keyId: TEST_KEY_ID, versionId: initial });
  assert.is(key.versionId, initial);
  const sealed = await ring.encrypt({ keyId: TEST_KEY_ID, plaintext: new Uint8Array([1]), versionId: initial });
  assert.is(sealed.versionId, initial);
  await rejects(ring.generateDataKey({ keyId: TEST_KEY_ID, versionId: 'ffffffffffffffff' }), 'NotFoundException', /version/);
});

versions('a blob naming a version the keyring lacks is an InvalidCiphertextException', async () => {
  const ring = await testKeyring();
  await ring.rotateKey(TEST_KEY_ID, { material: testKeyBytes(32, 7) });
  const key = await ring.generateDataKey({ keyId: TEST_KEY_ID });
  const fresh = await testKeyring();
  await rejects(fresh.decrypt({ ciphertextBlob: key.ciphertextBlob }), 'InvalidCiphertextException', /version/);
});

versions('data keys generated during a rotation all decrypt', async () => {
  const ring = await testKeyring();
  const pending = Array.from({ length: 200 }, (_, i) => ring.generateDataKey({ keyId: TEST_KEY_ID, encryptionContext: { i: String(i) } }));
  const rotation = ring.rotateKey(TEST_KEY_ID);
  pending.push(...Array.from({ length: 200 }, (_, i) => ring.generateDataKey({ keyId: TEST_KEY_ID, encryptionContext: { i: String(200 + i) } })));
  await rotation;
  const keys = await Promise.all(pending);
  const opened = await Promise.all(keys.map((k, i) => ring.decrypt({ ciphertextBlob: k.ciphertextBlob, encryptionContext: { i: String(i) } })));
  opened.forEach((o, i) => assert.ok(sameBytes(o.plaintext, keys[i].plaintext)));
});

versions('the per-version encryption limit refuses with KMSInvalidStateException until a rotation', async () => {
  const ring = await testKeyring({ maxEncryptionsPerKeyVersion: 3 });
  for (let i = 0; i < 3; i++) await ring.generateDataKey({ keyId: TEST_KEY_ID });
  await rejects(ring.generateDataKey({ keyId: TEST_KEY_ID }), 'KMSInvalidStateException', /rotate/);
  await rejects(ring.encrypt({ keyId: TEST_KEY_ID, plaintext: new Uint8Array(1) }), 'KMSInvalidStateException');
  await ring.rotateKey(TEST_KEY_ID);
  await ring.generateDataKey({ keyId: TEST_KEY_ID });
  await rejects(testKeyring({ maxEncryptionsPerKeyVersion: 0 }), 'ValidationException', /maxEncryptionsPerKeyVersion/);
});

versions.run();

const aliases = suite('aliases and key ids');

aliases('createAlias, updateAlias, deleteAlias and listAliases', async () => {
  const ring = await testKeyring();
  await ring.importKey({ keyId: 'second', material: testKeyBytes(16) });
  await ring.createAlias('alias/app/prod', TEST_KEY_ID);
  assert.is((await ring.generateDataKey({ keyId: 'alias/app/prod' })).keyId, TEST_KEY_ID);
  await ring.updateAlias('alias/app/prod', 'arn:aws:kms:us-east-2:111122223333:key/second');
  assert.is((await ring.generateDataKey({ keyId: 'alias/app/prod' })).keyId, 'second');
  assert.equal(ring.listAliases(), [
    { aliasName: 'alias/ExampleAlias', aliasArn: 'arn:aws:kms:us-east-2:111122223333:alias/ExampleAlias', targetKeyId: TEST_KEY_ID },
    { aliasName: 'alias/app/prod', aliasArn: 'arn:aws:kms:us-east-2:111122223333:alias/app/prod', targetKeyId: 'second' },
  ]);
  assert.equal(ring.listAliases('second').map((a) => a.aliasName), ['alias/app/prod']);
  assert.equal(ring.describeKey('second').aliases, ['alias/app/prod']);
  await ring.deleteAlias('alias/app/prod');
  await rejects(ring.generateDataKey({ keyId: 'alias/app/prod' }), 'NotFoundException', /alias/);
  assert.is(ring.describeKey('second').keyId, 'second', 'deleting an alias keeps the key');
});

aliases('alias errors: taken, unknown key, alias target, unknown alias, bad names', async () => {
  const ring = await testKeyring();
  await rejects(ring.createAlias('alias/ExampleAlias', TEST_KEY_ID), 'AlreadyExistsException');
  await rejects(ring.createAlias('alias/new', 'missing'), 'NotFoundException');
  await rejects(ring.createAlias('alias/new', 'alias/ExampleAlias'), 'ValidationException', /alias/);
  await rejects(ring.deleteAlias('alias/never'), 'NotFoundException');
  await rejects(ring.updateAlias('alias/never', TEST_KEY_ID), 'NotFoundException');
  for (const name of ['ExampleAlias', 'alias/', 'alias/aws/reserved', 'alias/has space', `alias/${'a'.repeat(251)}`, 'alias/é']) {
    await rejects(ring.createAlias(name, TEST_KEY_ID), 'ValidationException');
  }
  await ring.createAlias(`alias/${'a'.repeat(250)}`, TEST_KEY_ID);
});

aliases('ifTargetKeyId: updateAlias and deleteAlias change an alias only while it points at that key', async () => {
  const ring = await testKeyring();
  await ring.importKey({ keyId: 'second', material: testKeyBytes(16) });
  await rejects(ring.updateAlias('alias/ExampleAlias', 'second', { ifTargetKeyId: 'second' }), 'ConflictException', /no longer points at key second/);
  await rejects(ring.deleteAlias('alias/ExampleAlias', { ifTargetKeyId: 'second' }), 'ConflictException');
  assert.is(ring.describeKey('alias/ExampleAlias').keyId, TEST_KEY_ID, 'nothing changed');
  await rejects(ring.updateAlias('alias/ExampleAlias', 'second', { ifTargetKeyId: 'alias/ExampleAlias' }), 'ValidationException', /not an alias/);
  await rejects(ring.updateAlias('alias/ExampleAlias', 'second', new Map([['ifTargetKeyId', 'second']])), 'ValidationException', /updateAlias takes/);
  await rejects(ring.deleteAlias('alias/ExampleAlias', 'second'), 'ValidationException', /deleteAlias takes/);
  await ring.updateAlias('alias/ExampleAlias', 'second', { ifTargetKeyId: `arn:aws:kms:us-east-2:111122223333:key/${TEST_KEY_ID}` });
  assert.is(ring.describeKey('alias/ExampleAlias').keyId, 'second');
  await ring.deleteAlias('alias/ExampleAlias', { ifTargetKeyId: 'second' });
  assert.equal(ring.listAliases(), []);
});

aliases('ARNs of another region or account name nothing here', async () => {
  const ring = await testKeyring();
  await rejects(ring.generateDataKey({ keyId: `arn:aws:kms:eu-west-1:111122223333:key/${TEST_KEY_ID}` }), 'NotFoundException', /region/);
  await rejects(ring.generateDataKey({ keyId: `arn:aws:kms:us-east-2:999999999999:key/${TEST_KEY_ID}` }), 'NotFoundException', /account/);
  await rejects(ring.generateDataKey({ keyId: 'arn:aws:s3:::bucket' }), 'ValidationException', /ARN/);
  await rejects(ring.generateDataKey({ keyId: 'unknown-key' }), 'NotFoundException', /unknown-key/);
  await rejects(ring.generateDataKey({ keyId: 'alias/unknown' }), 'NotFoundException', /alias\/unknown/);
});

aliases('keyring options: region and account shape the ARNs, and are validated', async () => {
  const ring = keyring();
  const meta = await ring.createKey({ keyId: 'k' });
  assert.is(meta.arn, 'arn:aws:kms:us-east-1:000000000000:key/k');
  assert.throws(() => keyring({ region: 'US East' }), (e) => e.name === 'ValidationException');
  assert.throws(() => keyring({ accountId: '123' }), (e) => e.name === 'ValidationException');
  assert.throws(() => new Keyring({ crypto: {} }), (e) => e.name === 'UnsupportedOperationException');
});

aliases.run();

const state = suite('enable, disable, describe, list');

state('a disabled key neither wraps nor unwraps; enabling it restores both', async () => {
  const ring = await testKeyring();
  const key = await ring.generateDataKey({ keyId: TEST_KEY_ID });
  await ring.disableKey('alias/ExampleAlias');
  assert.is(ring.describeKey(TEST_KEY_ID).keyState, 'Disabled');
  assert.is(ring.describeKey(TEST_KEY_ID).enabled, false);
  await rejects(ring.generateDataKey({ keyId: TEST_KEY_ID }), 'DisabledException', new RegExp(TEST_KEY_ID));
  await rejects(ring.generateDataKeyWithoutPlaintext({ keyId: TEST_KEY_ID }), 'DisabledException');
  await rejects(ring.encrypt({ keyId: TEST_KEY_ID, plaintext: new Uint8Array(1) }), 'DisabledException');
  await rejects(ring.decrypt({ ciphertextBlob: key.ciphertextBlob }), 'DisabledException');
  await rejects(ring.rotateKey(TEST_KEY_ID), 'DisabledException');
  await rejects(ring.reEncrypt({ ciphertextBlob: key.ciphertextBlob, destinationKeyId: TEST_KEY_ID }), 'DisabledException');
  await ring.enableKey(TEST_KEY_ID);
  assert.ok(sameBytes((await ring.decrypt({ ciphertextBlob: key.ciphertextBlob })).plaintext, key.plaintext));
});

state('unknown keys are NotFoundExceptions everywhere', async () => {
  const ring = await testKeyring();
  for (const call of [() => ring.describeKey('nope'), () => ring.listAliases('nope')]) {
    assert.throws(call, (e) => e.name === 'NotFoundException');
  }
  await rejects(ring.disableKey('nope'), 'NotFoundException');
  await rejects(ring.enableKey('nope'), 'NotFoundException');
  await rejects(ring.rotateKey('nope'), 'NotFoundException');
  await rejects(ring.encrypt({ keyId: 'nope', plaintext: new Uint8Array(1) }), 'NotFoundException');
});

state('listKeys lists id and ARN of every key in order', async () => {
  const ring = await testKeyring();
  await ring.createKey({ keyId: 'b' });
  assert.equal(ring.listKeys(), [
    { keyId: TEST_KEY_ID, keyArn: `arn:aws:kms:us-east-2:111122223333:key/${TEST_KEY_ID}` },
    { keyId: 'b', keyArn: 'arn:aws:kms:us-east-2:111122223333:key/b' },
  ]);
});

state('describeKey returns copies: changing them changes nothing', async () => {
  const ring = await testKeyring();
  const meta = ring.describeKey(TEST_KEY_ID);
  meta.versions.length = 0;
  meta.aliases.push('alias/fake');
  meta.creationDate.setTime(0);
  const again = ring.describeKey(TEST_KEY_ID);
  assert.is(again.versions.length, 1);
  assert.equal(again.aliases, ['alias/ExampleAlias']);
  assert.is.not(again.creationDate.getTime(), 0);
});

state.run();

const engines = suite('engine differences');

engines(`192-bit master keys: ${has('aes192') ? 'work here' : 'UnsupportedOperationException here'}`, async () => {
  const ring = keyring();
  if (has('aes192')) {
    const meta = await ring.importKey({ keyId: 'k192', material: testKeyBytes(24) });
    assert.is(meta.keySpec, 'AES_192');
    const created = await ring.createKey({ keySpec: 'AES_192' });
    const key = await ring.generateDataKey({ keyId: 'k192' });
    assert.ok(sameBytes((await ring.decrypt({ ciphertextBlob: key.ciphertextBlob })).plaintext, key.plaintext));
    assert.is(created.keySpec, 'AES_192');
  } else {
    await rejects(ring.importKey({ keyId: 'k192', material: testKeyBytes(24) }), 'UnsupportedOperationException', /192-bit/);
    await rejects(ring.createKey({ keySpec: 'AES_192' }), 'UnsupportedOperationException', /192-bit/);
  }
});

engines('192-bit data keys work everywhere: they are random bytes wrapped under the master key', async () => {
  const ring = await testKeyring();
  const key = await ring.generateDataKey({ keyId: TEST_KEY_ID, keySpec: 'AES_192' });
  assert.is(key.plaintext.length, 24);
});

engines.run();
