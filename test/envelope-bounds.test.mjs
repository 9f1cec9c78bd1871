// What a hostile message can cost: the work of reading its header, however it is chunked, grows
// linearly with the header, and the error it ends in stays short however many encrypted data keys
// it carries. Work is counted (reads of the header's length fields, unwrap calls), never timed.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { RawAesKeyring, open, openStream, readHeader, seal } from '../src/index.ts';
import { crypto } from './support/env.mjs';
import { rejects, testKeyBytes } from './support/helpers.mjs';
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

parsing.run();
