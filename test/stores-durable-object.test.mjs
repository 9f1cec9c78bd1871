// DurableObjectKeyStore in workerd, on a Durable Object's storage on disk: the store runs in the
// object (test/support/durable-objects.mjs), the keyrings of the suites in the Worker, each load
// and commit one RPC call, so concurrent commits are concurrent events of the object, as requests
// from many Workers would be. Every engine asserts whether Durable Objects are there (env.mjs).
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { DurableObjectKeyStore } from '../src/index.ts';
import { boundedStoreSuite } from './support/bounded-store.mjs';
import { hasObjects, objectStore, storeCall } from './support/durable-objects.mjs';
import { has } from './support/env.mjs';
import { rejects } from './support/helpers.mjs';
import { keyStoreConformance } from './support/store-conformance.mjs';

const where = suite('Durable Objects: where they are');

where(`Durable Object storage is ${has('durableObjects') ? '' : 'not '}here, as env.mjs says`, () => {
  assert.is(hasObjects(), has('durableObjects'));
});

where('the constructor is checked: storage, and a string prefix', async () => {
  await rejects(() => new DurableObjectKeyStore({}), 'ValidationException', /ctx.storage/);
  await rejects(() => new DurableObjectKeyStore(undefined), 'ValidationException', /ctx.storage/);
  const storage = { list() {}, transaction() {}, sync() {} };
  await rejects(() => new DurableObjectKeyStore(storage, { prefix: 7 }), 'ValidationException', /prefix must be a string/);
  assert.is(new DurableObjectKeyStore(storage).keepsCryptoKeys, false);
});

where.run();

if (has('durableObjects')) {
  const OBJECT = 'stores';
  /** A backing of its own, a prefix in the object's storage; `again` is a second handle, as another Worker's. */
  const fresh = async () => {
    const prefix = `test-${globalThis.crypto.randomUUID()}:`;
    const [store, second] = await Promise.all([objectStore(OBJECT, prefix), objectStore(OBJECT, prefix)]);
    return {
      prefix,
      store,
      again: () => second,
      entries: () => storeCall(OBJECT, 'entries', prefix),
      putEntry: (path, value) => storeCall(OBJECT, 'putEntry', prefix, path, value),
    };
  };

  keyStoreConformance('DurableObjectKeyStore (in a Durable Object, on disk)', fresh, { sealed: true });
  boundedStoreSuite('DurableObjectKeyStore', fresh);

  const test = suite('DurableObjectKeyStore: what is the Durable Object\'s own');

  test('a commit whose storage fails after writing rolls back whole: nothing of it is left', async () => {
    const { prefix, store, entries } = await fresh();
    const failing = await objectStore(OBJECT, prefix, 'commitFailingAfterWrite');
    const writes = [
      { kind: 'alias', id: 'alias/a', expectedRevision: 0, value: { aliasName: 'alias/a', targetKeyId: 'k' } },
      { kind: 'alias', id: 'alias/b', expectedRevision: 0, value: { aliasName: 'alias/b', targetKeyId: 'k' } },
    ];
    let error;
    await failing.commit(writes).catch((caught) => { error = caught; });
    assert.match(error?.message ?? '', /disk failed after a write/);
    assert.is(await entries(), 0);
    assert.equal(await store.load(), []);
    assert.ok(await store.commit(writes), 'the same commit goes through on working storage');
    assert.is(await entries(), 2);
  });

  test('commits racing within one event of the object (no input gate between them): exactly one wins', async () => {
    const { prefix, store } = await fresh();
    const writes = [{ kind: 'alias', id: 'alias/race', expectedRevision: 0, value: { aliasName: 'alias/race', targetKeyId: 'k' } }];
    const won = await storeCall(OBJECT, 'commitRacing', prefix, writes, 8);
    assert.is(won.filter(Boolean).length, 1, `${won}`);
    assert.equal((await store.load()).map((r) => r.revision), [1]);
  });

  test('other data of the object, even under the store\'s prefix, is not taken for a record', async () => {
    const { prefix, store } = await fresh();
    await storeCall(OBJECT, 'putEntry', `${prefix}app-data:`, ['alias', 'not-ours'], { revision: 'not a record' });
    assert.ok(await store.commit([{ kind: 'alias', id: 'alias/mine', expectedRevision: 0, value: { aliasName: 'alias/mine', targetKeyId: 'k' } }]));
    assert.equal((await store.load()).map((r) => r.id), ['alias/mine']);
  });

  test.run();
}
