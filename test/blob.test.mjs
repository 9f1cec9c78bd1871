import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { base64, seal } from '../src/index.ts';
import { NON_COMMITTING_MESSAGES } from './fixtures/esdk/messages.mjs';
import { crypto } from './support/env.mjs';
import { TEST_KEY_ID, rejects, sameBytes, testKeyBytes, testKeyring, toHex } from './support/helpers.mjs';
import { GOLDEN_128_KEY_MATERIAL_ID, GOLDEN_BLOBS, GOLDEN_KEY_ID, GOLDEN_KEY_MATERIAL_ID } from './fixtures/golden-blobs.mjs';
import { Keyring } from '../src/index.ts';

const utf8 = (s) => new TextEncoder().encode(s);
const u32 = (n) => Uint8Array.of(n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255);
const cat = (...parts) => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) (out.set(p, o), (o += p.length));
  return out;
};

const golden = suite('golden blobs and key material ids');

for (const g of GOLDEN_BLOBS) {
  golden(`a format-1 blob from 0.1.0 still opens: ${g.name}`, async () => {
    const keyring = await testKeyring();
    const opened = await keyring.decrypt({
      ciphertextBlob: g.blob,
      encryptionContext: g.encryptionContext,
      aad: g.aad === undefined ? undefined : utf8(g.aad),
    });
    assert.is(base64.encode(opened.plaintext), g.plaintext);
    assert.is(opened.keyId, GOLDEN_KEY_ID);
    assert.is(opened.keyMaterialId, GOLDEN_KEY_MATERIAL_ID);
  });
}

golden('the key material id is the same in every engine for the same key id and material', async () => {
  const keyring = await testKeyring();
  assert.is(keyring.describeKey(TEST_KEY_ID).currentKeyMaterialId, GOLDEN_KEY_MATERIAL_ID);
  const ring = new Keyring({ crypto });
  assert.is((await ring.importKey({ keyId: 'golden-128', material: testKeyBytes(16) })).currentKeyMaterialId, GOLDEN_128_KEY_MATERIAL_ID);
});

golden('the key material id is SHA-256 of AES-GCM(0^32, IV 0^96, AAD label ‖ key id), as documented', async () => {
  const key = await crypto.subtle.importKey('raw', testKeyBytes(), 'AES-GCM', false, ['encrypt']);
  const kcv = await crypto.subtle.encrypt(
    { name: 'AES-GCM', iv: new Uint8Array(12), additionalData: utf8(`webkms key material id v1\0${TEST_KEY_ID}`) },
    key,
    new Uint8Array(32),
  );
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', kcv));
  assert.is(toHex(digest), GOLDEN_KEY_MATERIAL_ID);
  const keyring = await testKeyring();
  assert.is(keyring.describeKey(TEST_KEY_ID).primaryVersionId, toHex(digest.slice(0, 8)));
});

golden('the same material under another key id has an unrelated material id', async () => {
  const ring = new Keyring({ crypto });
  const a = await ring.importKey({ keyId: 'a', material: testKeyBytes() });
  const b = await ring.importKey({ keyId: 'b', material: testKeyBytes() });
  assert.is.not(a.currentKeyMaterialId, b.currentKeyMaterialId);
});

golden.run();

const layout = suite('blob layout (docs/format.md)');

layout('a blob built by hand from the documented layout opens', async () => {
  const keyring = await testKeyring();
  const { primaryVersionId } = keyring.describeKey(TEST_KEY_ID);
  const versionTag = Uint8Array.from(primaryVersionId.match(/../g), (h) => parseInt(h, 16));
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const header = cat(Uint8Array.of(1, TEST_KEY_ID.length), utf8(TEST_KEY_ID), versionTag, iv);
  // context {b: "2", a: "1"} canonicalised: sorted by key bytes, each key and value length-prefixed; then the AAD
  const context = cat(u32(2), u32(1), utf8('a'), u32(1), utf8('1'), u32(1), utf8('b'), u32(1), utf8('2'));
  const aad = cat(u32(3), utf8('xyz'));
  const key = await crypto.subtle.importKey('raw', testKeyBytes(), 'AES-GCM', false, ['encrypt']);
  const secret = utf8('hand made');
  const sealed = new Uint8Array(await crypto.subtle.encrypt({ name: 'AES-GCM', iv, additionalData: cat(header, context, aad) }, key, secret));
  const opened = await keyring.decrypt({ ciphertextBlob: cat(header, sealed), encryptionContext: { b: '2', a: '1' }, aad: utf8('xyz') });
  assert.ok(sameBytes(opened.plaintext, secret));
});

layout('webkms blobs carry the documented header: version 1, key id, version tag, IV', async () => {
  const keyring = await testKeyring();
  const key = await keyring.generateDataKey({ keyId: TEST_KEY_ID });
  const blob = key.ciphertextBlob;
  assert.is(blob[0], 1);
  assert.is(blob[1], 36);
  assert.is(new TextDecoder().decode(blob.subarray(2, 38)), TEST_KEY_ID);
  assert.is(toHex(blob.subarray(38, 46)), key.versionId);
  assert.ok(sameBytes(blob.subarray(46, 58), key.iv));
  assert.is(blob.length, 58 + 32 + 16);
});

layout.run();

const strict = suite('strict parsing: every malformed blob is an InvalidCiphertextException');

async function goldenCase() {
  const keyring = await testKeyring();
  const g = GOLDEN_BLOBS[0];
  return { keyring, blob: base64.decode(g.blob), encryptionContext: g.encryptionContext };
}

strict('every single-bit flip anywhere in the blob is rejected', async () => {
  const { keyring, blob, encryptionContext } = await goldenCase();
  for (let bit = 0; bit < blob.length * 8; bit++) {
    const mutated = blob.slice();
    mutated[bit >> 3] ^= 1 << (bit & 7);
    await rejects(keyring.decrypt({ ciphertextBlob: mutated, encryptionContext }), 'InvalidCiphertextException');
  }
});

strict('every truncation and every extension is rejected', async () => {
  const { keyring, blob, encryptionContext } = await goldenCase();
  for (let length = 0; length < blob.length; length++) {
    await rejects(keyring.decrypt({ ciphertextBlob: blob.slice(0, length), encryptionContext }), 'InvalidCiphertextException');
  }
  for (const extra of [[0], [1, 2, 3], new Array(16).fill(0)]) {
    await rejects(keyring.decrypt({ ciphertextBlob: cat(blob, Uint8Array.from(extra)), encryptionContext }), 'InvalidCiphertextException');
  }
});

strict('an unknown format version is rejected and named', async () => {
  const { keyring, blob, encryptionContext } = await goldenCase();
  for (const version of [0, 2, 255]) {
    const mutated = blob.slice();
    mutated[0] = version;
    await rejects(keyring.decrypt({ ciphertextBlob: mutated, encryptionContext }), 'InvalidCiphertextException', new RegExp(`version ${version}`));
  }
});

strict('a key id length that lies is rejected', async () => {
  const { keyring, blob, encryptionContext } = await goldenCase();
  for (const length of [0, 1, 35, 37, 200, 255]) {
    const mutated = blob.slice();
    mutated[1] = length;
    await rejects(keyring.decrypt({ ciphertextBlob: mutated, encryptionContext }), 'InvalidCiphertextException');
  }
});

strict('a sealed part longer than 4,096 bytes plus tag is rejected before any decryption', async () => {
  const { keyring, blob, encryptionContext } = await goldenCase();
  const oversized = cat(blob.subarray(0, 58), new Uint8Array(4096 + 17));
  await rejects(keyring.decrypt({ ciphertextBlob: oversized, encryptionContext }), 'InvalidCiphertextException', /longer/);
});

strict('random bytes are rejected', async () => {
  const { keyring } = await goldenCase();
  for (let i = 0; i < 200; i++) {
    const random = crypto.getRandomValues(new Uint8Array(1 + (i % 150)));
    if (i % 2) random[0] = 1;
    await rejects(keyring.decrypt({ ciphertextBlob: random }), 'InvalidCiphertextException');
  }
});

const formats = suite('a sealed message where a blob belongs');

formats('decrypt given a sealed message, as bytes or base64 text, names it and points to open', async () => {
  const keyring = await testKeyring();
  for (const algorithmSuite of [0x0478, 0x0578]) {
    const sealed = await seal(keyring, 'data', { keyId: TEST_KEY_ID, algorithmSuite });
    for (const ciphertextBlob of [sealed, base64.encode(sealed)]) {
      await rejects(keyring.decrypt({ ciphertextBlob }), 'InvalidCiphertextException', /^not a Keyring ciphertext blob: it is an AWS Encryption SDK message: open or openStream opens it$/);
    }
    await rejects(keyring.decrypt({ ciphertextBlob: utf8(base64.encode(sealed)) }), 'InvalidCiphertextException', /it is base64 text of an AWS Encryption SDK message/);
  }
  for (const { message } of NON_COMMITTING_MESSAGES) {
    await rejects(keyring.decrypt({ ciphertextBlob: message }), 'InvalidCiphertextException', /it is an AWS Encryption SDK message/);
  }
});

formats('a malformed blob is still called one, base64 text too', async () => {
  const { keyring, blob } = await goldenCase();
  await rejects(keyring.decrypt({ ciphertextBlob: blob.subarray(0, 40) }), 'InvalidCiphertextException', /the ciphertext blob is malformed: it is truncated/);
  await rejects(keyring.decrypt({ ciphertextBlob: utf8(base64.encode(blob)) }), 'InvalidCiphertextException', /it is base64 text: decode it first/);
});

strict('a blob that is neither bytes nor text says both forms decrypt takes', async () => {
  const keyring = await testKeyring();
  await rejects(keyring.decrypt({ ciphertextBlob: 12345 }), 'ValidationException', /bytes \(Uint8Array, ArrayBuffer, ArrayBufferView\) or base64 text/);
});

strict('a key reference of any length gives a bounded message', async () => {
  const keyring = await testKeyring();
  const long = `arn:aws:kms:eu-west-1:111122223333:key/${'k'.repeat(100_000)}`;
  const error = await rejects(keyring.generateDataKey({ keyId: long }), 'NotFoundException', /region "eu-west-1"/);
  assert.ok(error.message.length < 600, `${error.message.length} characters`);
  const notKms = await rejects(keyring.generateDataKey({ keyId: `arn:${'x'.repeat(100_000)}` }), 'ValidationException');
  assert.ok(notKms.message.length < 600);
});

strict.run();
formats.run();
