// The "served" row of `npm test`: the KMS endpoint as it is deployed — examples/node-kms/server.mjs
// under Node and under Bun, examples/deno-kms on a Deno KV file, examples/worker-kms in workerd
// with its Durable Objects on disk — each on 127.0.0.1, called by the unmodified AWS SDK and the
// AWS Encryption SDK's KMS keyring (test/support/kms-sdk-checks.mjs), then a load of signed
// requests through Node and workerd, and workerd restarted on the same storage (runner.mjs).
//
// Here, in the harness's Node: each example bundled as its users' bundler would, with 'webkms'
// resolved to this repository's src/ (no build needed), and the runner bundled with the SDKs;
// the runner is loaded into this process and starts every server through the harness's procs.mjs,
// so that an interrupted run still stops them.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import * as esbuild from 'esbuild';
import { toolBin } from '../harness/install.mjs';
import * as procs from '../harness/procs.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, '../..');
const EXAMPLES = path.join(ROOT, 'examples');
const BINARIES = { deno: toolBin('deno'), bun: toolBin('bun'), workerd: toolBin('workerd') };

/** What the row needs from the machine, for the harness's installer (all from test/node_modules). */
export const requirements = () => ({ files: Object.values(BINARIES), apt: [] });

/** 'webkms' and 'webkms/http', as the examples import them, resolved to the sources. */
const webkmsFromSources = {
  name: 'webkms-sources',
  setup(build) {
    const entries = { webkms: 'src/index.ts', 'webkms/http': 'src/http/handler.ts' };
    build.onResolve({ filter: /^webkms(\/.*)?$/ }, ({ path: spec }) =>
      entries[spec] ? { path: path.join(ROOT, entries[spec]) } : { errors: [{ text: `${spec} is no entry point the examples use` }] });
  },
};

const bundle = (entry, outfile, options) =>
  esbuild.build({ entryPoints: [entry], outfile, bundle: true, format: 'esm', logLevel: 'silent', plugins: [webkmsFromSources], ...options });

/** The examples and the runner, bundled into `out`: the files runner.mjs serves. */
async function build(out) {
  const worker = path.join(out, 'worker-kms');
  fs.mkdirSync(path.join(worker, 'build'), { recursive: true });
  // workerd.capnp embeds build/worker.js relative to itself, as in the example's directory.
  fs.copyFileSync(path.join(EXAMPLES, 'worker-kms/workerd.capnp'), path.join(worker, 'workerd.capnp'));
  const files = {
    node: path.join(out, 'node-kms.mjs'),
    deno: path.join(out, 'deno-kms.mjs'),
    workerdConfig: path.join(worker, 'workerd.capnp'),
    runner: path.join(out, 'runner.mjs'),
    denoMain: path.join(EXAMPLES, 'deno-kms/main.ts'),
    denoCheckConfig: path.join(out, 'deno-check.json'),
  };
  // `deno check` of main.ts as its users import webkms, from the sources (which use DOM types for
  // IndexedDbKeyStore, and .js specifiers for .ts files: Deno's sloppy imports).
  fs.writeFileSync(files.denoCheckConfig, JSON.stringify({
    imports: { webkms: path.join(ROOT, 'src/index.ts'), 'webkms/http': path.join(ROOT, 'src/http/handler.ts') },
    unstable: ['sloppy-imports', 'kv'],
    compilerOptions: { lib: ['deno.ns', 'deno.unstable', 'dom', 'dom.iterable', 'esnext'] },
  }));
  await Promise.all([
    bundle(path.join(EXAMPLES, 'node-kms/server.mjs'), files.node, { platform: 'node' }),
    bundle(path.join(EXAMPLES, 'deno-kms/main.ts'), files.deno, { platform: 'neutral' }),
    bundle(path.join(EXAMPLES, 'worker-kms/src/worker.js'), path.join(worker, 'build/worker.js'), {
      platform: 'neutral', conditions: ['workerd', 'worker', 'browser'], external: ['cloudflare:workers'],
    }),
    // The SDKs are CommonJS and require Node built-ins: the bundle gets a `require` of its own.
    bundle(path.join(HERE, 'runner.mjs'), files.runner, {
      platform: 'node', banner: { js: "import { createRequire as webkmsRequire } from 'node:module'; const require = webkmsRequire(import.meta.url);" },
    }),
  ]);
  return files;
}

/**
 * Every check, in the harness's terms: { version, passed, failed, skipped, failures, skips }.
 * `out` is a scratch directory.
 */
export async function runServed(out, log) {
  fs.rmSync(out, { recursive: true, force: true });
  fs.mkdirSync(out, { recursive: true });
  const files = await build(out);
  const { runServers } = await import(pathToFileURL(files.runner).href);
  return runServers({ files, binaries: BINARIES, procs, out, log, ci: process.env.CI === 'true' });
}
