// The KMS endpoint examples read KMS_CREDENTIALS, a secret: a malformed one is refused with a
// message that says what is wrong and quotes none of it (JSON.parse's own message quotes the text
// around the mistake). Each example as deployed: examples/node-kms/server.mjs in Node and
// examples/deno-kms/main.ts in Deno, bundled as test/served/ bundles them ('webkms' from src/),
// then run; examples/worker-kms/src/worker.js imported here, its fetch called with the bindings
// it reads (cloudflare:workers stubbed), which also shows it parses the secret once per isolate.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';

/** A secret access key typed without its quotes: JSON.parse's message quotes its first characters. */
const SECRET = 'wJalrXUtnFEMIK7MDENGbPxRfiCYEXAMPLEKEY';
const MALFORMED = `[{"accessKeyId":"AKIDWEBKMSLEAKTEST","secretAccessKey":${SECRET}}]`;
const SAYS = 'KMS_CREDENTIALS is not valid JSON';

/** Every piece of the malformed value a message could quote. */
function quoted(text) {
  return ['AKIDWEBKMSLEAKTEST', SECRET.slice(0, 6), `"secretAccessKey":${SECRET.slice(0, 1)}`].filter((piece) => text.includes(piece));
}

/** The repository: the first folder above this file (or its bundle) that holds examples/. */
function repository() {
  for (let dir = path.dirname(fileURLToPath(import.meta.url)); ; dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, 'examples/node-kms/server.mjs'))) return dir;
    if (dir === path.dirname(dir)) throw new Error('no examples/ above this test');
  }
}
const ROOT = repository();
// At run time, from test/node_modules: the test bundle cannot hold esbuild.
const tools = createRequire(path.join(ROOT, 'test/package.json'));
const esbuild = tools('esbuild');
const DENO = path.join(ROOT, 'test/node_modules/.bin/deno');

/** 'webkms' and 'webkms/http' from src/; cloudflare:workers as the one class worker.js takes from it. */
const resolution = {
  name: 'examples-in-tests',
  setup(build) {
    const entries = { webkms: 'src/index.ts', 'webkms/http': 'src/http/handler.ts' };
    build.onResolve({ filter: /^webkms(\/http)?$/ }, ({ path: spec }) => ({ path: path.join(ROOT, entries[spec]) }));
    build.onResolve({ filter: /^cloudflare:workers$/ }, () => ({ path: 'cloudflare:workers', namespace: 'stub' }));
    build.onLoad({ filter: /.*/, namespace: 'stub' }, () => ({
      contents: 'export class DurableObject { constructor(ctx, env) { this.ctx = ctx; this.env = env; } }',
    }));
  },
};

/** `example` (relative to examples/) bundled into `out`; returns the bundle's path. */
async function bundle(example, out, options) {
  const outfile = path.join(out, `${path.basename(path.dirname(example))}.mjs`);
  await esbuild.build({ entryPoints: [path.join(ROOT, 'examples', example)], outfile, bundle: true, format: 'esm', logLevel: 'silent', plugins: [resolution], ...options });
  return outfile;
}

/** Runs a command to its end: { code, output } (stdout and stderr together). */
function run(command, args, env) {
  return new Promise((resolve) => {
    execFile(command, args, { env: { PATH: process.env.PATH, NO_COLOR: '1', DENO_NO_UPDATE_CHECK: '1', ...env }, timeout: 20_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? error.code : 0, output: `${stdout}${stderr}` });
    });
  });
}

/** What calling `fn` threw (or undefined). */
async function thrown(fn) {
  try {
    await fn();
  } catch (error) {
    return error;
  }
  return undefined;
}

const examples = suite('examples: how KMS_CREDENTIALS, a secret, is read', {});

examples.before((t) => {
  t.out = fs.mkdtempSync(path.join(os.tmpdir(), 'webkms-examples-credentials-'));
});
examples.after((t) => fs.rmSync(t.out, { recursive: true, force: true }));

examples('node-kms/server.mjs in Node exits, saying the value is not valid JSON, and quotes none of it', async (t) => {
  const server = await bundle('node-kms/server.mjs', t.out, { platform: 'node' });
  const { code, output } = await run(process.execPath, [server], { KMS_CREDENTIALS: MALFORMED, HOST: '127.0.0.1', PORT: '0' });
  assert.is.not(code, 0, output);
  assert.ok(output.includes(SAYS), output);
  assert.equal(quoted(output), [], output);
});

examples('deno-kms/main.ts in Deno exits, saying the value is not valid JSON, and quotes none of it', async (t) => {
  const main = await bundle('deno-kms/main.ts', t.out, { platform: 'neutral' });
  const env = { KMS_CREDENTIALS: MALFORMED, ROOT_KEY: Buffer.alloc(32, 7).toString('base64'), KV_PATH: path.join(t.out, 'keys.sqlite'), HOST: '127.0.0.1', PORT: '0' };
  // deno.json's start task's permissions, narrowed to loopback and this test's folder.
  const { code, output } = await run(DENO, [
    'run', '--no-prompt', '--no-lock', '--unstable-kv', '--allow-net=127.0.0.1',
    '--allow-env=ROOT_KEY,KMS_CREDENTIALS,KEYS_BUNDLE,KMS_REGION,KMS_ACCOUNT_ID,KV_PATH,HOST,PORT',
    `--allow-read=${t.out}`, `--allow-write=${t.out}`, main,
  ], env);
  assert.is.not(code, 0, output);
  assert.ok(output.includes(SAYS), output);
  assert.equal(quoted(output), [], output);
});

/** worker.js's fetch, and the Durable Object namespace it forwards to, which answers with the keyring's name. */
async function workerFetch(out) {
  const file = await bundle('worker-kms/src/worker.js', out, { platform: 'neutral', conditions: ['workerd', 'worker', 'browser'] });
  const { default: worker } = await import(pathToFileURL(file).href);
  const KEYRINGS = { idFromName: (name) => name, get: (name) => ({ fetch: async () => new Response(name) }) };
  const signed = new Request('http://kms.test/', { method: 'POST', headers: { authorization: 'AWS4-HMAC-SHA256 Credential=AKIDB/20260101/us-east-1/kms/aws4_request, SignedHeaders=host, Signature=00' } });
  return (KMS_CREDENTIALS) => worker.fetch(signed.clone(), { KEYRINGS, KMS_CREDENTIALS });
}

examples('worker-kms/src/worker.js fails a request with an error that says the value is not valid JSON, and quotes none of it', async (t) => {
  const call = await workerFetch(t.out);
  const error = await thrown(() => call(MALFORMED));
  assert.ok(error?.message.includes(SAYS), String(error));
  assert.equal(quoted(`${error.message} ${error.stack} ${error.cause ?? ''}`), []);
});

examples('worker-kms/src/worker.js parses KMS_CREDENTIALS once per isolate, and again only when the secret changes', async (t) => {
  const call = await workerFetch(t.out);
  const first = JSON.stringify([{ accessKeyId: 'AKIDB', secretAccessKey: 'secret', keyring: 'b' }]);
  const second = JSON.stringify([{ accessKeyId: 'AKIDB', secretAccessKey: 'secret', keyring: 'c' }]);
  const parsed = { [first]: 0, [second]: 0 };
  const parse = JSON.parse;
  JSON.parse = function (text, ...rest) {
    if (text in parsed) parsed[text]++;
    return parse.call(this, text, ...rest);
  };
  try {
    for (let i = 0; i < 3; i++) assert.is(await (await call(first)).text(), 'b', 'routed by the secret');
    assert.is(await (await call(second)).text(), 'c', 'routed by the changed secret');
  } finally {
    JSON.parse = parse;
  }
  assert.equal(parsed, { [first]: 1, [second]: 1 });
});

examples.run();
