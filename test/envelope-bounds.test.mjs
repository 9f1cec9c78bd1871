// What a hostile message can cost: the work of reading its header, however it is chunked, grows
// linearly with the header, and the error it ends in stays short however many encrypted data keys
// it carries. Work is counted (reads of the header's length fields, unwrap calls), never timed.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { RawAesKeyring, open, openStream, readHeader, seal } from '../src/index.ts';
import { crypto } from './support/env.mjs';
import { TEST_KEY_ID, rejects, testKeyBytes, testKeyring } from './support/helpers.mjs';
import { scaled } from './support/scale.mjs';
import { feed, withDataKeys } from './support/forge.mjs';

const ours = new RawAesKeyring({ keyNamespace: 'webkms-test', keyName: 'bounds', material: testKeyBytes(32), crypto });
const stranger = new RawAesKeyring({ keyNamespace: 'webkms-test', keyName: 'stranger', material: testKeyBytes(32, 9), crypto });

/** A message whose header carries `count` encrypted data keys of another key than `ours`. */
async function manyKeys(count) {
  const message = await seal(stranger, 'x');
  const [edk] = readHeader(message).encryptedDataKeys;
  return withDataKeys(message, Array(count).fill(edk));
}

/**
 * Calls to DataView's getUint16 while `action` runs: the header parser reads every length field
 * through one, so this counts how often it reads the encrypted data keys.
 */
async function lengthReads(action) {
  const original = DataView.prototype.getUint16;
  let calls = 0;
  DataView.prototype.getUint16 = function (...args) {
    calls++;
    return original.apply(this, args);
  };
  try {
    const result = await action();
    return { result, reads: calls };
  } finally {
    DataView.prototype.getUint16 = original;
  }
}

const parsing = suite('reading a header costs work linear in its size');

parsing('a header of thousands of encrypted data keys fed 1 or 2 bytes at a time is read once, not again per chunk', async () => {
  const count = scaled(3000, 300);
  const message = await manyKeys(count);
  const streamed = await lengthReads(() => feed(openStream(ours, { maxEncryptedDataKeys: 0xffff }), message, [1, 2]));
  assert.is(streamed.result?.name, 'InvalidCiphertextException', 'no key of ours: the open fails once the header is read');
  assert.match(streamed.result.message, new RegExp(`${count} encrypted data keys`));
  // Three length fields per key, read again at most once per field that completes: at most 6 × 3.
  assert.ok(streamed.reads >= 3 * count, `the count sees the parser (${streamed.reads} reads)`);
  assert.ok(streamed.reads <= 18 * count + 100, `${streamed.reads} length reads for ${count} keys: linear, not quadratic`);
  const oneShot = await lengthReads(() => rejects(open(ours, message, { maxEncryptedDataKeys: 0xffff }), 'InvalidCiphertextException'));
  assert.ok(oneShot.reads <= 3 * count + 10, `one-shot open reads each length field once (${oneShot.reads})`);
});

parsing('openStream refuses too many encrypted data keys as soon as their count arrives, before any of them', async () => {
  const message = await manyKeys(11);
  const countEnd = 1 + 2 + 32 + 2 + new DataView(message.buffer).getUint16(35) + 2;
  const stream = openStream(ours);
  stream.readable.pipeTo(new WritableStream()).catch(() => undefined);
  const writer = stream.writable.getWriter();
  for (let at = 0; at < countEnd - 1; at++) await writer.write(message.slice(at, at + 1));
  await rejects(writer.write(message.slice(countEnd - 1, countEnd)), 'InvalidCiphertextException', /11 encrypted data keys, more than maxEncryptedDataKeys \(10\)/);
});

const unwrapping = suite('unwrapping: keys not ours are skipped, and the error stays short');

/** `edk` with one bit of its wrapped data key flipped: still ours by its fields, but it fails to unwrap. */
const spoilt = (edk) => ({ ...edk, ciphertext: edk.ciphertext.map((byte, i) => (i === 0 ? byte ^ 1 : byte)) });

unwrapping('thousands of encrypted data keys that fail give an error of the counts and the first three reasons, not one reason each', async () => {
  const count = scaled(2000, 100);
  const message = await seal(ours, 'x');
  const [edk] = readHeader(message).encryptedDataKeys;
  const forged = withDataKeys(message, Array(count).fill(spoilt(edk)));
  const error = await rejects(open(ours, forged, { maxEncryptedDataKeys: 0xffff }), 'InvalidCiphertextException');
  assert.ok(error.message.length < 1000, `${error.message.length} characters`);
  assert.match(error.message, new RegExp(`${count} tried and failed .*; and ${count - 3} more\\)$`));
  assert.is(error.message.split('authentication failed').length - 1, 3, 'three reasons spelled out');
});

unwrapping('a RawAesKeyring skips keys of another namespace, name, tag length, IV length or size without decrypting them', async () => {
  let decryptions = 0;
  const counting = {
    getRandomValues: (array) => crypto.getRandomValues(array),
    subtle: new Proxy(crypto.subtle, {
      get: (subtle, name) => (name === 'decrypt' ? (...args) => (decryptions++, subtle.decrypt(...args)) : subtle[name].bind(subtle)),
    }),
  };
  const watched = new RawAesKeyring({ keyNamespace: 'webkms-test', keyName: 'bounds', material: testKeyBytes(32), crypto: counting });
  const message = await seal(ours, 'x');
  const [edk] = readHeader(message).encryptedDataKeys;
  const info = (change) => {
    const bytes = edk.rawInfo.slice();
    change(bytes, new DataView(bytes.buffer));
    return bytes;
  };
  const others = [
    { ...edk, providerId: 'another-namespace' },
    { ...edk, rawInfo: info((bytes) => (bytes[0] ^= 1)) },
    { ...edk, rawInfo: info((_, view) => view.setUint32(6, 96)) },
    { ...edk, rawInfo: info((_, view) => view.setUint32(10, 16)) },
    { ...edk, ciphertext: edk.ciphertext.subarray(1) },
  ];
  const forged = withDataKeys(message, [...others, spoilt(edk)]);
  const error = await rejects(open(watched, forged), 'InvalidCiphertextException', /5 skipped as another key's, 1 tried and failed/);
  assert.is(decryptions, 1, 'one AES-GCM decryption: of the key that is ours by its fields');
  assert.match(error.message, /authentication failed/);
});

unwrapping('a Keyring tries only the aws-kms keys whose ARN is of a key it holds: other regions, accounts, keys and aliases are skipped without a decrypt', async () => {
  const keyring = await testKeyring();
  const arn = keyring.describeKey(TEST_KEY_ID).arn;
  const tried = [];
  const decrypt = keyring.decrypt.bind(keyring);
  keyring.decrypt = (input) => {
    tried.push(input.keyId);
    return decrypt(input);
  };
  const message = await seal(keyring, 'x', { keyId: TEST_KEY_ID });
  const [edk] = readHeader(message).encryptedDataKeys;
  const naming = (providerInfo) => ({ ...edk, providerInfo: undefined, rawInfo: new TextEncoder().encode(providerInfo) });
  const forged = withDataKeys(message, [
    naming(arn.replace('us-east-2', 'eu-west-1')),
    naming(arn.replace('111122223333', '444455556666')),
    naming(arn.replace(TEST_KEY_ID, 'another-key')),
    naming(arn.replace(`key/${TEST_KEY_ID}`, 'alias/ExampleAlias')),
    naming(TEST_KEY_ID),
    naming('x'.repeat(5000)),
    spoilt(edk),
  ]);
  const error = await rejects(open(keyring, forged), 'InvalidCiphertextException');
  assert.equal(tried, [arn], 'one decrypt, of the key it holds');
  assert.match(error.message, /6 skipped as another key's, 1 tried and failed/);
  assert.ok(error.message.length < 1000, `${error.message.length} characters`);
  assert.ok(await open(keyring, message), 'the genuine message still opens');
});

parsing.run();
unwrapping.run();
