import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { Keyring, base64 } from '../src/index.ts';
import { crypto } from './support/env.mjs';
import { TEST_KEY_ID, rejects, sameBytes, testKeyring } from './support/helpers.mjs';

const ARN = `arn:aws:kms:us-east-2:111122223333:key/${TEST_KEY_ID}`;

const sizes = suite('generateDataKey: sizes');

sizes('neither keySpec nor numberOfBytes gives a 32-byte key', async () => {
  const keyring = await testKeyring();
  const key = await keyring.generateDataKey({ keyId: TEST_KEY_ID });
  assert.is(key.plaintext.length, 32);
});

for (const [keySpec, length] of [['AES_128', 16], ['AES_192', 24], ['AES_256', 32]]) {
  sizes(`keySpec ${keySpec} gives ${length} bytes`, async () => {
    const keyring = await testKeyring();
    const key = await keyring.generateDataKey({ keyId: TEST_KEY_ID, keySpec });
    assert.is(key.plaintext.length, length);
    const opened = await keyring.decrypt({ ciphertextBlob: key.ciphertextBlob });
    assert.ok(sameBytes(opened.plaintext, key.plaintext));
  });
}

for (const n of [1, 2, 31, 33, 64, 512, 1024]) {
  sizes(`numberOfBytes ${n} gives ${n} bytes that decrypt back`, async () => {
    const keyring = await testKeyring();
    const key = await keyring.generateDataKey({ keyId: TEST_KEY_ID, numberOfBytes: n });
    assert.is(key.plaintext.length, n);
    assert.is(key.ciphertextBlob.length, 2 + TEST_KEY_ID.length + 8 + 12 + n + 16);
    const opened = await keyring.decrypt({ ciphertextBlob: key.ciphertextBlob });
    assert.ok(sameBytes(opened.plaintext, key.plaintext));
  });
}

sizes('numberOfBytes prevails over keySpec when both are given', async () => {
  const keyring = await testKeyring();
  const key = await keyring.generateDataKey({ keyId: TEST_KEY_ID, keySpec: 'AES_128', numberOfBytes: 64 });
  assert.is(key.plaintext.length, 64);
});

for (const bad of [0, 1025, -1, 2.5, NaN, Infinity, '32', null, 32n]) {
  sizes(`numberOfBytes ${typeof bad === 'string' ? JSON.stringify(bad) : String(bad)} is a ValidationException`, async () => {
    const keyring = await testKeyring();
    await rejects(keyring.generateDataKey({ keyId: TEST_KEY_ID, numberOfBytes: bad }), 'ValidationException', /numberOfBytes/);
  });
}

for (const bad of ['AES_512', 'aes_256', 'SYMMETRIC_DEFAULT', '', 256]) {
  sizes(`keySpec ${JSON.stringify(bad)} is a ValidationException`, async () => {
    const keyring = await testKeyring();
    await rejects(keyring.generateDataKey({ keyId: TEST_KEY_ID, keySpec: bad }), 'ValidationException', /keySpec/);
  });
}

sizes('data keys come from crypto.getRandomValues: each is fresh and they differ', async () => {
  const keyring = await testKeyring();
  const keys = await Promise.all(Array.from({ length: 50 }, () => keyring.generateDataKey({ keyId: TEST_KEY_ID })));
  const seen = new Set(keys.map((k) => base64.encode(k.plaintext)));
  assert.is(seen.size, 50);
  const ivs = new Set(keys.map((k) => base64.encode(k.iv)));
  assert.is(ivs.size, 50);
});

sizes('data keys use the injected crypto, not the global one', async () => {
  let calls = 0;
  const counting = {
    subtle: crypto.subtle,
    getRandomValues: (array) => {
      calls++;
      return crypto.getRandomValues(array);
    },
  };
  const keyring = new Keyring({ crypto: counting });
  await keyring.importKey({ keyId: 'k', material: new Uint8Array(32) });
  const before = calls;
  await keyring.generateDataKey({ keyId: 'k' });
  assert.is(calls - before, 1, 'one call draws the IV and the data key');
});

sizes.run();

const shape = suite('generateDataKey: result');

shape('names the key by id and ARN, never by the alias it was asked for', async () => {
  const keyring = await testKeyring();
  for (const keyId of [TEST_KEY_ID, ARN, 'alias/ExampleAlias', 'arn:aws:kms:us-east-2:111122223333:alias/ExampleAlias']) {
    const key = await keyring.generateDataKey({ keyId });
    assert.is(key.keyId, TEST_KEY_ID);
    assert.is(key.arn, ARN);
  }
});

shape('carries versionId, a 64-hex keyMaterialId, the IV and the algorithm', async () => {
  const keyring = await testKeyring();
  const key = await keyring.generateDataKey({ keyId: TEST_KEY_ID });
  const described = keyring.describeKey(TEST_KEY_ID);
  assert.is(key.versionId, described.primaryVersionId);
  assert.match(key.keyMaterialId, /^[0-9a-f]{64}$/);
  assert.is(key.keyMaterialId, described.currentKeyMaterialId);
  assert.is(key.iv.length, 12);
  assert.is(key.algorithm, 'AES_GCM');
  assert.instance(key.plaintext, Uint8Array);
  assert.instance(key.ciphertextBlob, Uint8Array);
});

shape('a wrapped 32-byte data key under a 36-character key id is at most 128 bytes', async () => {
  const keyring = await testKeyring();
  const key = await keyring.generateDataKey({ keyId: TEST_KEY_ID, encryptionContext: { a: 'b'.repeat(1000) } });
  assert.is(TEST_KEY_ID.length, 36);
  assert.ok(key.ciphertextBlob.length <= 128, `${key.ciphertextBlob.length} bytes`);
});

shape('the plaintext buffer is the caller\'s: zeroing it changes nothing the keyring holds', async () => {
  const keyring = await testKeyring();
  const key = await keyring.generateDataKey({ keyId: TEST_KEY_ID });
  assert.is(key.plaintext.buffer.byteLength, key.plaintext.length, 'the data key has a buffer of its own');
  const copy = key.plaintext.slice();
  key.plaintext.fill(0);
  const opened = await keyring.decrypt({ ciphertextBlob: key.ciphertextBlob });
  assert.ok(sameBytes(opened.plaintext, copy));
  assert.is(opened.plaintext.buffer.byteLength, opened.plaintext.length, 'a buffer of its own, not a view into a bigger one');
});

shape('generateDataKeyWithoutPlaintext returns the same fields but no plaintext, and it decrypts', async () => {
  const keyring = await testKeyring();
  const key = await keyring.generateDataKeyWithoutPlaintext({ keyId: 'alias/ExampleAlias', numberOfBytes: 48 });
  assert.not.ok('plaintext' in key);
  assert.is(key.keyId, TEST_KEY_ID);
  const opened = await keyring.decrypt({ ciphertextBlob: key.ciphertextBlob });
  assert.is(opened.plaintext.length, 48);
});

shape.run();

const context = suite('encryption context and AAD');

context('decrypt needs the same context; key order does not matter', async () => {
  const keyring = await testKeyring();
  const key = await keyring.generateDataKey({ keyId: TEST_KEY_ID, encryptionContext: { purpose: 'test', user: 'ana' } });
  const opened = await keyring.decrypt({ ciphertextBlob: key.ciphertextBlob, encryptionContext: { user: 'ana', purpose: 'test' } });
  assert.ok(sameBytes(opened.plaintext, key.plaintext));
});

for (const [label, given] of [
  ['a missing context', undefined],
  ['an empty context', {}],
  ['a different value', { purpose: 'test', user: 'bob' }],
  ['an extra pair', { purpose: 'test', user: 'ana', x: '' }],
  ['a missing pair', { purpose: 'test' }],
  ['a renamed key', { purpose: 'test', User: 'ana' }],
]) {
  context(`${label} fails with InvalidCiphertextException, never wrong plaintext`, async () => {
    const keyring = await testKeyring();
    const key = await keyring.generateDataKey({ keyId: TEST_KEY_ID, encryptionContext: { purpose: 'test', user: 'ana' } });
    await rejects(keyring.decrypt({ ciphertextBlob: key.ciphertextBlob, encryptionContext: given }), 'InvalidCiphertextException');
  });
}

context('a context given where none was bound fails', async () => {
  const keyring = await testKeyring();
  const key = await keyring.generateDataKey({ keyId: TEST_KEY_ID });
  await rejects(keyring.decrypt({ ciphertextBlob: key.ciphertextBlob, encryptionContext: { a: 'b' } }), 'InvalidCiphertextException');
  const opened = await keyring.decrypt({ ciphertextBlob: key.ciphertextBlob, encryptionContext: {} });
  assert.ok(sameBytes(opened.plaintext, key.plaintext), 'no context and {} are the same');
});

context('{"ab":"c"} and {"a":"bc"} are different contexts (length-prefixed, not concatenated)', async () => {
  const keyring = await testKeyring();
  const key = await keyring.generateDataKey({ keyId: TEST_KEY_ID, encryptionContext: { ab: 'c' } });
  await rejects(keyring.decrypt({ ciphertextBlob: key.ciphertextBlob, encryptionContext: { a: 'bc' } }), 'InvalidCiphertextException');
  await rejects(keyring.decrypt({ ciphertextBlob: key.ciphertextBlob, encryptionContext: { abc: '' } }), 'InvalidCiphertextException');
});

context('unicode keys and values, empty strings and many pairs round-trip', async () => {
  const keyring = await testKeyring();
  const encryptionContext = { '': '', 'ключ': 'значение', '😀': '\u0000', 'é': 'e\u0301' };
  for (let i = 0; i < 100; i++) encryptionContext[`k${i}`] = `v${i}`;
  const key = await keyring.generateDataKey({ keyId: TEST_KEY_ID, encryptionContext });
  const reordered = Object.fromEntries(Object.entries(encryptionContext).reverse());
  const opened = await keyring.decrypt({ ciphertextBlob: key.ciphertextBlob, encryptionContext: reordered });
  assert.ok(sameBytes(opened.plaintext, key.plaintext));
  await rejects(
    keyring.decrypt({ ciphertextBlob: key.ciphertextBlob, encryptionContext: { ...encryptionContext, 'é': 'é' } }),
    'InvalidCiphertextException',
    undefined,
  );
});

for (const [label, bad] of [
  ['a number value', { a: 1 }],
  ['a null value', { a: null }],
  ['an array', ['a']],
  ['a string', 'a=b'],
  ['null', null],
  ['a lone surrogate in a value', { a: '\uD800' }],
  ['a lone surrogate in a key', { '\uDC00': 'a' }],
]) {
  context(`a context that is ${label} is a ValidationException`, async () => {
    const keyring = await testKeyring();
    await rejects(keyring.generateDataKey({ keyId: TEST_KEY_ID, encryptionContext: bad }), 'ValidationException', /encryptionContext/);
  });
}

context('AAD bytes bind like the context, and separately from it', async () => {
  const keyring = await testKeyring();
  const aad = new TextEncoder().encode('row 42');
  const key = await keyring.generateDataKey({ keyId: TEST_KEY_ID, aad, encryptionContext: { t: 'x' } });
  const opened = await keyring.decrypt({ ciphertextBlob: key.ciphertextBlob, aad: aad.buffer, encryptionContext: { t: 'x' } });
  assert.ok(sameBytes(opened.plaintext, key.plaintext));
  await rejects(keyring.decrypt({ ciphertextBlob: key.ciphertextBlob, encryptionContext: { t: 'x' } }), 'InvalidCiphertextException');
  await rejects(keyring.decrypt({ ciphertextBlob: key.ciphertextBlob, aad }), 'InvalidCiphertextException');
  await rejects(
    keyring.decrypt({ ciphertextBlob: key.ciphertextBlob, aad: new TextEncoder().encode('row 43'), encryptionContext: { t: 'x' } }),
    'InvalidCiphertextException',
  );
});

context('AAD that is not bytes is a ValidationException', async () => {
  const keyring = await testKeyring();
  await rejects(keyring.generateDataKey({ keyId: TEST_KEY_ID, aad: 'text' }), 'ValidationException', /aad/);
  await rejects(keyring.generateDataKey({ keyId: TEST_KEY_ID, aad: [1, 2] }), 'ValidationException', /aad/);
});

context.run();

const ops = suite('encrypt, decrypt, reEncrypt');

ops('encrypt wraps 1 to 4,096 bytes; decrypt gives them back', async () => {
  const keyring = await testKeyring();
  for (const n of [1, 100, 4096]) {
    const plaintext = crypto.getRandomValues(new Uint8Array(n));
    const sealed = await keyring.encrypt({ keyId: 'alias/ExampleAlias', plaintext, encryptionContext: { n: String(n) } });
    assert.is(sealed.keyId, TEST_KEY_ID);
    const opened = await keyring.decrypt({ ciphertextBlob: sealed.ciphertextBlob, encryptionContext: { n: String(n) } });
    assert.ok(sameBytes(opened.plaintext, plaintext));
  }
});

for (const n of [0, 4097]) {
  ops(`encrypt of ${n} bytes is a ValidationException`, async () => {
    const keyring = await testKeyring();
    await rejects(keyring.encrypt({ keyId: TEST_KEY_ID, plaintext: new Uint8Array(n) }), 'ValidationException', /plaintext/);
  });
}

ops('encrypt of a string is a ValidationException', async () => {
  const keyring = await testKeyring();
  await rejects(keyring.encrypt({ keyId: TEST_KEY_ID, plaintext: 'secret' }), 'ValidationException', /plaintext/);
});

ops('decrypt takes the blob as base64 text', async () => {
  const keyring = await testKeyring();
  const key = await keyring.generateDataKey({ keyId: TEST_KEY_ID });
  const opened = await keyring.decrypt({ ciphertextBlob: base64.encode(key.ciphertextBlob) });
  assert.ok(sameBytes(opened.plaintext, key.plaintext));
  assert.is(opened.keyId, TEST_KEY_ID);
  assert.is(opened.arn, ARN);
  assert.is(opened.versionId, key.versionId);
  assert.is(opened.keyMaterialId, key.keyMaterialId);
});

ops('decrypt of malformed base64 is a ValidationException', async () => {
  const keyring = await testKeyring();
  await rejects(keyring.decrypt({ ciphertextBlob: 'not base64!' }), 'ValidationException', /base64/);
});

ops('decrypt with the right keyId (any form) works; another key is an IncorrectKeyException', async () => {
  const keyring = await testKeyring();
  await keyring.importKey({ keyId: 'other', material: new Uint8Array(32).fill(9) });
  const key = await keyring.generateDataKey({ keyId: TEST_KEY_ID });
  for (const keyId of [TEST_KEY_ID, ARN, 'alias/ExampleAlias']) {
    const opened = await keyring.decrypt({ ciphertextBlob: key.ciphertextBlob, keyId });
    assert.ok(sameBytes(opened.plaintext, key.plaintext));
  }
  await rejects(keyring.decrypt({ ciphertextBlob: key.ciphertextBlob, keyId: 'other' }), 'IncorrectKeyException', /other/);
  await rejects(keyring.decrypt({ ciphertextBlob: key.ciphertextBlob, keyId: 'missing' }), 'NotFoundException');
});

ops('a blob from a keyring without its key is an InvalidCiphertextException that names the key', async () => {
  const keyring = await testKeyring();
  const key = await keyring.generateDataKey({ keyId: TEST_KEY_ID });
  const stranger = new Keyring({ crypto });
  await rejects(stranger.decrypt({ ciphertextBlob: key.ciphertextBlob }), 'InvalidCiphertextException', new RegExp(TEST_KEY_ID));
});

ops('the same key id with other material cannot open the blob', async () => {
  const keyring = await testKeyring();
  const key = await keyring.generateDataKey({ keyId: TEST_KEY_ID });
  const impostor = new Keyring({ crypto, region: 'us-east-2', accountId: '111122223333' });
  await impostor.importKey({ keyId: TEST_KEY_ID, material: new Uint8Array(32).fill(1) });
  await rejects(impostor.decrypt({ ciphertextBlob: key.ciphertextBlob }), 'InvalidCiphertextException');
});

ops('reEncrypt moves a secret to another key and context without returning it', async () => {
  const keyring = await testKeyring();
  await keyring.createKey({ keyId: 'dest', aliases: ['alias/dest'] });
  const key = await keyring.generateDataKey({ keyId: TEST_KEY_ID, encryptionContext: { from: 'a' } });
  const moved = await keyring.reEncrypt({
    ciphertextBlob: key.ciphertextBlob,
    sourceEncryptionContext: { from: 'a' },
    destinationKeyId: 'alias/dest',
    destinationEncryptionContext: { to: 'b' },
  });
  assert.not.ok('plaintext' in moved);
  assert.is(moved.keyId, 'dest');
  assert.is(moved.sourceKeyId, TEST_KEY_ID);
  assert.is(moved.sourceArn, ARN);
  assert.is(moved.sourceKeyMaterialId, key.keyMaterialId);
  const opened = await keyring.decrypt({ ciphertextBlob: moved.ciphertextBlob, encryptionContext: { to: 'b' } });
  assert.ok(sameBytes(opened.plaintext, key.plaintext));
  await rejects(keyring.decrypt({ ciphertextBlob: moved.ciphertextBlob, encryptionContext: { from: 'a' } }), 'InvalidCiphertextException');
});

ops('reEncrypt binds the destination AAD as given at the call, not as the array is when it finishes', async () => {
  const keyring = await testKeyring();
  const key = await keyring.generateDataKey({ keyId: TEST_KEY_ID });
  const aad = Uint8Array.of(1, 2, 3);
  const moving = keyring.reEncrypt({ ciphertextBlob: key.ciphertextBlob, destinationKeyId: TEST_KEY_ID, destinationAad: aad });
  aad.fill(9);
  const moved = await moving;
  const opened = await keyring.decrypt({ ciphertextBlob: moved.ciphertextBlob, aad: Uint8Array.of(1, 2, 3) });
  assert.ok(sameBytes(opened.plaintext, key.plaintext));
});

ops('reEncrypt with the wrong source context fails and names nothing secret', async () => {
  const keyring = await testKeyring();
  const key = await keyring.generateDataKey({ keyId: TEST_KEY_ID, encryptionContext: { from: 'a' } });
  await rejects(
    keyring.reEncrypt({ ciphertextBlob: key.ciphertextBlob, sourceEncryptionContext: { from: 'b' }, destinationKeyId: TEST_KEY_ID }),
    'InvalidCiphertextException',
  );
  await rejects(
    keyring.reEncrypt({ ciphertextBlob: key.ciphertextBlob, sourceEncryptionContext: { from: 'a' }, destinationKeyId: 'nope' }),
    'NotFoundException',
  );
  await rejects(
    keyring.reEncrypt({ ciphertextBlob: key.ciphertextBlob, sourceKeyId: 'alias/ExampleAlias', destinationKeyId: TEST_KEY_ID, destinationEncryptionContext: { x: 1 } }),
    'ValidationException',
    /destinationEncryptionContext/,
  );
});

ops('missing or malformed arguments are ValidationExceptions', async () => {
  const keyring = await testKeyring();
  await rejects(keyring.generateDataKey({}), 'ValidationException', /keyId/);
  await rejects(keyring.generateDataKey(), 'ValidationException');
  await rejects(keyring.generateDataKey({ keyId: 42 }), 'ValidationException', /keyId/);
  await rejects(keyring.decrypt({}), 'ValidationException', /ciphertextBlob/);
  await rejects(keyring.decrypt({ ciphertextBlob: 42 }), 'ValidationException', /ciphertextBlob/);
  await rejects(keyring.encrypt({ keyId: TEST_KEY_ID }), 'ValidationException', /plaintext/);
  await rejects(keyring.reEncrypt({ ciphertextBlob: new Uint8Array(200) }), 'ValidationException', /destinationKeyId/);
});

ops('an engine\'s failure to wrapKey is a typed UnsupportedOperationException, not a raw DOMException', async () => {
  const subtle = new Proxy(crypto.subtle, {
    get(target, name) {
      if (name === 'wrapKey') return () => Promise.reject(new DOMException('the engine failed', 'OperationError'));
      const value = target[name];
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
  const keyring = new Keyring({ crypto: { subtle, getRandomValues: (array) => crypto.getRandomValues(array) } });
  await keyring.createKey({ keyId: 'k' });
  await rejects(keyring.generateDataKeyWithoutPlaintext({ keyId: 'k' }), 'UnsupportedOperationException', /cannot wrap a generated key.*OperationError: the engine failed/);
});

ops.run();
