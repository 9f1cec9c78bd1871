#!/usr/bin/env node
// `npm run bench`: bundles the bench once (esbuild, src/ included, dev dependencies left to
// node_modules), runs it in one process per runtime (Node, then Deno and Bun from their npm
// packages), then the 1 GiB memory run in a fresh process per runtime, and writes
// bench/results/<runtime>.json and the results part of bench/README.md. Not part of `npm test`.
//
//   npm run bench                          # everything, every runtime (about 10 minutes)
//   npm run bench -- --quick               # fewer rounds, shorter slices, no 64 MiB / 256 MiB / 1 GiB runs
//   npm run bench -- --runtime=node        # one runtime (node, deno, bun; comma-separated)
//   npm run bench -- --suite=keys,base64   # some suites (keys, envelope, large, streams, base64, http, memory)
//   npm run bench -- --no-readme           # leave bench/README.md alone
import { spawnSync } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, readFileSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { TOOLS_MODULES, ensureTools, toolBin } from '../test/harness/install.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '..');

// esbuild, the peers (mitata, jose, the AWS Encryption SDK), Deno and Bun are test tools, in
// test/node_modules (installed on first use); bench/node_modules links to it, so that the bench's
// files and its bundle (bench/.build) find them, in every runtime.
ensureTools();
if (!lstatSync(join(here, 'node_modules'), { throwIfNoEntry: false })) symlinkSync(TOOLS_MODULES, join(here, 'node_modules'), 'dir');
const { build } = await import('esbuild');
const { TABLE_HEAD, groupTable } = await import('./lib/harness.mjs');
const { TARGET_HEAD, targetLines } = await import('./lib/targets.mjs');
const { measureSizes, sizeTable } = await import('../scripts/size.mjs');

const args = process.argv.slice(2);
const option = (name) => args.find((a) => a.startsWith(`--${name}=`))?.split('=')[1];
const quick = args.includes('--quick');
const SUITES = ['keys', 'envelope', 'large', 'streams', 'base64'];
const suites = option('suite')?.split(',') ?? [...SUITES, 'http', 'memory'];
const RUNTIMES = {
  node: [process.execPath, '--expose-gc'],
  deno: [toolBin('deno'), 'run', '-A', '--v8-flags=--expose-gc'],
  bun: [toolBin('bun')],
};
const runtimes = (option('runtime')?.split(',') ?? Object.keys(RUNTIMES)).filter((name) => {
  if (!RUNTIMES[name]) throw new Error(`unknown runtime ${name}: use ${Object.keys(RUNTIMES).join(', ')}`);
  const found = name === 'node' || existsSync(RUNTIMES[name][0]);
  if (!found) console.warn(`${name}: not installed (cd test && npm ci installs it), skipped`);
  return found;
});

const out = join(here, '.build');
mkdirSync(out, { recursive: true });
mkdirSync(join(here, 'results'), { recursive: true });
await build({
  entryPoints: { main: join(here, 'main.mjs'), memory: join(here, 'memory.mjs'), 'http-server': join(here, 'http/server.mjs') },
  outdir: out,
  outExtension: { '.js': '.mjs' },
  bundle: true,
  format: 'esm',
  platform: 'node',
  packages: 'external',
  logLevel: 'warning',
});

function run(name, script, env) {
  const [command, ...prefix] = RUNTIMES[name];
  const result = spawnSync(command, [...prefix, join(out, script)], {
    cwd: root,
    env: { ...process.env, ...env },
    stdio: ['ignore', env.BENCH_CAPTURE ? 'pipe' : 'inherit', 'inherit'],
    encoding: 'utf8',
    maxBuffer: 1 << 24,
  });
  if (result.status !== 0) throw new Error(`${name} ${script} exited with ${result.status ?? result.signal}`);
  return result.stdout;
}

const summaries = [];
for (const name of runtimes) {
  const file = join(here, 'results', `${name}.json`);
  const benchSuites = suites.filter((s) => SUITES.includes(s));
  let results = existsSync(file) && benchSuites.length < SUITES.length ? JSON.parse(readFileSync(file, 'utf8')) : undefined;
  if (benchSuites.length) {
    run(name, 'main.mjs', { BENCH_CONFIG: JSON.stringify({ suites: benchSuites, quick }), BENCH_OUT: file + '.new' });
    const fresh = JSON.parse(readFileSync(file + '.new', 'utf8'));
    unlinkSync(file + '.new');
    // A partial run replaces the groups it measured and keeps the others.
    if (results) {
      const measured = new Set(fresh.groups.map((g) => g.id));
      fresh.groups = [...results.groups.filter((g) => !measured.has(g.id)), ...fresh.groups];
      fresh.memory = results.memory;
    }
    results = fresh;
  }
  if (suites.includes('memory')) {
    const bytes = quick ? 2 ** 28 : 2 ** 30;
    console.log(`\n${name}: streaming ${bytes / 2 ** 20} MiB through sealStream → openStream, measuring peak RSS…`);
    const memory = JSON.parse(run(name, 'memory.mjs', { BENCH_MEMORY_BYTES: String(bytes), BENCH_CAPTURE: '1' }).trim().split('\n').pop());
    memory.peakAboveBaselineMiB = memory.kernelPeakAboveBaselineMiB ?? memory.sampledPeakAboveBaselineMiB;
    console.log(`${name}: ${JSON.stringify(memory)}`);
    results = { ...(results ?? { runtime: name, groups: [] }), memory };
  }
  if (suites.includes('http')) {
    // A server in this runtime, a Node client here (bench/http/): one group, replacing its last run.
    const { httpSuite } = await import('./http/client.mjs');
    const measured = await httpSuite({ command: [...RUNTIMES[name], join(out, 'http-server.mjs')], quick });
    results ??= { runtime: name, runtimeVersion: measured.server, groups: [] };
    results.groups = [...results.groups.filter((g) => g.id !== measured.id), measured];
  }
  writeFileSync(file, JSON.stringify(results, null, 1) + '\n');
  const targets = targetLines(results);
  console.log(`\n${results.runtimeVersion ?? name}: targets\n\n${[...TARGET_HEAD, ...targets].join('\n')}\n`);
  summaries.push(results);
}

if (!option('suite') || suites.includes('cli')) spawnSync(process.execPath, [join(here, 'cli-memory.mjs'), ...args], { stdio: 'inherit' }); // the command line's memory

// ── bench/README.md: the hand-written text stays, the part between the markers is rewritten ──

if (!args.includes('--no-readme')) {
  const readme = join(here, 'README.md');
  const text = existsSync(readme) ? readFileSync(readme, 'utf8') : '# Benchmarks\n\n<!-- results:start -->\n<!-- results:end -->\n';
  const start = text.indexOf('<!-- results:start');
  const end = text.indexOf('<!-- results:end -->');
  // A run of some suites rewrites its own numbers only: the machine line and the bundle sizes stay as the last full run wrote them.
  const previous = option('suite') && start >= 0 && end > start ? text.slice(start, end) : '';
  const keptMachine = /^Machine: .*$/m.exec(previous)?.[0];
  const keptSizes = previous.includes('### Bundle sizes') ? previous.slice(previous.indexOf('### Bundle sizes')).trimEnd().split('\n') : undefined;
  const sizes = keptSizes ?? ['### Bundle sizes', '', ...sizeTable(await measureSizes())];
  const all = ['node', 'deno', 'bun'].map((name) => join(here, 'results', `${name}.json`)).filter(existsSync).map((f) => JSON.parse(readFileSync(f, 'utf8')));
  const lines = ['<!-- results:start (written by `npm run bench`; edit the text around it, not this) -->', ''];
  const load = loadavg().map((l) => l.toFixed(2)).join(', ');
  lines.push(keptMachine ?? `Machine: ${cpus().length} × ${cpus()[0]?.model ?? 'CPU'}, ${Math.round(totalmem() / 2 ** 30)} GiB, a Firecracker VM shared with other work; load average when this was written: ${load}.`, '');
  for (const results of all) {
    lines.push(`### ${results.runtimeVersion ?? results.runtime}`, '');
    const loads = results.machine?.loadAverage1m;
    lines.push(`Run ${results.date ?? '?'}${results.quick ? ' (`--quick`)' : ''}, ${results.seconds ?? '?'} s; 1-minute load average during the run: ${loads ? `${Math.min(...loads)}–${Math.max(...loads)}` : '?'}.`, '');
    lines.push(...TABLE_HEAD, ...results.groups.flatMap(groupTable), '');
    for (const { detail } of results.groups) if (detail) lines.push(detail, '');
    if (results.memory) {
      const m = results.memory;
      lines.push(
        `Streaming ${m.streamedBytes / 2 ** 30} GiB through sealStream → openStream: ${m.seconds.toFixed(1)} s, peak RSS ${m.peakAboveBaselineMiB.toFixed(1)} MiB above a baseline of ${m.baselineMiB.toFixed(0)} MiB` +
          ` (sampled every 2 ms: ${m.sampledPeakAboveBaselineMiB.toFixed(1)} MiB).`,
        '',
      );
    }
    lines.push(...TARGET_HEAD, ...targetLines(results), '');
  }
  lines.push(...sizes, '', '<!-- results:end -->');
  const updated = start >= 0 && end > start ? text.slice(0, start) + lines.join('\n') + text.slice(end + '<!-- results:end -->'.length) : `${text}\n${lines.join('\n')}\n`;
  writeFileSync(readme, updated);
  console.log(`bench/README.md and bench/results/{${summaries.map((s) => s.runtime).join(',')}}.json written.`);
}
