#!/usr/bin/env node
// The command line's memory: peak resident set of `webkms seal` and `webkms open` of a 100 MiB and
// a 1 GiB file (100 MiB only with --quick), under Node, Deno and Bun, each a fresh process, file to
// file. The peak is the kernel's high-water mark of the process (VmHWM in /proc/<pid>/status, Linux
// only), read every 5 ms while it runs; the last reading before it exits is its peak. Prints a
// table and writes bench/results/cli-memory.json. Run by `npm run bench` (bench/run.mjs), or alone:
//
//   node bench/cli-memory.mjs [--quick] [--runtime=node,deno,bun]
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { toolBin } from '../test/harness/install.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '..');
const bin = join(root, 'bin/webkms.mjs');
const args = process.argv.slice(2);
const quick = args.includes('--quick');
const RUNTIMES = { node: [process.execPath], deno: [toolBin('deno'), 'run', '-A'], bun: [toolBin('bun')] };
const runtimes = (args.find((a) => a.startsWith('--runtime='))?.slice(10).split(',') ?? Object.keys(RUNTIMES)).filter((name) => {
  const found = RUNTIMES[name] && existsSync(RUNTIMES[name][0]);
  if (!found) console.warn(`cli-memory: ${name} is not installed (cd test && npm ci), skipped`);
  return found;
});
const SIZES = quick ? [100 * 2 ** 20] : [100 * 2 ** 20, 2 ** 30];
const MiB = 2 ** 20;

if (!existsSync(join(root, 'dist/index.js'))) spawnSync('npm', ['run', 'build'], { cwd: root, stdio: 'inherit' });

const highWaterMark = (pid) => {
  try {
    return Number(/VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]) * 1024 || undefined;
  } catch {
    return undefined; // exited, or not Linux
  }
};

/** Runs one command; its wall time and peak resident set. */
function measure(command, commandArgs) {
  return new Promise((resolvePeak, reject) => {
    const started = performance.now();
    const child = spawn(command, commandArgs, { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, DENO_NO_UPDATE_CHECK: '1' } });
    let peak;
    let stderr = '';
    const timer = setInterval(() => (peak = highWaterMark(child.pid) ?? peak), 5);
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.once('error', reject);
    child.once('exit', (code) => {
      clearInterval(timer);
      if (code !== 0) reject(new Error(`${commandArgs.join(' ')} exited with ${code}: ${stderr}`));
      else resolvePeak({ seconds: (performance.now() - started) / 1000, peakMiB: peak === undefined ? undefined : peak / MiB });
    });
  });
}

const dir = mkdtempSync(join(tmpdir(), 'webkms-cli-memory-'));
const results = [];
try {
  const key = join(dir, 'key.jwk');
  writeFileSync(key, JSON.stringify({ kty: 'oct', kid: 'bench', k: randomBytes(32).toString('base64url') }), { mode: 0o600 });
  for (const size of SIZES) {
    const input = join(dir, 'in');
    const fd = openSync(input, 'w');
    for (let left = size; left > 0; left -= MiB) writeSync(fd, randomBytes(Math.min(MiB, left)));
    closeSync(fd);
    for (const name of runtimes) {
      const [command, ...prefix] = RUNTIMES[name];
      if (size === SIZES[0]) {
        // The runtime with webkms loaded and nothing streamed: what the rows above it add to.
        const { seconds, peakMiB } = await measure(command, [...prefix, bin, 'seal', '--help']);
        results.push({ runtime: name, command: 'seal --help', bytes: 0, seconds: Number(seconds.toFixed(2)), peakMiB: peakMiB && Number(peakMiB.toFixed(1)) });
      }
      for (const [verb, from, to] of [['seal', 'in', 'sealed'], ['open', 'sealed', 'out']]) {
        const { seconds, peakMiB } = await measure(command, [...prefix, bin, verb, '--key', key, join(dir, from), join(dir, to)]);
        const row = { runtime: name, command: verb, bytes: size, seconds: Number(seconds.toFixed(2)), peakMiB: peakMiB && Number(peakMiB.toFixed(1)) };
        console.log(`cli-memory: ${JSON.stringify(row)}`);
        results.push(row);
      }
      rmSync(join(dir, 'sealed'));
      rmSync(join(dir, 'out'));
    }
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}

const version = (name) => spawnSync(RUNTIMES[name][0], ['--version'], { encoding: 'utf8' }).stdout.replace(/^v/, '').split(/\s/).find((word) => /^[0-9]/.test(word));
const versions = Object.fromEntries(runtimes.map((name) => [name, `${name} ${version(name)}`]));
console.log('\n| runtime | command | size | seconds | peak RSS (MiB) |\n|---|---|---|---|---|');
for (const r of results) console.log(`| ${versions[r.runtime]} | ${r.command} | ${r.bytes ? `${r.bytes / MiB} MiB` : '-'} | ${r.seconds} | ${r.peakMiB ?? '?'} |`);
writeFileSync(join(here, 'results/cli-memory.json'), `${JSON.stringify({ date: new Date().toISOString(), quick, versions, results }, null, 1)}\n`);
