// Envelope messages across engines, for the interop matrix (run by the harness like
// test/interop.mjs): every engine `produce`s a few messages under fixed public test keys, then
// every engine `consume`s what each produced, opening each one-shot and through openStream.
// Everything crossing engines is JSON: messages as base64. Plaintexts are regenerated, not sent.
import { Keyring, RawAesKeyring, base64, open, openStream, seal, sealStream } from '../src/index.ts';
import { engine } from './support/env.mjs';
import { collect } from './support/helpers.mjs';
import { NON_ASCII_CONTEXT, plaintext } from './fixtures/esdk/keys.mjs';

// Test keys, public on purpose: every engine needs them.
const RAW = { keyNamespace: 'webkms-interop', keyName: 'raw-key', bytes: Uint8Array.from({ length: 32 }, (_, i) => (i * 13 + 1) & 255) };
const KMS = { keyId: '0f6b2a9e-3c1d-4e8f-b7a6-5d4c3b2a1f0e', bytes: Uint8Array.from({ length: 32 }, (_, i) => (i * 17 + 5) & 255) };

const CASES = [
  { name: '0x0478 0 B', length: 0, keys: ['raw'], options: { encryptionContext: { purpose: 'interop' } } },
  { name: '0x0478 1 B', length: 1, keys: ['raw'], options: { encryptionContext: NON_ASCII_CONTEXT } },
  { name: '0x0478 3 frames', length: 250, keys: ['raw'], options: { frameSize: 100, encryptionContext: NON_ASCII_CONTEXT } },
  { name: '0x0578 3 frames', length: 250, keys: ['raw'], options: { frameSize: 100, algorithmSuite: 0x0578, encryptionContext: { purpose: 'interop' } } },
  { name: '0x0478 Keyring key, 1 B', length: 1, keys: ['kms'], options: { keyId: KMS.keyId, encryptionContext: { purpose: 'interop' } } },
  { name: '0x0578 Keyring and raw key, 40 frames', length: 4000, keys: ['kms', 'raw'], options: { keyId: KMS.keyId, frameSize: 100, algorithmSuite: 0x0578, encryptionContext: NON_ASCII_CONTEXT } },
  { name: '0x0478 sealStream, 70 KiB', length: 70 * 1024, keys: ['raw'], stream: true, options: { encryptionContext: { purpose: 'interop' } } },
];

async function keyrings(crypto) {
  const kms = new Keyring({ crypto });
  await kms.importKey({ keyId: KMS.keyId, material: KMS.bytes });
  return { kms, raw: new RawAesKeyring({ keyNamespace: RAW.keyNamespace, keyName: RAW.keyName, material: RAW.bytes, crypto }) };
}


/** Phase 1: `{ [case name]: base64 message }`. */
export async function produce(crypto) {
  const rings = await keyrings(crypto);
  const produced = {};
  for (const [i, { name, length, keys, stream, options }] of CASES.entries()) {
    const data = plaintext(length, i + 1);
    const chosen = keys.map((key) => rings[key]);
    const sealed = stream ? await collect(new Response(data).body.pipeThrough(sealStream(chosen, options))) : await seal(chosen, data, options);
    produced[name] = base64.encode(sealed);
  }
  return produced;
}

/**
 * Phase 2: `producedByEngine` is `{ [producer engine]: produce() result }`. Each message of each
 * producer is one check, failed when it is missing, does not open with each of its keys (one-shot
 * and streamed), or opens to other bytes.
 */
export async function consume(crypto, producedByEngine) {
  const rings = await keyrings(crypto);
  const result = { passed: 0, failed: 0, failures: [] };
  for (const [producer, produced] of Object.entries(producedByEngine)) {
    for (const [i, { name, length, keys, options }] of CASES.entries()) {
      const check = `envelope: ${producer} → ${engine} ${name}`;
      try {
        if (typeof produced?.[name] !== 'string') throw new Error(`${producer} published no message for this case`);
        const message = base64.decode(produced[name]);
        const expected = plaintext(length, i + 1);
        for (const key of keys) {
          const required = { encryptionContext: options.encryptionContext };
          const oneShot = await open(rings[key], message, required);
          const streamed = await collect(new Response(message).body.pipeThrough(openStream(rings[key], required)));
          for (const [how, opened] of [['open', oneShot], ['openStream', streamed]]) {
            const differs = opened.length !== length ? length : expected.findIndex((byte, at) => opened[at] !== byte);
            if (differs !== -1) throw new Error(`${how} with the ${key} key gave ${opened.length} bytes, differing from the ${length} expected at byte ${differs}`);
          }
        }
        result.passed++;
      } catch (error) {
        result.failed++;
        result.failures.push({ name: check, message: `${error?.name ?? 'Error'}: ${error?.message ?? error}` });
      }
    }
  }
  return result;
}
