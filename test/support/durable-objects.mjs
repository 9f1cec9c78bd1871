// Durable Objects for the tests in workerd: what runtime/worker.mjs's TestObject does, and how test
// code in the Worker reaches it. The object serves a DurableObjectKeyStore on its own storage (on
// disk) to the Worker over RPC, so that the conformance suite runs keyrings in the Worker against
// the real store in the object; and, as the README's example does, it holds a Keyring itself and
// answers JSON requests (a key created through one request, workerd restarted, the next decrypts).
import { DurableObjectKeyStore, Keyring, base64 } from '../../src/index.ts';
import { answer, failure, rethrow } from './keyring-requests.mjs';

// ── in the object ────────────────────────────────────────────────────────────

/** Storage whose transactions fail after their first write: what a disk failure mid-commit does. */
const failingAfterWrite = (storage) => ({
  list: (options) => storage.list(options),
  sync: () => storage.sync(),
  transaction: (closure) => storage.transaction((txn) => closure({
    get: (keys) => txn.get(keys),
    delete: (keys) => txn.delete(keys),
    put: async (entries) => {
      await txn.put(entries);
      throw new Error('disk failed after a write');
    },
  })),
});

/** Store calls of the Worker (`invoke(name, [prefix, …args])`), on this object's storage. */
const STORE_CALLS = {
  keepsCryptoKeys: (storage, prefix) => new DurableObjectKeyStore(storage, { prefix }).keepsCryptoKeys,
  load: (storage, prefix) => new DurableObjectKeyStore(storage, { prefix }).load(),
  commit: (storage, prefix, writes) => new DurableObjectKeyStore(storage, { prefix }).commit(writes),
  commitFailingAfterWrite: (storage, prefix, writes) => new DurableObjectKeyStore(failingAfterWrite(storage), { prefix }).commit(writes),
  /** The same commit by `count` stores at once, in one event of the object: which of them won. */
  commitRacing: (storage, prefix, writes, count) => Promise.all(Array.from({ length: count }, () => new DurableObjectKeyStore(storage, { prefix }).commit(writes))),
  /** How many storage entries the store's records take. */
  entries: async (storage, prefix) => (await storage.list({ prefix })).size,
  /** Writes an entry as a damaged store might hold it. */
  putEntry: (storage, prefix, path, value) => storage.put(prefix + JSON.stringify(path), value),
};

// The keyring each object holds, opened once per instance of the object (a restart makes a new one).
const keyrings = new WeakMap();
function keyringOf(ctx, env) {
  if (!keyrings.has(ctx)) {
    const opening = ctx.blockConcurrencyWhile(() => Keyring.open({ store: new DurableObjectKeyStore(ctx.storage), rootKey: base64.decode(env.ROOT_KEY) }));
    keyrings.set(ctx, opening);
    opening.catch(() => keyrings.delete(ctx));
  }
  return keyrings.get(ctx);
}

globalThis.__WEBKMS_TEST_OBJECT = {
  /** The keyring object: answers test/support/keyring-requests.mjs's requests. */
  async fetch(ctx, env, request) {
    try {
      const { op, input } = await request.json();
      return new Response(await answer(await keyringOf(ctx, env), op, input), { headers: { 'content-type': 'application/json' } });
    } catch (error) {
      return Response.json({ error: failure(error) }, { status: 400 });
    }
  },
  async invoke(ctx, _env, name, [prefix, ...args]) {
    try {
      return { ok: true, value: await STORE_CALLS[name](ctx.storage, prefix, ...args) };
    } catch (error) {
      return { ok: false, error: failure(error) };
    }
  },
};

// ── in the Worker ────────────────────────────────────────────────────────────

/** Whether this Worker can reach TestObject (runtime/worker.mjs sets the namespace). */
export const hasObjects = () => Boolean(globalThis.__WEBKMS_OBJECTS);

const stub = (object) => {
  const namespace = globalThis.__WEBKMS_OBJECTS;
  return namespace.get(namespace.idFromName(object));
};

/** Calls a store call of `object` on the store under `prefix`; a KmsError there is one here (RPC would keep only the message). */
export async function storeCall(object, name, prefix, ...args) {
  const reply = await stub(object).invoke(name, [prefix, ...args]);
  return reply.ok ? reply.value : rethrow(reply.error);
}

/** A KeyStore whose every call is the DurableObjectKeyStore's under `prefix` in `object`, over RPC. */
export async function objectStore(object, prefix, call = 'commit') {
  return {
    keepsCryptoKeys: await storeCall(object, 'keepsCryptoKeys', prefix),
    load: () => storeCall(object, 'load', prefix),
    commit: (writes) => storeCall(object, call, prefix, writes),
  };
}

/** A client of `object`'s keyring: (op, input) → the JSON answer; the object's errors as KmsErrors. */
export function keyringObject(object) {
  return async (op, input) => {
    const response = await stub(object).fetch('https://keyring.test/', { method: 'POST', body: JSON.stringify({ op, input }) });
    const reply = await response.json();
    return reply?.error ? rethrow(reply.error) : reply;
  };
}
