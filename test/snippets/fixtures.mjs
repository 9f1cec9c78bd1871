// What each documentation snippet (`<!-- snippet: name -->` in README.md and docs/*.md) needs to
// run, and how its result is checked. The snippet's code runs exactly as the reader sees it;
// a fixture only supplies what the page leaves to the reader's surroundings:
//
//   run       where it runs: 'node' (default), 'chromium' (a page served on 127.0.0.1),
//             'workerd' (a Worker), 'deno'; or `skip`: why it cannot run (counted as skipped)
//   uses      another snippet whose code (with its prelude) runs first, as the text says
//   prelude   code before the snippet: the free variables it uses (a keyring, key bytes, …)
//   postlude  code after it, in the same module: assertions on its variables
//   check     after the run, in the harness's Node: ({ module, page, url, dir, stdout, webkms, keys }) => …
//   worker    a Worker's environment: text bindings and in-memory R2 buckets
//   files     a Deno snippet's working files, made before it runs: (dir, keys) => …
//
// Preludes and postludes are typechecked and run with the snippet. `keys` are random key bytes
// of this run: keys.a (32 bytes), served to pages as /master-key.jwk and /wrapping-key.jwk.
import fs from 'node:fs';
import path from 'node:path';

const keyring = (...setup) => [`import { Keyring } from 'webkms';`, 'const keyring = new Keyring();', ...setup].join('\n');
const equal = (a, b) => a.length === b.length && a.every((x, i) => x === b[i]);
const fail = (message) => { throw new Error(message); };

/** An AES-256 JWK of `bytes`, as a page would fetch it. */
export const jwkOf = (webkms, bytes) => ({ kty: 'oct', k: webkms.base64.encode(bytes, { alphabet: 'base64url' }), alg: 'A256GCM', ext: true, key_ops: ['encrypt', 'decrypt'] });

export const fixtures = {
  intro: {},

  'browser-page': {
    run: 'chromium',
    // The page stored the wrapped data key; a keyring with the same master key opens it.
    async check({ page, webkms, keys }) {
      const stored = await page.evaluate(() => localStorage.getItem('wrapped-key'));
      if (!stored) fail('localStorage has no wrapped-key');
      const other = new webkms.Keyring();
      await other.importKey({ keyId: 'browser-key', material: jwkOf(webkms, keys.a) });
      const { plaintext } = await other.decrypt({ ciphertextBlob: stored });
      if (plaintext.length !== 32) fail(`the wrapped data key has ${plaintext.length} bytes, not 32`);
    },
  },

  'browser-no-bundler': {
    run: 'chromium',
    // The note the page sealed opens with the same key; and every entry point of dist/ imports in the
    // page the same way, by a relative URL, with no import map.
    async check({ page, webkms, keys }) {
      const stored = await page.evaluate(() => localStorage.getItem('note'));
      if (!stored) fail('localStorage has no note');
      const keyring = new webkms.RawAesKeyring({ keyNamespace: 'notes', keyName: 'page', material: jwkOf(webkms, keys.a) });
      const note = new TextDecoder().decode(await webkms.open(keyring, webkms.base64.decode(stored), { encryptionContext: { page: 'notes' } }));
      if (note !== 'a note') fail(`the sealed note opens to ${JSON.stringify(note)}`);
      const entries = ['index', 'aws', 'alibaba', 'yandex', 'k6', 'http'];
      const exported = await page.evaluate((names) => Promise.all(names.map(async (name) => Object.keys(await import(`./node_modules/webkms/dist/${name}.js`)).length)), entries);
      entries.forEach((name, i) => { if (!exported[i]) fail(`dist/${name}.js exports nothing in the page`); });
    },
  },

  'deno-quick': {
    run: 'deno',
    check({ stdout, webkms }) {
      const blob = webkms.base64.decode(stdout.trim());
      if (blob.length < 64) fail(`printed a ${blob.length}-byte blob for a 64-byte data key`);
    },
  },

  'worker-quick': {
    run: 'workerd',
    worker: { text: ({ webkms, keys }) => ({ MASTER_KEY_B64: webkms.base64.encode(keys.a) }) },
    async check({ url, webkms, keys }) {
      const response = await fetch(url);
      if (!response.ok) fail(`the Worker answered ${response.status}: ${await response.text()}`);
      const { CiphertextBlob } = await response.json();
      const other = new webkms.Keyring();
      await other.importKey({ keyId: 'worker-key', material: keys.a });
      const { plaintext } = await other.decrypt({ ciphertextBlob: CiphertextBlob });
      if (plaintext.length !== 32) fail(`the data key has ${plaintext.length} bytes, not 32`);
    },
  },

  'master-keys': {
    prelude: keyring('const bytes = crypto.getRandomValues(new Uint8Array(32));', 'const newBytes = crypto.getRandomValues(new Uint8Array(32));'),
    postlude: `if (meta.keyId !== 'orders' || versionId === meta.versions[0]?.versionId || !keyMaterialId) throw new Error('rotateKey made no new version');`,
  },

  'data-keys': {
    prelude: keyring(`await keyring.createKey({ keyId: 'orders', aliases: ['alias/orders'] });`),
    postlude: `if (dataKey.plaintext.length !== 32 || dataKey.keyId !== 'orders') throw new Error('not a 32-byte data key of orders');`,
  },

  'encrypt-decrypt': {
    prelude: keyring(
      `await keyring.createKey({ keyId: 'orders' });`,
      `await keyring.createKey({ keyId: 'archive', aliases: ['alias/archive'] });`,
      `const secretBytes = new TextEncoder().encode('card 4111 1111 1111 1111');`,
    ),
    postlude: [
      `if (opened.plaintext.length !== secretBytes.length || !opened.plaintext.every((b, i) => b === secretBytes[i])) throw new Error('decrypt gave other bytes');`,
      `const archived = await keyring.decrypt({ ciphertextBlob: moved.ciphertextBlob, encryptionContext: { orderId: '42', archived: 'yes' } });`,
      `if (moved.keyId !== 'archive' || archived.plaintext.length !== secretBytes.length) throw new Error('reEncrypt did not move the secret to archive');`,
    ].join('\n'),
  },

  base64: {
    prelude: ['const bytes = crypto.getRandomValues(new Uint8Array(33));', `const text = 'SGVsbG8sIHdvcmxkIQ==';`].join('\n'),
  },

  zeroing: {
    prelude: keyring(`await keyring.createKey({ keyId: 'orders', aliases: ['alias/orders'] });`),
    postlude: `if (dataKey.plaintext.some((b) => b !== 0)) throw new Error('the data key was not zeroed');`,
  },

  bundles: {
    postlude: [
      `if (restored.describeKey('alias/app').keyId !== 'app') throw new Error('the restored keyring lacks the key');`,
      `if ((await moved.decrypt({ ciphertextBlob })).keyId !== 'app' || (await store.load()).length < 2) throw new Error('the moved key is not in the store');`,
    ].join('\n'),
  },

  'store-memory': {
    postlude: `if ((await again.generateDataKey({ keyId: 'alias/app' })).keyId !== 'app') throw new Error('a second keyring on the store does not have the key');`,
  },

  'store-indexeddb': {
    run: 'chromium',
    // Another keyring of the page opens the database the snippet wrote: the key is there, non-extractable.
    async check({ page }) {
      const found = await page.evaluate(async () => {
        const { Keyring, IndexedDbKeyStore } = await import('/node_modules/webkms/dist/index.js');
        const again = await Keyring.open({ store: new IndexedDbKeyStore({ name: 'my-app' }) });
        const meta = again.describeKey('alias/app');
        return { keyId: meta.keyId, extractable: meta.extractable };
      });
      if (found.keyId !== 'app' || found.extractable) fail(`the key in IndexedDB: ${JSON.stringify(found)}`);
    },
  },

  'keystore-interface': {
    postlude: [
      `if (table.size !== 2 || !table.get('key/app')?.includes('"A256GCM"')) throw new Error('the store has no sealed key record');`,
      `const again = await Keyring.open({ store, rootKey: crypto.getRandomValues(new Uint8Array(32)) });`,
      `await again.generateDataKey({ keyId: 'app' }).then(() => { throw new Error('another root key opened the key'); }, (error) => { if (error.name !== 'InvalidCiphertextException') throw error; });`,
    ].join('\n'),
  },

  'http-handler': {
    // The handler answers an unsigned request as AWS does; signed ones: test/http-aws.test.mjs and test/node-only/http-sdk.test.mjs.
    postlude: [
      `const response = await handler(new Request('http://127.0.0.1/', { method: 'POST', headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'TrentService.ListKeys' }, body: '{}' }));`,
      `if (response.status !== 403 || response.headers.get('x-amzn-errortype') !== 'MissingAuthenticationTokenException') throw new Error('an unsigned request was not refused');`,
    ].join('\n'),
  },

  'http-sdk-client': { skip: 'an AWS SDK client calling an endpoint the reader serves: test/node-only/http-sdk.test.mjs runs these calls against the handler on loopback' },

  // The endpoint the reader serves the handler at: here `fetch` hands the request to the handler
  // itself; test/node-only/http-protocols-fetch.test.mjs makes the same calls over loopback HTTP.
  'http-yandex': {
    prelude: 'const fetch = (input, init) => handler(new Request(input, init));',
    postlude: [
      `if (response.status !== 200 || keyId !== 'app' || !versionId || atob(dataKeyPlaintext).length !== 32) throw new Error(\`the Yandex endpoint answered \${response.status}\`);`,
      `const opened = /** @type {any} */ (await (await fetch('http://127.0.0.1:8000/kms/v1/keys/app:decrypt', { method: 'POST', headers: { authorization: 'Bearer t1.example-token', 'content-type': 'application/json' }, body: JSON.stringify({ ciphertext: dataKeyCiphertext }) })).json());`,
      `if (opened.plaintext !== dataKeyPlaintext) throw new Error('decrypt did not give the data key back');`,
      `const refused = await fetch('http://127.0.0.1:8000/kms/v1/keys/app:generateDataKey', { method: 'POST', headers: { authorization: 'Bearer t1.other' } });`,
      `if (refused.status !== 401 || /** @type {any} */ (await refused.json()).code !== 16) throw new Error('another token was not refused');`,
    ].join('\n'),
  },
  'http-alibaba': {
    prelude: 'const fetch = (input, init) => handler(new Request(input, init));',
    postlude: [
      `if (response.status !== 200 || KeyId !== 'app' || atob(Plaintext).length !== 32 || !CiphertextBlob || !RequestId) throw new Error(\`the Alibaba endpoint answered \${response.status}\`);`,
      `const replayed = await fetch(\`http://127.0.0.1:8000/?\${query}&Signature=\${percent(signature)}\`);`,
      `if (replayed.status !== 400 || /** @type {any} */ (await replayed.json()).Code !== 'SignatureNonceUsed') throw new Error('a replay was not refused');`,
    ].join('\n'),
  },
  'deploy-secrets': {
    // The bundle opens under the root key it was given with, and brings the key and its alias.
    postlude: [
      `const restored = await Keyring.importKeys(secrets.KEYS_BUNDLE, { wrappingKey: base64.decode(secrets.ROOT_KEY) });`,
      `if (restored.describeKey('alias/app').keyId !== 'app') throw new Error('KEYS_BUNDLE did not bring the key app');`,
    ].join('\n'),
  },
  'store-deno-kv': { skip: 'needs deno run --unstable-kv, a KV file and a root key in the environment: test/stores-deno-kv.test.mjs and test/server-store-persist.mjs run the same calls in Deno on a KV file, across a restart' },
  'store-durable-object': { skip: 'needs a Durable Object namespace and secrets: test/server-store-persist.mjs runs this shape of object in workerd with storage on disk, across a restart' },

  'seal-open': {
    prelude: 'const keyBytes = crypto.getRandomValues(new Uint8Array(32));',
    postlude: `if (new TextDecoder().decode(data) !== 'a secret') throw new Error('open gave other bytes');`,
  },

  'browser-file': {
    run: 'chromium',
    // The reader picks a file; the page offers its sealed form as a download, which opens with
    // the same wrapping key (key namespace and name from the message's header).
    async check({ page, webkms, keys }) {
      const original = new Uint8Array(3 * 1024 * 1024 + 5).map((_, i) => (i * 7) % 251);
      const downloading = page.waitForEvent('download', { timeout: 60_000 });
      await page.setInputFiles('#file', { name: 'report.pdf', mimeType: 'application/pdf', buffer: Buffer.from(original) });
      const download = await downloading;
      if (download.suggestedFilename() !== 'report.pdf.sealed') fail(`the download is named ${download.suggestedFilename()}`);
      const sealed = new Uint8Array(fs.readFileSync(await download.path()));
      const header = webkms.readHeader(sealed);
      const [edk] = header.encryptedDataKeys;
      // A raw AES key's provider info: the key name, then tag length, IV length (4 bytes each) and IV (12).
      const keyName = new TextDecoder().decode(edk.rawInfo.subarray(0, edk.rawInfo.length - 20));
      const unsealer = new webkms.RawAesKeyring({ keyNamespace: edk.providerId, keyName, material: jwkOf(webkms, keys.a) });
      const opened = await webkms.open(unsealer, sealed, { encryptionContext: { name: 'report.pdf' } });
      if (!equal(opened, original)) fail('the sealed download does not open to the picked file');
    },
  },

  'worker-r2': {
    run: 'workerd',
    worker: { text: ({ webkms, keys }) => ({ WRAPPING_KEY_B64: webkms.base64.encode(keys.a) }), buckets: ['BUCKET'] },
    // PUT seals the body into the bucket, GET opens it again.
    async check({ url }) {
      const original = new Uint8Array(2 * 1024 * 1024 + 3).map((_, i) => (i * 13) % 253);
      const put = await fetch(`${url}reports/q3.pdf`, { method: 'PUT', body: original });
      if (put.status !== 201) fail(`PUT answered ${put.status}: ${await put.text()}`);
      const got = await fetch(`${url}reports/q3.pdf`);
      if (!got.ok) fail(`GET answered ${got.status}: ${await got.text()}`);
      if (!equal(new Uint8Array(await got.arrayBuffer()), original)) fail('GET gave other bytes than were PUT');
    },
  },

  'deno-streams': {
    run: 'deno',
    files(dir, keys) {
      fs.writeFileSync(path.join(dir, 'wrapping.key'), keys.a);
      fs.writeFileSync(path.join(dir, 'db.dump'), new Uint8Array(3 * 1024 * 1024 + 1).map((_, i) => (i * 31) % 255));
    },
    check({ dir }) {
      const read = (name) => new Uint8Array(fs.readFileSync(path.join(dir, name)));
      const [dump, sealed, restored] = ['db.dump', 'db.dump.sealed', 'db.dump.restored'].map(read);
      if (sealed.length <= dump.length || equal(sealed.subarray(0, dump.length), dump)) fail('db.dump.sealed is not a sealed db.dump');
      if (!equal(restored, dump)) fail('db.dump.restored differs from db.dump');
    },
  },

  'dialect-keyring': { prelude: 'const material = crypto.getRandomValues(new Uint8Array(32));' },

  'aws-sdk': { skip: 'the AWS SDK for JavaScript calling AWS KMS: it needs AWS credentials and the network' },
  'aws-dialect': {
    uses: 'dialect-keyring',
    postlude: `if (!dataKey.Plaintext || !dataKey.CiphertextBlob) throw new Error('GenerateDataKey gave no data key');`,
  },

  'alibaba-sdk': { skip: "Alibaba Cloud's RPC client calling Alibaba Cloud KMS: it needs credentials and the network" },
  'alibaba-dialect': { uses: 'dialect-keyring', postlude: `if (Plaintext !== dataKey.Plaintext) throw new Error('Decrypt gave another data key');` },
  'alibaba-instance': {
    uses: 'dialect-keyring',
    prelude: [`await keyring.createKey({ keyId: 'key-hzz62f1cb66fa42qo' });`, `const aad = btoa('tenant=acme');`].join('\n'),
    postlude: `if (Plaintext !== key.Plaintext) throw new Error('Decrypt gave another data key');`,
  },

  'yandex-rest': { skip: "Yandex Cloud KMS's REST API: it needs an IAM token and the network" },
  'yandex-dialect': {
    uses: 'dialect-keyring',
    prelude: `const keyId = '1234abcd-12ab-34cd-56ef-1234567890ab';`,
    postlude: `if (plaintext !== dataKeyPlaintext) throw new Error('decrypt gave another data key');`,
  },

  'k6-jslib': { skip: "jslib-aws's KMSClient calling AWS KMS from k6: it needs k6, AWS credentials and the network" },
  'k6-dialect': {
    // A k6 script, run as k6 would run one iteration: its default function, with 'k6/execution'
    // (test/snippets/k6-execution.mjs: abort() throws, as it ends the test in k6).
    prelude: [`/// <reference types="k6" />`, keyring(`await keyring.createKey({ keyId: 'e67f95-4c047567-4-a0b7-62f7ce8ec8f48' });`)].join('\n'),
    check: ({ module }) => module.default(),
  },

  errors: {
    // A blob bound to one context, decrypted with another: the snippet's catch must recognise it.
    prelude: keyring(
      `await keyring.createKey({ keyId: 'orders' });`,
      `const { ciphertextBlob } = await keyring.encrypt({ keyId: 'orders', plaintext: new Uint8Array([1]), encryptionContext: { orderId: '42' } });`,
      `const encryptionContext = { orderId: '43' };`,
    ),
  },

  'dialects-doc': { prelude: 'const material = crypto.getRandomValues(new Uint8Array(32));' },
};
