// Keys in IndexedDB survive the page: the restart phase of test/harness/run.mjs, in browsers. `before`
// writes keys through a keyring on an IndexedDbKeyStore, wraps data keys and seals a message; the
// harness closes the page and opens a new one in the same profile; `after` opens the keyring again
// and checks that all of it is there and still works. Engines without IndexedDB: not applicable.
import * as assert from 'uvu/assert';
import { IndexedDbKeyStore, Keyring, base64, open, seal } from '../src/index.ts';
import { has } from './support/env.mjs';
import { freshName, rawRecords } from './support/indexeddb.mjs';

const CONTEXT = { purpose: 'restart', city: 'Zürich' };
const MESSAGE = 'sealed before the restart';

// Set by `before`; a restarted page is a new realm, where it is false again.
let wroteInThisPage = false;

/** The versions' reserved encryption counts, as stored. */
const reserved = async (databaseName, keyId) =>
  (await rawRecords(databaseName)).find((r) => r.kind === 'key' && r.id === keyId).value.versions.map((v) => v.reservedEncryptions);

/** Writes keys, data keys and a message; returns what `after` needs to check them, as JSON. */
export async function before(crypto) {
  if (!has('indexedDB')) return undefined;
  wroteInThisPage = true;
  const store = new IndexedDbKeyStore({ name: freshName('restart') });
  const keyring = await Keyring.open({ store, crypto });
  try {
    await keyring.createKey({ keyId: 'app', aliases: ['alias/app'], description: 'survives the page' });
    const dataKeys = [await keyring.generateDataKey({ keyId: 'alias/app', encryptionContext: CONTEXT })];
    await keyring.rotateKey('app');
    dataKeys.push(await keyring.generateDataKey({ keyId: 'alias/app', encryptionContext: CONTEXT }));
    const message = await seal(keyring, MESSAGE, { keyId: 'alias/app', encryptionContext: CONTEXT });
    await keyring.createKey({ keyId: 'off', aliases: ['alias/off'] });
    await keyring.disableKey('off');
    return {
      databaseName: store.databaseName,
      versionIds: keyring.describeKey('app').versions.map((v) => v.versionId),
      reserved: await reserved(store.databaseName, 'app'),
      dataKeys: dataKeys.map((k) => ({ versionId: k.versionId, ciphertextBlob: base64.encode(k.ciphertextBlob), plaintext: base64.encode(k.plaintext) })),
      message: base64.encode(message),
    };
  } finally {
    keyring.close();
  }
}

/** In the new page: each check of what survived, counted like interop's. */
export async function after(crypto, state) {
  const keyring = await Keyring.open({ store: new IndexedDbKeyStore({ name: state.databaseName.slice('webkms:'.length) }), crypto });
  const checks = {
    'the page was restarted: before ran in another realm': () => assert.not.ok(wroteInThisPage),
    'keys, versions, aliases, description and disabled state are there': () => {
      const app = keyring.describeKey('alias/app');
      assert.equal(app.versions.map((v) => v.versionId), state.versionIds);
      assert.is(app.description, 'survives the page');
      assert.is(app.keyState, 'Enabled');
      assert.is(keyring.describeKey('off').keyState, 'Disabled');
      assert.equal(keyring.listAliases().map((a) => [a.aliasName, a.targetKeyId]), [['alias/app', 'app'], ['alias/off', 'off']]);
    },
    'data keys wrapped before the restart, under both versions, decrypt': async () => {
      for (const { versionId, ciphertextBlob, plaintext } of state.dataKeys) {
        const opened = await keyring.decrypt({ ciphertextBlob: base64.decode(ciphertextBlob), encryptionContext: CONTEXT });
        assert.is(opened.versionId, versionId);
        assert.is(base64.encode(opened.plaintext), plaintext);
      }
    },
    'the message sealed before the restart opens': async () => {
      const opened = await open(keyring, base64.decode(state.message), { encryptionContext: CONTEXT });
      assert.is(new TextDecoder().decode(opened), MESSAGE);
    },
    'the stored CryptoKeys are still non-extractable: exportKey refuses them': async () => {
      const materials = (await rawRecords(state.databaseName)).filter((r) => r.kind === 'key').flatMap((r) => r.value.versions.map((v) => v.material));
      assert.is(materials.length, 3);
      for (const key of materials) {
        assert.is(key.extractable, false);
        const refusal = await crypto.subtle.exportKey('raw', key).then(() => 'exported', (error) => error.name);
        assert.is(refusal, 'InvalidAccessError');
      }
    },
    'the encryptions reserved before the restart stay reserved': async () => {
      assert.equal(await reserved(state.databaseName, 'app'), state.reserved);
      assert.equal(keyring.describeKey('app').versions.map((v) => v.encryptionCount), state.reserved);
    },
    'the keyring writes after the restart: a rotation adds a version': async () => {
      const { versionId } = await keyring.rotateKey('app');
      assert.equal(keyring.describeKey('app').versions.map((v) => v.versionId), [...state.versionIds, versionId]);
    },
  };
  const result = { passed: 0, failed: 0, failures: [] };
  for (const [name, check] of Object.entries(checks)) {
    try {
      await check();
      result.passed++;
    } catch (error) {
      result.failed++;
      result.failures.push({ name: `restart: IndexedDbKeyStore: ${name}`, message: `${error?.name}: ${error?.message}` });
    }
  }
  keyring.close();
  return result;
}
