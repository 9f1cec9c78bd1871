// What every test file needs to know about the engine it runs in, and nothing else.
// The harness (test/harness/) sets globalThis.__WEBKMS_ENGINE before the test bundle loads, and
// globalThis.__WEBKMS_CRYPTO when a WebCrypto other than the engine's own is injected
// (@peculiar/webcrypto under Node). Run directly (no harness), the engine's own crypto is used.

/** Name of the engine under test: node, peculiar, deno, bun, workerd, chromium, firefox, webkit. */
export const engine = globalThis.__WEBKMS_ENGINE ?? 'direct';

/** The WebCrypto every test passes to `new Keyring({ crypto })`. */
export const crypto = globalThis.__WEBKMS_CRYPTO ?? globalThis.crypto;

/**
 * A directory the harness made for tests that keep files (Deno KV databases), the same after the
 * harness restarts the engine; undefined in engines that keep none.
 */
export const stateDir = globalThis.__WEBKMS_STATE_DIR;

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
  denoKv: {
    node: 'Deno KV (Deno.openKv) is an API of Deno: Node has none',
    peculiar: 'Deno KV (Deno.openKv) is an API of Deno: Node has none',
    bun: 'Deno KV (Deno.openKv) is an API of Deno: Bun has none',
    workerd: 'Deno KV (Deno.openKv) is an API of Deno: Workers have none (they offer Durable Objects and KV)',
    chromium: 'Deno KV (Deno.openKv) is an API of Deno: browsers have none (they offer IndexedDB)',
    firefox: 'Deno KV (Deno.openKv) is an API of Deno: browsers have none (they offer IndexedDB)',
    webkit: 'Deno KV (Deno.openKv) is an API of Deno: browsers have none (they offer IndexedDB)',
  },
  // The harness gives the workerd Worker a Durable Object namespace with storage on disk.
  durableObjects: {
    node: 'Durable Objects are an API of Cloudflare Workers: Node has none',
    peculiar: 'Durable Objects are an API of Cloudflare Workers: Node has none',
    deno: 'Durable Objects are an API of Cloudflare Workers: Deno has none (it offers Deno KV)',
    bun: 'Durable Objects are an API of Cloudflare Workers: Bun has none',
    chromium: 'Durable Objects are an API of Cloudflare Workers: browsers have none (they offer IndexedDB)',
    firefox: 'Durable Objects are an API of Cloudflare Workers: browsers have none (they offer IndexedDB)',
    webkit: 'Durable Objects are an API of Cloudflare Workers: browsers have none (they offer IndexedDB)',
  },
};

/** Whether this engine has `feature` (a key of KNOWN_DIFFERENCES). */
export function has(feature) {
  return !(engine in (KNOWN_DIFFERENCES[feature] ?? {}));
}
