// A key's state is obeyed when it is used, not only when a request came in: a cached data key
// follows aliases, rotation and disabling as a new wrap would, and a key disabled while a request
// awaits something does not wrap.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { DataKeyCache, Keyring, readHeader, seal } from '../src/index.ts';
import { crypto } from './support/env.mjs';
import { rejects } from './support/helpers.mjs';

/** A keyring with keys 'a' and 'b', alias/app → a. */
async function twoKeys() {
  const keyring = new Keyring({ crypto });
  await keyring.createKey({ keyId: 'a', aliases: ['alias/app'] });
  await keyring.createKey({ keyId: 'b' });
  return keyring;
}

/** The key id, version and wrapped data key of a sealed message's one encrypted data key. */
async function wrappedUnder(keyring, sealed) {
  const [edk] = readHeader(sealed).encryptedDataKeys;
  const opened = await keyring.decrypt({ ciphertextBlob: edk.ciphertext });
  opened.plaintext.fill(0);
  return { keyId: opened.keyId, versionId: opened.versionId, edk: [...edk.ciphertext].join() };
}

const cached = suite('DataKeyCache follows the keyring');

cached('seals reuse one wrapped data key while nothing changes (the baseline the tests below depart from)', async () => {
  const keyring = await twoKeys();
  const cache = new DataKeyCache({ maxAge: 60_000 });
  const first = await wrappedUnder(keyring, await seal(keyring, 'x', { keyId: 'alias/app', cache }));
  const second = await wrappedUnder(keyring, await seal(keyring, 'y', { keyId: 'alias/app', cache }));
  assert.is(second.edk, first.edk);
  assert.is(cache.size, 1);
});

cached('after updateAlias, a cached seal wraps under the alias\'s new target', async () => {
  const keyring = await twoKeys();
  const cache = new DataKeyCache({ maxAge: 60_000 });
  assert.is((await wrappedUnder(keyring, await seal(keyring, 'x', { keyId: 'alias/app', cache }))).keyId, 'a');
  keyring.updateAlias('alias/app', 'b');
  assert.is((await wrappedUnder(keyring, await seal(keyring, 'x', { keyId: 'alias/app', cache }))).keyId, 'b');
});

cached('after disableKey, a cached seal fails with DisabledException, as an uncached one does; after enableKey it works again', async () => {
  const keyring = await twoKeys();
  const cache = new DataKeyCache({ maxAge: 60_000 });
  await seal(keyring, 'x', { keyId: 'alias/app', cache });
  keyring.disableKey('a');
  await rejects(seal(keyring, 'x', { keyId: 'alias/app', cache }), 'DisabledException');
  await rejects(seal(keyring, 'x', { keyId: 'a' }), 'DisabledException');
  keyring.enableKey('a');
  await seal(keyring, 'x', { keyId: 'alias/app', cache });
});

cached('a key disabled after seal was called, while it reads its data, is not used from the cache', async () => {
  const keyring = await twoKeys();
  const cache = new DataKeyCache({ maxAge: 60_000 });
  await seal(keyring, 'x', { keyId: 'a', cache });
  const pending = seal(keyring, new Blob(['data to read first']), { keyId: 'a', cache });
  keyring.disableKey('a');
  await rejects(pending, 'DisabledException');
});

cached('after rotateKey, a cached seal wraps a new data key under the new primary version', async () => {
  const keyring = await twoKeys();
  const cache = new DataKeyCache({ maxAge: 60_000 });
  const before = await wrappedUnder(keyring, await seal(keyring, 'x', { keyId: 'a', cache }));
  const { versionId } = await keyring.rotateKey('a');
  const after = await wrappedUnder(keyring, await seal(keyring, 'x', { keyId: 'a', cache }));
  assert.is.not(after.versionId, before.versionId);
  assert.is(after.versionId, versionId);
  assert.is.not(after.edk, before.edk);
});

const atUse = suite('state is checked when a key is used');

atUse('reEncrypt: a destination key disabled while the source is being unwrapped does not wrap', async () => {
  const keyring = await twoKeys();
  const { ciphertextBlob } = await keyring.encrypt({ keyId: 'a', plaintext: Uint8Array.of(1, 2, 3) });
  const pending = keyring.reEncrypt({ ciphertextBlob, destinationKeyId: 'b' });
  keyring.disableKey('b');
  await rejects(pending, 'DisabledException', /key b is disabled/);
  assert.is(keyring.describeKey('b').versions[0].encryptionCount, 0, 'no encryption was counted against b');
});

atUse('rotateKey: a key disabled while its new material is imported is not rotated', async () => {
  const keyring = await twoKeys();
  const pending = keyring.rotateKey('a');
  keyring.disableKey('a');
  await rejects(pending, 'DisabledException');
  assert.is(keyring.describeKey('a').versions.length, 1);
});

atUse('generateDataKey and encrypt check the key at the call: one disabled just after still completes what began', async () => {
  const keyring = await twoKeys();
  const pending = keyring.generateDataKey({ keyId: 'a' });
  keyring.disableKey('a');
  assert.is((await pending).plaintext.length, 32);
  await rejects(keyring.generateDataKey({ keyId: 'a' }), 'DisabledException');
});

const once = suite('caller input is read once, at the call');

once('createKey: an aliases array changed while the material is imported changes nothing (no unchecked alias slips in)', async () => {
  const keyring = new Keyring({ crypto });
  const aliases = ['alias/a'];
  const pending = keyring.createKey({ keyId: 'k', aliases });
  aliases.push('alias/aws/reserved-for-aws');
  await pending;
  assert.equal(keyring.listAliases().map((a) => a.aliasName), ['alias/a']);
});

once('seal: a keyId array changed while the data is read changes nothing', async () => {
  const keyring = await twoKeys();
  const keyIds = ['a'];
  const pending = seal(keyring, new Blob(['data']), { keyId: keyIds });
  keyIds.push('b');
  assert.equal(readHeader(await pending).encryptedDataKeys.map((edk) => edk.providerInfo.split('/').at(-1)), ['a']);
});

cached.run();
atUse.run();
once.run();
