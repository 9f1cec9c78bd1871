// webkms/http against the unmodified AWS SDK for JavaScript (@aws-sdk/client-kms) over loopback
// HTTP, SigV4 enforced, with the handler in this process served by Node (examples/node-kms/serve.mjs):
// the checks of test/support/kms-sdk-checks.mjs (operations, typed exceptions, the full circle
// with the official AWS Encryption SDK's KMS keyring), which test/served/ runs against the
// examples served by Node, Deno, Bun and workerd; and two that need the handler in process.
import { createHash, createHmac } from 'node:crypto';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { Keyring, MemoryKeyStore } from '../../src/index.ts';
import { createKmsHandler } from '../../src/http/handler.ts';
import { serveNode } from '../../examples/node-kms/serve.mjs';
import { ACCOUNT_ID, CREDENTIALS, KEY_ID, REGION, SDK_CHECKS, rejectsWith, sdkClient, seedKeyring } from '../support/kms-sdk-checks.mjs';

/** A keyring with the seed key, the handler served on loopback, and an SDK client pointed at it. */
async function setup(t) {
  t.keyring = await seedKeyring();
  t.server = await serveNode(createKmsHandler({ keyring: t.keyring, credentials: [CREDENTIALS] }));
  Object.assign(t, sdkClient(t.server.url));
}

const operations = suite('http: the AWS SDK for JavaScript against webkms', {});
operations.before.each(setup);
operations.after.each((t) => t.server.close());

for (const [name, check] of SDK_CHECKS) operations(name, check);

operations('a key policy fails closed for a blob under a key this keyring has not loaded yet (another writer made it)', async () => {
  // A second keyring on the same store, which does not watch it: it learns of B only on a miss.
  const store = new MemoryKeyStore();
  const writer = await Keyring.open({ store, region: REGION, accountId: ACCOUNT_ID });
  await writer.createKey({ keyId: 'A' });
  const stale = await Keyring.open({ store: { keepsCryptoKeys: true, load: () => store.load(), commit: (w) => store.commit(w) }, region: REGION, accountId: ACCOUNT_ID });
  const limited = await serveNode(createKmsHandler({ keyring: stale, credentials: [{ ...CREDENTIALS, policy: { keys: ['A'] } }] }));
  try {
    await writer.createKey({ keyId: 'B' });
    const { ciphertextBlob } = await writer.encrypt({ keyId: 'B', plaintext: Uint8Array.of(7) });
    const { kms } = sdkClient(limited.url);
    await rejectsWith(kms.decrypt({ CiphertextBlob: ciphertextBlob }), 'AccessDeniedException');
    await rejectsWith(kms.decrypt({ CiphertextBlob: ciphertextBlob, KeyId: 'B' }), 'AccessDeniedException');
    const { CiphertextBlob } = await kms.encrypt({ KeyId: 'A', Plaintext: Uint8Array.of(1) });
    assert.equal([...(await kms.decrypt({ CiphertextBlob })).Plaintext], [1], 'the allowed key still works');
  } finally {
    await limited.close();
  }
});

operations('a key policy judges an alias by its target: UpdateAlias or DeleteAlias of an alias this keyring has not loaded is denied; a blob is judged by its own key, whatever KeyId says', async () => {
  const store = new MemoryKeyStore();
  const writer = await Keyring.open({ store, region: REGION, accountId: ACCOUNT_ID });
  await writer.createKey({ keyId: 'A', aliases: ['alias/a'] });
  const stale = await Keyring.open({ store: { keepsCryptoKeys: true, load: () => store.load(), commit: (w) => store.commit(w) }, region: REGION, accountId: ACCOUNT_ID });
  const policy = { operations: ['Decrypt', 'UpdateAlias', 'DeleteAlias', 'CreateAlias'], keys: ['A'] };
  const limited = await serveNode(createKmsHandler({ keyring: stale, credentials: [{ ...CREDENTIALS, policy }] }));
  try {
    // Another writer makes a key and its alias; this keyring learns of them only on a reload.
    await writer.createKey({ keyId: 'victim', aliases: ['alias/prod'] });
    const { kms } = sdkClient(limited.url);
    await rejectsWith(kms.updateAlias({ AliasName: 'alias/prod', TargetKeyId: 'A' }), 'AccessDeniedException');
    await rejectsWith(kms.deleteAlias({ AliasName: 'alias/prod' }), 'AccessDeniedException');
    const { ciphertextBlob } = await writer.encrypt({ keyId: 'victim', plaintext: Uint8Array.of(9) });
    await rejectsWith(kms.decrypt({ CiphertextBlob: ciphertextBlob, KeyId: 'alias/a' }), 'AccessDeniedException');
    assert.is((await Keyring.open({ store, region: REGION, accountId: ACCOUNT_ID })).describeKey('alias/prod').keyId, 'victim', 'the alias still names its key');
    await kms.createAlias({ AliasName: 'alias/new', TargetKeyId: 'A' });
    await kms.updateAlias({ AliasName: 'alias/new', TargetKeyId: 'A' });
  } finally {
    await limited.close();
  }
});

operations('a key policy judges an alias change by the target it had: re-pointed by another writer meanwhile, UpdateAlias and DeleteAlias change nothing (ConflictException), and a retry is judged afresh', async () => {
  const store = new MemoryKeyStore();
  const writer = await Keyring.open({ store, region: REGION, accountId: ACCOUNT_ID });
  await writer.createKey({ keyId: 'A', aliases: ['alias/shared'] });
  await writer.createKey({ keyId: 'victim' });
  // This keyring loads alias/shared → A, and does not watch the store.
  const stale = await Keyring.open({ store: { keepsCryptoKeys: true, load: () => store.load(), commit: (w) => store.commit(w) }, region: REGION, accountId: ACCOUNT_ID });
  const limited = await serveNode(createKmsHandler({ keyring: stale, credentials: [{ ...CREDENTIALS, policy: { operations: ['UpdateAlias', 'DeleteAlias'], keys: ['A'] } }] }));
  const target = async () => (await Keyring.open({ store, region: REGION, accountId: ACCOUNT_ID })).describeKey('alias/shared').keyId;
  try {
    await writer.updateAlias('alias/shared', 'victim');
    const { kms } = sdkClient(limited.url);
    // Judged on alias/shared → A (allowed); written, the commit meets the new revision and the keyring reloads.
    await rejectsWith(kms.updateAlias({ AliasName: 'alias/shared', TargetKeyId: 'A' }), 'ConflictException');
    assert.is(await target(), 'victim', 'the alias still names the key it was re-pointed at');
    // Reloaded now: the retry is judged by the alias's target as it is.
    await rejectsWith(kms.updateAlias({ AliasName: 'alias/shared', TargetKeyId: 'A' }), 'AccessDeniedException');
    await rejectsWith(kms.deleteAlias({ AliasName: 'alias/shared' }), 'AccessDeniedException');
    assert.is(await target(), 'victim');
    // The same for DeleteAlias, on a keyring that has not reloaded yet.
    const stale2 = await Keyring.open({ store: { keepsCryptoKeys: true, load: () => store.load(), commit: (w) => store.commit(w) }, region: REGION, accountId: ACCOUNT_ID });
    const limited2 = await serveNode(createKmsHandler({ keyring: stale2, credentials: [{ ...CREDENTIALS, policy: { operations: ['DeleteAlias'], keys: ['victim'] } }] }));
    try {
      await writer.updateAlias('alias/shared', 'A');
      await rejectsWith(sdkClient(limited2.url).kms.deleteAlias({ AliasName: 'alias/shared' }), 'ConflictException');
      assert.is(await target(), 'A', 'not deleted');
    } finally {
      await limited2.close();
    }
  } finally {
    await limited.close();
  }
});

operations('the operation must be signed: a request whose signature leaves out X-Amz-Target is refused before it runs', async ({ keyring, server }) => {
  const { SignatureV4 } = await import('@smithy/signature-v4');
  class Sha256 {
    constructor(secret) {
      this.hash = secret ? createHmac('sha256', secret) : createHash('sha256');
    }
    update(data) {
      this.hash.update(data);
    }
    async digest() {
      return new Uint8Array(this.hash.digest());
    }
  }
  const signer = new SignatureV4({ credentials: CREDENTIALS, region: REGION, service: 'kms', sha256: Sha256 });
  const { port, hostname } = new URL(server.url);
  const send = async (unsignableHeaders) => {
    const body = JSON.stringify({ KeyId: KEY_ID });
    const request = { method: 'POST', protocol: 'http:', hostname, port: Number(port), path: '/', headers: { host: `${hostname}:${port}`, 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'TrentService.DescribeKey' }, body };
    const signed = await signer.sign(request, { unsignableHeaders });
    // The operation swapped after signing: DescribeKey becomes DisableKey.
    const headers = { ...signed.headers, 'x-amz-target': 'TrentService.DisableKey' };
    return fetch(server.url, { method: 'POST', headers, body });
  };
  const unsigned = await send(new Set(['x-amz-target']));
  assert.is(unsigned.status, 400);
  assert.is(unsigned.headers.get('x-amzn-errortype'), 'IncompleteSignatureException');
  assert.is(keyring.describeKey(KEY_ID).keyState, 'Enabled', 'the key was not disabled');
  const signedTarget = await send(new Set());
  assert.is(signedTarget.headers.get('x-amzn-errortype'), 'InvalidSignatureException', 'a signed X-Amz-Target cannot be swapped');
});

operations.run();
