// workerd, Cloudflare's Workers runtime: the test bundle runs inside a Worker (runtime/worker.mjs)
// served by the workerd binary on 127.0.0.1; each call is one HTTP request. The Worker has a
// Durable Object class (TestObject) whose storage is on disk in a directory of the session's,
// which restart() hands to a new workerd process.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { toolBin } from '../install.mjs';
import { onFreePort, start, stop, waitFor } from '../procs.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const WORKERD = toolBin('workerd');
const WORKER = path.join(HERE, '../runtime/worker.mjs');
// Plain Workers: no nodejs_compat, as the library promises to need nothing but WebCrypto.
const COMPATIBILITY_DATE = '2026-11-01';

export const requirements = () => ({ files: [WORKERD], apt: [] });

/**
 * The config, in the session's directory (embed paths are relative to it). The socket and the
 * Durable Objects' directory are set on the command line. ROOT_KEY stands for a Worker secret:
 * random per session, the same after a restart, never seen by the test code in the Worker's fetch.
 */
function writeConfig(bundle, dir) {
  const config = path.join(dir, 'workerd.capnp');
  fs.writeFileSync(config, `using Workerd = import "/workerd/workerd.capnp";
const config :Workerd.Config = (
  services = [ (name = "tests", worker = .tests), (name = "objects", disk = (writable = true)) ],
  sockets = [ (name = "http", address = "127.0.0.1:0", http = (), service = "tests") ],
);
const tests :Workerd.Worker = (
  modules = [
    (name = "worker.mjs", esModule = embed ${JSON.stringify(path.relative(dir, WORKER))}),
    (name = "bundle.js", esModule = embed ${JSON.stringify(path.relative(dir, bundle))}),
  ],
  compatibilityDate = "${COMPATIBILITY_DATE}",
  durableObjectNamespaces = [ (className = "TestObject", uniqueKey = "webkms-tests", enableSql = true) ],
  durableObjectStorage = (localDisk = "objects"),
  bindings = [
    (name = "OBJECTS", durableObjectNamespace = "TestObject"),
    (name = "ROOT_KEY", text = "${randomBytes(32).toString('base64')}"),
  ],
);
`);
  return config;
}

/** Start workerd and wait for the Worker to load the bundle: { call, stop }. */
const launch = (config, objects) => onFreePort(async (port) => {
  const child = start(WORKERD, ['serve', config, '--socket-addr', `http=127.0.0.1:${port}`, '--directory-path', `objects=${objects}`]);
  const url = `http://127.0.0.1:${port}/`;
  const answer = async (response) => {
    if (!response.ok) throw new Error(`workerd answered ${response.status}: ${await response.text()}\n${child.tail}`);
    return response.json();
  };
  const post = (name, arg) => fetch(url + name, { method: 'POST', body: JSON.stringify(arg ?? null) })
    .catch((error) => { throw new Error(`workerd ${name || 'start'}: ${error.cause?.message ?? error.message}\n${child.tail}`.trim()); });
  try {
    // Refused until workerd listens; the first request that gets through loads the bundle.
    const loaded = await answer(await waitFor(() => post(''), { timeoutMs: 30_000, what: 'workerd start', child }));
    if (!loaded.ok) throw new Error(loaded.error);
  } catch (error) {
    await stop(child);
    throw error;
  }
  return { call: async (name, arg) => answer(await post(name, arg)), stop: () => stop(child) };
});

export async function open(engine, { bundle }) {
  const { stdout } = await promisify(execFile)(WORKERD, ['--version'], { timeout: 10_000 });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'webkms-workerd-'));
  const objects = path.join(dir, 'objects');
  fs.mkdirSync(objects);
  const removeDir = () => fs.rmSync(dir, { recursive: true, force: true });
  const config = writeConfig(bundle, dir);
  let current = await launch(config, objects).catch((error) => { removeDir(); throw error; });
  return {
    version: stdout.trim().replace(/^workerd\s+/, ''),
    call: (name, arg) => current.call(name, arg),
    close: async () => { await current.stop(); removeDir(); },
    // Stop workerd, then serve the same config and the same Durable Object storage again.
    restart: async () => {
      await current.stop();
      current = await launch(config, objects);
    },
  };
}
