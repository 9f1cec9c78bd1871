// Regenerates test/fixtures/esdk/messages.mjs: messages the official AWS Encryption SDK for
// JavaScript (@aws-crypto/client-node, pinned 5.0.2) encrypted under the public test keys of
// test/fixtures/esdk/keys.mjs, which every engine's test run then opens with webkms.
//
//   node scripts/make-esdk-fixtures.mjs
//
// The SDK's KMS keyring talks to a KMS client; here that client is answered by a webkms Keyring
// (bundled from src/ with esbuild), so the `aws-kms` encrypted data keys are the real SDK's.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { importTool } from '../test/harness/install.mjs';
import { KMS_KEY, NON_ASCII_CONTEXT, RAW_KEYS, plaintext } from '../test/fixtures/esdk/keys.mjs';
import { CommitmentPolicy, KmsKeyringNode, MultiKeyringNode, buildClient, sdkRawKeyring, webkmsKmsClient } from '../test/fixtures/esdk/sdk.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const esbuild = await importTool('esbuild'); // a test tool, in test/node_modules
const OUT = path.join(ROOT, 'test/fixtures/esdk/messages.mjs');

/** webkms from source, for the KMS client below. */
async function importWebkms() {
  const outfile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'webkms-')), 'webkms.mjs');
  await esbuild.build({ entryPoints: [path.join(ROOT, 'src/index.ts')], bundle: true, format: 'esm', platform: 'neutral', outfile, logLevel: 'error' });
  return import(pathToFileURL(outfile).href);
}

const SUITES = [0x0478, 0x0578];
const FRAME = 256;

/** The golden cases: sizes around the frame size, both suites, contexts, two keys, a KMS key. */
function cases() {
  const list = [];
  for (const suiteId of SUITES) {
    const hex = `0x0${suiteId.toString(16)}`;
    const sized = (plaintextLength, extra = {}) => ({ suiteId, frameLength: FRAME, plaintextLength, keys: ['a'], encryptionContext: {}, ...extra });
    list.push(
      { name: `${hex} 0 B`, ...sized(0) },
      { name: `${hex} 1 B, non-ASCII context`, ...sized(1, { encryptionContext: NON_ASCII_CONTEXT }) },
      { name: `${hex} frame size − 1 (255 B)`, ...sized(FRAME - 1) },
      { name: `${hex} frame size (256 B): a full frame and an empty final frame`, ...sized(FRAME) },
      { name: `${hex} frame size + 1 (257 B)`, ...sized(FRAME + 1, { encryptionContext: { tenant: 'acme' } }) },
      { name: `${hex} 3 × frame size (768 B)`, ...sized(3 * FRAME) },
      { name: `${hex} 40 frames (10,000 B), non-ASCII context`, ...sized(10_000, { encryptionContext: NON_ASCII_CONTEXT }) },
      { name: `${hex} two encrypted data keys (AES-256 and AES-128 wrapping keys)`, ...sized(1000, { keys: ['a', 'b'], encryptionContext: { purpose: 'two keys' } }) },
      { name: `${hex} KMS keyring (aws-kms encrypted data key)`, ...sized(600, { keys: ['kms'], encryptionContext: { purpose: 'kms', 'Zürich': '東京' } }) },
      { name: `${hex} the SDK's default frame size (4,096 B), 10,000 B`, suiteId, frameLength: 4096, plaintextLength: 10_000, keys: ['a'], encryptionContext: {} },
    );
  }
  return list.map((c, i) => ({ ...c, seed: i + 1 }));
}

async function main() {
  const { Keyring } = await importWebkms();
  const keyring = new Keyring({ region: KMS_KEY.region, accountId: KMS_KEY.accountId });
  await keyring.importKey({ keyId: KMS_KEY.keyId, material: KMS_KEY.bytes });
  const sdkKeyring = (keys) => {
    const rings = keys.map((name) =>
      name === 'kms' ? new KmsKeyringNode({ generatorKeyId: KMS_KEY.arn, clientProvider: () => webkmsKmsClient(keyring) }) : sdkRawKeyring(RAW_KEYS[name]),
    );
    return rings.length === 1 ? rings[0] : new MultiKeyringNode({ generator: rings[0], children: rings.slice(1) });
  };

  const committing = buildClient(CommitmentPolicy.REQUIRE_ENCRYPT_REQUIRE_DECRYPT);
  const messages = [];
  for (const c of cases()) {
    const { result } = await committing.encrypt(sdkKeyring(c.keys), plaintext(c.plaintextLength, c.seed), {
      suiteId: c.suiteId,
      frameLength: c.frameLength,
      encryptionContext: c.encryptionContext,
    });
    // The SDK must open its own message before it becomes a golden file.
    const { plaintext: back } = await committing.decrypt(sdkKeyring(c.keys), result);
    if (Buffer.compare(back, Buffer.from(plaintext(c.plaintextLength, c.seed))) !== 0) throw new Error(`${c.name}: the SDK did not round-trip`);
    messages.push({ ...c, message: Buffer.from(result).toString('base64') });
  }

  // Message format version 1 (not key-committing): webkms must refuse them, naming the suite.
  const legacy = buildClient(CommitmentPolicy.FORBID_ENCRYPT_ALLOW_DECRYPT);
  const nonCommitting = [];
  for (const [suiteId, suiteName] of [[0x0378, 'ALG_AES256_GCM_IV12_TAG16_HKDF_SHA384_ECDSA_P384'], [0x0178, 'ALG_AES256_GCM_IV12_TAG16_HKDF_SHA256']]) {
    const { result } = await legacy.encrypt(sdkRawKeyring(RAW_KEYS.a), plaintext(10, 99), { suiteId });
    nonCommitting.push({ suiteId, suiteName, message: Buffer.from(result).toString('base64') });
  }

  const body = [
    '// Generated by scripts/make-esdk-fixtures.mjs with @aws-crypto/client-node 5.0.2; do not edit.',
    '// Messages the official AWS Encryption SDK encrypted under the public test keys of ./keys.mjs;',
    '// each plaintext is plaintext(plaintextLength, seed) from ./keys.mjs. keys: which keys wrapped',
    "// the data key ('a', 'b': RAW_KEYS; 'kms': KMS_KEY through the SDK's KMS keyring).",
    `export const ESDK_MESSAGES = ${JSON.stringify(messages, null, 2)};`,
    '',
    '/** Message format version 1 (non-committing) messages, which webkms refuses. */',
    `export const NON_COMMITTING_MESSAGES = ${JSON.stringify(nonCommitting, null, 2)};`,
    '',
  ].join('\n');
  fs.writeFileSync(OUT, body);
  console.log(`wrote ${path.relative(process.cwd(), OUT)}: ${messages.length} messages, ${nonCommitting.length} non-committing, ${body.length} bytes`);
}

await main();
