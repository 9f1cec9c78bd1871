// Export bundles: keys out of one keyring and into another under a wrapping key or a passphrase,
// the whole bundle authenticated; what exports and what is refused; nothing imported unless the
// whole bundle verifies. Most cases use a wrapping key: PBKDF2 at 600,000 iterations costs
// real time, so the passphrase form has its own few tests.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { Keyring, MemoryKeyStore, base64, open, seal } from '../src/index.ts';
import { crypto } from './support/env.mjs';
import { rejects, sameBytes, toHex } from './support/helpers.mjs';
import { JsonMemoryKeyStore } from './support/json-store.mjs';
import { recordingCrypto } from './support/recording.mjs';
import { TEST_ROOT_KEY } from './support/store-conformance.mjs';
import {
  GOLDEN_BUNDLE_BLOBS,
  GOLDEN_BUNDLE_BY_KEY,
  GOLDEN_BUNDLE_BY_PASSPHRASE,
  GOLDEN_PASSPHRASE,
  GOLDEN_WRAPPING_KEY,
} from './fixtures/golden-bundles.mjs';

/** A public test wrapping key, and another. */
const WRAPPING_KEY = Uint8Array.from({ length: 32 }, (_, i) => (i * 11 + 5) & 255);
const OTHER_KEY = Uint8Array.from({ length: 32 }, (_, i) => (i * 3 + 200) & 255);
/** Material of the imported key, public: the bundle must not show it. */
const IMPORTED_BYTES = Uint8Array.from({ length: 16 }, (_, i) => (i * 37 + 9) & 255);
const byKey = { wrappingKey: WRAPPING_KEY };
const TEXT = (text) => new TextEncoder().encode(text);
const allZero = (bytes) => bytes.every((b) => b === 0);
const copy = (bundle) => JSON.parse(JSON.stringify(bundle));

const extractableKey = (bytes) => crypto.subtle.importKey('raw', bytes, 'AES-GCM', true, ['encrypt', 'decrypt']);

/**
 * A keyring with key app (createKey extractable, two aliases, rotated once, three encryptions)
 * and key imported (an extractable 128-bit CryptoKey, disabled), and blobs made under each version.
 */
async function sourceKeyring(options = {}) {
  const keyring = new Keyring({ crypto, region: 'eu-west-1', accountId: '111122223333', ...options });
  await keyring.createKey({ keyId: 'app', extractable: true, aliases: ['alias/app', 'alias/app-2'], description: 'the app’s key — ключ' });
  const blobs = [{ keyId: 'app', encryptionContext: { tenant: 'acme' }, plaintext: TEXT('under version 1') }];
  blobs[0].ciphertextBlob = (await keyring.encrypt({ keyId: 'app', plaintext: blobs[0].plaintext, encryptionContext: { tenant: 'acme' } })).ciphertextBlob;
  await keyring.rotateKey('app');
  for (const [keyId, text] of [['alias/app', 'under version 2'], ['app', 'again under version 2']]) {
    blobs.push({ keyId: 'app', plaintext: TEXT(text), ciphertextBlob: (await keyring.encrypt({ keyId, plaintext: TEXT(text) })).ciphertextBlob });
  }
  await keyring.importKey({ keyId: 'imported', material: await extractableKey(IMPORTED_BYTES), description: 'EXTERNAL material' });
  blobs.push({ keyId: 'imported', plaintext: TEXT('under a disabled key'), ciphertextBlob: (await keyring.encrypt({ keyId: 'imported', plaintext: TEXT('under a disabled key') })).ciphertextBlob });
  await keyring.disableKey('imported');
  return { keyring, blobs };
}

/**
 * What a keyring tells of its keys, JSON-comparable; ARNs left out (they follow the region), and
 * encryption counts with `counts: false` (a keyring loaded from a store counts what every writer
 * reserved, not what was used).
 */
function facts(keyring, { counts = true } = {}) {
  return keyring.listKeys().map(({ keyId }) => {
    const { arn: _arn, creationDate, versions, ...rest } = keyring.describeKey(keyId);
    const version = ({ creationDate: date, encryptionCount, ...fields }) => ({ ...fields, creationDate: date.toISOString(), ...(counts && { encryptionCount }) });
    return { ...rest, creationDate: creationDate.toISOString(), versions: versions.map(version) };
  });
}

/** Every blob opens to its plaintext (a disabled key is enabled for it, then disabled again). */
async function opensAll(keyring, blobs) {
  for (const { keyId, ciphertextBlob, encryptionContext, plaintext } of blobs) {
    const disabled = !keyring.describeKey(keyId).enabled;
    if (disabled) {
      await rejects(keyring.decrypt({ ciphertextBlob, encryptionContext }), 'DisabledException');
      await keyring.enableKey(keyId);
    }
    assert.ok(sameBytes((await keyring.decrypt({ ciphertextBlob, encryptionContext })).plaintext, plaintext), `a blob of ${keyId} opens`);
    if (disabled) await keyring.disableKey(keyId);
  }
}

// ── round trips ──────────────────────────────────────────────────────────────

const trip = suite('exportKeys and Keyring.importKeys: round trips');

trip('a bundle under a wrapping key carries every key, version, alias, description, origin, state and date; old blobs open after import', async () => {
  const { keyring, blobs } = await sourceKeyring();
  const bundle = await keyring.exportKeys(byKey);
  assert.is(bundle.format, 'webkms-key-bundle');
  assert.is(bundle.version, 1);
  assert.equal(bundle.protection.kind, 'wrappingKey');
  const imported = await Keyring.importKeys(bundle, byKey, { crypto });
  assert.equal(facts(imported), facts(keyring));
  assert.is(imported.describeKey('alias/app-2').keyId, 'app');
  assert.is(imported.describeKey('imported').keyState, 'Disabled');
  await opensAll(imported, blobs);
  // The keys work on: new blobs under the primary version open in the source keyring too.
  const fresh = await imported.generateDataKey({ keyId: 'alias/app' });
  assert.ok(sameBytes((await keyring.decrypt({ ciphertextBlob: fresh.ciphertextBlob })).plaintext, fresh.plaintext));
});

trip('the wrapping key may be 32 bytes, a JWK or an AES-GCM CryptoKey: the same key has one wrappingKeyId, and each form opens what another made', async () => {
  const { keyring, blobs } = await sourceKeyring();
  const jwk = { kty: 'oct', k: base64.encode(WRAPPING_KEY, { alphabet: 'base64url' }), alg: 'A256GCM' };
  const cryptoKey = await crypto.subtle.importKey('raw', WRAPPING_KEY, 'AES-GCM', false, ['encrypt', 'decrypt']);
  const bundles = [];
  for (const wrappingKey of [WRAPPING_KEY, jwk, cryptoKey]) bundles.push(await keyring.exportKeys({ wrappingKey }));
  assert.is(new Set(bundles.map((b) => b.protection.wrappingKeyId)).size, 1);
  const again = await Keyring.importKeys(bundles[0], { wrappingKey: cryptoKey }, { crypto });
  await opensAll(again, blobs);
  await opensAll(await Keyring.importKeys(bundles[2], { wrappingKey: jwk }, { crypto }), blobs);
});

trip('the bundle is JSON data: its JSON text imports alike, also re-indented, re-escaped or reordered, and no key material shows in it', async () => {
  const { keyring, blobs } = await sourceKeyring();
  const bundle = await keyring.exportKeys(byKey);
  const text = JSON.stringify(bundle);
  for (const shown of [toHex(IMPORTED_BYTES), base64.encode(IMPORTED_BYTES), base64.encode(IMPORTED_BYTES, { alphabet: 'base64url' }), toHex(WRAPPING_KEY)]) {
    assert.not.ok(text.includes(shown), 'the material is wrapped, never in the clear');
  }
  const imported = await Keyring.importKeys(text, byKey, { crypto });
  assert.equal(facts(imported), facts(keyring));
  await opensAll(imported, blobs);
  // The tag covers values, not text: another tool's formatting of the same JSON verifies.
  const reformatted = JSON.stringify(bundle, null, 2).replace('—', '\\u2014').replace('"keyId": "app"', '"keyId": "\\u0061pp"');
  assert.ok(reformatted.includes('\\u2014') && reformatted.includes('\\u0061pp'), 'the text really is re-escaped');
  assert.equal(facts(await Keyring.importKeys(reformatted, byKey, { crypto })), facts(keyring));
  // Nor member order (WebKit's WebDriver reorders the members of what it carries).
  const reversed = (value) => (Array.isArray(value) ? value.map(reversed) : value && typeof value === 'object' ? Object.fromEntries(Object.entries(value).reverse().map(([k, v]) => [k, reversed(v)])) : value);
  assert.equal(facts(await Keyring.importKeys(reversed(bundle), byKey, { crypto })), facts(keyring));
});

trip('Keyring.importKeys into a MemoryKeyStore writes the keys through: a keyring opened on the store later has them', async () => {
  const { keyring, blobs } = await sourceKeyring();
  const store = new MemoryKeyStore();
  const imported = await Keyring.importKeys(await keyring.exportKeys(byKey), byKey, { crypto, store });
  const later = await Keyring.open({ store, crypto, region: 'eu-west-1', accountId: '111122223333' });
  assert.equal(facts(later, { counts: false }), facts(keyring, { counts: false }));
  await opensAll(later, blobs);
  imported.close();
  later.close();
});

trip('into a store that seals material under a root key: sealed there, reopened, old blobs open; that keyring exports again, every key', async () => {
  const { keyring, blobs } = await sourceKeyring();
  const store = new JsonMemoryKeyStore();
  await Keyring.importKeys(await keyring.exportKeys(byKey), byKey, { crypto, store, rootKey: TEST_ROOT_KEY });
  const records = await store.load();
  assert.ok(records.filter((r) => r.kind === 'key').every((r) => r.value.versions.every((v) => v.material.alg === 'A256GCM')), 'material is sealed');
  const server = await Keyring.open({ store, crypto, rootKey: TEST_ROOT_KEY, region: 'eu-west-1', accountId: '111122223333' });
  await opensAll(server, blobs);
  // Its keys are non-extractable CryptoKeys in memory, but the root key recovers the material: they export.
  await server.importKey({ keyId: 'from-bytes', material: WRAPPING_KEY });
  const back = await Keyring.importKeys(await server.exportKeys(byKey), byKey, { crypto });
  await opensAll(back, blobs);
  assert.equal(back.listKeys().map((k) => k.keyId), ['app', 'imported', 'from-bytes']);
});

trip('region and account come from the bundle unless given, so a message seal wrapped under a key opens after the move', async () => {
  const { keyring } = await sourceKeyring();
  const message = await seal(keyring, 'moved', { keyId: 'alias/app', encryptionContext: { purpose: 'move' } });
  const bundle = await keyring.exportKeys(byKey);
  const moved = await Keyring.importKeys(bundle, byKey, { crypto });
  assert.is(moved.region, 'eu-west-1');
  assert.is(moved.accountId, '111122223333');
  assert.is(new TextDecoder().decode(await open(moved, message, { encryptionContext: { purpose: 'move' } })), 'moved');
  const elsewhere = await Keyring.importKeys(bundle, byKey, { crypto, region: 'us-west-2' });
  assert.is(elsewhere.describeKey('app').arn, 'arn:aws:kms:us-west-2:111122223333:key/app');
});

trip('keyring.importKeys adds a bundle\'s keys to a keyring, under its region and account, and returns their metadata', async () => {
  const { keyring, blobs } = await sourceKeyring();
  const target = new Keyring({ crypto });
  await target.createKey({ keyId: 'own' });
  const added = await target.importKeys(await keyring.exportKeys(byKey), byKey);
  assert.equal(added.map((meta) => [meta.keyId, meta.arn]), [['app', 'arn:aws:kms:us-east-1:000000000000:key/app'], ['imported', 'arn:aws:kms:us-east-1:000000000000:key/imported']]);
  // Imported keys keep their creation dates: older than the target's own key, they list first.
  assert.equal(target.listKeys().map((k) => k.keyId), ['app', 'imported', 'own']);
  await opensAll(target, blobs);
});

trip('a key in the store that cannot be read (sealed under another root key) stops an export of every key, not of the others named', async () => {
  const store = new JsonMemoryKeyStore();
  const keyring = await Keyring.open({ store, crypto, rootKey: TEST_ROOT_KEY });
  await keyring.createKey({ keyId: 'mine', extractable: true });
  const stranger = await Keyring.open({ store, crypto, rootKey: OTHER_KEY });
  await stranger.createKey({ keyId: 'theirs' });
  await rejects(keyring.exportKeys(byKey), 'InvalidCiphertextException', /theirs is in the store but cannot be read.*keyIds/);
  assert.equal((await keyring.exportKeys(byKey, { keyIds: ['mine'] })).keys.map((k) => k.keyId), ['mine']);
});

trip('keyIds exports only the keys named (by id, alias or ARN), each once, with their aliases; a key not here is NotFoundException', async () => {
  const { keyring } = await sourceKeyring();
  const bundle = await keyring.exportKeys(byKey, { keyIds: ['alias/app-2', 'app', 'arn:aws:kms:eu-west-1:111122223333:key/app'] });
  assert.equal(bundle.keys.map((k) => [k.keyId, k.aliases]), [['app', ['alias/app', 'alias/app-2']]]);
  assert.equal((await keyring.exportKeys(byKey, { keyIds: [] })).keys, []);
  await rejects(keyring.exportKeys(byKey, { keyIds: ['nope'] }), 'NotFoundException');
  await rejects(keyring.exportKeys(byKey, { keyIds: 'app' }), 'ValidationException', /keyIds/);
  const keyIds = ['app'];
  const pending = keyring.exportKeys(byKey, { keyIds });
  keyIds.push('imported');
  assert.equal((await pending).keys.map((k) => k.keyId), ['app'], 'keyIds is read at the call');
});

trip('encryption counts travel: the importing keyring counts on from them and refuses past its own bound', async () => {
  const { keyring } = await sourceKeyring();
  const bundle = await keyring.exportKeys(byKey);
  assert.equal(bundle.keys[0].versions.map((v) => v.encryptionCount), [1, 2]);
  const bounded = await Keyring.importKeys(bundle, byKey, { crypto, maxEncryptionsPerKeyVersion: 3 });
  await bounded.encrypt({ keyId: 'app', plaintext: TEXT('the third') });
  await rejects(bounded.encrypt({ keyId: 'app', plaintext: TEXT('a fourth') }), 'KMSInvalidStateException', /rotate/);
  const store = new MemoryKeyStore();
  const stored = await Keyring.importKeys(bundle, byKey, { crypto, store, maxEncryptionsPerKeyVersion: 3 });
  await stored.encrypt({ keyId: 'app', plaintext: TEXT('the third') });
  await rejects(stored.encrypt({ keyId: 'app', plaintext: TEXT('a fourth') }), 'KMSInvalidStateException');
  assert.is(stored.describeKey('app').versions[1].encryptionCount, 3);
});

trip('an empty keyring exports an empty bundle, which imports as an empty keyring (under the right key only)', async () => {
  const bundle = await new Keyring({ crypto }).exportKeys(byKey);
  assert.equal(bundle.keys, []);
  assert.equal((await Keyring.importKeys(bundle, byKey, { crypto })).listKeys(), []);
  await rejects(Keyring.importKeys(bundle, { wrappingKey: OTHER_KEY }, { crypto }), 'InvalidCiphertextException');
});

trip('imported keys stay as extractable as they were: they export again, and their rotations too', async () => {
  const { keyring, blobs } = await sourceKeyring();
  const imported = await Keyring.importKeys(await keyring.exportKeys(byKey), byKey, { crypto });
  await imported.rotateKey('app');
  const again = await Keyring.importKeys(await imported.exportKeys({ wrappingKey: OTHER_KEY }), { wrappingKey: OTHER_KEY }, { crypto });
  assert.is(again.describeKey('app').versions.length, 3);
  await opensAll(again, blobs);
});

trip('bundles made by webkms 0.1.0 import, and their blobs open (golden bundle under a wrapping key)', async () => {
  const keyring = await Keyring.importKeys(GOLDEN_BUNDLE_BY_KEY, { wrappingKey: GOLDEN_WRAPPING_KEY }, { crypto });
  assert.is(keyring.region, 'eu-west-1');
  const golden = keyring.describeKey('alias/golden');
  assert.equal([golden.keyId, golden.origin, golden.description, golden.aliases], ['golden-bundle', 'EXTERNAL', 'a golden bundle key — ключ', ['alias/golden']]);
  assert.equal(golden.versions.map((v) => v.versionId), GOLDEN_BUNDLE_BLOBS.slice(0, 2).map((b) => b.versionId));
  assert.equal([keyring.describeKey('golden-disabled').keyState, keyring.describeKey('golden-disabled').keySpec], ['Disabled', 'AES_128']);
  await opensAll(keyring, GOLDEN_BUNDLE_BLOBS.map((b) => ({ ...b, ciphertextBlob: base64.decode(b.blob), plaintext: TEXT(b.plaintext) })));
});

trip.run();

// ── passphrases ───────────────────────────────────────────────────────────────

const passphrase = suite('passphrase bundles: PBKDF2-SHA-256');

passphrase('600,000 iterations by default and a new 16-byte salt per bundle; the passphrase is read as NFC; every byte of it and of the material zeroed', async () => {
  const rec = recordingCrypto();
  const { keyring, blobs } = await sourceKeyring({ crypto: rec.crypto });
  const composed = 'correct horse – Zürich 東京 🔑';
  const first = await keyring.exportKeys({ passphrase: composed });
  const second = await keyring.exportKeys({ passphrase: composed, iterations: 600_001 });
  assert.equal([first.protection.kdf, first.protection.iterations, second.protection.iterations], ['PBKDF2-SHA-256', 600_000, 600_001]);
  assert.is(base64.decode(first.protection.salt, { alphabet: 'base64url' }).length, 16);
  assert.is.not(first.protection.salt, second.protection.salt);
  const imported = await Keyring.importKeys(JSON.stringify(first), { passphrase: composed.normalize('NFD') }, { crypto: rec.crypto });
  assert.equal(facts(imported), facts(keyring));
  await opensAll(imported, blobs);
  const passphrases = rec.calls.filter((c) => c.name === 'importKey' && c.args[2] === 'PBKDF2');
  assert.is(passphrases.length, 3);
  assert.ok(passphrases.every((c) => allZero(c.args[1])), 'the passphrase\'s UTF-8 bytes are zeroed');
  assert.ok(rec.calls.filter((c) => c.name === 'exportKey').every((c) => allZero(new Uint8Array(c.result))), 'material read for export is zeroed');
});

passphrase('a wrong passphrase is InvalidCiphertextException, and the error does not show it', async () => {
  const error = await rejects(Keyring.importKeys(GOLDEN_BUNDLE_BY_PASSPHRASE, { passphrase: 'webkms golden passphrase – Zurich' }, { crypto }), 'InvalidCiphertextException', /wrong passphrase/);
  assert.not.ok(`${error.message} ${error.stack}`.includes('Zurich'));
});

passphrase('bundles made by webkms 0.1.0 import (golden bundle under a passphrase)', async () => {
  const keyring = await Keyring.importKeys(GOLDEN_BUNDLE_BY_PASSPHRASE, { passphrase: GOLDEN_PASSPHRASE }, { crypto });
  await opensAll(keyring, GOLDEN_BUNDLE_BLOBS.map((b) => ({ ...b, ciphertextBlob: base64.decode(b.blob), plaintext: TEXT(b.plaintext) })));
});

passphrase('an iteration count changed within the bounds derives another key: InvalidCiphertextException', async () => {
  const bundle = copy(GOLDEN_BUNDLE_BY_PASSPHRASE);
  bundle.protection.iterations = 600_001;
  await rejects(Keyring.importKeys(bundle, { passphrase: GOLDEN_PASSPHRASE }, { crypto }), 'InvalidCiphertextException');
});

passphrase('where the engine refuses PBKDF2 at 600,000 iterations (Cloudflare\'s hosted Workers cap it at 100,000), passphrase bundles are UnsupportedOperationException naming { wrappingKey }', async () => {
  // The hosted runtime's refusal, as workerd words it; the workerd of these tests has no cap.
  const subtle = new Proxy(crypto.subtle, {
    get: (target, name) => name === 'deriveKey'
      ? (params) => Promise.reject(new DOMException(`Pbkdf2 failed: iteration counts above 100000 are not supported (requested ${params.iterations}).`, 'NotSupportedError'))
      : typeof target[name] === 'function' ? target[name].bind(target) : target[name],
  });
  const capped = { subtle, getRandomValues: (array) => crypto.getRandomValues(array) };
  const { keyring } = await sourceKeyring({ crypto: capped });
  await rejects(keyring.exportKeys({ passphrase: 'correct horse' }), 'UnsupportedOperationException', /PBKDF2-SHA-256 at 600000 iterations.*\{ wrappingKey \}.*above 100000/);
  const store = new MemoryKeyStore();
  await rejects(Keyring.importKeys(GOLDEN_BUNDLE_BY_PASSPHRASE, { passphrase: GOLDEN_PASSPHRASE }, { crypto: capped, store }), 'UnsupportedOperationException', /PBKDF2/);
  assert.equal(await store.load(), []);
});

passphrase('the iteration count is bounded on export and on import (600,000 to 10,000,000), checked before any derivation', async () => {
  const { keyring } = await sourceKeyring();
  for (const iterations of [599_999, 10_000_001, 600_000.5, '600000', 2 ** 53]) {
    await rejects(keyring.exportKeys({ passphrase: 'correct horse', iterations }), 'ValidationException', /600000 to 10000000/);
    const bundle = copy(GOLDEN_BUNDLE_BY_PASSPHRASE);
    bundle.protection.iterations = iterations;
    await rejects(Keyring.importKeys(bundle, { passphrase: GOLDEN_PASSPHRASE }, { crypto }), 'ValidationException', /600000 to 10000000/);
  }
});

passphrase('a passphrase must be a non-empty string; the other kind of protection than the bundle\'s is ValidationException', async () => {
  const { keyring } = await sourceKeyring();
  for (const bad of ['', 42, 'lone \ud800 surrogate']) await rejects(keyring.exportKeys({ passphrase: bad }), 'ValidationException', /passphrase/);
  await rejects(Keyring.importKeys(GOLDEN_BUNDLE_BY_PASSPHRASE, byKey, { crypto }), 'ValidationException', /\{ passphrase \}/);
  await rejects(Keyring.importKeys(GOLDEN_BUNDLE_BY_KEY, { passphrase: 'x' }, { crypto }), 'ValidationException', /\{ wrappingKey \}/);
});

passphrase.run();

// ── what exports ─────────────────────────────────────────────────────────────

const exporting = suite('what exports');

exporting('createKey makes non-extractable keys, which exportKeys refuses saying why and what to do; importKey of bytes too', async () => {
  const keyring = new Keyring({ crypto });
  await keyring.createKey({ keyId: 'locked' });
  await keyring.importKey({ keyId: 'bytes', material: WRAPPING_KEY });
  await keyring.createKey({ keyId: 'open', extractable: true });
  for (const keyIds of [undefined, ['bytes'], ['open', 'locked']]) {
    const error = await rejects(keyring.exportKeys(byKey, { keyIds }), 'UnsupportedOperationException');
    assert.match(error.message, /non-extractable CryptoKey, which WebCrypto never reveals/);
    assert.match(error.message, /createKey\(\{ extractable: true \}\)/);
  }
  assert.equal((await keyring.exportKeys(byKey, { keyIds: ['open'] })).keys.map((k) => k.keyId), ['open']);
});

exporting('protection and options must be what they say: ValidationException', async () => {
  const keyring = new Keyring({ crypto });
  await keyring.createKey({ keyId: 'k', extractable: true });
  for (const protection of [undefined, {}, { wrappingKey: WRAPPING_KEY, passphrase: 'x' }, new Map([['passphrase', 'x']])]) {
    await rejects(keyring.exportKeys(protection), 'ValidationException', /protection|wrappingKey/);
  }
  await rejects(keyring.exportKeys({ wrappingKey: WRAPPING_KEY.subarray(0, 16) }), 'ValidationException', /256-bit/);
  await rejects(keyring.exportKeys(byKey, new Map()), 'ValidationException', /keyIds/);
  await rejects(Keyring.importKeys(GOLDEN_BUNDLE_BY_KEY, { wrappingKey: GOLDEN_WRAPPING_KEY }, 'options'), 'ValidationException');
});

exporting.run();

// ── tampering and bad input: nothing imported ─────────────────────────────────

const tamper = suite('tampered, wrong or malformed bundles: a typed error, nothing imported');

/** Imports into a fresh MemoryKeyStore and expects `name`; then the store must be empty: not even the keyring record. */
async function refused(bundle, name, pattern, protection = byKey) {
  const store = new MemoryKeyStore();
  const error = await rejects(Keyring.importKeys(bundle, protection, { crypto, store }), name, pattern);
  assert.equal(await store.load(), [], 'nothing was written to the store');
  return error;
}

/** A bundle of the source keyring, made once per test that asks. */
const sourceBundle = async () => copy(await (await sourceKeyring()).keyring.exportKeys(byKey));

const CHANGES = [
  ['a key id', (b) => void (b.keys[0].keyId = 'app2')],
  ['an alias', (b) => void (b.keys[0].aliases[0] = 'alias/other')],
  ['an alias added', (b) => void b.keys[1].aliases.push('alias/more')],
  ['an alias removed', (b) => void b.keys[0].aliases.pop()],
  ['the enabled flag', (b) => void (b.keys[1].enabled = true)],
  ['the extractable flag', (b) => void (b.keys[1].extractable = false)],
  ['a version id', (b) => void (b.keys[0].versions[1].versionId = b.keys[0].versions[0].versionId)],
  ['a key material id and version id together', (b) => void Object.assign(b.keys[0].versions[0], { versionId: 'f'.repeat(16), keyMaterialId: 'f'.repeat(64) })],
  ['a creation date', (b) => void (b.keys[0].creationDate = '2020-01-01T00:00:00.000Z')],
  ['a description', (b) => void (b.keys[0].description = 'another')],
  ['an encryption count', (b) => void (b.keys[0].versions[0].encryptionCount = 0)],
  ['the order of versions (another primary)', (b) => void b.keys[0].versions.reverse()],
  ['a version removed', (b) => void b.keys[0].versions.shift()],
  ['a key removed', (b) => void b.keys.pop()],
  ['two versions\' wrapped material swapped', (b) => {
    const [v1, v2] = b.keys[0].versions;
    [v1.iv, v1.material, v2.iv, v2.material] = [v2.iv, v2.material, v1.iv, v1.material];
  }],
  ['the region', (b) => void (b.region = 'us-east-1')],
  ['the export date', (b) => void (b.exportedAt = '2020-01-01T00:00:00.000Z')],
  ['a member added to a key', (b) => void (b.keys[0].note = 'x')],
  ['a member added to the bundle', (b) => void (b.note = 'x')],
  ['the tag\'s IV', (b) => void (b.iv = b.keys[0].versions[0].iv)],
];

for (const [what, change] of CHANGES) {
  tamper(`${what} changed: InvalidCiphertextException, nothing imported`, async () => {
    const bundle = await sourceBundle();
    change(bundle);
    await refused(bundle, 'InvalidCiphertextException', /changed after it was made/);
  });
}

tamper('every member of the bundle, changed alone, is refused with a typed error, and nothing is imported', async () => {
  const bundle = await sourceBundle();
  const leaves = (value, path = []) =>
    value !== null && typeof value === 'object' ? Object.entries(value).flatMap(([key, item]) => leaves(item, [...path, key])) : [path];
  // What finding the bundle key needs is read first, and may be refused as malformed; the rest is under the tag.
  const HEADER = ['format', 'version', 'protection', 'iv', 'tag'];
  const paths = leaves(bundle);
  assert.ok(paths.length > 40, `${paths.length} members`);
  for (const path of paths) {
    const changed = copy(bundle);
    const parent = path.slice(0, -1).reduce((object, key) => object[key], changed);
    const value = parent[path.at(-1)];
    parent[path.at(-1)] = typeof value === 'boolean' ? !value : typeof value === 'number' ? value + 1 : `${value.slice(0, -1)}${value.at(-1) === 'A' ? 'B' : 'A'}`;
    const store = new MemoryKeyStore();
    const error = await Keyring.importKeys(changed, byKey, { crypto, store }).then(() => undefined, (e) => e);
    const expected = HEADER.includes(path[0]) ? ['InvalidCiphertextException', 'ValidationException', 'UnsupportedOperationException'] : ['InvalidCiphertextException'];
    assert.ok(expected.includes(error?.name), `${path.join('.')} changed: ${error?.name ?? 'imported'}: ${error?.message}`);
    assert.equal(await store.load(), [], `${path.join('.')} changed: nothing written`);
  }
});

tamper('a wrong wrapping key is InvalidCiphertextException naming both key ids; the wrong key never shows', async () => {
  const bundle = await sourceBundle();
  const error = await refused(bundle, 'InvalidCiphertextException', /another wrapping key/, { wrappingKey: OTHER_KEY });
  assert.match(error.message, bundle.protection.wrappingKeyId);
  assert.not.ok(error.message.includes(toHex(OTHER_KEY)));
  const changedId = copy(bundle);
  changedId.protection.wrappingKeyId = 'f'.repeat(64);
  await refused(changedId, 'InvalidCiphertextException', /another wrapping key/);
});

tamper('a truncated or garbled bundle text, or something that is no bundle, is ValidationException', async () => {
  const text = JSON.stringify(await sourceBundle());
  for (let length = 0; length < text.length; length += 97) await refused(text.slice(0, length), 'ValidationException', /not JSON/);
  await refused(text.replace('"keys"', '"keys'), 'ValidationException', /not JSON/);
  for (const notBundle of [null, 42, [], {}, 'null', '{"format":"something-else","version":1}', new Map()]) await refused(notBundle, 'ValidationException');
});

tamper('an unknown format version: UnsupportedOperationException for a newer one, ValidationException for no version', async () => {
  const bundle = await sourceBundle();
  await refused({ ...bundle, version: 2 }, 'UnsupportedOperationException', /newer webkms/);
  for (const version of [0, '1', 1.5, undefined]) await refused({ ...bundle, version }, 'ValidationException', /version/);
});

tamper('a bundle object holding what JSON cannot (undefined, a Date, a cycle) is ValidationException', async () => {
  const bundle = await sourceBundle();
  const cyclic = copy(bundle);
  cyclic.keys[0].self = cyclic;
  for (const odd of [{ ...bundle, extra: undefined }, { ...bundle, exportedAt: new Date() }, cyclic]) await refused(odd, 'ValidationException', /JSON|deeper/);
});

tamper('key ids or aliases already in the target: AlreadyExistsException, and nothing of the bundle is imported', async () => {
  const bundle = await sourceBundle();
  for (const [what, setup] of [
    ['key id', (keyring) => keyring.createKey({ keyId: 'imported' })],
    ['alias', (keyring) => keyring.createKey({ keyId: 'mine', aliases: ['alias/app-2'] })],
  ]) {
    const store = new MemoryKeyStore();
    const keyring = await Keyring.open({ store, crypto, region: 'eu-west-1', accountId: '111122223333' });
    await setup(keyring);
    const before = await store.load();
    await rejects(Keyring.importKeys(bundle, byKey, { crypto, store }), 'AlreadyExistsException', new RegExp(what === 'key id' ? 'key imported' : 'alias/app-2'));
    assert.equal(await store.load(), before, `a taken ${what}: the store is as it was`);
    await rejects(keyring.importKeys(bundle, byKey), 'AlreadyExistsException');
    assert.is(keyring.listKeys().length, 1, `a taken ${what}: the keyring is as it was`);
    keyring.close();
  }
});

tamper.run();

// ── hygiene ──────────────────────────────────────────────────────────────────

const hygiene = suite('bundles: material zeroed, never shown');

hygiene('exporting zeroes every material it read (exportKey results), importing every material it unwrapped, also when the import fails', async () => {
  const rec = recordingCrypto();
  const { keyring } = await sourceKeyring({ crypto: rec.crypto });
  const bundle = await keyring.exportKeys(byKey);
  const exported = rec.calls.filter((c) => c.name === 'exportKey');
  assert.is(exported.length, 3);
  assert.ok(exported.every((c) => allZero(new Uint8Array(c.result))));
  rec.calls.length = 0;
  const imported = await Keyring.importKeys(bundle, byKey, { crypto: rec.crypto });
  await rejects(imported.importKeys(bundle, byKey), 'AlreadyExistsException');
  const unwrapped = rec.calls.filter((c) => c.name === 'decrypt' && c.result.byteLength > 0);
  assert.is(unwrapped.length, 6, 'three versions, unwrapped twice');
  assert.ok(unwrapped.every((c) => allZero(new Uint8Array(c.result))), 'every unwrapped material is zeroed');
});

hygiene('exporting from a store that seals material zeroes the material it unsealed', async () => {
  const rec = recordingCrypto();
  const keyring = await Keyring.open({ store: new JsonMemoryKeyStore(), crypto: rec.crypto, rootKey: TEST_ROOT_KEY });
  await keyring.importKey({ keyId: 'k', material: WRAPPING_KEY });
  rec.calls.length = 0;
  await keyring.exportKeys(byKey);
  const unsealed = rec.calls.filter((c) => c.name === 'decrypt');
  assert.is(unsealed.length, 1);
  assert.ok(allZero(new Uint8Array(unsealed[0].result)));
});

hygiene.run();
