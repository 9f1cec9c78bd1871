import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { base64 } from '../src/index.ts';
import { AwsKms } from '../src/dialects/aws.ts';
import { AlibabaKms, AlibabaKmsInstance } from '../src/dialects/alibaba.ts';
import { YandexKms } from '../src/dialects/yandex.ts';
import { KMSClient } from '../src/dialects/k6.ts';
import { TEST_KEY_ID, rejects, sameBytes, testKeyring } from './support/helpers.mjs';

const b64 = (bytes) => base64.encode(bytes);
const bytesOf = (text) => base64.decode(text);

/** One keyring, every dialect over it. */
async function setup() {
  const keyring = await testKeyring();
  return {
    keyring,
    aws: new AwsKms(keyring),
    alibaba: new AlibabaKms(keyring),
    instance: new AlibabaKmsInstance(keyring),
    yandex: new YandexKms(keyring),
    k6: new KMSClient(keyring),
  };
}

// Each makes a data key under TEST_KEY_ID: its blob as base64, and its plaintext bytes.
const producers = {
  core: async ({ keyring }) => {
    const key = await keyring.generateDataKey({ keyId: TEST_KEY_ID, keySpec: 'AES_256' });
    return { blob: b64(key.ciphertextBlob), plaintext: key.plaintext };
  },
  'AWS GenerateDataKey': async ({ aws }) => {
    const key = await aws.generateDataKey({ KeyId: 'alias/ExampleAlias', KeySpec: 'AES_128' });
    return { blob: key.CiphertextBlob, plaintext: bytesOf(key.Plaintext) };
  },
  'Alibaba GenerateDataKey': async ({ alibaba }) => {
    const key = await alibaba.generateDataKey({ KeyId: TEST_KEY_ID, NumberOfBytes: 48 });
    return { blob: key.CiphertextBlob, plaintext: bytesOf(key.Plaintext) };
  },
  'Alibaba instance GenerateDataKey': async ({ instance }) => {
    const key = await instance.generateDataKey({ KeyId: TEST_KEY_ID, NumberOfBytes: 32 });
    return { blob: key.CiphertextBlob, plaintext: bytesOf(key.Plaintext) };
  },
  'Alibaba instance AdvanceGenerateDataKey': async ({ instance }) => {
    const key = await instance.advanceGenerateDataKey({ KeyId: TEST_KEY_ID, NumberOfBytes: 16 });
    return { blob: key.CiphertextBlob, plaintext: bytesOf(key.Plaintext) };
  },
  'Yandex generateDataKey': async ({ yandex }) => {
    const key = await yandex.generateDataKey(TEST_KEY_ID, { dataKeySpec: 'AES_192' });
    return { blob: key.dataKeyCiphertext, plaintext: bytesOf(key.dataKeyPlaintext) };
  },
  'k6 generateDataKey': async ({ k6 }) => {
    const key = await k6.generateDataKey(TEST_KEY_ID, 64);
    return { blob: key.ciphertextBlob, plaintext: bytesOf(key.plaintext) };
  },
};

// Each opens a blob (base64) and returns the plaintext bytes.
const consumers = {
  core: async ({ keyring }, blob) => (await keyring.decrypt({ ciphertextBlob: blob })).plaintext,
  'AWS Decrypt': async ({ aws }, blob) => bytesOf((await aws.decrypt({ CiphertextBlob: blob })).Plaintext),
  'Alibaba Decrypt': async ({ alibaba }, blob) => bytesOf((await alibaba.decrypt({ CiphertextBlob: blob })).Plaintext),
  'Alibaba instance AdvanceDecrypt': async ({ instance }, blob) => bytesOf((await instance.advanceDecrypt({ CiphertextBlob: blob })).Plaintext),
  'Yandex decrypt': async ({ yandex }, blob) => bytesOf((await yandex.decrypt(TEST_KEY_ID, { ciphertext: blob })).plaintext),
};

const matrix = suite('dialects: every data key opens through every dialect');

for (const [made, produce] of Object.entries(producers)) {
  for (const [opened, consume] of Object.entries(consumers)) {
    matrix(`made by ${made}, opened by ${opened}`, async () => {
      const dialects = await setup();
      const { blob, plaintext } = await produce(dialects);
      assert.ok(sameBytes(await consume(dialects, blob), plaintext));
    });
  }
}

matrix.run();

const bindings = suite('dialects: contexts and AAD carry across');

bindings('an AWS EncryptionContext is the Alibaba EncryptionContext JSON and the core encryptionContext', async () => {
  const { aws, alibaba, keyring } = await setup();
  const made = await aws.generateDataKey({ KeyId: TEST_KEY_ID, KeySpec: 'AES_256', EncryptionContext: { tenant: 'acme', env: 'prod' } });
  assert.is((await alibaba.decrypt({ CiphertextBlob: made.CiphertextBlob, EncryptionContext: '{"env":"prod","tenant":"acme"}' })).Plaintext, made.Plaintext);
  const core = await keyring.decrypt({ ciphertextBlob: made.CiphertextBlob, encryptionContext: { tenant: 'acme', env: 'prod' } });
  assert.is(b64(core.plaintext), made.Plaintext);
  const back = await alibaba.generateDataKey({ KeyId: TEST_KEY_ID, EncryptionContext: '{"tenant":"acme"}' });
  assert.is((await aws.decrypt({ CiphertextBlob: back.CiphertextBlob, EncryptionContext: { tenant: 'acme' } })).Plaintext, back.Plaintext);
});

bindings('Yandex aadContext, Alibaba instance Aad and the core aad are the same binding', async () => {
  const { yandex, instance, keyring } = await setup();
  const aad = new TextEncoder().encode('document 7');
  const made = await yandex.generateDataKey(TEST_KEY_ID, { aadContext: b64(aad) });
  assert.is((await instance.advanceDecrypt({ CiphertextBlob: made.dataKeyCiphertext, Aad: b64(aad) })).Plaintext, made.dataKeyPlaintext);
  assert.is(b64((await keyring.decrypt({ ciphertextBlob: made.dataKeyCiphertext, aad })).plaintext), made.dataKeyPlaintext);
  const back = await instance.generateDataKey({ KeyId: TEST_KEY_ID, NumberOfBytes: 32, Aad: b64(aad) });
  assert.is((await yandex.decrypt(TEST_KEY_ID, { ciphertext: back.CiphertextBlob, aadContext: b64(aad) })).plaintext, back.Plaintext);
});

bindings('an encryption context is not AAD: a dialect without the binding cannot open the blob', async () => {
  const { aws, yandex } = await setup();
  const withAad = await yandex.generateDataKey(TEST_KEY_ID, { aadContext: b64(Uint8Array.of(1)) });
  await rejects(aws.decrypt({ CiphertextBlob: withAad.dataKeyCiphertext }), 'InvalidCiphertextException');
  const withContext = await aws.generateDataKey({ KeyId: TEST_KEY_ID, KeySpec: 'AES_256', EncryptionContext: { a: 'b' } });
  await rejects(yandex.decrypt(TEST_KEY_ID, { ciphertext: withContext.CiphertextBlob }), 'InvalidCiphertextException');
});

bindings('a blob made before a rotation opens after it in every dialect, naming the old version', async () => {
  const { aws, alibaba, yandex, keyring } = await setup();
  const made = await aws.generateDataKey({ KeyId: TEST_KEY_ID, KeySpec: 'AES_256' });
  const oldVersion = keyring.describeKey(TEST_KEY_ID).primaryVersionId;
  await aws.rotateKeyOnDemand({ KeyId: TEST_KEY_ID });
  assert.is((await yandex.decrypt(TEST_KEY_ID, { ciphertext: made.CiphertextBlob })).versionId, oldVersion);
  assert.is((await alibaba.decrypt({ CiphertextBlob: made.CiphertextBlob })).KeyVersionId, oldVersion);
  assert.is((await aws.decrypt({ CiphertextBlob: made.CiphertextBlob })).KeyMaterialId, made.KeyMaterialId);
});

bindings('one mistake, each vendor\'s error: a disabled key in every dialect', async () => {
  const { aws, alibaba, instance, yandex, k6, keyring } = await setup();
  keyring.disableKey(TEST_KEY_ID);
  await rejects(aws.generateDataKey({ KeyId: TEST_KEY_ID, KeySpec: 'AES_256' }), 'DisabledException');
  assert.is((await rejects(alibaba.generateDataKey({ KeyId: TEST_KEY_ID }), 'DisabledException')).code, 'Rejected.Disabled');
  assert.is((await rejects(instance.generateDataKey({ KeyId: TEST_KEY_ID, NumberOfBytes: 32 }), 'DisabledException')).code, 'Rejected.Disabled');
  assert.is((await rejects(yandex.generateDataKey(TEST_KEY_ID), 'DisabledException')).status, 'FAILED_PRECONDITION');
  assert.is((await rejects(k6.generateDataKey(TEST_KEY_ID), 'DisabledException')).code, 'DisabledException');
});

bindings.run();
