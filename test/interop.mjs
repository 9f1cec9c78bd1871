// Interop across engines, run by the harness (test/harness/run.mjs) in two phases: every engine
// `produce`s data keys wrapped under one fixed master key, then every engine `consume`s what all
// of them produced (itself included: the full matrix) and checks it gets the same bytes back.
// Everything crossing engines is JSON: blobs and expected plaintexts as base64 strings.
import { Keyring, base64 } from '../src/index.ts';
import { engine } from './support/env.mjs';

// A test key, public on purpose: consumers need it, and the plaintexts are published with the blobs.
const KEY_ID = '5e1f0c7a-3b2d-4c8e-9a6f-0d4b7e2c1a93';
const MASTER_KEY = Uint8Array.from({ length: 32 }, (_, i) => (i * 29 + 7) & 0xff);

// Non-ASCII keys and values, astral characters included: the context's encoding must agree too.
const CONTEXT = { purpose: 'interop', tenant: 'Zürich – 東京 ☃', 'clé': 'valeur 🔑' };

const SHAPES = [
  ...[1, 16, 24, 32, 64, 1024].map((n) => ({ name: n === 1 ? '1 byte' : `${n} bytes`, size: n, request: { numberOfBytes: n } })),
  { name: 'AES_128', size: 16, request: { keySpec: 'AES_128' } },
  { name: 'AES_256', size: 32, request: { keySpec: 'AES_256' } },
];
const CASES = SHAPES.flatMap((shape) => [
  { ...shape, name: `${shape.name} without context` },
  { ...shape, name: `${shape.name} with context`, encryptionContext: CONTEXT },
]);

async function keyring(crypto) {
  const ring = new Keyring({ crypto });
  await ring.importKey({ keyId: KEY_ID, material: MASTER_KEY });
  return ring;
}

/** Phase 1: one wrapped data key per case, `{ [case name]: { ciphertextBlob, plaintext } }`. */
export async function produce(crypto) {
  const ring = await keyring(crypto);
  const produced = {};
  for (const { name, request, encryptionContext } of CASES) {
    const key = await ring.generateDataKey({ keyId: KEY_ID, ...request, ...(encryptionContext && { encryptionContext }) });
    produced[name] = { ciphertextBlob: base64.encode(key.ciphertextBlob), plaintext: base64.encode(key.plaintext) };
  }
  return produced;
}

/**
 * Phase 2: `producedByEngine` is `{ [producer engine]: produce() result }`. Each case of each
 * producer is one check, failed when the blob is missing, does not decrypt, or decrypts to other
 * bytes than the producer published.
 */
export async function consume(crypto, producedByEngine) {
  const ring = await keyring(crypto);
  const result = { passed: 0, failed: 0, failures: [] };
  for (const [producer, produced] of Object.entries(producedByEngine)) {
    for (const { name, size, encryptionContext } of CASES) {
      const check = `interop: ${producer} → ${engine} ${name}`;
      try {
        const blob = produced[name];
        if (!blob) throw new Error(`${producer} published no blob for this case`);
        const expected = base64.decode(blob.plaintext);
        if (expected.length !== size) throw new Error(`${producer} generated ${expected.length} bytes, not ${size}`);
        const { plaintext } = await ring.decrypt({ ciphertextBlob: base64.decode(blob.ciphertextBlob), ...(encryptionContext && { encryptionContext }) });
        const differs = plaintext.length !== size ? size : expected.findIndex((byte, i) => plaintext[i] !== byte);
        if (differs !== -1) {
          throw new Error(`decrypted ${plaintext.length} bytes, which differ from the ${size} bytes ${producer} published at byte ${differs}`);
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
