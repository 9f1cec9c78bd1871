// Live interop with the official AWS Encryption SDK for JavaScript (@aws-crypto/client-node 5.0.2),
// Node only: the SDK opens what webkms seals and webkms opens what the SDK encrypts, both suites,
// at 0 and 1 byte, frame size ± 1, exact multiples, many frames and 1 MiB, with empty and
// non-ASCII contexts, two encrypted data keys, raw AES keys and KMS keys, one-shot and streamed.
//
//   npx esbuild test/node-only/esdk-oracle.test.mjs --bundle --platform=node --format=esm --outfile=/tmp/oracle.mjs && node /tmp/oracle.mjs
import { CommitmentPolicy, KmsKeyringNode, MultiKeyringNode, buildClient, sdkRawKeyring, webkmsKmsClient } from '../fixtures/esdk/sdk.mjs';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { Readable } from 'node:stream';
import { Keyring, RawAesKeyring, open, openStream, readHeader, seal, sealStream } from '../../src/index.ts';
import { KMS_KEY, NON_ASCII_CONTEXT, RAW_KEYS, plaintext } from '../fixtures/esdk/keys.mjs';

const { encrypt, decrypt, encryptStream, decryptUnsignedMessageStream } = buildClient(CommitmentPolicy.REQUIRE_ENCRYPT_REQUIRE_DECRYPT);
const SUITES = [0x0478, 0x0578];
const FRAME = 1000;
const SIZES = [0, 1, FRAME - 1, FRAME, FRAME + 1, 2 * FRAME, 3 * FRAME, 100 * FRAME + 17];
const CONTEXTS = { 'an empty context': {}, 'a non-ASCII context': NON_ASCII_CONTEXT };

const rawA = new RawAesKeyring({ ...RAW_KEYS.a, material: RAW_KEYS.a.bytes });
const rawB = new RawAesKeyring({ ...RAW_KEYS.b, material: RAW_KEYS.b.bytes });
const sdkA = () => sdkRawKeyring(RAW_KEYS.a);
const sdkB = () => sdkRawKeyring(RAW_KEYS.b);

async function kmsKeyrings() {
  const keyring = new Keyring({ region: KMS_KEY.region, accountId: KMS_KEY.accountId });
  await keyring.importKey({ keyId: KMS_KEY.keyId, material: KMS_KEY.bytes, aliases: ['alias/orders'] });
  return { keyring, sdk: new KmsKeyringNode({ generatorKeyId: KMS_KEY.arn, clientProvider: () => webkmsKmsClient(keyring) }) };
}

const equal = (actual, expected, message) => assert.ok(Buffer.compare(Buffer.from(actual), Buffer.from(expected)) === 0, message);

const webkmsToSdk = suite('the SDK opens what webkms seals');

for (const algorithmSuite of SUITES) {
  for (const [contextName, encryptionContext] of Object.entries(CONTEXTS)) {
    webkmsToSdk(`0x0${algorithmSuite.toString(16)}, ${contextName}: ${SIZES.join(', ')} bytes in ${FRAME}-byte frames`, async () => {
      for (const length of SIZES) {
        const data = plaintext(length, length + 3);
        const sealed = await seal(rawA, data, { algorithmSuite, frameSize: FRAME, encryptionContext });
        const { plaintext: opened, messageHeader } = await decrypt(sdkA(), sealed);
        equal(opened, data, `${length} bytes`);
        assert.equal({ ...messageHeader.encryptionContext, 'aws-crypto-public-key': undefined }, { ...encryptionContext, 'aws-crypto-public-key': undefined });
      }
    });
  }

  webkmsToSdk(`0x0${algorithmSuite.toString(16)}: 3 MiB and 5 bytes in the default 1 MiB frames, and 1 byte per frame`, async () => {
    const data = plaintext(3 * 1024 * 1024 + 5, 11);
    equal((await decrypt(sdkA(), await seal(rawA, data, { algorithmSuite }))).plaintext, data);
    equal((await decrypt(sdkA(), await seal(rawA, data.subarray(0, 50), { algorithmSuite, frameSize: 1 }))).plaintext, data.subarray(0, 50));
  });

  webkmsToSdk(`0x0${algorithmSuite.toString(16)}: two encrypted data keys, each opens alone and through the SDK's multi-keyring`, async () => {
    const data = plaintext(5000, 2);
    const sealed = await seal([rawA, rawB], data, { algorithmSuite, frameSize: FRAME, encryptionContext: NON_ASCII_CONTEXT });
    equal((await decrypt(sdkA(), sealed)).plaintext, data);
    equal((await decrypt(sdkB(), sealed)).plaintext, data);
    equal((await decrypt(new MultiKeyringNode({ children: [sdkB(), sdkA()] }), sealed)).plaintext, data);
  });

  webkmsToSdk(`0x0${algorithmSuite.toString(16)}: a Keyring key is an AWS KMS entry the SDK's KMS keyring opens`, async () => {
    const { keyring, sdk } = await kmsKeyrings();
    const data = plaintext(3000, 4);
    const sealed = await seal([keyring, rawB], data, { keyId: 'alias/orders', algorithmSuite, encryptionContext: { order: '42', 'Zürich': '東京' } });
    assert.is(readHeader(sealed).encryptedDataKeys[0].providerInfo, KMS_KEY.arn);
    equal((await decrypt(sdk, sealed)).plaintext, data);
  });
}

webkmsToSdk('0x0478: a sealStream message, 3 MiB in uneven chunks', async () => {
  const data = plaintext(3 * 1024 * 1024, 6);
  const chunks = [];
  const input = Readable.toWeb(Readable.from([data.subarray(0, 1_000_001), data.subarray(1_000_001, 1_000_002), data.subarray(1_000_002)]));
  await input.pipeThrough(sealStream(rawA, { encryptionContext: { file: 'x' } })).pipeTo(new WritableStream({ write: (c) => void chunks.push(c) }));
  const sealed = Buffer.concat(chunks);
  equal((await decrypt(sdkA(), sealed)).plaintext, data);
  const streamed = [];
  for await (const chunk of Readable.from([sealed]).pipe(decryptUnsignedMessageStream(sdkA()))) streamed.push(chunk);
  equal(Buffer.concat(streamed), data, "the SDK's streaming decrypt too");
});

webkmsToSdk('the SDK without utf8Sorting cannot open a non-ASCII context that sorts differently (aws-encryption-sdk-javascript#428)', async () => {
  const sealed = await seal(rawA, 'x', { encryptionContext: NON_ASCII_CONTEXT });
  const legacy = sdkRawKeyring(RAW_KEYS.a, { utf8Sorting: false });
  const error = await decrypt(legacy, sealed).then(() => undefined, (e) => e);
  assert.ok(error, 'localeCompare order differs from UTF-8 byte order for "Ａ" and "🔑"');
  equal((await decrypt(legacy, await seal(rawA, 'x', { encryptionContext: { a: '1', b: 'ü' } }))).plaintext, Buffer.from('x'), 'ASCII keys sort alike either way');
});

const sdkToWebkms = suite('webkms opens what the SDK encrypts');

for (const algorithmSuite of SUITES) {
  for (const [contextName, encryptionContext] of Object.entries(CONTEXTS)) {
    sdkToWebkms(`0x0${algorithmSuite.toString(16)}, ${contextName}: ${SIZES.join(', ')} bytes in ${FRAME}-byte frames`, async () => {
      for (const length of SIZES) {
        const data = plaintext(length, length + 7);
        const { result } = await encrypt(sdkA(), data, { suiteId: algorithmSuite, frameLength: FRAME, encryptionContext });
        equal(await open(rawA, result, { encryptionContext }), data, `${length} bytes`);
        const streamed = [];
        await new Response(result).body.pipeThrough(openStream(rawA)).pipeTo(new WritableStream({ write: (c) => void streamed.push(c) }));
        equal(Buffer.concat(streamed), data, `${length} bytes, streamed`);
      }
    });
  }

  sdkToWebkms(`0x0${algorithmSuite.toString(16)}: 1 MiB in the SDK's default 4 KiB frames`, async () => {
    const data = plaintext(1024 * 1024, 12);
    const { result } = await encrypt(sdkA(), data, { suiteId: algorithmSuite });
    assert.is(readHeader(result).frameSize, 4096);
    equal(await open(rawA, result), data);
  });

  sdkToWebkms(`0x0${algorithmSuite.toString(16)}: the SDK's multi-keyring (two encrypted data keys) opens with either key`, async () => {
    const data = plaintext(2500, 8);
    const { result } = await encrypt(new MultiKeyringNode({ generator: sdkA(), children: [sdkB()] }), data, { suiteId: algorithmSuite, frameLength: FRAME, encryptionContext: NON_ASCII_CONTEXT });
    equal(await open(rawA, result), data);
    equal(await open(rawB, result), data);
  });

  sdkToWebkms(`0x0${algorithmSuite.toString(16)}: the SDK's KMS keyring entry opens with the Keyring`, async () => {
    const { keyring, sdk } = await kmsKeyrings();
    const data = plaintext(4000, 9);
    const { result } = await encrypt(sdk, data, { suiteId: algorithmSuite, frameLength: FRAME, encryptionContext: { order: '42' } });
    equal(await open(keyring, result, { encryptionContext: { order: '42' } }), data);
  });
}

sdkToWebkms("the SDK's encryptStream output opens through openStream", async () => {
  const data = plaintext(2 * 1024 * 1024 + 5, 13);
  const chunks = [];
  for await (const chunk of Readable.from([Buffer.from(data)]).pipe(encryptStream(sdkA(), { suiteId: 0x0578, frameLength: 65536 }))) chunks.push(chunk);
  const streamed = [];
  await Readable.toWeb(Readable.from(chunks)).pipeThrough(openStream(rawA)).pipeTo(new WritableStream({ write: (c) => void streamed.push(c) }));
  equal(Buffer.concat(streamed), data);
});

const differences = suite('where webkms is stricter than the SDK');

differences('the SDK accepts bytes after the final frame; webkms refuses them, as the specification says', async () => {
  const data = plaintext(100, 1);
  const { result } = await encrypt(sdkA(), data, { suiteId: 0x0478 });
  const extended = Buffer.concat([result, Buffer.from('trailing')]);
  const sdkOpened = await decrypt(sdkA(), extended).then((r) => r.plaintext, (e) => e);
  assert.ok(!(sdkOpened instanceof Error), `the SDK ${sdkOpened instanceof Error ? `refused: ${sdkOpened.message}` : 'opened it'}`);
  const error = await open(rawA, extended).then(() => undefined, (e) => e);
  assert.is(error?.name, 'InvalidCiphertextException');
});

webkmsToSdk.run();
sdkToWebkms.run();
differences.run();
