// Export bundles across engines, for the interop matrix (run by the harness like test/interop.mjs):
// every engine exports a keyring under a fixed public wrapping key and a fixed public passphrase,
// with blobs and a sealed message made under the keys; then every engine imports what each made
// and opens those. A bundle made in Chromium imports in Deno, one made in workerd in WebKit, and
// so on. Everything crossing engines is JSON.
import { Keyring, base64, open, seal } from '../src/index.ts';
import { engine } from './support/env.mjs';

// Public on purpose: every engine needs them.
const WRAPPING_KEY = Uint8Array.from({ length: 32 }, (_, i) => (i * 23 + 11) & 255);
// Exported composed, imported decomposed: every engine must derive from the same NFC bytes.
const PASSPHRASE = 'interop passphrase – Zürich 東京 🔑';
const CONTEXT = { purpose: 'bundle interop', tenant: 'Zürich – 東京 ☃' };
const MESSAGE = 'sealed before the move';

const text = (bytes) => new TextDecoder().decode(bytes);
// JSON with object members in name order: a transport may reorder them (WebKit's WebDriver does).
const sortedJson = (value) => JSON.stringify(value, (_, item) => (item && typeof item === 'object' && !Array.isArray(item) ? Object.fromEntries(Object.entries(item).sort(([a], [b]) => (a < b ? -1 : 1))) : item));

/** What a keyring tells of its keys, comparable across engines: dates as text (both keyrings are in memory, so counts are exact). */
function facts(keyring) {
  return keyring.listKeys().map(({ keyId }) => {
    const { creationDate, versions, ...rest } = keyring.describeKey(keyId);
    return { ...rest, creationDate: creationDate.toISOString(), versions: versions.map((v) => ({ ...v, creationDate: v.creationDate.toISOString() })) };
  });
}

/**
 * Phase 1: `{ byKey, byPassphrase, blobs, message, facts }`
 * of a keyring with a rotated 256-bit key (two aliases, a description in three scripts) and a
 * disabled 128-bit key.
 */
export async function produce(crypto) {
  const keyring = new Keyring({ crypto, region: 'ap-south-1', accountId: '123456789012' });
  await keyring.createKey({ keyId: 'interop-app', extractable: true, aliases: ['alias/interop', 'alias/interop-2'], description: 'Zürich – 東京 ☃' });
  const blobs = [];
  const wrap = async (keyId, plaintext, encryptionContext) => {
    const { ciphertextBlob } = await keyring.encrypt({ keyId, plaintext: new TextEncoder().encode(plaintext), encryptionContext });
    // Left out when there is none: WebKit's WebDriver carries undefined as null.
    blobs.push({ keyId, blob: base64.encode(ciphertextBlob), plaintext, ...(encryptionContext && { encryptionContext }) });
  };
  await wrap('interop-app', 'under version 1', CONTEXT);
  await keyring.rotateKey('interop-app');
  await wrap('alias/interop', 'under version 2');
  await keyring.createKey({ keyId: 'interop-off', keySpec: 'AES_128', extractable: true });
  await wrap('interop-off', 'under a disabled key', CONTEXT);
  await keyring.disableKey('interop-off');
  const message = base64.encode(await seal(keyring, MESSAGE, { keyId: 'alias/interop-2', encryptionContext: CONTEXT }));
  return {
    byKey: await keyring.exportKeys({ wrappingKey: WRAPPING_KEY }),
    byPassphrase: await keyring.exportKeys({ passphrase: PASSPHRASE }),
    blobs,
    message,
    facts: facts(keyring),
  };
}

/** Imports a bundle with no options (its region and account), checks it against what the producer published. */
async function check(crypto, produced, bundle, protection) {
  const keyring = await Keyring.importKeys(bundle, protection, { crypto });
  const [got, expected] = [sortedJson(facts(keyring)), sortedJson(produced.facts)];
  if (got !== expected) throw new Error(`the imported keys differ from the exported ones:\n${got}\n${expected}`);
  await keyring.enableKey('interop-off');
  for (const { keyId, blob, plaintext, encryptionContext } of produced.blobs) {
    const opened = await keyring.decrypt({ ciphertextBlob: base64.decode(blob), encryptionContext });
    if (text(opened.plaintext) !== plaintext) throw new Error(`a blob of ${keyId} opened to other bytes`);
  }
  const message = text(await open(keyring, base64.decode(produced.message), { encryptionContext: CONTEXT }));
  if (message !== MESSAGE) throw new Error('the sealed message opened to other bytes');
}

/** Phase 2: per producer, one check for its wrapping-key bundle and one for its passphrase bundle (given decomposed: NFC is what counts). */
export async function consume(crypto, producedByEngine) {
  const result = { passed: 0, failed: 0, failures: [] };
  const tally = async (name, run) => {
    try {
      await run();
      result.passed++;
    } catch (error) {
      result.failed++;
      result.failures.push({ name, message: `${error?.name ?? 'Error'}: ${error?.message ?? error}` });
    }
  };
  for (const [producer, produced] of Object.entries(producedByEngine)) {
    await tally(`bundles: ${producer} → ${engine} under a wrapping key`, () => check(crypto, produced, produced.byKey, { wrappingKey: WRAPPING_KEY }));
    await tally(`bundles: ${producer} → ${engine} under a passphrase`, () => check(crypto, produced, produced.byPassphrase, { passphrase: PASSPHRASE.normalize('NFD') }));
  }
  return result;
}
