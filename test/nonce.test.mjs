// Nonce safety and concurrency: random 96-bit IVs never repeat, and a keyring under a burst of
// concurrent calls (with a rotation in the middle) loses nothing.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { base64 } from '../src/index.ts';
import { engine } from './support/env.mjs';
import { TEST_KEY_ID, sameBytes, testKeyring } from './support/helpers.mjs';
import { count } from './support/metrics.mjs';
import { scaled } from './support/scale.mjs';

// The million wraps run in Node; the other engines check a sample of the same path.
const WRAPS = engine === 'node' ? 1_000_000 : scaled(100_000, 10_000);

const nonces = suite('nonces');

nonces(`no IV repeats among ${WRAPS} wraps in ${engine}`, async () => {
  const keyring = await testKeyring();
  const seen = new Set();
  const plaintext = new Uint8Array(1);
  for (let done = 0; done < WRAPS; ) {
    const batch = [];
    for (let i = 0; i < 100 && done < WRAPS; i++, done++) batch.push(keyring.encrypt({ keyId: TEST_KEY_ID, plaintext }));
    for (const { iv } of await Promise.all(batch)) seen.add(base64.encode(iv));
    assert.is(seen.size, done, `an IV repeated within the first ${done} wraps`);
  }
  assert.is(keyring.describeKey(TEST_KEY_ID).versions[0].encryptionCount, WRAPS, 'every wrap was counted against the version');
  count('wraps checked for IV reuse', WRAPS);
});

nonces('the default encryption limit per key version is 2^32, NIST SP 800-38D\'s bound for random IVs', async () => {
  const keyring = await testKeyring();
  assert.is(keyring.maxEncryptionsPerKeyVersion, 2 ** 32);
});

nonces('the limit counts every wrapping operation and only those', async () => {
  const keyring = await testKeyring({ maxEncryptionsPerKeyVersion: 5 });
  const key = await keyring.generateDataKey({ keyId: TEST_KEY_ID });
  await keyring.generateDataKeyWithoutPlaintext({ keyId: TEST_KEY_ID });
  await keyring.encrypt({ keyId: TEST_KEY_ID, plaintext: new Uint8Array(3) });
  await keyring.reEncrypt({ ciphertextBlob: key.ciphertextBlob, destinationKeyId: TEST_KEY_ID });
  for (let i = 0; i < 10; i++) await keyring.decrypt({ ciphertextBlob: key.ciphertextBlob });
  assert.is(keyring.describeKey(TEST_KEY_ID).versions[0].encryptionCount, 4, 'decrypt does not count');
  await keyring.encrypt({ keyId: TEST_KEY_ID, plaintext: new Uint8Array(3) });
  let refused;
  try {
    await keyring.generateDataKey({ keyId: TEST_KEY_ID });
  } catch (error) {
    refused = error;
  }
  assert.is(refused?.name, 'KMSInvalidStateException');
  assert.match(refused.message, /rotate/);
  const opened = await keyring.decrypt({ ciphertextBlob: key.ciphertextBlob });
  assert.ok(sameBytes(opened.plaintext, key.plaintext), 'a version at its limit still decrypts');
});

nonces.run();

const concurrency = suite('concurrency');

concurrency('10,000 concurrent generateDataKey calls with a rotation in the middle: all succeed, all distinct, all decrypt', async () => {
  const keyring = await testKeyring();
  const { primaryVersionId: before } = keyring.describeKey(TEST_KEY_ID);
  const call = (i) => keyring.generateDataKey({ keyId: 'alias/ExampleAlias', encryptionContext: { i: String(i) } });
  const first = Array.from({ length: 5_000 }, (_, i) => call(i));
  const rotation = await keyring.rotateKey(TEST_KEY_ID); // the first half is still in flight
  const second = Array.from({ length: 5_000 }, (_, i) => call(5_000 + i));
  const results = await Promise.all([...first, ...second]);
  assert.is(new Set(results.map((r) => base64.encode(r.plaintext))).size, 10_000, 'data keys are distinct');
  assert.is(new Set(results.map((r) => base64.encode(r.iv))).size, 10_000, 'IVs are distinct');
  assert.ok(results.slice(0, 5_000).every((r) => r.versionId === before), 'calls made before the rotation use the old version');
  assert.ok(results.slice(5_000).every((r) => r.versionId === rotation.versionId), 'calls made after it use the new one');
  const opened = await Promise.all(results.map((r, i) => keyring.decrypt({ ciphertextBlob: r.ciphertextBlob, encryptionContext: { i: String(i) } })));
  opened.forEach((o, i) => assert.ok(sameBytes(o.plaintext, results[i].plaintext), `call ${i}`));
});

concurrency.run();
