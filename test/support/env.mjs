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

const ENGINES = ['node', 'peculiar', 'deno', 'bun', 'workerd', 'chromium', 'firefox', 'webkit'];
/** Every engine but `those`, each lacking the feature for the same reason. */
const allBut = (those, why) => Object.fromEntries(ENGINES.filter((name) => !those.includes(name)).map((name) => [name, why]));

/**
 * Engine differences are facts the tests assert, not reasons to skip.
 * feature → engine → why the engine lacks it. An engine not listed has the feature.
 */
export const KNOWN_DIFFERENCES = {
  aes192: {
    chromium: 'Blink never implemented 192-bit AES in WebCrypto (importKey throws OperationError)',
  },
  denoKv: allBut(['deno'], 'Deno KV (Deno.openKv) is an API of Deno alone'),
  durableObjects: allBut(['workerd'], 'Durable Objects are an API of Cloudflare Workers alone (the harness gives the Worker a namespace with storage on disk)'),
};

/** Whether this engine has `feature` (a key of KNOWN_DIFFERENCES). */
export function has(feature) {
  return !(engine in (KNOWN_DIFFERENCES[feature] ?? {}));
}
