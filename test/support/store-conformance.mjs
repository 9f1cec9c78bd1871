// The KeyStore conformance suite: what every store must do under a Keyring, run against each store
// in its real engine (memory everywhere; IndexedDB in browsers; Deno KV in Deno; Durable Objects
// in workerd). A store is given as a factory of a fresh, empty backing and of a second handle on
// the same backing (a second tab, isolate or process).
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { Keyring } from '../../src/index.ts';
import { crypto } from './env.mjs';
import { rejects } from './helpers.mjs';

/** A fixed, public test root key (never a real secret). */
export const TEST_ROOT_KEY = Uint8Array.from({ length: 32 }, (_, i) => 255 - i);

/**
 * Registers and runs the conformance suite.
 * @param name - the store's name, for the report.
 * @param fresh - async () => { store, again(): a second handle on the same backing }.
 * @param options - `sealed`: the store cannot keep CryptoKeys (the keyring seals material), which
 *   adds the tests of sealed material.
 */
export function keyStoreConformance(name, fresh, { sealed: keepsSealed = false } = {}) {
  const test = suite(`KeyStore conformance: ${name}`);

  /** A keyring on a fresh store, and how to open another on the same backing. */
  async function setup(options = {}) {
    const backing = await fresh();
    const rootKey = backing.store.keepsCryptoKeys ? undefined : TEST_ROOT_KEY;
    const open = (store = backing.again(), more = {}) => Keyring.open({ store, crypto, ...(rootKey ? { rootKey } : {}), ...options, ...more });
    return { ...backing, rootKey, open, keyring: await open(backing.store) };
  }

  test('commit is compare-and-set on every record, and all or nothing', async () => {
    const { store } = await fresh();
    const value = { aliasName: 'alias/a', targetKeyId: 'k' };
    assert.is(await store.commit([{ kind: 'alias', id: 'alias/a', expectedRevision: 0, value }]), true);
    assert.is(await store.commit([{ kind: 'alias', id: 'alias/a', expectedRevision: 0, value }]), false, 'a record that exists is not created again');
    const both = [
      { kind: 'alias', id: 'alias/b', expectedRevision: 0, value: { aliasName: 'alias/b', targetKeyId: 'k' } },
      { kind: 'alias', id: 'alias/a', expectedRevision: 7, value },
    ];
    assert.is(await store.commit(both), false, 'one stale revision refuses the whole commit');
    const records = await store.load();
    assert.equal(records.map((r) => [r.kind, r.id, r.revision]), [['alias', 'alias/a', 1]], 'and nothing of it was written');
    assert.is(await store.commit([{ kind: 'alias', id: 'alias/a', expectedRevision: 1, value: { aliasName: 'alias/a', targetKeyId: 'other' } }]), true);
    assert.equal((await store.load()).map((r) => [r.id, r.revision, r.value.targetKeyId]), [['alias/a', 2, 'other']]);
    assert.is(await store.commit([{ kind: 'alias', id: 'alias/a', expectedRevision: 2, value: null }]), true);
    assert.equal(await store.load(), []);
  });

  test('keys, versions, aliases and state written by one keyring open in the next; old blobs still decrypt', async () => {
    const { keyring, open } = await setup();
    await keyring.createKey({ keyId: 'app', aliases: ['alias/app'], description: 'persisted' });
    const before = await keyring.generateDataKey({ keyId: 'alias/app', encryptionContext: { tenant: 'acme' } });
    await keyring.rotateKey('app');
    const after = await keyring.encrypt({ keyId: 'app', plaintext: Uint8Array.of(1, 2, 3) });
    await keyring.createKey({ keyId: 'off' });
    await keyring.disableKey('off');
    await keyring.createAlias('alias/gone', 'app');
    await keyring.deleteAlias('alias/gone');
    const again = await open();
    const meta = again.describeKey('alias/app');
    assert.is(meta.description, 'persisted');
    assert.equal(meta.versions.map((v) => v.versionId), keyring.describeKey('app').versions.map((v) => v.versionId));
    assert.equal(again.listAliases().map((a) => a.aliasName), ['alias/app']);
    assert.is(again.describeKey('off').keyState, 'Disabled');
    const opened = await again.decrypt({ ciphertextBlob: before.ciphertextBlob, encryptionContext: { tenant: 'acme' } });
    assert.equal([...opened.plaintext], [...before.plaintext]);
    assert.equal([...(await again.decrypt({ ciphertextBlob: after.ciphertextBlob })).plaintext], [1, 2, 3]);
  });

  test('keys list oldest first and aliases by name, before and after a reopen (a paged list neither skips nor repeats)', async () => {
    const { keyring, open } = await setup();
    for (const keyId of ['zeta', 'alpha', 'mid']) {
      await keyring.createKey({ keyId, aliases: [`alias/${keyId}`] });
      // Keys made in one millisecond list by id; a new millisecond makes creation order the test.
      const made = Date.now();
      while (Date.now() === made) await new Promise((resolve) => setTimeout(resolve, 1));
    }
    const expected = { keys: ['zeta', 'alpha', 'mid'], aliases: ['alias/alpha', 'alias/mid', 'alias/zeta'] };
    const lists = (ring) => ({ keys: ring.listKeys().map((k) => k.keyId), aliases: ring.listAliases().map((a) => a.aliasName) });
    assert.equal(lists(keyring), expected);
    assert.equal(lists(await open()), expected, 'the same order from what the store gives back');
  });

  /** A second handle on the backing that does not watch: it learns of changes only by failing a commit or missing a key. */
  const unwatched = (store) => ({ keepsCryptoKeys: store.keepsCryptoKeys, load: () => store.load(), commit: (writes) => store.commit(writes) });

  test('a keyring that has not seen another\'s rotation loses its commit, reloads and rotates on top: no rotation is lost', async () => {
    const { keyring, open, again } = await setup();
    await keyring.createKey({ keyId: 'k', aliases: ['alias/k'] });
    const stale = await open(unwatched(again()));
    const first = await keyring.rotateKey('k');
    await keyring.updateAlias('alias/k', 'k');
    const second = await stale.rotateKey('k');
    await stale.deleteAlias('alias/k');
    const versions = (await open()).describeKey('k').versions.map((v) => v.versionId);
    assert.equal(versions.slice(1), [first.versionId, second.versionId]);
    assert.equal((await open()).listAliases(), []);
  });

  test('ifTargetKeyId: a keyring that has not seen another re-point an alias changes nothing (ConflictException); reloaded, it does', async () => {
    const { keyring, open, again } = await setup();
    await keyring.createKey({ keyId: 'a', aliases: ['alias/x'] });
    await keyring.createKey({ keyId: 'b' });
    const stale = await open(unwatched(again()));
    await keyring.updateAlias('alias/x', 'b');
    await rejects(stale.updateAlias('alias/x', 'a', { ifTargetKeyId: 'a' }), 'ConflictException', /alias\/x/);
    await rejects(stale.deleteAlias('alias/x', { ifTargetKeyId: 'a' }), 'ConflictException');
    assert.is((await open()).describeKey('alias/x').keyId, 'b', 'the alias kept the target the other keyring gave it');
    await stale.updateAlias('alias/x', 'a', { ifTargetKeyId: 'b' });
    assert.is((await open()).describeKey('alias/x').keyId, 'a');
  });

  test('two keyrings rotating one key at once lose no rotation', async () => {
    const { keyring, open } = await setup();
    await keyring.createKey({ keyId: 'k' });
    const other = await open();
    const rotations = await Promise.all([keyring.rotateKey('k'), other.rotateKey('k'), keyring.rotateKey('k'), other.rotateKey('k')]);
    const versions = (await open()).describeKey('k').versions.map((v) => v.versionId);
    assert.is(versions.length, 5);
    for (const { versionId } of rotations) assert.ok(versions.includes(versionId), `rotation to ${versionId} was kept`);
  });

  test('two keyrings creating one key id: one wins, the other gets AlreadyExistsException', async () => {
    const { keyring, open } = await setup();
    const other = await open();
    const results = await Promise.allSettled([keyring.createKey({ keyId: 'same' }), other.createKey({ keyId: 'same', aliases: ['alias/same'] })]);
    assert.equal(results.map((r) => r.status).sort(), ['fulfilled', 'rejected']);
    assert.is(results.find((r) => r.status === 'rejected').reason.name, 'AlreadyExistsException');
    assert.is((await open()).describeKey('same').versions.length, 1);
  });

  test('a blob under a version this keyring has not loaded makes it reload once, then decrypt', async () => {
    const { keyring, open, again } = await setup();
    await keyring.createKey({ keyId: 'k' });
    // A handle without watch, so that only the miss can make it reload.
    const stale = await open(unwatched(again()));
    await keyring.rotateKey('k');
    await keyring.createKey({ keyId: 'new' });
    const blob = await keyring.encrypt({ keyId: 'k', plaintext: Uint8Array.of(9) });
    assert.equal([...(await stale.decrypt({ ciphertextBlob: blob.ciphertextBlob })).plaintext], [9]);
    const fresh = await keyring.encrypt({ keyId: 'new', plaintext: Uint8Array.of(8) });
    assert.equal([...(await stale.decrypt({ ciphertextBlob: fresh.ciphertextBlob, keyId: 'new' })).plaintext], [8]);
    const foreign = new Keyring({ crypto });
    await foreign.createKey({ keyId: 'elsewhere' });
    const alien = await foreign.encrypt({ keyId: 'elsewhere', plaintext: Uint8Array.of(1) });
    await rejects(stale.decrypt({ ciphertextBlob: alien.ciphertextBlob }), 'InvalidCiphertextException', /elsewhere/);
  });

  test('the encryption counter survives a reopen: reservations are written before use, never reused', async () => {
    const { keyring, open, store } = await setup({ maxEncryptionsPerKeyVersion: 3 });
    await keyring.createKey({ keyId: 'k' });
    await keyring.encrypt({ keyId: 'k', plaintext: Uint8Array.of(1) });
    await keyring.encrypt({ keyId: 'k', plaintext: Uint8Array.of(1) });
    const reopened = await open();
    assert.is(reopened.describeKey('k').versions[0].encryptionCount, 3, 'the block the first keyring reserved counts as used');
    await rejects(reopened.encrypt({ keyId: 'k', plaintext: Uint8Array.of(1) }), 'KMSInvalidStateException');
    await keyring.encrypt({ keyId: 'k', plaintext: Uint8Array.of(1) });
    await rejects(keyring.encrypt({ keyId: 'k', plaintext: Uint8Array.of(1) }), 'KMSInvalidStateException');
    const [record] = (await store.load()).filter((r) => r.kind === 'key');
    assert.is(record.value.versions[0].reservedEncryptions, 3);
  });

  test('with the default bound, a keyring reserves blocks: a restart skips the rest of a block, never repeats one', async () => {
    const { keyring, open, store } = await setup();
    await keyring.createKey({ keyId: 'k' });
    await keyring.encrypt({ keyId: 'k', plaintext: Uint8Array.of(1) });
    const reserved = async () => (await store.load()).find((r) => r.kind === 'key').value.versions[0].reservedEncryptions;
    assert.is(await reserved(), 65_536);
    const restarted = await open();
    await restarted.encrypt({ keyId: 'k', plaintext: Uint8Array.of(1) });
    assert.is(await reserved(), 131_072);
  });

  test('a store of another region or account, or of a newer format, is refused with a clear error', async () => {
    const { open, store } = await setup();
    await rejects(open(undefined, { region: 'eu-west-1' }), 'ValidationException', /region us-east-1 .* not eu-west-1/);
    const [keyring] = (await store.load()).filter((r) => r.kind === 'keyring');
    assert.ok(await store.commit([{ kind: 'keyring', id: '', expectedRevision: keyring.revision, value: { ...keyring.value, formatVersion: 99 } }]));
    await rejects(open(), 'UnsupportedOperationException', /newer webkms/);
  });

  test('malformed records fail closed by name: a key or alias when used (the others load), the keyring record at open', async () => {
    const { keyring, store, open } = await setup();
    await keyring.createKey({ keyId: 'good', aliases: ['alias/good'] });
    await keyring.createKey({ keyId: 'bad', aliases: ['alias/bad'] });
    const blob = await keyring.encrypt({ keyId: 'good', plaintext: Uint8Array.of(4) });
    const records = await store.load();
    const key = records.find((r) => r.kind === 'key' && r.id === 'bad');
    const alias = records.find((r) => r.kind === 'alias' && r.id === 'alias/bad');
    assert.ok(await store.commit([
      { kind: 'key', id: 'bad', expectedRevision: key.revision, value: { ...key.value, versions: [{ ...key.value.versions[0], versionId: 'not hex' }] } },
      { kind: 'alias', id: 'alias/bad', expectedRevision: alias.revision, value: { aliasName: 'alias/bad', targetKeyId: 42 } },
    ]));
    const reopened = await open();
    await rejects(reopened.encrypt({ keyId: 'bad', plaintext: Uint8Array.of(1) }), 'InvalidCiphertextException', /key bad .*malformed: .*version id/);
    await rejects(reopened.generateDataKey({ keyId: 'alias/bad' }), 'InvalidCiphertextException', /alias\/bad .*malformed/);
    await rejects(reopened.createAlias('alias/bad', 'good'), 'AlreadyExistsException');
    assert.equal([...(await reopened.decrypt({ ciphertextBlob: blob.ciphertextBlob })).plaintext], [4]);
    assert.is((await reopened.generateDataKey({ keyId: 'alias/good' })).keyId, 'good');
    const [meta] = (await store.load()).filter((r) => r.kind === 'keyring');
    assert.ok(await store.commit([{ kind: 'keyring', id: '', expectedRevision: meta.revision, value: { formatVersion: 1, region: 7 } }]));
    await rejects(open(), 'KMSInternalException', /keyring record is malformed/);
  });

  test('a record whose key spec is not its material\'s size fails closed (rotations would make the wrong size)', async () => {
    const { keyring, store, open } = await setup();
    await keyring.createKey({ keyId: 'k' });
    const record = (await store.load()).find((r) => r.kind === 'key' && r.id === 'k');
    assert.ok(await store.commit([{ kind: 'key', id: 'k', expectedRevision: record.revision, value: { ...record.value, keySpec: 'AES_128' } }]));
    await rejects((await open()).rotateKey('k'), 'InvalidCiphertextException', /says AES_128, but version .* another size/);
  });

  test('a burst of blobs under keys the keyring lacks costs one reload, not one each', async () => {
    const { keyring, again, open } = await setup();
    await keyring.createKey({ keyId: 'k' });
    const handle = unwatched(again());
    let loads = 0;
    const stale = await open({ ...handle, load: () => (loads++, handle.load()) });
    const foreign = new Keyring({ crypto });
    await foreign.createKey({ keyId: 'elsewhere' });
    const { ciphertextBlob } = await foreign.encrypt({ keyId: 'elsewhere', plaintext: Uint8Array.of(1) });
    loads = 0;
    const results = await Promise.allSettled(Array.from({ length: 20 }, () => stale.decrypt({ ciphertextBlob })));
    assert.ok(results.every((r) => r.status === 'rejected' && r.reason.name === 'InvalidCiphertextException'));
    assert.ok(loads <= 2, `${loads} loads for 20 misses`);
  });

  test('a failing store changes nothing: the error is typed and the keyring keeps its state', async () => {
    const { keyring, store, open } = await setup();
    await keyring.createKey({ keyId: 'k' });
    const broken = await open({ ...unwatched(store), commit: () => Promise.reject(new Error('disk full')) });
    await rejects(broken.rotateKey('k'), 'KMSInternalException', /disk full/);
    await rejects(broken.disableKey('k'), 'KMSInternalException');
    assert.is(broken.describeKey('k').versions.length, 1);
    assert.is(broken.describeKey('k').keyState, 'Enabled');
    assert.is((await open()).describeKey('k').versions.length, 1);
  });

  test('new Keyring() refuses a store; Keyring.open refuses what is not one', async () => {
    const { store } = await fresh();
    await rejects(() => new Keyring({ crypto, store }), 'ValidationException', /Keyring.open/);
    await rejects(Keyring.open({ crypto, store: new Map() }), 'ValidationException', /store must be a KeyStore/);
  });

  // Stores that keep material sealed under the root key (records JSON-safe); registered for them only.
  const sealed = (title, body) => keepsSealed && test(title, async () => {
    assert.is((await fresh()).store.keepsCryptoKeys, false);
    await body();
  });

  sealed('material is sealed under the root key: nothing in the store opens without it', async () => {
    const { keyring, store, open } = await setup();
    await keyring.createKey({ keyId: 'k' });
    const text = JSON.stringify(await store.load());
    assert.ok(!text.includes('"material":{}'), 'no CryptoKey was handed to a store that cannot keep one');
    const [key] = (await store.load()).filter((r) => r.kind === 'key');
    assert.is(key.value.versions[0].material.alg, 'A256GCM');
    await rejects(Keyring.open({ store: unwatched(store), crypto }), 'ValidationException', /rootKey/);
    const otherRoot = await open(undefined, { rootKey: new Uint8Array(32) });
    await rejects(otherRoot.generateDataKey({ keyId: 'k' }), 'InvalidCiphertextException', /key k .*another root key/);
  });

  sealed('a tampered record fails closed, naming its key; the other keys still load', async () => {
    const { keyring, store, open } = await setup();
    await keyring.createKey({ keyId: 'good' });
    await keyring.createKey({ keyId: 'bad' });
    const blob = await keyring.encrypt({ keyId: 'good', plaintext: Uint8Array.of(5) });
    const record = (await store.load()).find((r) => r.kind === 'key' && r.id === 'bad');
    const [version] = record.value.versions;
    const flipped = version.material.ciphertext.startsWith('A') ? `B${version.material.ciphertext.slice(1)}` : `A${version.material.ciphertext.slice(1)}`;
    const value = { ...record.value, versions: [{ ...version, material: { ...version.material, ciphertext: flipped } }] };
    assert.ok(await store.commit([{ kind: 'key', id: 'bad', expectedRevision: record.revision, value }]));
    const reopened = await open();
    await rejects(reopened.encrypt({ keyId: 'bad', plaintext: Uint8Array.of(1) }), 'InvalidCiphertextException', /key bad .*changed/);
    assert.equal([...(await reopened.decrypt({ ciphertextBlob: blob.ciphertextBlob })).plaintext], [5]);
  });

  sealed('a non-extractable CryptoKey cannot be kept sealed: refused with the reason; bytes, JWKs and extractable keys can', async () => {
    const { keyring } = await setup();
    const locked = await crypto.subtle.importKey('raw', new Uint8Array(32), 'AES-GCM', false, ['encrypt', 'decrypt']);
    await rejects(keyring.importKey({ keyId: 'locked', material: locked }), 'ValidationException', /non-extractable/);
    const open = await crypto.subtle.importKey('raw', new Uint8Array(32).fill(1), 'AES-GCM', true, ['encrypt', 'decrypt']);
    await keyring.importKey({ keyId: 'extractable', material: open });
    await keyring.importKey({ keyId: 'bytes', material: new Uint8Array(32).fill(2) });
    await keyring.importKey({ keyId: 'jwk', material: { kty: 'oct', k: 'AwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwM' } });
    assert.equal(keyring.listKeys().map((k) => k.keyId).sort(), ['bytes', 'extractable', 'jwk']);
  });

  test.run();
}
