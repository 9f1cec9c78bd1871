// The unmodified AWS SDK for JavaScript (@aws-sdk/client-kms) and the official AWS Encryption SDK's
// KMS keyring against a webkms/http endpoint, SigV4 enforced: the checks themselves, shared by
// test/node-only/http-sdk.test.mjs (the handler in process, served by Node) and test/served/ (the
// examples served by Node, Deno, Bun and workerd). Node only: both SDKs need Node built-ins.
//
// Each check makes the keys it changes (rotates, disables, aliases), so that the checks run once
// each, in any order, against one long-lived server. The seed key (the AWS seed's key id, with
// alias/ExampleAlias) is never changed: a local keyring holding its material opens what the
// endpoint wrapped and seals what the endpoint unwraps.
import { createRequire } from 'node:module';
import * as assert from 'uvu/assert';
import { Keyring, open, readHeader, seal } from '../../src/index.ts';
import { CommitmentPolicy, KmsKeyringNode, buildClient } from '../fixtures/esdk/sdk.mjs';

// The SDK is CommonJS and requires Node built-ins; in an ESM bundle esbuild calls a global require.
globalThis.require ??= createRequire(import.meta.url);
export const sdk = await import('@aws-sdk/client-kms');

export const REGION = 'us-east-2';
export const ACCOUNT_ID = '111122223333';
export const KEY_ID = '1234abcd-12ab-34cd-56ef-1234567890ab';
export const ALIAS = 'alias/ExampleAlias';
export const ARN = `arn:aws:kms:${REGION}:${ACCOUNT_ID}:key/${KEY_ID}`;
export const CREDENTIALS = { accessKeyId: 'AKIDWEBKMSNODE', secretAccessKey: 'webkms/node/test+secret/not+real/012345' };

/**
 * A keyring in memory with the seed key. Its material is extractable, so that
 * `exportKeys` can carry the same key to a served keyring (the examples' KEYS_BUNDLE).
 */
export async function seedKeyring() {
  const keyring = new Keyring({ region: REGION, accountId: ACCOUNT_ID });
  await keyring.createKey({ keyId: KEY_ID, aliases: [ALIAS], extractable: true });
  return keyring;
}

/** The SDK's client options for an endpoint (no retries: a failure is seen as it is), and a client. */
export function sdkClient(endpoint, { credentials = CREDENTIALS, ...options } = {}) {
  const config = { region: REGION, endpoint, credentials: { ...credentials }, maxAttempts: 1, ...options };
  return { kms: new sdk.KMS(config), config };
}

/** Asserts that `promise` fails with the SDK's exception `name`; returns it. */
export async function rejectsWith(promise, name) {
  try {
    await promise;
  } catch (error) {
    assert.is(error.name, name, `${error.name}: ${error.message}`);
    return error;
  }
  assert.unreachable(`expected ${name}`);
}

const bytes = (value) => [...value];
const { encrypt, decrypt } = buildClient(CommitmentPolicy.REQUIRE_ENCRYPT_REQUIRE_DECRYPT);

/**
 * The checks, [name, check]: each check takes { kms, config, keyring }: an SDK client of the
 * endpoint, its options, and a local keyring holding the seed key's material.
 */
export const SDK_CHECKS = [
  ['GenerateDataKey, both examples of the AWS seed: alias + AES_256, key id + NumberOfBytes 64; Decrypt without KeyId', async ({ kms }) => {
    const first = await kms.generateDataKey({ KeyId: ALIAS, KeySpec: 'AES_256' });
    assert.is(first.KeyId, ARN);
    assert.is(first.Plaintext.length, 32);
    assert.is(first.KeyMaterialId.length, 64);
    const second = await kms.generateDataKey({ KeyId: KEY_ID, NumberOfBytes: 64 });
    assert.is(second.Plaintext.length, 64);
    const opened = await kms.decrypt({ CiphertextBlob: second.CiphertextBlob });
    assert.equal(bytes(opened.Plaintext), bytes(second.Plaintext));
    assert.is(opened.KeyId, ARN);
  }],

  ['Encrypt, ReEncrypt, GenerateDataKeyWithoutPlaintext, ListKeys, DescribeKey', async ({ kms }) => {
    const { CiphertextBlob } = await kms.encrypt({ KeyId: KEY_ID, Plaintext: Uint8Array.of(1, 2, 3), EncryptionContext: { a: 'b' } });
    const created = await kms.createKey({ Description: 'archive' });
    const moved = await kms.reEncrypt({ CiphertextBlob, SourceEncryptionContext: { a: 'b' }, DestinationKeyId: created.KeyMetadata.KeyId });
    assert.is(moved.SourceKeyId, ARN);
    assert.is(moved.KeyId, created.KeyMetadata.Arn);
    assert.equal(bytes((await kms.decrypt({ CiphertextBlob: moved.CiphertextBlob })).Plaintext), [1, 2, 3]);
    const wrapped = await kms.generateDataKeyWithoutPlaintext({ KeyId: ALIAS, KeySpec: 'AES_128' });
    assert.is(wrapped.Plaintext, undefined);
    assert.is((await kms.decrypt({ CiphertextBlob: wrapped.CiphertextBlob })).Plaintext.length, 16);
    const listed = (await kms.listKeys({})).Keys.map((k) => k.KeyId);
    assert.ok(listed.includes(KEY_ID) && listed.includes(created.KeyMetadata.KeyId), `ListKeys: ${listed}`);
    const { KeyMetadata } = await kms.describeKey({ KeyId: ALIAS });
    assert.is(KeyMetadata.Arn, ARN);
    assert.instance(KeyMetadata.CreationDate, Date);
    assert.is(KeyMetadata.KeyState, 'Enabled');
  }],

  ['aliases and rotation: CreateAlias, UpdateAlias, ListAliases, DeleteAlias, RotateKeyOnDemand, ListKeyRotations', async ({ kms }) => {
    const first = (await kms.createKey({})).KeyMetadata.KeyId;
    const second = (await kms.createKey({})).KeyMetadata.KeyId;
    await kms.createAlias({ AliasName: 'alias/moving', TargetKeyId: first });
    await kms.updateAlias({ AliasName: 'alias/moving', TargetKeyId: second });
    assert.equal((await kms.listAliases({ KeyId: second })).Aliases.map((a) => a.AliasName), ['alias/moving']);
    assert.is((await kms.describeKey({ KeyId: 'alias/moving' })).KeyMetadata.KeyId, second);
    await kms.deleteAlias({ AliasName: 'alias/moving' });
    await rejectsWith(kms.describeKey({ KeyId: 'alias/moving' }), 'NotFoundException');
    const before = await kms.generateDataKey({ KeyId: first, KeySpec: 'AES_256' });
    await kms.rotateKeyOnDemand({ KeyId: first });
    const { Rotations } = await kms.listKeyRotations({ KeyId: first });
    assert.is(Rotations.length, 1);
    assert.is(Rotations[0].RotationType, 'ON_DEMAND');
    const after = await kms.generateDataKey({ KeyId: first, KeySpec: 'AES_256' });
    assert.is.not(after.KeyMaterialId, before.KeyMaterialId, 'new data keys are wrapped under the new material');
    assert.is(Rotations[0].KeyMaterialId, after.KeyMaterialId);
    assert.equal(bytes((await kms.decrypt({ CiphertextBlob: before.CiphertextBlob })).Plaintext), bytes(before.Plaintext), 'blobs of the old material still open');
  }],

  ['the SDK raises its own typed exceptions: wrong context, unknown key, KeySpec with NumberOfBytes, disabled key', async ({ kms }) => {
    const { CiphertextBlob } = await kms.encrypt({ KeyId: KEY_ID, Plaintext: Uint8Array.of(1), EncryptionContext: { a: 'b' } });
    assert.instance(await rejectsWith(kms.decrypt({ CiphertextBlob, EncryptionContext: { a: 'c' } }), 'InvalidCiphertextException'), sdk.InvalidCiphertextException);
    assert.instance(await rejectsWith(kms.describeKey({ KeyId: 'alias/none' }), 'NotFoundException'), sdk.NotFoundException);
    // The KMS model has no ValidationException class: the SDK raises a KMSServiceException of that name.
    assert.instance(await rejectsWith(kms.generateDataKey({ KeyId: KEY_ID, KeySpec: 'AES_256', NumberOfBytes: 64 }), 'ValidationException'), sdk.KMSServiceException);
    const off = (await kms.createKey({})).KeyMetadata.KeyId;
    await kms.disableKey({ KeyId: off });
    assert.instance(await rejectsWith(kms.generateDataKey({ KeyId: off, KeySpec: 'AES_256' }), 'DisabledException'), sdk.DisabledException);
    assert.is((await kms.describeKey({ KeyId: off })).KeyMetadata.KeyState, 'Disabled');
  }],

  ['SigV4 is enforced: a wrong secret, an unknown access key, another region are refused by name', async ({ config }) => {
    const client = (changes) => new sdk.KMS({ ...config, ...changes });
    await rejectsWith(client({ credentials: { ...config.credentials, secretAccessKey: 'wrong' } }).listKeys({}), 'InvalidSignatureException');
    await rejectsWith(client({ credentials: { accessKeyId: 'AKIDUNKNOWN', secretAccessKey: 'x' } }).listKeys({}), 'UnrecognizedClientException');
    await rejectsWith(client({ region: 'eu-west-1' }).listKeys({}), 'InvalidSignatureException');
  }],

  ['full circle: the AWS Encryption SDK\'s KMS keyring encrypts through the endpoint; webkms opens with its Keyring', async ({ kms, keyring }) => {
    const sdkKeyring = new KmsKeyringNode({ generatorKeyId: ARN, clientProvider: () => kms });
    const { result } = await encrypt(sdkKeyring, 'through the endpoint', { encryptionContext: { tenant: 'acme' } });
    assert.is(readHeader(result).encryptedDataKeys[0].providerInfo, ARN);
    assert.is(new TextDecoder().decode(await open(keyring, result, { encryptionContext: { tenant: 'acme' } })), 'through the endpoint');
  }],

  ['full circle: webkms seals with aws-kms encrypted data keys; the AWS Encryption SDK\'s KMS keyring decrypts through the endpoint', async ({ kms, keyring }) => {
    const sealed = await seal(keyring, 'sealed by webkms', { keyId: ALIAS, encryptionContext: { tenant: 'acme' } });
    const sdkKeyring = new KmsKeyringNode({ keyIds: [ARN], clientProvider: () => kms });
    const { plaintext, messageHeader } = await decrypt(sdkKeyring, sealed);
    assert.is(plaintext.toString(), 'sealed by webkms');
    assert.is(messageHeader.encryptionContext.tenant, 'acme');
  }],
];
