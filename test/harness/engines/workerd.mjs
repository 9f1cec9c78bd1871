// workerd, Cloudflare's Workers runtime: the test bundle runs inside a Worker (runtime/worker.mjs)
// served by the workerd binary on 127.0.0.1; each call is one HTTP request.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { toolBin } from '../install.mjs';
import { freePort, start, stop, waitFor } from '../procs.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const WORKERD = toolBin('workerd');
const WORKER = path.join(HERE, '../runtime/worker.mjs');
// Plain Workers: no nodejs_compat, as the library promises to need nothing but WebCrypto.
const COMPATIBILITY_DATE = '2026-11-01';

export const requirements = () => ({ files: [WORKERD], apt: [] });

/** Config next to the bundle; embed paths are relative to it. The socket is set on the command line. */
function writeConfig(bundle) {
  const dir = path.dirname(bundle);
  const config = path.join(dir, 'workerd.capnp');
  fs.writeFileSync(config, `using Workerd = import "/workerd/workerd.capnp";
const config :Workerd.Config = (
  services = [ (name = "tests", worker = .tests) ],
  sockets = [ (name = "http", address = "127.0.0.1:0", http = (), service = "tests") ],
);
const tests :Workerd.Worker = (
  modules = [
    (name = "worker.mjs", esModule = embed ${JSON.stringify(path.relative(dir, WORKER))}),
    (name = "bundle.js", esModule = embed ${JSON.stringify(path.basename(bundle))}),
  ],
  compatibilityDate = "${COMPATIBILITY_DATE}",
);
`);
  return config;
}

export async function open(engine, { bundle }) {
  const { stdout } = await promisify(execFile)(WORKERD, ['--version'], { timeout: 10_000 });
  const port = await freePort();
  const child = start(WORKERD, ['serve', writeConfig(bundle), '--socket-addr', `http=127.0.0.1:${port}`]);
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
  return { version: stdout.trim().replace(/^workerd\s+/, ''), call: async (name, arg) => answer(await post(name, arg)), close: () => stop(child) };
}
