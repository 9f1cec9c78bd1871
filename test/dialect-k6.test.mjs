import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { KmsError, base64 } from '../src/index.ts';
import { KMSClient, KMSDataKey, KMSKey, KMSServiceError } from '../src/dialects/k6.ts';
import { TEST_KEY_ID, rejects, sameBytes, testKeyBytes, testKeyring } from './support/helpers.mjs';

// The key id of the k6 documentation's example script.
const SEED_KEY_ID = 'e67f95-4c047567-4-a0b7-62f7ce8ec8f48';
const ARN = `arn:aws:kms:us-east-2:111122223333:key/${TEST_KEY_ID}`;

/** The seed's k6 script, unchanged but for `await` (and `abort` standing in for exec.test.abort). */
async function seedScript(kms, abort) {
  const testKeyId = SEED_KEY_ID;
  // List the KMS keys the AWS authentication configuration
  // gives us access to.
  const keys = await kms.listKeys();
  // If our test key does not exist, abort the execution.
  if (keys.filter((b) => b.keyId === testKeyId).length == 0) {
    abort();
    return undefined;
  }
  // Generate a data key from the KMS key.
  const key = await kms.generateDataKey(testKeyId, 32);
  return key;
}

async function fails(action, code, operation) {
  const error = await rejects(action, code);
  assert.instance(error, KMSServiceError);
  assert.instance(error, KmsError);
  assert.is(error.code, code);
  assert.is(error.operation, operation);
  return error;
}

const k6 = suite('k6: KMSClient');

k6('the seed script runs against a keyring: the key is listed and a 256-bit data key comes back', async () => {
  const keyring = await testKeyring();
  await keyring.importKey({ keyId: SEED_KEY_ID, material: testKeyBytes(32, 1) });
  let aborted = false;
  const key = await seedScript(new KMSClient(keyring), () => (aborted = true));
  assert.is(aborted, false);
  assert.instance(key, KMSDataKey);
  assert.equal(Object.keys(key).sort(), ['ciphertextBlob', 'id', 'plaintext']);
  assert.is(key.id, `arn:aws:kms:us-east-2:111122223333:key/${SEED_KEY_ID}`);
  assert.is(base64.decode(key.plaintext).length, 32);
  const opened = await keyring.decrypt({ ciphertextBlob: key.ciphertextBlob });
  assert.ok(sameBytes(opened.plaintext, base64.decode(key.plaintext)));
});

k6('the seed script aborts when its key is not in the keyring', async () => {
  let aborted = false;
  assert.is(await seedScript(new KMSClient(await testKeyring()), () => (aborted = true)), undefined);
  assert.is(aborted, true);
});

k6('listKeys gives KMSKey objects with keyId and keyArn', async () => {
  const keys = await new KMSClient(await testKeyring()).listKeys();
  assert.is(keys.length, 1);
  assert.instance(keys[0], KMSKey);
  assert.equal({ ...keys[0] }, { keyArn: ARN, keyId: TEST_KEY_ID });
});

k6('listKeys makes one ListKeys call, as the jslib does: at most 100 keys', async () => {
  const keyring = await testKeyring();
  for (let i = 0; i < 100; i++) await keyring.importKey({ keyId: `k${i}`, material: testKeyBytes(16, i) });
  const keys = await new KMSClient(keyring).listKeys();
  assert.is(keys.length, 100);
  assert.is(keys[0].keyId, TEST_KEY_ID);
});

k6('size defaults to 32 bytes; 64 gives 512 bits; an alias or an ARN names the key too', async () => {
  const kms = new KMSClient(await testKeyring());
  assert.is(base64.decode((await kms.generateDataKey(TEST_KEY_ID)).plaintext).length, 32);
  assert.is(base64.decode((await kms.generateDataKey('alias/ExampleAlias', 64)).plaintext).length, 64);
  assert.is((await kms.generateDataKey(ARN, 16)).id, ARN);
});

k6('a size AWS refuses is a KMSServiceError with code ValidationException', async () => {
  const kms = new KMSClient(await testKeyring());
  for (const size of [0, 1025, 2.5, '32']) {
    const error = await fails(kms.generateDataKey(TEST_KEY_ID, size), 'ValidationException', 'GenerateDataKey');
    assert.match(error.message, /NumberOfBytes/);
  }
});

k6('an unknown or disabled key is a KMSServiceError with AWS code', async () => {
  const keyring = await testKeyring();
  const kms = new KMSClient(keyring);
  await fails(kms.generateDataKey('e67f95-0000'), 'NotFoundException', 'GenerateDataKey');
  await fails(kms.generateDataKey(undefined), 'ValidationException', 'GenerateDataKey');
  keyring.disableKey(TEST_KEY_ID);
  await fails(kms.generateDataKey(TEST_KEY_ID), 'DisabledException', 'GenerateDataKey');
});

k6('the jslib classes keep their constructor argument order', () => {
  assert.equal({ ...new KMSDataKey('blob', 'arn', 'plain') }, { ciphertextBlob: 'blob', id: 'arn', plaintext: 'plain' });
  assert.equal({ ...new KMSKey('arn', 'id') }, { keyArn: 'arn', keyId: 'id' });
});

k6.run();
