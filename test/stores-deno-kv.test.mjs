// DenoKvKeyStore in Deno, on a real Deno KV file in the harness's state directory, opened twice (a
// second handle is a second SQLite connection, as a second process has): the conformance suite,
// the bounded-value suite, and what is Deno KV's own (consistent loads, watch, prefixes). The
// stores run where Deno KV is (env.mjs: denoKv); every engine asserts whether it is there.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { DenoKvKeyStore, Keyring } from '../src/index.ts';
import { boundedStoreSuite } from './support/bounded-store.mjs';
import { crypto, has, stateDir } from './support/env.mjs';
import { rejects } from './support/helpers.mjs';
import { TEST_ROOT_KEY, keyStoreConformance } from './support/store-conformance.mjs';

const where = suite('Deno KV: where it is');

where(`Deno KV is ${has('denoKv') ? '' : 'not '}here, as env.mjs says`, () => {
  assert.is(typeof globalThis.Deno?.openKv, has('denoKv') ? 'function' : 'undefined');
  if (has('denoKv')) assert.type(stateDir, 'string', 'the harness gives Deno a directory for its KV files');
});

where.run();

if (has('denoKv')) {
  const test = suite('DenoKvKeyStore: what is Deno KV\'s own');

  // Two handles on one file, opened once: a test's backing is a prefix of its own in it. The promise
  // is kept, not the handles, so that callers meeting before the first open ends share it.
  let handles;
  const kvs = () => (handles ??= Promise.all([Deno.openKv(`${stateDir}/stores.sqlite`), Deno.openKv(`${stateDir}/stores.sqlite`)]));
  const backing = async (options = {}) => {
    const [kv, other] = await kvs();
    const prefix = ['tests', globalThis.crypto.randomUUID()];
    const store = new DenoKvKeyStore({ kv, prefix, ...options });
    return {
      kv,
      other,
      prefix,
      store,
      again: () => new DenoKvKeyStore({ kv: other, prefix, ...options }),
      entries: async () => (await Array.fromAsync(kv.list({ prefix }))).filter((e) => e.key.length > prefix.length + 1).length,
      putEntry: (path, value) => kv.set([...prefix, ...path], value),
    };
  };

  keyStoreConformance('DenoKvKeyStore (a Deno KV file, watched)', () => backing({ watch: true }), { sealed: true });
  boundedStoreSuite('DenoKvKeyStore', () => backing());

  test('the options are checked: a Deno.Kv, a key prefix, a boolean watch', async () => {
    const [kv] = await kvs();
    await rejects(() => new DenoKvKeyStore({}), 'ValidationException', /kv must be a Deno.Kv/);
    await rejects(() => new DenoKvKeyStore(kv), 'ValidationException', /kv must be a Deno.Kv/);
    await rejects(() => new DenoKvKeyStore({ kv, prefix: 'webkms' }), 'ValidationException', /prefix must be an array/);
    await rejects(() => new DenoKvKeyStore({ kv, prefix: [{}] }), 'ValidationException', /prefix must be an array/);
    await rejects(() => new DenoKvKeyStore({ kv, watch: 'yes' }), 'ValidationException', /watch must be a boolean/);
    assert.is(new DenoKvKeyStore({ kv }).watch, undefined, 'no watch unless asked: it would keep a script alive');
    assert.type(new DenoKvKeyStore({ kv, watch: true }).watch, 'function');
  });

  test('every entry lives under the prefix, and keyrings under two prefixes of one database do not see each other', async () => {
    const kv = await Deno.openKv(`${stateDir}/prefixes.sqlite`);
    try {
      const a = await Keyring.open({ store: new DenoKvKeyStore({ kv, prefix: ['tenant', 'a'] }), crypto, rootKey: TEST_ROOT_KEY });
      const b = await Keyring.open({ store: new DenoKvKeyStore({ kv, prefix: ['tenant', 'b'] }), crypto, rootKey: TEST_ROOT_KEY });
      await a.createKey({ keyId: 'only-a', aliases: ['alias/a'] });
      await b.createKey({ keyId: 'only-b' });
      const keys = (await Array.fromAsync(kv.list({ prefix: [] }))).map((entry) => entry.key);
      assert.ok(keys.every(([first, second]) => first === 'tenant' && ['a', 'b'].includes(second)), JSON.stringify(keys));
      const again = await Keyring.open({ store: new DenoKvKeyStore({ kv, prefix: ['tenant', 'a'] }), crypto, rootKey: TEST_ROOT_KEY });
      assert.equal(again.listKeys().map((k) => k.keyId), ['only-a']);
    } finally {
      kv.close();
    }
  });

  test('a load that a commit cuts through is read again: it never mixes two states', async () => {
    const { kv, other, prefix, store } = await backing();
    for (const name of ['alias/a', 'alias/b']) {
      assert.ok(await store.commit([{ kind: 'alias', id: name, expectedRevision: 0, value: { aliasName: name, targetKeyId: 'k' } }]));
    }
    let lists = 0;
    const cutting = {
      get: (...args) => kv.get(...args),
      getMany: (...args) => kv.getMany(...args),
      atomic: () => kv.atomic(),
      watch: (...args) => kv.watch(...args),
      // The first read lets another handle delete alias/a and rename alias/b's target after its first entry.
      async *list(...args) {
        lists++;
        let first = lists === 1;
        for await (const entry of kv.list(...args)) {
          yield entry;
          if (first) {
            first = false;
            const records = await new DenoKvKeyStore({ kv: other, prefix }).load();
            const revision = (id) => records.find((r) => r.id === id).revision;
            assert.ok(await new DenoKvKeyStore({ kv: other, prefix }).commit([
              { kind: 'alias', id: 'alias/a', expectedRevision: revision('alias/a'), value: null },
              { kind: 'alias', id: 'alias/b', expectedRevision: revision('alias/b'), value: { aliasName: 'alias/b', targetKeyId: 'moved' } },
            ]));
          }
        }
      },
    };
    const records = await new DenoKvKeyStore({ kv: cutting, prefix }).load();
    assert.is(lists, 2, 'read twice');
    assert.equal(records.map((r) => [r.id, r.value.targetKeyId]), [['alias/b', 'moved']]);
  });

  test('a database file that stays locked is a KMSInternalException after some tries; other failures pass at once', async () => {
    const { kv, prefix } = await backing();
    let commits = 0;
    const failing = (message) => ({
      get: (...args) => kv.get(...args),
      getMany: (...args) => kv.getMany(...args),
      list: (...args) => kv.list(...args),
      watch: (...args) => kv.watch(...args),
      atomic: () => Object.assign(kv.atomic(), { commit: async () => { commits++; throw new TypeError(message); } }),
    });
    const write = [{ kind: 'alias', id: 'alias/a', expectedRevision: 0, value: { aliasName: 'alias/a', targetKeyId: 'k' } }];
    await rejects(new DenoKvKeyStore({ kv: failing('database is locked'), prefix }).commit(write), 'KMSInternalException', /stayed locked by another writer through 20 tries/);
    assert.is(commits, 20);
    let error;
    await new DenoKvKeyStore({ kv: failing('Value too large'), prefix }).commit(write).catch((caught) => { error = caught; });
    assert.is(`${error?.name}: ${error?.message}`, 'TypeError: Value too large');
    assert.is(commits, 21);
  });

  test('with watch, a keyring hears at once that another handle disabled a key (no reload on a miss needed)', async () => {
    const { store, again } = await backing({ watch: true });
    const watching = await Keyring.open({ store, crypto, rootKey: TEST_ROOT_KEY });
    await watching.createKey({ keyId: 'k' });
    const other = await Keyring.open({ store: again(), crypto, rootKey: TEST_ROOT_KEY });
    await other.disableKey('k');
    for (let waited = 0; watching.describeKey('k').keyState !== 'Disabled' && waited < 2000; waited += 10) await new Promise((resolve) => setTimeout(resolve, 10));
    assert.is(watching.describeKey('k').keyState, 'Disabled');
    await rejects(watching.encrypt({ keyId: 'k', plaintext: Uint8Array.of(1) }), 'DisabledException');
    watching.close();
    other.close();
  });

  test.run();
}
