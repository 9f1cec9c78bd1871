// Messages the official AWS Encryption SDK for JavaScript (5.0.2) encrypted, kept as golden files
// (scripts/make-esdk-fixtures.mjs), opened by webkms in every engine: both suites, sizes around
// the frame size, empty and non-ASCII contexts, two encrypted data keys, an AWS KMS keyring entry.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { Keyring, RawAesKeyring, base64, open, openStream, readHeader } from '../src/index.ts';
import { crypto } from './support/env.mjs';
import { rejects, sameBytes } from './support/helpers.mjs';
import { KMS_KEY, RAW_KEYS, plaintext } from './fixtures/esdk/keys.mjs';
import { ESDK_MESSAGES, NON_COMMITTING_MESSAGES } from './fixtures/esdk/messages.mjs';

async function keyrings() {
  const kms = new Keyring({ crypto, region: KMS_KEY.region, accountId: KMS_KEY.accountId });
  await kms.importKey({ keyId: KMS_KEY.keyId, material: KMS_KEY.bytes });
  const raw = (key) => new RawAesKeyring({ keyNamespace: key.keyNamespace, keyName: key.keyName, material: key.bytes, crypto });
  return { a: raw(RAW_KEYS.a), b: raw(RAW_KEYS.b), kms };
}

async function openStreamed(keyring, message) {
  const parts = [];
  const input = new ReadableStream({
    start(c) {
      for (let i = 0; i < message.length; i += 97) c.enqueue(message.slice(i, i + 97));
      c.close();
    },
  });
  await input.pipeThrough(openStream(keyring)).pipeTo(new WritableStream({ write: (c) => void parts.push(...c) }));
  return Uint8Array.from(parts);
}

const golden = suite('messages the AWS Encryption SDK encrypted');

for (const fixture of ESDK_MESSAGES) {
  golden(`${fixture.name}: opens with ${fixture.keys.join(' and with ')}, one-shot and streamed`, async () => {
    const rings = await keyrings();
    const message = base64.decode(fixture.message);
    const expected = plaintext(fixture.plaintextLength, fixture.seed);
    for (const key of fixture.keys) {
      assert.ok(sameBytes(await open(rings[key], message, { encryptionContext: fixture.encryptionContext }), expected), `open with ${key}`);
      assert.ok(sameBytes(await openStreamed(rings[key], message), expected), `openStream with ${key}`);
    }
  });

  golden(`${fixture.name}: readHeader shows what the SDK wrote`, () => {
    const header = readHeader(base64.decode(fixture.message));
    assert.is(header.algorithmSuiteId, fixture.suiteId);
    assert.is(header.frameSize, fixture.frameLength);
    const { 'aws-crypto-public-key': publicKey, ...context } = header.encryptionContext;
    assert.equal(context, fixture.encryptionContext);
    assert.is(publicKey === undefined, fixture.suiteId === 0x0478);
    const providers = fixture.keys.map((key) => (key === 'kms' ? ['aws-kms', KMS_KEY.arn] : [RAW_KEYS[key].keyNamespace]));
    assert.equal(header.encryptedDataKeys.map((edk) => edk.providerId), providers.map(([id]) => id));
    if (fixture.keys[0] === 'kms') assert.is(header.encryptedDataKeys[0].providerInfo, KMS_KEY.arn);
  });
}

golden('a flipped bit in an SDK message makes open fail', async () => {
  const rings = await keyrings();
  const fixture = ESDK_MESSAGES.find((f) => f.suiteId === 0x0578 && f.plaintextLength === 10_000 && f.frameLength === 256);
  const message = base64.decode(fixture.message);
  for (const at of [5, 100, Math.floor(message.length / 2), message.length - 10]) {
    const bad = message.slice();
    bad[at] ^= 4;
    await rejects(open(rings.a, bad), 'InvalidCiphertextException');
  }
});

golden('the wrong wrapping key does not open an SDK message', async () => {
  const rings = await keyrings();
  const fixture = ESDK_MESSAGES.find((f) => f.keys.length === 1 && f.keys[0] === 'a');
  await rejects(open([rings.b, rings.kms], base64.decode(fixture.message)), 'InvalidCiphertextException', /no keyring could unwrap/);
});

for (const { suiteId, suiteName, message } of NON_COMMITTING_MESSAGES) {
  golden(`a message format version 1 message (${suiteName}) is refused, naming its suite`, async () => {
    const rings = await keyrings();
    const bytes = base64.decode(message);
    const pattern = new RegExp(`non-committing algorithm suite ${suiteName} \\(0x0${suiteId.toString(16)}\\)`);
    await rejects(open(rings.a, bytes), 'InvalidCiphertextException', pattern);
    await rejects(() => readHeader(bytes), 'InvalidCiphertextException', pattern);
    await rejects(new Response(bytes).body.pipeThrough(openStream(rings.a)).pipeTo(new WritableStream()), 'InvalidCiphertextException', pattern);
  });
}

golden.run();
