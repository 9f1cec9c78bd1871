// The documentation's snippets, checked as a reader would use them (`npm test`'s "snippets" row).
// Every ```js/ts/html block of README.md and docs/*.md (extract.mjs), with its fixture
// (fixtures.mjs), is:
//   - typechecked as a consumer's code against the packed package (`npm pack`, installed into a
//     temporary project's node_modules/webkms, imported through its `exports`), with TypeScript
//     5.9 (strict; JavaScript with checkJs): lib ES2022 + DOM under moduleResolution bundler and
//     under node16; Node snippets also without lib.dom (lib ES2022, @types/node); Worker snippets
//     with @cloudflare/workers-types; Deno snippets with `deno check`. A declarations-only file
//     importing every entry point is checked in each of these profiles too (no skipLibCheck);
//   - run where it belongs: Node; Chromium (a page on 127.0.0.1, with the keys it fetches);
//     workerd (the Worker, with its bindings); Deno (in a directory with its files);
//   - checked afterwards by its fixture (the data it stored decrypts, the file it wrote restores).
// Each typecheck and each run is one test; a snippet a fixture marks `skip` is one skipped test.
import fs from 'node:fs';
import { createRequire } from 'node:module';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { pack } from '../../scripts/pack-check.mjs';
import { serve } from '../harness/server.mjs';
import { onFreePort, start, stop, waitFor, withTimeout } from '../harness/procs.mjs';
import { TOOLS_MODULES, toolBin } from '../harness/install.mjs';
import { documentationSnippets, splitPage } from './extract.mjs';
import { fixtures, jwkOf } from './fixtures.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, '../..');
const ts = createRequire(path.join(ROOT, 'package.json'))('typescript'); // the project's pinned TypeScript
const RUN_TIMEOUT = 120_000;
const CHROMIUM = '/usr/bin/chromium';

/** What the snippets need from the machine, for the harness's installer. */
export const requirements = () => ({ files: [CHROMIUM, toolBin('deno'), toolBin('workerd')], apt: ['chromium'] });

// ── the consumer project ─────────────────────────────────────────────────────

/** A temporary project with the packed webkms in node_modules, and the types and modules the profiles use. */
async function makeConsumer(dir) {
  fs.rmSync(dir, { recursive: true, force: true });
  const modules = path.join(dir, 'node_modules');
  fs.mkdirSync(path.join(modules, '@types'), { recursive: true });
  fs.mkdirSync(path.join(modules, '@cloudflare'), { recursive: true });
  const { dir: packDir, packageDir } = await pack();
  fs.cpSync(packageDir, path.join(modules, 'webkms'), { recursive: true });
  fs.rmSync(packDir, { recursive: true, force: true });
  for (const name of ['@types/node', 'undici-types', '@types/k6', '@cloudflare/workers-types']) {
    fs.symlinkSync(path.join(TOOLS_MODULES, name), path.join(modules, name), 'dir');
  }
  fs.mkdirSync(path.join(modules, 'k6'));
  fs.writeFileSync(path.join(modules, 'k6/package.json'), JSON.stringify({ name: 'k6', type: 'module', exports: { './execution': './execution.js' } }));
  fs.copyFileSync(path.join(HERE, 'k6-execution.mjs'), path.join(modules, 'k6/execution.js'));
  fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: 'webkms-snippets', private: true, type: 'module' }, null, 2));
  fs.mkdirSync(path.join(dir, 'snippets'));
  // Every entry point, for the declarations' own check in each profile.
  const entries = ['webkms', 'webkms/aws', 'webkms/alibaba', 'webkms/yandex', 'webkms/k6'];
  fs.writeFileSync(path.join(dir, 'declarations.ts'), entries.map((e, i) => `export * as m${i} from '${e}';`).join('\n') + '\n');
  return { packageDir: path.join(modules, 'webkms') };
}

/**
 * A snippet's source file: the code of the snippets it `uses`, its prelude, its code, its
 * postlude. `codeLine` is the file's line where the snippet's own code starts.
 */
function compose(snippet, byName) {
  const fixture = fixtures[snippet.name];
  const own = snippet.lang === 'html' ? splitPage(snippet.code, '')?.code : snippet.code;
  if (own === undefined) throw new Error('the html block has no <script type="module">');
  const before = [];
  for (let name = fixture.uses; name; name = fixtures[name]?.uses) {
    const used = byName.get(name);
    if (!used) throw new Error(`its fixture uses "${name}", which is no snippet`);
    before.unshift(fixtures[name].prelude ?? '', used.code);
  }
  before.push(fixture.prelude ?? '');
  const head = before.filter(Boolean).join('\n');
  const text = [head, own, fixture.postlude ?? ''].filter(Boolean).join('\n');
  return { text, codeLine: head ? head.split('\n').length + 1 : 1, codeLines: own.split('\n').length };
}

// ── typechecks ───────────────────────────────────────────────────────────────

// Strict, but JavaScript as JavaScript: parameters and catch variables need no annotations.
const STRICT = {
  strict: true, noImplicitAny: false, useUnknownInCatchVariables: false, noEmit: true, skipLibCheck: false,
  allowJs: true, checkJs: true, target: ts.ScriptTarget.ES2022,
};
const DOM_LIBS = ['lib.es2022.d.ts', 'lib.dom.d.ts', 'lib.dom.iterable.d.ts'];

/** The profiles: which snippets (by where they run) each checks, and its compiler options. */
const PROFILES = [
  { id: 'bundler, lib DOM', runs: ['node', 'chromium'], options: { module: ts.ModuleKind.ESNext, moduleResolution: ts.ModuleResolutionKind.Bundler, lib: DOM_LIBS, types: [] } },
  { id: 'node16, lib DOM', runs: ['node', 'chromium'], options: { module: ts.ModuleKind.Node16, moduleResolution: ts.ModuleResolutionKind.Node16, lib: DOM_LIBS, types: [] } },
  { id: 'node16, no DOM, @types/node', runs: ['node'], options: { module: ts.ModuleKind.Node16, moduleResolution: ts.ModuleResolutionKind.Node16, lib: ['lib.es2022.d.ts'], types: ['node'] } },
  { id: 'Workers types', runs: ['workerd'], options: { module: ts.ModuleKind.ESNext, moduleResolution: ts.ModuleResolutionKind.Bundler, lib: ['lib.es2022.d.ts'], types: ['@cloudflare/workers-types'] } },
];

/** Where a diagnostic points, in the documentation's terms. */
function locate(diagnostic, sources, consumer) {
  if (!diagnostic.file) return { key: 'declarations', where: '' };
  const { line, character } = diagnostic.file.getLineAndCharacterOfPosition(diagnostic.start);
  const source = sources.find((s) => path.resolve(consumer, s.file) === path.resolve(diagnostic.file.fileName));
  if (!source) return { key: 'declarations', where: `${path.relative(consumer, diagnostic.file.fileName)}:${line + 1}:${character + 1}` };
  const offset = line + 1 - source.codeLine;
  const where = offset < 0 ? `the fixture's prelude (test/snippets/fixtures.mjs), line ${line + 1}`
    : offset >= source.codeLines ? "the fixture's postlude (test/snippets/fixtures.mjs)"
    : `${source.snippet.file}:${source.snippet.line + offset}:${character + 1}`;
  return { key: source.snippet.name, where };
}

/** One profile over the declarations file and its snippets: name → error text ('' when clean). */
function typecheck(profile, sources, consumer) {
  const files = [path.join(consumer, 'declarations.ts'), ...sources.map((s) => path.join(consumer, s.file))];
  const options = { ...STRICT, ...profile.options };
  // Type packages (`types`) are looked up from the consumer project, as its own tsc would.
  const host = ts.createCompilerHost(options);
  host.getCurrentDirectory = () => consumer;
  const program = ts.createProgram({ rootNames: files, options, host });
  const errors = new Map([['declarations', []], ...sources.map((s) => [s.snippet.name, []])]);
  for (const diagnostic of ts.getPreEmitDiagnostics(program)) {
    const { key, where } = locate(diagnostic, sources, consumer);
    errors.get(key).push(`${where ? `${where}: ` : ''}TS${diagnostic.code}: ${ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n')}`);
  }
  return new Map([...errors].map(([key, list]) => [key, list.join('\n')]));
}

// ── runs ─────────────────────────────────────────────────────────────────────

/** Run a command to its end: { ok, output }; stopped by PID on timeout. */
async function runProcess(command, args, { cwd, env }) {
  const child = start(command, args, { cwd, env: { ...process.env, NO_COLOR: '1', ...env } });
  let stdout = '';
  child.stdout.on('data', (data) => { stdout += data; });
  try {
    await withTimeout(child.exited, RUN_TIMEOUT, `${path.basename(command)} ${args.at(-1)}`);
  } catch (error) {
    await stop(child);
    return { ok: false, stdout, output: `${error.message}\n${child.tail}` };
  }
  const ok = child.exitCode === 0;
  return { ok, stdout, output: ok ? '' : `exit code ${child.exitCode ?? child.signalCode}${child.spawnError ? ` (${child.spawnError.message})` : ''}\n${child.tail}`.trim() };
}

function runNode({ source, consumer }) {
  return runProcess(process.execPath, [path.join(HERE, 'node-runner.mjs'), path.join(consumer, source.file), source.snippet.name], { cwd: consumer });
}

async function runDeno({ source, consumer, context }) {
  const fixture = fixtures[source.snippet.name];
  const dir = path.join(consumer, 'work', source.snippet.name);
  fs.mkdirSync(dir, { recursive: true });
  fixture.files?.(dir, context.keys);
  const result = await runProcess(toolBin('deno'), ['run', '--no-prompt', '--no-lock', `--allow-read=${dir}`, `--allow-write=${dir}`, path.join(consumer, source.file)], { cwd: dir, env: { DENO_NO_UPDATE_CHECK: '1' } });
  if (result.ok) await fixture.check?.({ ...context, dir, stdout: result.stdout });
  return result;
}

/** A Worker snippet, bundled with its environment's fixtures and served by workerd on 127.0.0.1. */
async function runWorker({ source, consumer, context }) {
  const fixture = fixtures[source.snippet.name];
  const dir = path.join(consumer, 'work', source.snippet.name);
  fs.mkdirSync(dir, { recursive: true });
  const buckets = fixture.worker?.buckets ?? [];
  const main = [
    `import worker from ${JSON.stringify(path.join(consumer, source.file))};`,
    `import { memoryBucket } from ${JSON.stringify(path.join(HERE, 'memory-r2.mjs'))};`,
    `const buckets = { ${buckets.map((b) => `${b}: memoryBucket()`).join(', ')} };`,
    'export default { fetch: (request, env, ctx) => worker.fetch(request, { ...env, ...buckets }, ctx) };',
  ].join('\n');
  const esbuild = await import('esbuild');
  await esbuild.build({
    stdin: { contents: main, resolveDir: consumer, sourcefile: 'main.mjs' }, outfile: path.join(dir, 'main.js'), bundle: true, format: 'esm',
    platform: 'neutral', conditions: ['workerd', 'worker', 'browser'], mainFields: ['browser', 'module', 'main'], logLevel: 'silent',
  });
  const text = fixture.worker?.text?.(context) ?? {};
  const bindings = Object.entries(text).map(([name, value]) => `(name = ${JSON.stringify(name)}, text = ${JSON.stringify(value)})`);
  fs.writeFileSync(path.join(dir, 'config.capnp'), `using Workerd = import "/workerd/workerd.capnp";
const config :Workerd.Config = (
  services = [ (name = "main", worker = .main) ],
  sockets = [ (name = "http", address = "127.0.0.1:0", http = (), service = "main") ],
);
const main :Workerd.Worker = (
  modules = [ (name = "main.js", esModule = embed "main.js") ],
  bindings = [ ${bindings.join(', ')} ],
  compatibilityDate = "2026-11-01",
);
`);
  let child;
  try {
    const port = await onFreePort(async (free) => {
      child = start(toolBin('workerd'), ['serve', path.join(dir, 'config.capnp'), '--socket-addr', `http=127.0.0.1:${free}`]);
      const connects = () => new Promise((resolve) => {
        const socket = net.connect(free, '127.0.0.1', () => { socket.end(); resolve(true); });
        socket.on('error', () => resolve(false));
      });
      await waitFor(connects, { timeoutMs: 30_000, what: 'workerd start', child }).catch(async (error) => {
        await stop(child);
        throw error;
      });
      return free;
    });
    await fixture.check?.({ ...context, url: `http://127.0.0.1:${port}/` });
    return { ok: true };
  } catch (error) {
    return { ok: false, output: `${error.stack ?? error}\n${child?.tail ?? ''}`.trim() };
  } finally {
    await stop(child);
  }
}

/** A page snippet in Chromium: the page as written, its module script loaded so that its end and errors are seen. */
async function runPage({ source, consumer, context }) {
  const fixture = fixtures[source.snippet.name];
  const dir = path.join(consumer, 'work', source.snippet.name);
  fs.mkdirSync(dir, { recursive: true });
  const loader = `<script type="module">
  window.__snippet = import('/snippet.js').then(() => ({ ok: true }), (error) => ({ ok: false, error: String(error?.stack ?? error) }));
</script>`;
  fs.writeFileSync(path.join(dir, 'index.html'), `<!doctype html>\n<meta charset="utf-8">\n${splitPage(source.snippet.code, loader).page}`);
  const jwk = path.join(dir, 'key.jwk');
  fs.writeFileSync(jwk, JSON.stringify(context.jwk));
  const files = { '/': path.join(dir, 'index.html'), '/snippet.js': path.join(consumer, source.file), '/master-key.jwk': jwk, '/wrapping-key.jwk': jwk };
  const dist = path.join(context.packageDir, 'dist');
  for (const file of fs.readdirSync(dist, { recursive: true })) {
    if (file.endsWith('.js')) files[`/node_modules/webkms/dist/${file.replace(/\\/g, '/')}`] = path.join(dist, file);
  }
  const server = await serve(files);
  const page = await context.browser.newPage();
  const errors = [];
  page.on('pageerror', (error) => errors.push(String(error?.stack ?? error)));
  try {
    await page.goto(server.url, { timeout: 60_000 });
    await page.waitForFunction(() => window.__snippet, null, { timeout: 60_000 });
    const result = await page.evaluate(() => window.__snippet);
    if (!result.ok) return { ok: false, output: result.error };
    await fixture.check?.({ ...context, page });
    if (errors.length) return { ok: false, output: errors.join('\n') };
    return { ok: true };
  } catch (error) {
    return { ok: false, output: [String(error?.stack ?? error), ...errors].join('\n') };
  } finally {
    await page.close().catch(() => {});
    await server.close();
  }
}

const RUNNERS = { node: runNode, deno: runDeno, workerd: runWorker, chromium: runPage };

// ── the row ──────────────────────────────────────────────────────────────────

/**
 * Every check, in the harness's terms: { version, passed, failed, skipped, failures, skips }.
 * `out` is a scratch directory (the consumer project is made there).
 */
export async function runSnippets(out, log) {
  const result = { version: `TypeScript ${ts.version}`, passed: 0, failed: 0, skipped: 0, failures: [], skips: [] };
  const pass = () => { result.passed++; };
  const fail = (name, message) => { result.failed++; result.failures.push({ name, message }); };
  const skip = (name, why) => { result.skipped++; result.skips.push({ name, why }); };

  const { snippets, problems } = documentationSnippets(ROOT);
  for (const problem of problems) fail('snippets: markers', problem);
  for (const name of Object.keys(fixtures)) {
    if (!snippets.some((s) => s.name === name)) fail('snippets: fixtures', `test/snippets/fixtures.mjs has a fixture "${name}" for no snippet`);
  }
  const byName = new Map(snippets.map((s) => [s.name, s]));
  const label = (snippet) => `${snippet.file}:${snippet.line} ${snippet.name}`;

  const consumer = path.join(out, 'consumer');
  log('snippets: npm pack, and a project that installs the package');
  const { packageDir } = await makeConsumer(consumer);

  const sources = [];
  for (const snippet of snippets) {
    const fixture = fixtures[snippet.name];
    if (!fixture) { fail(label(snippet), `no fixture: add "${snippet.name}" to test/snippets/fixtures.mjs`); continue; }
    if (fixture.skip) { skip(label(snippet), fixture.skip); continue; }
    try {
      const { text, codeLine, codeLines } = compose(snippet, byName);
      // A page's script sits where the page does, at the site's root (runPage serves it as /snippet.js),
      // so that a relative import (./node_modules/webkms/dist/index.js) resolves in the typecheck as in the browser.
      const file = snippet.lang === 'html' ? `${snippet.name}.page.js` : `snippets/${snippet.name}.${snippet.lang === 'ts' ? 'ts' : 'js'}`;
      fs.writeFileSync(path.join(consumer, file), text);
      sources.push({ snippet, file, codeLine, codeLines, run: fixture.run ?? 'node' });
    } catch (error) {
      fail(label(snippet), error.message);
    }
  }

  log(`snippets: ${sources.length} to check, ${result.skipped} skipped; typechecking`);
  for (const profile of PROFILES) {
    const checked = sources.filter((s) => profile.runs.includes(s.run));
    const errors = typecheck(profile, checked, consumer);
    const record = (name, text) => (text ? fail(`${name}: typecheck (${profile.id})`, text) : pass());
    record('declarations of every entry point', errors.get('declarations'));
    for (const source of checked) record(label(source.snippet), errors.get(source.snippet.name));
  }
  for (const source of sources.filter((s) => s.run === 'deno')) {
    const checked = await runProcess(toolBin('deno'), ['check', '--no-lock', '--quiet', source.file], { cwd: consumer, env: { DENO_NO_UPDATE_CHECK: '1' } });
    if (checked.ok) pass(); else fail(`${label(source.snippet)}: typecheck (deno check)`, checked.output);
  }

  const webkms = await import(pathToFileURL(path.join(packageDir, 'dist/index.js')).href);
  const keys = { a: crypto.getRandomValues(new Uint8Array(32)) };
  const context = { webkms, keys, jwk: jwkOf(webkms, keys.a), packageDir };
  let browser;
  try {
    for (const source of sources) {
      const name = `${label(source.snippet)}: runs in ${source.run}`;
      if (source.run === 'chromium' && !browser) {
        if (!fs.existsSync(CHROMIUM)) { skip(name, `${CHROMIUM} is missing (as root, npm test installs it)`); continue; }
        const { browserLaunch } = await import('../harness/engines/playwright.mjs');
        const { type, options } = await browserLaunch('chromium');
        browser = await type.launch({ ...options, timeout: 60_000 });
        context.browser = browser;
      }
      log(`snippets: ${name}`);
      const ran = await RUNNERS[source.run]({ source, consumer, context }).catch((error) => ({ ok: false, output: String(error?.stack ?? error) }));
      if (ran.ok) pass(); else fail(name, ran.output || 'failed');
    }
  } finally {
    // Bounded: a browser hanging on close would hold up the row, and with it the run.
    await withTimeout(browser?.close(), 10_000, 'closing Chromium').catch(() => {});
  }
  return result;
}
