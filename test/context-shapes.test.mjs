// Encryption contexts bind what the caller meant, or are refused: a plain object's own pairs or a
// Map's entries; never a Headers, URLSearchParams, class instance or object with hidden
// properties silently read as the empty context (Object.entries sees nothing in them).
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { DataKeyCache, Keyring, RawAesKeyring, open, openStream, readHeader, seal, sealStream, sealedSize } from '../src/index.ts';
import { AwsKms } from '../src/dialects/aws.ts';
import { crypto } from './support/env.mjs';
import { TEST_KEY_ID, collect, rejects, sameBytes, testKeyBytes, testKeyring } from './support/helpers.mjs';

class Tenant {
  get tenant() {
    return 'acme';
  }
}

/** Objects that Object.entries reads as {} although the caller meant { tenant: 'acme' }. */
function hiddenContexts() {
  const inherited = Object.create({ tenant: 'acme' });
  const nonEnumerable = Object.defineProperty({}, 'tenant', { value: 'acme', enumerable: false });
  const symbolKeyed = { [Symbol('tenant')]: 'acme' };
  return {
    URLSearchParams: new URLSearchParams('tenant=acme'),
    Headers: new Headers({ tenant: 'acme' }),
    'a class instance with a getter': new Tenant(),
    'an object with an inherited property': inherited,
    'an object with a non-enumerable property': nonEnumerable,
    'an object with a symbol key': symbolKeyed,
    'an array': [['tenant', 'acme']],
    'a Set': new Set(['tenant']),
    'a Date': new Date(0),
  };
}

const refused = suite('contexts Object.entries would read as empty are refused');

refused('by generateDataKey, encrypt, decrypt and both sides of reEncrypt, with ValidationException naming the kind', async () => {
  const keyring = await testKeyring();
  const { ciphertextBlob } = await keyring.encrypt({ keyId: TEST_KEY_ID, plaintext: Uint8Array.of(1) });
  for (const [kind, context] of Object.entries(hiddenContexts())) {
    await rejects(keyring.generateDataKey({ keyId: TEST_KEY_ID, encryptionContext: context }), 'ValidationException', /encryptionContext must be a plain object or a Map/);
    await rejects(keyring.generateDataKeyWithoutPlaintext({ keyId: TEST_KEY_ID, encryptionContext: context }), 'ValidationException');
    await rejects(keyring.encrypt({ keyId: TEST_KEY_ID, plaintext: Uint8Array.of(1), encryptionContext: context }), 'ValidationException');
    const error = await rejects(keyring.decrypt({ ciphertextBlob, encryptionContext: context }), 'ValidationException');
    assert.not.match(error.message, /acme/, `${kind}: the message names the kind, not the contents`);
    await rejects(keyring.reEncrypt({ ciphertextBlob, sourceEncryptionContext: context, destinationKeyId: TEST_KEY_ID }), 'ValidationException', /sourceEncryptionContext/);
    await rejects(keyring.reEncrypt({ ciphertextBlob, destinationKeyId: TEST_KEY_ID, destinationEncryptionContext: context }), 'ValidationException', /destinationEncryptionContext/);
  }
});

refused('the message says what was given', async () => {
  const keyring = await testKeyring();
  const given = hiddenContexts();
  const message = async (context) => (await rejects(keyring.encrypt({ keyId: TEST_KEY_ID, plaintext: Uint8Array.of(1), encryptionContext: context }), 'ValidationException')).message;
  assert.match(await message(given.Headers), /not a "Headers"/);
  assert.match(await message(given.URLSearchParams), /not a "URLSearchParams"/);
  assert.match(await message(given['a class instance with a getter']), /not an instance of "Tenant"/);
  assert.match(await message(given['an object with a symbol key']), /inherited, symbol or non-enumerable/);
  assert.match(await message(given['an array']), /not an array/);
});

refused('by seal, sealStream, sealedSize, and by open and openStream as the required context', async () => {
  const raw = new RawAesKeyring({ keyNamespace: 'ns', keyName: 'k', material: testKeyBytes(), crypto });
  const sealed = await seal(raw, 'data', { encryptionContext: { tenant: 'acme' } });
  for (const context of Object.values(hiddenContexts())) {
    await rejects(seal(raw, 'data', { encryptionContext: context }), 'ValidationException', /encryptionContext/);
    await rejects(() => sealStream(raw, { encryptionContext: context }), 'ValidationException');
    await rejects(sealedSize(raw, 1, { encryptionContext: context }), 'ValidationException');
    await rejects(open(raw, sealed, { encryptionContext: context }), 'ValidationException', /encryptionContext/);
    await rejects(() => new Response(sealed).body.pipeThrough(openStream(raw, { encryptionContext: context })), 'ValidationException');
  }
});

refused('by the AWS dialect, for EncryptionContext and for the request itself', async () => {
  const aws = new AwsKms(await testKeyring());
  for (const context of Object.values(hiddenContexts())) {
    await rejects(aws.generateDataKey({ KeyId: TEST_KEY_ID, KeySpec: 'AES_256', EncryptionContext: context }), 'ValidationException', /EncryptionContext/);
  }
  await rejects(aws.listKeys(new Map([['Limit', 1]])), 'ValidationException', /ListKeys takes an object with the fields .* not a "Map"/);
  await rejects(aws.generateDataKey(new URLSearchParams('KeyId=x')), 'ValidationException', /not a "URLSearchParams"/);
});

refused('option objects whose data are not properties: a Map of options is not "no options"', async () => {
  const raw = new RawAesKeyring({ keyNamespace: 'ns', keyName: 'k', material: testKeyBytes(), crypto });
  const options = new Map([['encryptionContext', { tenant: 'acme' }]]);
  await rejects(seal(raw, 'data', options), 'ValidationException', /options must be an object .* not a "Map"/);
  await rejects(() => new Keyring(new Map([['region', 'eu-west-1']])), 'ValidationException', /not a "Map"/);
  await rejects(new Keyring({ crypto }).createKey(new Map([['keyId', 'x']])), 'ValidationException', /not a "Map"/);
  await rejects(() => new DataKeyCache(new Map([['maxAge', 1000]])), 'ValidationException');
  const keyring = await testKeyring();
  await rejects(keyring.generateDataKey(new Map([['keyId', TEST_KEY_ID]])), 'ValidationException', /not a "Map"/);
});

const accepted = suite('plain objects and Maps bind their pairs');

accepted('a Map binds its entries: the same pairs as an object or a Map open it, others do not', async () => {
  const keyring = await testKeyring();
  const { ciphertextBlob } = await keyring.encrypt({ keyId: TEST_KEY_ID, plaintext: Uint8Array.of(7), encryptionContext: new Map([['tenant', 'acme'], ['app', 'x']]) });
  assert.equal([...(await keyring.decrypt({ ciphertextBlob, encryptionContext: { app: 'x', tenant: 'acme' } })).plaintext], [7]);
  assert.equal([...(await keyring.decrypt({ ciphertextBlob, encryptionContext: new Map([['app', 'x'], ['tenant', 'acme']]) })).plaintext], [7]);
  await rejects(keyring.decrypt({ ciphertextBlob }), 'InvalidCiphertextException');
  await rejects(keyring.decrypt({ ciphertextBlob, encryptionContext: new Map([['tenant', 'evil'], ['app', 'x']]) }), 'InvalidCiphertextException');
  await rejects(keyring.decrypt({ ciphertextBlob, encryptionContext: new Map() }), 'InvalidCiphertextException');
});

accepted('a Map with a non-string key or value is refused', async () => {
  const keyring = await testKeyring();
  await rejects(keyring.encrypt({ keyId: TEST_KEY_ID, plaintext: Uint8Array.of(1), encryptionContext: new Map([[1, 'a']]) }), 'ValidationException', /key must be a string/);
  await rejects(keyring.encrypt({ keyId: TEST_KEY_ID, plaintext: Uint8Array.of(1), encryptionContext: new Map([['a', 1]]) }), 'ValidationException', /value of "a" must be a string/);
});

accepted('an object without a prototype binds like an object literal', async () => {
  const keyring = await testKeyring();
  const bare = Object.assign(Object.create(null), { tenant: 'acme' });
  const { ciphertextBlob } = await keyring.encrypt({ keyId: TEST_KEY_ID, plaintext: Uint8Array.of(1), encryptionContext: bare });
  assert.is((await keyring.decrypt({ ciphertextBlob, encryptionContext: { tenant: 'acme' } })).plaintext[0], 1);
});

accepted('seal stores a Map context; open requires a Map\'s pairs, and refuses a Map with another value', async () => {
  const raw = new RawAesKeyring({ keyNamespace: 'ns', keyName: 'k', material: testKeyBytes(), crypto });
  const sealed = await seal(raw, 'data', { encryptionContext: new Map([['tenant', 'acme']]) });
  assert.equal(readHeader(sealed).encryptionContext, { tenant: 'acme' });
  assert.ok(sameBytes(await open(raw, sealed, { encryptionContext: new Map([['tenant', 'acme']]) }), new TextEncoder().encode('data')));
  await rejects(open(raw, sealed, { encryptionContext: new Map([['tenant', 'evil']]) }), 'InvalidCiphertextException', /another value for the required key "tenant"/);
  const streamed = await collect(new Response(sealed).body.pipeThrough(openStream(raw, { encryptionContext: new Map([['tenant', 'acme']]) })));
  assert.ok(sameBytes(streamed, new TextEncoder().encode('data')));
  const viaStream = await collect(new Response('data').body.pipeThrough(sealStream(raw, { encryptionContext: new Map([['tenant', 'acme']]) })));
  assert.equal(readHeader(viaStream).encryptionContext, { tenant: 'acme' });
});

accepted('a Keyring seal binds a Map context to its data key too', async () => {
  const keyring = await testKeyring();
  const sealed = await seal(keyring, 'data', { keyId: TEST_KEY_ID, encryptionContext: new Map([['tenant', 'acme']]) });
  const [edk] = readHeader(sealed).encryptedDataKeys;
  await rejects(keyring.decrypt({ ciphertextBlob: edk.ciphertext }), 'InvalidCiphertextException');
  assert.is((await keyring.decrypt({ ciphertextBlob: edk.ciphertext, encryptionContext: { tenant: 'acme' } })).plaintext.length, 32);
});

refused.run();
accepted.run();
