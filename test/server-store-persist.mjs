// Keys that survive a restart of the engine (test/harness/run.mjs's restart phase): in Deno, a
// keyring on a Deno KV file, opened again by a new deno process; in workerd, a keyring in a Durable
// Object, answering requests again after workerd itself was stopped and started. `before` makes
// keys (an alias, a rotation, a disabled key, a record sealed under another root key) and
// ciphertexts through the keyring, and returns them; `after`, in the restarted engine, checks that
// each one opens, or fails closed, as before. Elsewhere `before` returns undefined.
import { DenoKvKeyStore, Keyring, base64 } from '../src/index.ts';
import { objectStore, keyringObject } from './support/durable-objects.mjs';
import { has, stateDir } from './support/env.mjs';
import { localRequests } from './support/keyring-requests.mjs';
import { TEST_ROOT_KEY } from './support/store-conformance.mjs';

const CONTEXT = { purpose: 'restart' };
const OTHER_ROOT_KEY = new Uint8Array(32).fill(7);
const text = (value) => base64.encode(new TextEncoder().encode(value));

/** Keys and ciphertexts made through `request`: what `after` must find again. */
async function make(request) {
  await request('createKey', { keyId: 'app', aliases: ['alias/app'], description: 'made before the restart' });
  const dataKey = await request('generateDataKey', { keyId: 'alias/app', encryptionContext: CONTEXT });
  const first = await request('encrypt', { keyId: 'app', plaintext: text('under the first version') });
  await request('rotateKey', { keyId: 'app' });
  const { message } = await request('seal', { keyId: 'alias/app', text: 'a sealed message', encryptionContext: CONTEXT });
  await request('createKey', { keyId: 'off' });
  await request('disableKey', { keyId: 'off' });
  const { versions } = await request('describeKey', { keyId: 'app' });
  return { dataKey: { ciphertextBlob: dataKey.ciphertextBlob, plaintext: dataKey.plaintext }, first: first.ciphertextBlob, message, versions: versions.map((v) => v.versionId) };
}

const fail = (why) => { throw new Error(why); };
const same = (actual, expected, what) => JSON.stringify(actual) === JSON.stringify(expected) || fail(`${what}: ${JSON.stringify(actual)}, not ${JSON.stringify(expected)}`);
const failsWith = async (promise, name, pattern) => {
  const error = await promise.then(() => undefined, (caught) => caught);
  if (error?.name !== name || !pattern.test(error.message)) fail(`expected ${name} matching ${pattern}, got ${error ? `${error.name}: ${error.message}` : 'success'}`);
};

/** The checks of `after`, each a sentence and what proves it. */
const CHECKS = [
  ['the key, its alias, its description and both versions are there', async (request, state) => {
    const key = await request('describeKey', { keyId: 'alias/app' });
    same([key.keyId, key.aliases, key.description], ['app', ['alias/app'], 'made before the restart'], 'key');
    same(key.versions.map((v) => v.versionId), state.versions, 'versions');
  }],
  ['the disabled key is still disabled', async (request) => {
    same((await request('describeKey', { keyId: 'off' })).keyState, 'Disabled', 'keyState');
    await failsWith(request('encrypt', { keyId: 'off', plaintext: text('x') }), 'DisabledException', /off/);
  }],
  ['the data key made before decrypts', async (request, { dataKey }) => {
    same((await request('decrypt', { ciphertextBlob: dataKey.ciphertextBlob, encryptionContext: CONTEXT })).plaintext, dataKey.plaintext, 'plaintext');
  }],
  ['a blob under the first version decrypts', async (request, { first }) => {
    same((await request('decrypt', { ciphertextBlob: first })).plaintext, text('under the first version'), 'plaintext');
  }],
  ['the sealed message opens', async (request, { message }) => {
    same((await request('open', { message, encryptionContext: CONTEXT })).text, 'a sealed message', 'text');
  }],
  ['the encryption counter survived: the block reserved before counts as used', async (request) => {
    same((await request('describeKey', { keyId: 'app' })).versions.map((v) => v.encryptionCount), [65_536, 65_536], 'encryptionCount');
  }],
  ['a record sealed under another root key fails closed, naming its key', async (request) => {
    await failsWith(request('encrypt', { keyId: 'foreign', plaintext: text('x') }), 'InvalidCiphertextException', /key foreign .*another root key/);
  }],
  ['a key made after the restart works beside them', async (request) => {
    await request('createKey', { keyId: 'after' });
    const { ciphertextBlob } = await request('encrypt', { keyId: 'after', plaintext: text('new') });
    same((await request('decrypt', { ciphertextBlob })).plaintext, text('new'), 'plaintext');
  }],
];

async function check(request, state) {
  const result = { passed: 0, failed: 0, failures: [] };
  for (const [name, body] of CHECKS) {
    try {
      await body(request, state);
      result.passed++;
    } catch (error) {
      result.failed++;
      result.failures.push({ name: `restart: ${name}`, message: `${error?.name}: ${error?.message}` });
    }
  }
  return result;
}

// Deno: the keyring in this process, on a KV file in the harness's state directory.
const KV_FILE = () => `${stateDir}/persist.sqlite`;
async function inDeno(crypto, body) {
  const kv = await Deno.openKv(KV_FILE());
  const keyring = await Keyring.open({ store: new DenoKvKeyStore({ kv }), crypto, rootKey: TEST_ROOT_KEY });
  try {
    return await body(localRequests(keyring), kv);
  } finally {
    kv.close();
  }
}

// workerd: the keyring in a Durable Object, whose root key is the Worker's secret ROOT_KEY.
const OBJECT = 'persist';

/** In the engine before its restart: keys and ciphertexts, and a key sealed under another root key. */
export async function before(crypto) {
  if (has('denoKv')) {
    return inDeno(crypto, async (request, kv) => {
      const state = await make(request);
      const other = await Keyring.open({ store: new DenoKvKeyStore({ kv }), crypto, rootKey: OTHER_ROOT_KEY });
      await other.createKey({ keyId: 'foreign' });
      return state;
    });
  }
  if (has('durableObjects')) {
    const state = await make(keyringObject(OBJECT));
    // Written beside the object's keyring, through the object's store, by a keyring in the Worker.
    const other = await Keyring.open({ store: await objectStore(OBJECT, 'webkms:'), crypto, rootKey: OTHER_ROOT_KEY });
    await other.createKey({ keyId: 'foreign' });
    return state;
  }
  return undefined;
}

/** In the restarted engine: { passed, failed, failures } of the checks. */
export async function after(crypto, state) {
  if (state === undefined) return { passed: 0, failed: 0, failures: [] };
  if (has('denoKv')) return inDeno(crypto, (request) => check(request, state));
  return check(keyringObject(OBJECT), state);
}
