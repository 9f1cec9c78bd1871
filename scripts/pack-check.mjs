#!/usr/bin/env node
// `npm run pack-check`: packs the package as `npm publish` would (`npm pack`, whose `prepare`
// builds dist/) and checks the tarball: publint (strict: every error, warning and suggestion is a
// failure), Are the Types Wrong (`attw --profile esm-only`), and what the README promises: every
// relative link of a shipped Markdown file leads to a shipped file, every `exports` target is
// shipped, and every source map carries its sources (src/ is not shipped). Exits 1 on any problem.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { importTool, toolBin } from '../test/harness/install.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/**
 * A command's outcome and output. A child awaited, not spawnSync: the harness's snippets and cli
 * rows pack while engines run, and `npm pack` builds dist/ (its `prepare`), long enough for their
 * timers to fire late if the event loop were blocked.
 */
function run(command, args, options = {}) {
  return new Promise((resolve) => execFile(command, args, { cwd: ROOT, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, ...options },
    (error, stdout, stderr) => resolve({ ok: !error, output: `${stdout ?? ''}${stderr ?? ''}${error && !stderr ? error.message : ''}`.trim() })));
}

/** `npm pack` into a temporary directory: the tarball's path and its files, extracted beside it. */
export async function pack() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'webkms-pack-'));
  const packed = await run('npm', ['pack', '--pack-destination', dir]);
  const tarball = fs.readdirSync(dir).find((f) => f.endsWith('.tgz'));
  if (!packed.ok || !tarball) throw new Error(`npm pack failed:\n${packed.output}`);
  const extracted = await run('tar', ['-xzf', tarball], { cwd: dir });
  if (!extracted.ok) throw new Error(`tar -xzf ${tarball} failed:\n${extracted.output}`);
  return { dir, tarball: path.join(dir, tarball), packageDir: path.join(dir, 'package') };
}

/** The files under `dir`, as paths relative to it with `/`. */
export const filesUnder = (dir, base = dir) => fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
  const full = path.join(dir, entry.name);
  return entry.isDirectory() ? filesUnder(full, base) : [path.relative(base, full).replace(/\\/g, '/')];
});

/** The package's own promises about its files; returns problem descriptions. */
function checkFiles(packageDir) {
  const problems = [];
  const files = new Set(filesUnder(packageDir));
  for (const required of ['LICENSE', 'README.md', 'SECURITY.md', 'package.json']) {
    if (!files.has(required)) problems.push(`${required} is not in the package`);
  }
  const pkg = JSON.parse(fs.readFileSync(path.join(packageDir, 'package.json'), 'utf8'));
  const targets = (value) => (typeof value === 'string' ? [value] : Object.values(value ?? {}).flatMap(targets));
  for (const target of targets(pkg.exports)) {
    if (!files.has(path.posix.normalize(target))) problems.push(`exports names ${target}, which is not in the package`);
  }
  // Links between the shipped documents: a reader of node_modules/webkms/README.md follows them.
  for (const doc of [...files].filter((f) => f.endsWith('.md'))) {
    const text = fs.readFileSync(path.join(packageDir, doc), 'utf8');
    for (const [, target] of text.matchAll(/\]\(([^)\s]+)\)/g)) {
      if (/^[a-z][a-z0-9+.-]*:|^#/i.test(target)) continue; // absolute URLs, anchors in the same file
      // A link to a folder (`examples/`) names every file under it.
      const file = path.posix.normalize(path.posix.join(path.posix.dirname(doc), decodeURI(target.split('#')[0]))).replace(/\/$/, '');
      if (!files.has(file) && ![...files].some((f) => f.startsWith(`${file}/`))) problems.push(`${doc} links to ${target}, which is not in the package`);
    }
  }
  for (const map of [...files].filter((f) => f.endsWith('.map'))) {
    const { sources = [], sourcesContent = [] } = JSON.parse(fs.readFileSync(path.join(packageDir, map), 'utf8'));
    sources.forEach((source, i) => {
      const shipped = files.has(path.posix.normalize(path.posix.join(path.posix.dirname(map), source)));
      if (!shipped && typeof sourcesContent[i] !== 'string') problems.push(`${map}: ${source} is neither shipped nor embedded (sourcesContent)`);
    });
  }
  return problems;
}

async function main() {
  const { dir, tarball, packageDir } = await pack();
  let failed = false;
  const report = (name, ok, text) => {
    console.log(`\n${ok ? 'ok  ' : 'FAIL'}  ${name}${text ? `\n${text.replace(/^/gm, '      ')}` : ''}`);
    failed ||= !ok;
  };
  try {
    console.log(`packed ${path.basename(tarball)}: ${filesUnder(packageDir).length} files, ${(fs.statSync(tarball).size / 1024).toFixed(1)} KB`);

    const { publint } = await importTool('publint');
    const { formatMessage } = await importTool('publint/utils');
    const { messages, pkg } = await publint({ pack: { tarball: fs.readFileSync(tarball).buffer }, strict: true, level: 'suggestion' });
    report(`publint (strict, suggestions included): ${messages.length} message(s)`, messages.length === 0,
      messages.map((m) => `${m.type}: ${formatMessage(m, pkg, { color: false })}`).join('\n'));

    const attw = await run(toolBin('attw'), [tarball, '--profile', 'esm-only', '--no-color', '--no-emoji']);
    report('attw --profile esm-only', attw.ok, attw.output);

    const problems = checkFiles(packageDir);
    report('files: LICENSE, SECURITY.md, exports targets, links between the shipped documents, source maps', problems.length === 0, problems.join('\n'));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  console.log(failed ? '\npack-check failed' : '\npack-check passed');
  process.exit(failed ? 1 : 0);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) await main();
