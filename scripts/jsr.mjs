#!/usr/bin/env node
// `npm run jsr`: checks the JSR package (jsr.json) as `deno publish` would publish it. JSR gets the
// TypeScript sources, not dist/: Deno runs TypeScript itself, JSR documents and type-checks the
// sources, and `deno publish` rewrites the sources' `./x.js` specifiers to the `./x.ts` files they
// name. Checks, each a failure:
//   - jsr.json's version is package.json's, and its exports are package.json's, each naming the
//     source rollup builds that entry point from;
//   - `deno publish --dry-run`: the package type-checks and has no slow types (every exported
//     function and class member typed explicitly, so JSR needs no inference);
//   - every entry point, imported from the sources as Deno resolves them, runs a round trip in Deno.
// Deno is the test tools' (test/package.json), installed first when missing.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { ensureTools, toolBin } from '../test/harness/install.mjs';
import rollupConfig from '../rollup.config.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const readJson = (file) => JSON.parse(fs.readFileSync(path.join(ROOT, file), 'utf8'));

/** jsr.json against package.json and the build's inputs: problem descriptions. */
function checkManifest() {
  const jsr = readJson('jsr.json');
  const pkg = readJson('package.json');
  const problems = [];
  if (jsr.version !== pkg.version) problems.push(`jsr.json's version ${jsr.version} is not package.json's ${pkg.version}`);
  const wanted = Object.fromEntries(Object.entries(pkg.exports).filter(([subpath]) => subpath !== './package.json').map(([subpath, target]) => {
    const input = rollupConfig.input[path.basename(target.default, '.js')];
    return [subpath, input && `./${input}`];
  }));
  for (const [subpath, source] of Object.entries(wanted)) {
    if (jsr.exports?.[subpath] !== source) problems.push(`jsr.json exports ${subpath} as ${jsr.exports?.[subpath]}; package.json's is built from ${source}`);
  }
  for (const subpath of Object.keys(jsr.exports ?? {})) {
    if (!(subpath in wanted)) problems.push(`jsr.json exports ${subpath}, which package.json does not`);
  }
  return { jsr, problems };
}

function deno(args, cwd) {
  const result = spawnSync(toolBin('deno'), args, {
    cwd, encoding: 'utf8', timeout: 10 * 60_000, maxBuffer: 64 * 1024 * 1024,
    env: { ...process.env, DENO_NO_UPDATE_CHECK: '1', NO_COLOR: '1' },
  });
  return { ok: result.status === 0, output: `${result.stdout ?? ''}${result.stderr ?? ''}${result.error ? `\n${result.error.message}` : ''}`.trim() };
}

/** A Deno program importing every entry point from the sources: a seal/open round trip and each dialect's class. */
function smokeProgram(jsr) {
  const url = (subpath) => JSON.stringify(pathToFileURL(path.join(ROOT, jsr.exports[subpath])).href);
  return `import { Keyring, seal, open } from ${url('.')};
import { AwsKms } from ${url('./aws')};
import { AlibabaKms } from ${url('./alibaba')};
import { YandexKms } from ${url('./yandex')};
import { KMSClient } from ${url('./k6')};
import { createKmsHandler } from ${url('./http')};

const keyring = new Keyring();
await keyring.createKey({ keyId: 'jsr', aliases: ['alias/jsr'] });
const sealed = await seal(keyring, 'from the sources', { keyId: 'alias/jsr', encryptionContext: { via: 'jsr' } });
const text = new TextDecoder().decode(await open(keyring, sealed, { encryptionContext: { via: 'jsr' } }));
if (text !== 'from the sources') throw new Error('open gave ' + text);
const dataKey = await new AwsKms(keyring).generateDataKey({ KeyId: 'alias/jsr', KeySpec: 'AES_256' });
if (!dataKey.CiphertextBlob) throw new Error('AwsKms gave no data key');
for (const made of [new AlibabaKms(keyring), new YandexKms(keyring), new KMSClient(keyring), createKmsHandler({ keyring, credentials: [] })]) {
  if (!made) throw new Error('an entry point made nothing');
}
console.log('ok');
`;
}

function main() {
  let failed = false;
  const report = (name, ok, text) => {
    console.log(`\n${ok ? 'ok  ' : 'FAIL'}  ${name}${text ? `\n${text.replace(/^/gm, '      ')}` : ''}`);
    failed ||= !ok;
  };
  const { jsr, problems } = checkManifest();
  report(`jsr.json: ${jsr.name}@${jsr.version}, exports and version as package.json's`, problems.length === 0, problems.join('\n'));

  ensureTools();
  // --allow-dirty: the check runs on a working tree (CI's fresh clone has a build in dist/, ignored anyway).
  const published = deno(['publish', '--dry-run', '--allow-dirty'], ROOT);
  const warned = /\bwarning\b/i.test(published.output);
  report('deno publish --dry-run (type check, no slow types)', published.ok && !warned, published.ok && !warned ? '' : published.output);

  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'webkms-jsr-'));
  try {
    fs.writeFileSync(path.join(dir, 'main.ts'), smokeProgram(jsr));
    // --sloppy-imports resolves `./x.js` to `./x.ts` as `deno publish` rewrites it for JSR.
    const ran = deno(['run', '--sloppy-imports', '--no-lock', '--no-prompt', '--no-config', 'main.ts'], dir);
    report('every entry point from the sources in Deno', ran.ok && ran.output.endsWith('ok'), ran.ok ? '' : ran.output);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  console.log(failed ? '\njsr check failed' : '\njsr check passed');
  process.exit(failed ? 1 : 0);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) main();
