// webkms/http against the unmodified AWS SDK for JavaScript (@aws-sdk/client-kms) over loopback
// HTTP, SigV4 enforced: the operations, the SDK's own typed exceptions, and the full circle with
// the official AWS Encryption SDK's KMS keyring (it encrypts through the endpoint, webkms opens;
// webkms seals, the KMS keyring decrypts through the endpoint).
import { createHash, createHmac } from 'node:crypto';
import { createRequire } from 'node:module';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { Keyring, MemoryKeyStore, open, readHeader, seal } from '../../src/index.ts';
import { createKmsHandler } from '../../src/http/handler.ts';
import { CommitmentPolicy, KmsKeyringNode, buildClient } from '../fixtures/esdk/sdk.mjs';
import { serveNode } from '../../examples/node-kms/serve.mjs';

// The SDK is CommonJS and requires Node built-ins; in an ESM bundle esbuild calls a global require.
globalThis.require ??= createRequire(import.meta.url);
const sdk = await import('@aws-sdk/client-kms');

const CREDENTIALS = { accessKeyId: 'AKIDWEBKMSNODE', secretAccessKey: 'webkms/node/test+secret/not+real/012345' };
const KEY_ID = '1234abcd-12ab-34cd-56ef-1234567890ab';
const ARN = `arn:aws:kms:us-east-2:111122223333:key/${KEY_ID}`;

/** A keyring (the AWS seed's key and alias), a served handler, and SDK clients pointed at it. */
async function setup(t) {
  const keyring = new Keyring({ region: 'us-east-2', accountId: '111122223333' });
  await keyring.createKey({ keyId: KEY_ID, aliases: ['alias/ExampleAlias'] });
  t.server = await serveNode(createKmsHandler({ keyring, credentials: [CREDENTIALS] }));
  const options = { region: 'us-east-2', endpoint: t.server.url, credentials: { ...CREDENTIALS }, maxAttempts: 1 };
  t.keyring = keyring;
  t.client = new sdk.KMSClient(options);
  t.kms = new sdk.KMS(options);
  t.options = options;
}

async function rejectsWith(promise, name) {
  try {
    await promise;
  } catch (error) {
    assert.is(error.name, name, `${error.name}: ${error.message}`);
    return error;
  }
  assert.unreachable(`expected ${name}`);
}

const operations = suite('http: the AWS SDK for JavaScript against webkms', {});
operations.before.each(setup);
operations.after.each((t) => t.server.close());

operations('GenerateDataKey, both examples of the AWS seed: alias + AES_256, key id + NumberOfBytes 64; Decrypt without KeyId', async ({ kms }) => {
  const first = await kms.generateDataKey({ KeyId: 'alias/ExampleAlias', KeySpec: 'AES_256' });
  assert.is(first.KeyId, ARN);
  assert.is(first.Plaintext.length, 32);
  assert.is(first.KeyMaterialId.length, 64);
  const second = await kms.generateDataKey({ KeyId: KEY_ID, NumberOfBytes: 64 });
  assert.is(second.Plaintext.length, 64);
  const opened = await kms.decrypt({ CiphertextBlob: second.CiphertextBlob });
  assert.equal([...opened.Plaintext], [...second.Plaintext]);
  assert.is(opened.KeyId, ARN);
});

operations('Encrypt, ReEncrypt, GenerateDataKeyWithoutPlaintext, ListKeys, DescribeKey', async ({ kms }) => {
  const { CiphertextBlob } = await kms.encrypt({ KeyId: KEY_ID, Plaintext: Uint8Array.of(1, 2, 3), EncryptionContext: { a: 'b' } });
  const created = await kms.createKey({ Description: 'archive' });
  const moved = await kms.reEncrypt({ CiphertextBlob, SourceEncryptionContext: { a: 'b' }, DestinationKeyId: created.KeyMetadata.KeyId });
  assert.is(moved.SourceKeyId, ARN);
  assert.equal([...(await kms.decrypt({ CiphertextBlob: moved.CiphertextBlob })).Plaintext], [1, 2, 3]);
  const wrapped = await kms.generateDataKeyWithoutPlaintext({ KeyId: 'alias/ExampleAlias', KeySpec: 'AES_128' });
  assert.is(wrapped.Plaintext, undefined);
  assert.is((await kms.decrypt({ CiphertextBlob: wrapped.CiphertextBlob })).Plaintext.length, 16);
  assert.equal((await kms.listKeys({})).Keys.map((k) => k.KeyId), [KEY_ID, created.KeyMetadata.KeyId]);
  const { KeyMetadata } = await kms.describeKey({ KeyId: 'alias/ExampleAlias' });
  assert.is(KeyMetadata.Arn, ARN);
  assert.instance(KeyMetadata.CreationDate, Date);
  assert.is(KeyMetadata.KeyState, 'Enabled');
});

operations('aliases and rotation: CreateAlias, UpdateAlias, ListAliases, DeleteAlias, RotateKeyOnDemand, ListKeyRotations', async ({ kms, keyring }) => {
  await keyring.createKey({ keyId: 'second' });
  await kms.createAlias({ AliasName: 'alias/moving', TargetKeyId: KEY_ID });
  await kms.updateAlias({ AliasName: 'alias/moving', TargetKeyId: 'second' });
  const { Aliases } = await kms.listAliases({ KeyId: 'second' });
  assert.equal(Aliases.map((a) => a.AliasName), ['alias/moving']);
  await kms.deleteAlias({ AliasName: 'alias/moving' });
  const before = await kms.encrypt({ KeyId: KEY_ID, Plaintext: Uint8Array.of(9) });
  await kms.rotateKeyOnDemand({ KeyId: KEY_ID });
  const { Rotations } = await kms.listKeyRotations({ KeyId: KEY_ID });
  assert.is(Rotations.length, 1);
  assert.is(Rotations[0].RotationType, 'ON_DEMAND');
  assert.equal([...(await kms.decrypt({ CiphertextBlob: before.CiphertextBlob })).Plaintext], [9], 'blobs of the old material still open');
});

operations('the SDK raises its own typed exceptions: wrong context, unknown key, KeySpec with NumberOfBytes, disabled key', async ({ kms }) => {
  const { CiphertextBlob } = await kms.encrypt({ KeyId: KEY_ID, Plaintext: Uint8Array.of(1), EncryptionContext: { a: 'b' } });
  assert.instance(await rejectsWith(kms.decrypt({ CiphertextBlob, EncryptionContext: { a: 'c' } }), 'InvalidCiphertextException'), sdk.InvalidCiphertextException);
  assert.instance(await rejectsWith(kms.describeKey({ KeyId: 'alias/none' }), 'NotFoundException'), sdk.NotFoundException);
  await rejectsWith(kms.generateDataKey({ KeyId: KEY_ID, KeySpec: 'AES_256', NumberOfBytes: 64 }), 'ValidationException');
  await kms.disableKey({ KeyId: KEY_ID });
  assert.instance(await rejectsWith(kms.generateDataKey({ KeyId: KEY_ID, KeySpec: 'AES_256' }), 'DisabledException'), sdk.DisabledException);
});

operations('SigV4 is enforced: a wrong secret, an unknown access key, another region are refused by name', async ({ options }) => {
  const client = (changes) => new sdk.KMS({ ...options, ...changes });
  await rejectsWith(client({ credentials: { ...CREDENTIALS, secretAccessKey: 'wrong' } }).listKeys({}), 'InvalidSignatureException');
  await rejectsWith(client({ credentials: { accessKeyId: 'AKIDUNKNOWN', secretAccessKey: 'x' } }).listKeys({}), 'UnrecognizedClientException');
  await rejectsWith(client({ region: 'eu-west-1' }).listKeys({}), 'InvalidSignatureException');
});

operations('a key policy fails closed for a blob under a key this keyring has not loaded yet (another writer made it)', async ({ options }) => {
  // A second keyring on the same store, which does not watch it: it learns of B only on a miss.
  const store = new MemoryKeyStore();
  const writer = await Keyring.open({ store, region: 'us-east-2', accountId: '111122223333' });
  await writer.createKey({ keyId: 'A' });
  const stale = await Keyring.open({ store: { keepsCryptoKeys: true, load: () => store.load(), commit: (w) => store.commit(w) }, region: 'us-east-2', accountId: '111122223333' });
  const limited = await serveNode(createKmsHandler({ keyring: stale, credentials: [{ ...CREDENTIALS, policy: { keys: ['A'] } }] }));
  try {
    await writer.createKey({ keyId: 'B' });
    const { ciphertextBlob } = await writer.encrypt({ keyId: 'B', plaintext: Uint8Array.of(7) });
    const kms = new sdk.KMS({ ...options, endpoint: limited.url });
    await rejectsWith(kms.decrypt({ CiphertextBlob: ciphertextBlob }), 'AccessDeniedException');
    await rejectsWith(kms.decrypt({ CiphertextBlob: ciphertextBlob, KeyId: 'B' }), 'AccessDeniedException');
    const { CiphertextBlob } = await kms.encrypt({ KeyId: 'A', Plaintext: Uint8Array.of(1) });
    assert.equal([...(await kms.decrypt({ CiphertextBlob })).Plaintext], [1], 'the allowed key still works');
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
  const signer = new SignatureV4({ credentials: CREDENTIALS, region: 'us-east-2', service: 'kms', sha256: Sha256 });
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

const circle = suite('http: full circle with the AWS Encryption SDK\'s KMS keyring', {});
circle.before.each(setup);
circle.after.each((t) => t.server.close());

const { encrypt, decrypt } = buildClient(CommitmentPolicy.REQUIRE_ENCRYPT_REQUIRE_DECRYPT);

circle('the SDK\'s KMS keyring encrypts through the endpoint; webkms opens with its Keyring', async ({ kms, keyring }) => {
  const sdkKeyring = new KmsKeyringNode({ generatorKeyId: ARN, clientProvider: () => kms });
  const { result } = await encrypt(sdkKeyring, 'through the endpoint', { encryptionContext: { tenant: 'acme' } });
  assert.is(readHeader(result).encryptedDataKeys[0].providerInfo, ARN);
  assert.is(new TextDecoder().decode(await open(keyring, result, { encryptionContext: { tenant: 'acme' } })), 'through the endpoint');
});

circle('webkms seals with aws-kms encrypted data keys; the SDK\'s KMS keyring decrypts through the endpoint', async ({ kms, keyring }) => {
  const sealed = await seal(keyring, 'sealed by webkms', { keyId: 'alias/ExampleAlias', encryptionContext: { tenant: 'acme' } });
  const sdkKeyring = new KmsKeyringNode({ keyIds: [ARN], clientProvider: () => kms });
  const { plaintext, messageHeader } = await decrypt(sdkKeyring, sealed);
  assert.is(plaintext.toString(), 'sealed by webkms');
  assert.is(messageHeader.encryptionContext.tenant, 'acme');
});

operations.run();
circle.run();
