// IndexedDbKeyStore. In Chromium, Firefox and WebKit: the KeyStore conformance suite on a fresh
// database per test, then what only a browser shows: the stored CryptoKeys read straight from
// IndexedDB, a Worker writing at the same time as the page (a second tab), BroadcastChannel, the
// errors a browser raises. Elsewhere: the constructor's clear refusal.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { IndexedDbKeyStore, Keyring } from '../src/index.ts';
import { crypto, has } from './support/env.mjs';
import { rejects } from './support/helpers.mjs';
import { startAgent } from './support/indexeddb-agent.mjs';
import { countingLosses, createDatabase, deleteDatabase, freshName, holdsCryptoKey, instrumentedIndexedDb, rawRecords } from './support/indexeddb.mjs';
import { count } from './support/metrics.mjs';
import { keyStoreConformance } from './support/store-conformance.mjs';

const test = suite('IndexedDbKeyStore');

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const alias = (name, targetKeyId = 'k', more = {}) => ({ kind: 'alias', id: name, expectedRevision: 0, value: { aliasName: name, targetKeyId, ...more } });

test('IndexedDB exists exactly in the engines KNOWN_DIFFERENCES does not list', () => {
  assert.is(typeof globalThis.indexedDB === 'object' && globalThis.indexedDB !== null, has('indexedDB'));
});

test('a name of 1–200 characters and an IDBFactory are required, in every engine', async () => {
  for (const name of [undefined, '', 'x'.repeat(201), 7]) await rejects(() => new IndexedDbKeyStore({ name }), 'ValidationException', /name must be a string of 1–200/);
  await rejects(() => new IndexedDbKeyStore('app'), 'ValidationException', /IndexedDbKeyStore takes \{ name, indexedDB\? \}/);
  await rejects(() => new IndexedDbKeyStore({ name: 'app', indexedDB: {} }), 'ValidationException', /indexedDB must be an IDBFactory/);
});

if (!has('indexedDB')) {
  test('without IndexedDB the constructor throws UnsupportedOperationException, naming what to use instead', async () => {
    await rejects(() => new IndexedDbKeyStore({ name: 'app' }), 'UnsupportedOperationException', /no IndexedDB here .* use MemoryKeyStore/);
  });
} else {
  keyStoreConformance('IndexedDbKeyStore', async () => {
    const name = freshName('conformance');
    return { store: new IndexedDbKeyStore({ name }), again: () => new IndexedDbKeyStore({ name }) };
  });

  /** A keyring on a new database. */
  const fresh = async () => {
    const name = freshName();
    const store = new IndexedDbKeyStore({ name });
    return { name, store, keyring: await Keyring.open({ store, crypto }) };
  };

  /** Asserts that a WebCrypto call is refused with InvalidAccessError. */
  const refused = async (what, call) => {
    const error = await call.then(() => undefined, (caught) => caught);
    assert.ok(error, `${what} was allowed`);
    assert.is(error.name, 'InvalidAccessError', `${what}: ${error.name}: ${error.message}`);
  };

  test('master keys are stored as non-extractable CryptoKeys: read straight from IndexedDB, exportKey and wrapKey refuse them', async () => {
    const { name, store, keyring } = await fresh();
    await keyring.createKey({ keyId: 'made' });
    await keyring.importKey({ keyId: 'imported', material: new Uint8Array(32).fill(7) });
    await keyring.rotateKey('made');
    const blob = await keyring.encrypt({ keyId: 'made', plaintext: Uint8Array.of(1, 2) });
    const materials = (await rawRecords(store.databaseName)).filter((r) => r.kind === 'key').flatMap((r) => r.value.versions.map((v) => v.material));
    assert.is(materials.length, 3);
    const kw = await crypto.subtle.generateKey({ name: 'AES-KW', length: 256 }, false, ['wrapKey']);
    const gcm = await crypto.subtle.generateKey({ name: 'AES-GCM', length: 256 }, false, ['wrapKey']);
    for (const key of materials) {
      assert.is(Object.prototype.toString.call(key), '[object CryptoKey]');
      assert.is(key.extractable, false);
      await refused('exportKey raw', crypto.subtle.exportKey('raw', key));
      await refused('exportKey jwk', crypto.subtle.exportKey('jwk', key));
      await refused('wrapKey raw under AES-KW', crypto.subtle.wrapKey('raw', key, kw, 'AES-KW'));
      await refused('wrapKey jwk under AES-GCM', crypto.subtle.wrapKey('jwk', key, gcm, { name: 'AES-GCM', iv: new Uint8Array(12) }));
    }
    // Unreadable, and still usable: another keyring on the database decrypts with them.
    const again = await Keyring.open({ store: new IndexedDbKeyStore({ name: name }), crypto });
    assert.equal([...(await again.decrypt({ ciphertextBlob: blob.ciphertextBlob })).plaintext], [1, 2]);
  });

  test('a CryptoKey imported extractable is stored extractable, as describeKey says: that is the caller\'s choice', async () => {
    const { store, keyring } = await fresh();
    const material = await crypto.subtle.importKey('raw', new Uint8Array(32).fill(3), 'AES-GCM', true, ['encrypt', 'decrypt']);
    await keyring.importKey({ keyId: 'open', material });
    assert.is(keyring.describeKey('open').extractable, true);
    const [record] = (await rawRecords(store.databaseName)).filter((r) => r.kind === 'key');
    assert.is(record.value.versions[0].material.extractable, true);
  });

  test('a keyring in a Worker (a second tab) and one in the page, rotating one key at once, lose no rotation', async () => {
    const name = freshName();
    const store = countingLosses(new IndexedDbKeyStore({ name }));
    const keyring = await Keyring.open({ store, crypto });
    await keyring.createKey({ keyId: 'k' });
    const agent = startAgent();
    try {
      await agent.run('open', { name });
      const [there, here] = await Promise.all([
        agent.run('rotate', { keyId: 'k', times: 5 }),
        Promise.all(Array.from({ length: 5 }, () => keyring.rotateKey('k'))),
      ]);
      const versions = (await Keyring.open({ store: new IndexedDbKeyStore({ name }), crypto })).describeKey('k').versions.map((v) => v.versionId);
      assert.is(versions.length, 11);
      for (const versionId of [...there.versionIds, ...here.map((r) => r.versionId)]) assert.ok(versions.includes(versionId), `rotation to ${versionId} was kept`);
      // Whether they collided depends on timing: counted, not required.
      count('IndexedDB: commits that lost to the other agent rotating at once, and were retried', store.lost + there.lost);
    } finally {
      agent.stop();
    }
  });

  test('a watching keyring hears of a key a Worker created through BroadcastChannel, without a miss; a closed one does not', async () => {
    const name = freshName();
    const watching = await Keyring.open({ store: new IndexedDbKeyStore({ name }), crypto });
    const closed = await Keyring.open({ store: new IndexedDbKeyStore({ name }), crypto });
    closed.close();
    const agent = startAgent();
    try {
      await agent.run('open', { name });
      await agent.run('createKey', { keyId: 'from-worker' });
      // listKeys reads what is loaded, never reloads: only the channel can bring the key in.
      const seen = () => watching.listKeys().some((k) => k.keyId === 'from-worker');
      for (let waited = 0; !seen() && waited < 5000; waited += 20) await sleep(20);
      assert.ok(seen(), 'the watching keyring did not hear of the key within 5 s');
      await sleep(100);
      assert.equal(closed.listKeys(), [], 'a closed keyring stopped listening');
    } finally {
      agent.stop();
    }
  });

  test('a record the browser cannot clone (DataCloneError) fails the whole commit with a clear error; the writes before it are undone', async () => {
    const { store } = await fresh();
    const error = await rejects(
      store.commit([alias('alias/fine'), alias('alias/odd', 'k', { notCloneable: () => 0 })]),
      'UnsupportedOperationException',
      /refused to store a record .*DataCloneError, trying to write alias "alias\/fine" and 1 other record.*Private Browsing.*Nothing was written.*normal window/,
    );
    assert.is(error.cause.name, 'DataCloneError');
    assert.equal((await store.load()).filter((r) => r.kind === 'alias'), []);
  });

  test('where the browser refuses to store CryptoKeys (Safari\'s Private Browsing and Lockdown Mode), createKey says so and what to do; nothing is written', async () => {
    const name = freshName();
    const { indexedDB } = instrumentedIndexedDb((record) => holdsCryptoKey(record) && 'DataCloneError');
    const keyring = await Keyring.open({ store: new IndexedDbKeyStore({ name, indexedDB }), crypto });
    await rejects(keyring.createKey({ keyId: 'k', aliases: ['alias/k'] }), 'UnsupportedOperationException', /Safari refuses CryptoKeys in Private Browsing and in Lockdown Mode\. Nothing was written\. .*use a normal window, or keep the keys in memory/);
    assert.equal(keyring.listKeys(), []);
    assert.equal(keyring.listAliases(), []);
    assert.equal((await rawRecords(`webkms:${name}`)).map((r) => r.kind), ['keyring']);
  });

  test('a full storage (QuotaExceededError) fails with KMSInternalException saying so; nothing is written and the keyring keeps its state', async () => {
    const { name, store, keyring } = await fresh();
    await keyring.createKey({ keyId: 'k' });
    const { indexedDB } = instrumentedIndexedDb((record) => record.kind === 'key' && 'QuotaExceededError');
    const full = await Keyring.open({ store: new IndexedDbKeyStore({ name: name, indexedDB }), crypto });
    await rejects(full.rotateKey('k'), 'KMSInternalException', /storage for this site is full \(QuotaExceededError, trying to write key "k".*Nothing was written\. Free some/);
    assert.is(full.describeKey('k').versions.length, 1);
    const [record] = (await store.load()).filter((r) => r.kind === 'key');
    assert.is(record.revision, 1);
    assert.is(record.value.versions.length, 1);
  });

  test('a commit is one readwrite transaction asking for strict durability; a load one readonly transaction', async () => {
    const { indexedDB, transactions } = instrumentedIndexedDb();
    const store = new IndexedDbKeyStore({ name: freshName(), indexedDB });
    assert.ok(await store.commit([alias('alias/a'), alias('alias/b')]));
    assert.is((await store.load()).length, 2);
    assert.equal(transactions.map(([names, mode, options]) => [names, mode, options?.durability]), [['records', 'readwrite', 'strict'], ['records', 'readonly', 'strict']]);
  });

  test('a database a newer webkms upgraded is refused with UnsupportedOperationException', async () => {
    const name = freshName();
    await createDatabase(`webkms:${name}`, 2);
    await rejects(Keyring.open({ store: new IndexedDbKeyStore({ name }), crypto }), 'UnsupportedOperationException', /was written by a newer webkms: upgrade webkms/);
  });

  test('deleting the database while keyrings hold it open is not blocked: the store lets go, and opens it again, empty', async () => {
    const { name, store, keyring } = await fresh();
    await keyring.createKey({ keyId: 'k' });
    await Keyring.open({ store: new IndexedDbKeyStore({ name: name }), crypto });
    assert.is(await deleteDatabase(store.databaseName), false, 'the deletion was blocked by an open connection');
    assert.equal(await store.load(), []);
    assert.ok(await store.commit([alias('alias/after')]));
    assert.equal((await store.load()).map((r) => r.id), ['alias/after']);
  });

  test('requestPersistence resolves whether the storage is persistent, as each browser decides', async () => {
    const asked = new IndexedDbKeyStore({ name: freshName() }).requestPersistence();
    if (!has('storageManager')) {
      assert.is(globalThis.navigator.storage, undefined);
      assert.is(await asked, false);
    } else if (!has('persistWithoutPrompt')) {
      // The question waits for a user no headless browser has.
      assert.is(await Promise.race([asked.then(() => 'answered'), sleep(500).then(() => 'waiting')]), 'waiting');
    } else {
      const granted = await asked;
      assert.type(granted, 'boolean');
      assert.is(granted, await navigator.storage.persisted());
    }
  });
}

test.run();
