// What every test file needs to know about the engine it runs in, and nothing else.
// The harness (test/harness/) sets globalThis.__WEBKMS_ENGINE before the test bundle loads, and
// globalThis.__WEBKMS_CRYPTO when a WebCrypto other than the engine's own is injected
// (@peculiar/webcrypto under Node). Run directly (no harness), the engine's own crypto is used.

/** Name of the engine under test: node, peculiar, deno, bun, workerd, chromium, firefox, webkit. */
export const engine = globalThis.__WEBKMS_ENGINE ?? 'direct';

/** The WebCrypto every test passes to `new Keyring({ crypto })`. */
export const crypto = globalThis.__WEBKMS_CRYPTO ?? globalThis.crypto;

/**
 * Engine differences are facts the tests assert, not reasons to skip.
 * feature → engine → why the engine lacks it. An engine not listed has the feature.
 */
export const KNOWN_DIFFERENCES = {
  aes192: {
    chromium: 'Blink never implemented 192-bit AES in WebCrypto (importKey throws OperationError)',
  },
  requestBodyStream: {
    firefox: 'Gecko\'s Request has no body stream, and a ReadableStream is no Request body there',
  },
  indexedDB: {
    node: 'IndexedDB is a browser API: Node has none',
    peculiar: 'IndexedDB is a browser API: Node has none',
    deno: 'IndexedDB is a browser API: Deno has none (it offers Deno KV)',
    bun: 'IndexedDB is a browser API: Bun has none',
    workerd: 'IndexedDB is a browser API: Workers have none (they offer Durable Objects and KV)',
  },
  // navigator.storage.persist(), which IndexedDbKeyStore.requestPersistence() calls.
  storageManager: {
    webkit: 'WebKitGTK 2.50 exposes no navigator.storage (Safari has had navigator.storage.persist since 15.2)',
  },
  persistWithoutPrompt: {
    firefox: "Firefox asks the user before it makes a site's storage persistent: persist() waits for an answer",
  },
};

/** Whether this engine has `feature` (a key of KNOWN_DIFFERENCES). */
export function has(feature) {
  return !(engine in (KNOWN_DIFFERENCES[feature] ?? {}));
}
