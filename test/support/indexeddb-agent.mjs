// A second agent on the page's IndexedDB, as a second tab would be: this very test bundle, loaded
// again as a module Worker, runs a keyring of its own (its own realm, IndexedDB connection and
// BroadcastChannels, on a thread of its own, so truly at the same time as the page).
import { IndexedDbKeyStore, Keyring } from '../../src/index.ts';
import { countingLosses } from './indexeddb.mjs';

const AGENT = 'webkms-indexeddb-agent';

// In the agent: one keyring, driven by the page's messages { id, op, ... }, answered { id, value } or { id, error }.
if (typeof DedicatedWorkerGlobalScope === 'function' && globalThis instanceof DedicatedWorkerGlobalScope && globalThis.name === AGENT) {
  let keyring, store;
  const ops = {
    async open({ name }) {
      store = countingLosses(new IndexedDbKeyStore({ name }));
      keyring = await Keyring.open({ store });
    },
    async rotate({ keyId, times }) {
      const rotations = await Promise.all(Array.from({ length: times }, () => keyring.rotateKey(keyId)));
      return { versionIds: rotations.map((r) => r.versionId), lost: store.lost };
    },
    async createKey({ keyId }) {
      await keyring.createKey({ keyId });
    },
  };
  globalThis.onmessage = async ({ data: { id, op, ...args } }) => {
    try {
      globalThis.postMessage({ id, value: await ops[op](args) });
    } catch (error) {
      globalThis.postMessage({ id, error: `${error?.name}: ${error?.message}` });
    }
  };
}

// A hang guard, not a speed check: a browser on a loaded 2-core machine has taken over 30 s to open
// IndexedDB in a Worker while three other browsers ran beside it.
const ANSWER_TIMEOUT = 90_000;

/**
 * Starts an agent: `await agent.run(op, args)` runs `open({ name })`, `rotate({ keyId, times })`
 * (times rotations at once; resolves to { versionIds, lost }: the commits it lost to others) or `createKey({ keyId })` in it.
 */
export function startAgent() {
  const worker = new Worker(import.meta.url, { type: 'module', name: AGENT });
  const waiting = new Map();
  let next = 0;
  let failure;
  const settle = (id, error, value) => {
    const entry = waiting.get(id);
    if (!entry) return;
    waiting.delete(id);
    clearTimeout(entry.timer);
    if (error) entry.reject(new Error(`in the agent: ${error}`));
    else entry.resolve(value);
  };
  worker.onmessage = ({ data: { id, value, error } }) => settle(id, error, value);
  // A bundle that does not load in a worker fails here, maybe before anything was asked.
  worker.onerror = (event) => {
    failure = `the agent failed: ${event.message}`;
    for (const id of waiting.keys()) settle(id, failure);
  };
  return {
    run: (op, args) => new Promise((resolve, reject) => {
      if (failure) return reject(new Error(failure));
      const id = ++next;
      const timer = setTimeout(() => settle(id, `no answer to ${op} within ${ANSWER_TIMEOUT / 1000} s`), ANSWER_TIMEOUT);
      waiting.set(id, { resolve, reject, timer });
      worker.postMessage({ id, op, ...args });
    }),
    stop: () => worker.terminate(),
  };
}
