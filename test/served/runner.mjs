// The served endpoints, checked from outside (bundled and loaded by check.mjs): each example started
// on 127.0.0.1 with its secrets in the environment and the seed key brought in as an export bundle
// (KEYS_BUNDLE), then, through the unmodified AWS SDK over keep-alive connections:
//   - every check of test/support/kms-sdk-checks.mjs (operations, typed exceptions, SigV4, the
//     Encryption SDK's KMS keyring full circle), in Node, Deno, Bun and workerd, and the audit
//     lines each example prints (never a secret); `deno check` of the Deno example;
//   - load, through Node and workerd: GenerateDataKey + Decrypt pairs, 64 in flight, a
//     RotateKeyOnDemand half-way: every Decrypt gives its data key back, no request lost, no 5xx,
//     every data key asked for after the rotation answered under the new material (requests/s
//     reported as a metric, never asserted);
//   - workerd alone: an access key of another keyring reaches another Durable Object and none of
//     the first keyring's keys; then workerd stopped and started again on the same storage, and
//     every key, state, version, alias and an earlier CiphertextBlob are there.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { promisify } from 'node:util';
import * as assert from 'uvu/assert';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { base64 } from '../../src/index.ts';
import { ACCOUNT_ID, CREDENTIALS, KEY_ID, REGION, SDK_CHECKS, rejectsWith, sdkClient, seedKeyring } from '../support/kms-sdk-checks.mjs';

/** An access key of a second keyring (the Worker routes it to its own Durable Object). */
const TENANT = { accessKeyId: 'AKIDWEBKMSTENANTB', secretAccessKey: 'webkms/tenant-b/test+secret/not+real/01', keyring: 'tenant-b' };
/** 5,000 pairs: 10,000 requests, and the rotation. */
const LOAD = { pairs: 5_000, inFlight: 64 };
const START_TIMEOUT = 30_000;
/** A request not answered by then fails (and the load goes on) instead of hanging the row. */
const REQUEST_TIMEOUT = 60_000;

/** The environment every example reads: secrets, scope, and the seed key as a bundle under ROOT_KEY. */
async function environment(seed) {
  const rootKey = crypto.getRandomValues(new Uint8Array(32));
  const bundle = await seed.exportKeys({ wrappingKey: rootKey });
  return {
    ROOT_KEY: base64.encode(rootKey),
    KMS_CREDENTIALS: JSON.stringify([CREDENTIALS, TENANT]),
    KEYS_BUNDLE: JSON.stringify(bundle),
    KMS_REGION: REGION,
    KMS_ACCOUNT_ID: ACCOUNT_ID,
    HOST: '127.0.0.1',
    PORT: '0',
  };
}

/** How each example is started: { version(), start(env, dir) → { url, stop } }, and what else it is checked for. */
function runtimes({ files, binaries, procs }) {
  const versionOf = async (command, args, pattern) => pattern.exec((await promisify(execFile)(command, args, { timeout: 10_000 })).stdout)?.[1] ?? '?';
  // A process that prints "listening on <url>" once it listens.
  const listening = async (command, args, env) => {
    const child = procs.start(command, args, { env: { ...process.env, NO_COLOR: '1', DENO_NO_UPDATE_CHECK: '1', ...env } });
    try {
      const url = await procs.waitFor(async () => /listening on (http:\/\/\S+)/.exec(child.tail)?.[1], { timeoutMs: START_TIMEOUT, what: `${path.basename(command)} start`, child });
      return { url, stop: () => procs.stop(child), output: () => child.tail };
    } catch (error) {
      await procs.stop(child);
      throw error;
    }
  };
  const names = (env) => [...Object.keys(env), 'KV_PATH'].join(',');
  return [
    { name: 'node', binary: process.execPath, load: true, version: async () => process.versions.node, start: (env) => listening(process.execPath, [files.node], env) },
    {
      name: 'deno',
      binary: binaries.deno,
      version: () => versionOf(binaries.deno, ['--version'], /^deno (\S+)/),
      typecheck: () => promisify(execFile)(binaries.deno, ['check', '--no-lock', '--quiet', '--config', files.denoCheckConfig, files.denoMain], {
        timeout: 120_000, env: { ...process.env, NO_COLOR: '1', DENO_NO_UPDATE_CHECK: '1' },
      }).catch((error) => { throw new Error(`deno check ${files.denoMain}:\n${error.stdout}${error.stderr}`); }),
      // The permissions a deployment needs and no more: loopback, its variables, its KV file.
      start: (env, dir) => listening(binaries.deno, [
        'run', '--no-prompt', '--no-lock', '--unstable-kv', '--allow-net=127.0.0.1', `--allow-env=${names(env)}`,
        `--allow-read=${dir}`, `--allow-write=${dir}`, files.deno,
      ], { ...env, KV_PATH: path.join(dir, 'keys.sqlite') }),
    },
    { name: 'bun', binary: binaries.bun, version: () => versionOf(binaries.bun, ['--version'], /^(\S+)/), start: (env) => listening(binaries.bun, [files.node], env) },
    {
      name: 'workerd',
      binary: binaries.workerd,
      load: true,
      restarts: true,
      version: () => versionOf(binaries.workerd, ['--version'], /^workerd (\S+)/),
      // The example's workerd.capnp, its Durable Objects' storage in `dir`, across restarts.
      start: (env, dir) => procs.onFreePort(async (port) => {
        const child = procs.start(binaries.workerd, ['serve', files.workerdConfig, '--socket-addr', `http=127.0.0.1:${port}`, '--directory-path', `keyrings=${dir}`], { env: { ...process.env, ...env } });
        const url = `http://127.0.0.1:${port}`;
        try {
          await procs.waitFor(() => fetch(url).then((response) => response.status > 0), { timeoutMs: START_TIMEOUT, what: 'workerd start', child });
        } catch (error) {
          await procs.stop(child);
          throw error;
        }
        return { url, stop: () => procs.stop(child), output: () => child.tail };
      }),
    },
  ];
}

/** An SDK client of `url` over keep-alive connections, enough of them for the load's requests in flight. */
function keepAliveClient(url, credentials) {
  const httpAgent = new http.Agent({ keepAlive: true, maxSockets: LOAD.inFlight });
  return { ...sdkClient(url, { credentials, requestHandler: new NodeHttpHandler({ httpAgent, requestTimeout: REQUEST_TIMEOUT }) }), close: () => httpAgent.destroy() };
}

/** Load: pairs of GenerateDataKey + Decrypt, `inFlight` at once, a rotation half-way. Returns requests/s. */
async function load(kms) {
  const keyId = (await kms.createKey({ Description: 'load' })).KeyMetadata.KeyId;
  const errors = [];
  const materials = new Set();
  const afterRotation = new Set();
  let next = 0;
  let done = 0;
  let rotation;
  let rotated = false;
  const pair = async (i) => {
    if (i === LOAD.pairs / 2) {
      rotation = kms.rotateKeyOnDemand({ KeyId: keyId }).then(() => { rotated = true; });
      // Awaited only after the load: a failure before then must not be an unhandled rejection.
      rotation.catch(() => {});
    }
    const asked = rotated;
    const made = await kms.generateDataKey({ KeyId: keyId, KeySpec: 'AES_256' });
    const opened = await kms.decrypt({ CiphertextBlob: made.CiphertextBlob });
    if (base64.encode(opened.Plaintext) !== base64.encode(made.Plaintext)) throw new Error(`pair ${i}: Decrypt gave back another data key`);
    materials.add(made.KeyMaterialId);
    if (asked) afterRotation.add(made.KeyMaterialId);
    done++;
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: LOAD.inFlight }, async () => {
    for (let i = next++; i < LOAD.pairs; i = next++) {
      await pair(i).catch((error) => errors.push({ i, status: error.$metadata?.httpStatusCode, text: `${error.name}: ${error.message}` }));
    }
  }));
  await rotation;
  const seconds = (performance.now() - started) / 1000;
  const serverErrors = errors.filter((e) => e.status >= 500).length;
  assert.ok(errors.length === 0, `${errors.length} of ${LOAD.pairs} pairs failed (${serverErrors} with a 5xx); first: pair ${errors[0]?.i}, status ${errors[0]?.status}, ${errors[0]?.text}`);
  assert.is(done, LOAD.pairs, 'every pair answered and checked');
  const { Rotations } = await kms.listKeyRotations({ KeyId: keyId });
  assert.is(Rotations.length, 1);
  assert.is(materials.size, 2, 'data keys under the first material, then the rotated one');
  assert.equal([...afterRotation], [Rotations[0].KeyMaterialId], 'every data key asked for after the rotation resolved is under the new material');
  return Math.round((LOAD.pairs * 2 + 1) / seconds);
}

/** What a restart must keep: every key's metadata, versions and aliases, and a blob with its data key. */
async function snapshot(kms) {
  const keys = [];
  for (const { KeyId } of (await kms.listKeys({})).Keys) {
    const { KeyMetadata: meta } = await kms.describeKey({ KeyId });
    const { Rotations } = await kms.listKeyRotations({ KeyId });
    keys.push({ KeyId, KeyState: meta.KeyState, Description: meta.Description, CurrentKeyMaterialId: meta.CurrentKeyMaterialId, rotations: Rotations.map((r) => r.KeyMaterialId) });
  }
  const aliases = (await kms.listAliases({})).Aliases.map((a) => `${a.AliasName} → ${a.TargetKeyId}`).sort();
  // ListKeys lists in the order the keyring holds them, creation order until a reload reads the store's order.
  return { keys: keys.sort((a, b) => (a.KeyId < b.KeyId ? -1 : 1)), aliases };
}

/** Checks of the Worker's deployment shape: one Durable Object per keyring, routed by access key. */
const KEYRING_CHECKS = [
  ['an access key of another keyring reaches its own Durable Object: none of the first keyring\'s keys, and its keys not in the first', async ({ kms, url }) => {
    const tenant = keepAliveClient(url, TENANT);
    try {
      assert.equal((await tenant.kms.listKeys({})).Keys, [], 'a new keyring starts empty (KEYS_BUNDLE is the keyring "main"\'s)');
      const own = (await tenant.kms.createKey({})).KeyMetadata.KeyId;
      assert.not.ok((await kms.listKeys({})).Keys.some((k) => k.KeyId === own), 'its key is not in the first keyring');
      await rejectsWith(tenant.kms.describeKey({ KeyId: KEY_ID }), 'NotFoundException');
      const { CiphertextBlob } = await kms.encrypt({ KeyId: KEY_ID, Plaintext: Uint8Array.of(5) });
      await rejectsWith(tenant.kms.decrypt({ CiphertextBlob }), 'InvalidCiphertextException');
    } finally {
      tenant.close();
    }
  }],
];

/**
 * Every runtime's checks: { version, passed, failed, skipped, failures, skips, metrics }.
 * A runtime whose binary is missing is a failure under CI, else skipped with the reason.
 */
export async function runServers({ files, binaries, procs, out, log, ci }) {
  const result = { version: '', passed: 0, failed: 0, skipped: 0, failures: [], skips: [], metrics: {} };
  const fail = (name, error) => {
    result.failed++;
    // uvu's assertions keep the difference in `details`.
    const message = error instanceof Error ? `${error.name}: ${error.message}${error.details ? `\n${error.details}` : ''}` : String(error);
    result.failures.push({ name, message });
  };
  const check = async (name, body) => {
    try {
      await body();
      result.passed++;
    } catch (error) {
      fail(name, error);
    }
  };
  const seed = await seedKeyring();
  const env = await environment(seed);
  const versions = [];
  for (const runtime of runtimes({ files, binaries, procs })) {
    const { name } = runtime;
    if (!fs.existsSync(runtime.binary)) {
      const why = `${runtime.binary} is missing (npm test installs test/node_modules)`;
      if (ci) fail(`${name}: serves the endpoint`, `${why}, and CI=true requires every runtime`);
      else { result.skipped++; result.skips.push({ name: `${name}: every check`, why }); }
      continue;
    }
    versions.push(`${name} ${await runtime.version().catch(() => '?')}`);
    const dir = path.join(out, `${name}-state`);
    fs.mkdirSync(dir, { recursive: true });
    log(`served: ${name}`);
    if (runtime.typecheck) await check(`${name}: the example typechecks`, runtime.typecheck);
    let server;
    try {
      server = await runtime.start(env, dir);
      result.passed++;
    } catch (error) {
      fail(`${name}: serves the endpoint on 127.0.0.1`, error);
      continue;
    }
    let client = keepAliveClient(server.url);
    try {
      const context = () => ({ ...client, url: server.url, keyring: seed });
      for (const [title, body] of SDK_CHECKS) await check(`${name}: ${title}`, () => body(context()));
      await check(`${name}: the audit callback printed a line per request, naming the access key and operation, never a secret`, async () => {
        // The output's last 16 KiB (its first line may be cut), once the lines of the last requests arrived.
        const events = () => server.output().split('\n').flatMap((line) => { try { return [JSON.parse(line)]; } catch { return []; } });
        const has = (what, test) => procs.waitFor(async () => events().some(test), { timeoutMs: 10_000, what: `an audit line of ${what}` });
        await has('a GenerateDataKey', (e) => e.accessKeyId === CREDENTIALS.accessKeyId && e.operation === 'GenerateDataKey' && e.status === 200);
        await has('a refused signature', (e) => e.error === 'InvalidSignatureException' && e.status === 400);
        assert.not.ok(server.output().includes(CREDENTIALS.secretAccessKey), 'the secret');
      });
      if (runtime.restarts) for (const [title, body] of KEYRING_CHECKS) await check(`${name}: ${title}`, () => body(context()));
      if (runtime.load) {
        await check(`${name}: load: ${LOAD.pairs} GenerateDataKey + Decrypt pairs, ${LOAD.inFlight} in flight, a rotation half-way: every data key back, none lost, no 5xx`, async () => {
          const perSecond = await load(client.kms);
          result.metrics[`served: signed requests/s under load through ${name} (information only)`] = perSecond;
          log(`served: ${name}: ${perSecond} requests/s`);
        });
      }
      if (runtime.restarts) {
        await check(`${name}: restarted on the same storage: every key, state, version and alias, and an earlier CiphertextBlob`, async () => {
          const before = await snapshot(client.kms);
          const blob = await client.kms.generateDataKey({ KeyId: KEY_ID, KeySpec: 'AES_256', EncryptionContext: { purpose: 'restart' } });
          client.close();
          await server.stop();
          server = await runtime.start(env, dir);
          client = keepAliveClient(server.url);
          assert.equal(await snapshot(client.kms), before);
          const opened = await client.kms.decrypt({ CiphertextBlob: blob.CiphertextBlob, EncryptionContext: { purpose: 'restart' } });
          assert.is(base64.encode(opened.Plaintext), base64.encode(blob.Plaintext));
        });
      }
    } finally {
      client.close();
      await server.stop();
    }
  }
  result.version = versions.join(', ');
  return result;
}
