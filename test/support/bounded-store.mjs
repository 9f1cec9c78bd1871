// What a store over a database of bounded values must do beyond the conformance suite (Deno KV,
// Durable Objects; src/stores/record-parts.ts): split a long record across entries and leave no
// part behind, refuse a key of more than 1,000 versions without writing anything, let exactly one
// of many racing commits win, and name a damaged record. Run in the store's real engine.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { Keyring, MemoryKeyStore } from '../../src/index.ts';
import { crypto } from './env.mjs';
import { rejects } from './helpers.mjs';
import { TEST_ROOT_KEY } from './store-conformance.mjs';

const MAX_VERSIONS = 1000;

const version = (i) => ({
  versionId: i.toString(16).padStart(16, '0'),
  keyMaterialId: 'ab'.repeat(32),
  creationDate: '2026-01-01T00:00:00.000Z',
  material: { alg: 'A256GCM', rootKeyId: 'cd'.repeat(32), iv: 'A'.repeat(16), ciphertext: 'B'.repeat(64) },
  reservedEncryptions: 2 ** 32,
});

/** A stored key of `count` versions and the longest description, characters outside ASCII and Latin-1 included. */
const storedKey = (keyId, count) => ({
  keyId,
  description: 'Zürich – 東京 ☃ 🔑'.repeat(512),
  creationDate: '2026-01-01T00:00:00.000Z',
  origin: 'AWS_KMS',
  keySpec: 'AES_256',
  enabled: true,
  extractable: false,
  versions: Array.from({ length: count }, (_, i) => version(i)),
});

/**
 * Registers and runs the suite.
 * @param name - the store's name, for the report.
 * @param fresh - async () => { store, again(), entries(): how many database entries the records
 *   take, putEntry(path, value): writes the entry at `path` ([kind, id] or [kind, id, part]) as is }.
 */
export function boundedStoreSuite(name, fresh) {
  const test = suite(`bounded values: ${name}`);

  test('a key of 1,000 versions is split across entries and loads as written; shorter or deleted, it leaves no part behind', async () => {
    const { store, entries } = await fresh();
    const value = storedKey('big', MAX_VERSIONS);
    assert.ok(await store.commit([{ kind: 'key', id: 'big', expectedRevision: 0, value }]));
    assert.is(await entries(), Math.ceil(new TextEncoder().encode(JSON.stringify(value)).length / 60_000), 'parts of 60,000 bytes');
    assert.equal(await store.load(), [{ kind: 'key', id: 'big', revision: 1, value }]);
    assert.ok(await store.commit([{ kind: 'key', id: 'big', expectedRevision: 1, value: storedKey('big', 1) }]));
    assert.is(await entries(), 1);
    assert.equal((await store.load())[0].value.versions.length, 1);
    assert.ok(await store.commit([{ kind: 'key', id: 'big', expectedRevision: 2, value: storedKey('big', 300) }]));
    assert.ok(await store.commit([{ kind: 'key', id: 'big', expectedRevision: 3, value: null }]));
    assert.is(await entries(), 0);
  });

  test('a key of 1,001 versions is refused with KMSInvalidStateException, and nothing of its commit is written', async () => {
    const { store, entries } = await fresh();
    const writes = [
      { kind: 'alias', id: 'alias/big', expectedRevision: 0, value: { aliasName: 'alias/big', targetKeyId: 'big' } },
      { kind: 'key', id: 'big', expectedRevision: 0, value: storedKey('big', MAX_VERSIONS + 1) },
    ];
    await rejects(store.commit(writes), 'KMSInvalidStateException', /key "big" would have 1001 versions; .* at most 1000/);
    assert.equal(await store.load(), []);
    assert.is(await entries(), 0);
  });

  test('a keyring rotating a key of 1,000 versions gets the store\'s KMSInvalidStateException; the key still works', async () => {
    // 999 rotations are made in memory (a store of sealed material, without the database's costs),
    // then the records move to the store under test.
    const memory = new MemoryKeyStore();
    const sealedInMemory = { keepsCryptoKeys: false, load: () => memory.load(), commit: (writes) => memory.commit(writes) };
    const making = await Keyring.open({ store: sealedInMemory, crypto, rootKey: TEST_ROOT_KEY });
    await making.createKey({ keyId: 'full' });
    const first = await making.encrypt({ keyId: 'full', plaintext: Uint8Array.of(1) });
    for (let i = 1; i < MAX_VERSIONS; i++) await making.rotateKey('full');
    const { store } = await fresh();
    for (const { kind, id, value } of await memory.load()) assert.ok(await store.commit([{ kind, id, expectedRevision: 0, value }]));

    const keyring = await Keyring.open({ store, crypto, rootKey: TEST_ROOT_KEY });
    assert.is(keyring.describeKey('full').versions.length, MAX_VERSIONS);
    await rejects(keyring.rotateKey('full'), 'KMSInvalidStateException', /key "full" would have 1001 versions/);
    assert.is(keyring.describeKey('full').versions.length, MAX_VERSIONS);
    const { ciphertextBlob } = await keyring.encrypt({ keyId: 'full', plaintext: Uint8Array.of(7) });
    assert.equal([...(await keyring.decrypt({ ciphertextBlob })).plaintext], [7]);
    assert.equal([...(await keyring.decrypt({ ciphertextBlob: first.ciphertextBlob })).plaintext], [1]);
  });

  test('of eight handles racing to create one record, exactly one wins', async () => {
    const { store, again } = await fresh();
    const value = { aliasName: 'alias/race', targetKeyId: 'k' };
    const handles = [store, ...Array.from({ length: 7 }, again)];
    const won = await Promise.all(handles.map((handle) => handle.commit([{ kind: 'alias', id: 'alias/race', expectedRevision: 0, value }])));
    assert.is(won.filter(Boolean).length, 1, `${won}`);
    assert.equal((await store.load()).map((r) => r.revision), [1]);
  });

  test('a damaged record is a KMSInternalException naming it, and a keyring does not open on it', async () => {
    const { store, putEntry } = await fresh();
    await putEntry(['key', 'torn'], { revision: 1, parts: 2, json: new TextEncoder().encode('{"keyId":') });
    await rejects(store.load(), 'KMSInternalException', /record key "torn" is damaged: part 1 of 2 is missing/);
    await rejects(Keyring.open({ store, crypto, rootKey: TEST_ROOT_KEY }), 'KMSInternalException', /key "torn"/);
    const other = await fresh();
    await other.putEntry(['alias', 'alias/x'], { revision: 'one' });
    await rejects(other.store.load(), 'KMSInternalException', /record alias "alias\/x" is damaged: its head entry/);
  });

  test.run();
}
