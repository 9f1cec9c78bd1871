// Entry of the process engines: `node|bun child.mjs <engine> <bundle>`, `deno run … child.mjs …
// <engine> <bundle> <state directory>` (engines/process.mjs).
// Sets the engine up, loads the test bundle, then answers calls: one JSON line on stdin
// ({ name, arg }) → one line on stdout, MARK + api.call()'s answer. The first line is the load
// result. The marker keeps stray output (a test's console.log) from passing for an answer.
import { createRequire } from 'node:module';
import process from 'node:process';
import { createInterface } from 'node:readline';
import { pathToFileURL } from 'node:url';

const MARK = '\u0001webkms ';
const [engine, bundle, stateDir] = process.argv.slice(2);
const answer = (message) => process.stdout.write(MARK + JSON.stringify(message) + '\n');

let injected = ''; // what replaces the engine's own WebCrypto, named in the version

function version() {
  if (globalThis.Deno) return Deno.version.deno;
  if (globalThis.Bun) return Bun.version;
  return `${process.versions.node}${injected}`;
}

// test/support/env.mjs reads these when it loads, so they are set before the bundle is imported.
globalThis.__WEBKMS_ENGINE = engine;
if (stateDir) globalThis.__WEBKMS_STATE_DIR = stateDir;
let api;
try {
  if (engine === 'peculiar') {
    const require = createRequire(import.meta.url);
    globalThis.__WEBKMS_CRYPTO = new (require('@peculiar/webcrypto').Crypto)();
    injected = ` + @peculiar/webcrypto ${require('@peculiar/webcrypto/package.json').version}`;
  }
  api = await import(pathToFileURL(bundle).href);
  answer({ ok: true, value: { version: version() } });
} catch (error) {
  answer({ ok: false, error: `the test bundle failed to load: ${error?.stack ?? error}` });
}

if (api) {
  for await (const line of createInterface({ input: process.stdin })) {
    const { name, arg } = JSON.parse(line);
    answer(await api.call(name, arg));
  }
}
