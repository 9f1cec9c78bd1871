// What `npm test` (and `npm run size`, `bench`, `pack-check`) install when missing. Two npm
// manifests: the root's holds what `npm run build` and the `webkms` command line need (rollup, TypeScript);
// test/package.json holds the engines, oracles and tools of the tests (Deno, Bun, workerd,
// Playwright, the AWS Encryption SDK, esbuild, uvu, publint, …), installed with `npm ci` into
// test/node_modules, where every file under test/ finds them. The browsers and their helpers
// come from Debian with apt-get (as root only). Node built-ins only: this runs before anything
// is installed.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
/** The test tools' manifest directory; its node_modules holds the engines and tools. */
export const TOOLS = path.join(ROOT, 'test');
export const TOOLS_MODULES = path.join(TOOLS, 'node_modules');
/** Where installs log to (the harness's output directory). */
const LOG_DIR = path.join(ROOT, '.harness');

const log = (message) => console.log(`[harness] ${message}`);
const INSTALL_TIMEOUT = 15 * 60_000;

/** Run a command to completion, its output into `logFile`; throws with the output's tail on failure. */
function run(command, args, { cwd, logFile, env = process.env }) {
  const result = spawnSync(command, args, { cwd, env, encoding: 'utf8', timeout: INSTALL_TIMEOUT, maxBuffer: 256 * 1024 * 1024 });
  fs.mkdirSync(path.dirname(logFile), { recursive: true });
  fs.appendFileSync(logFile, `$ ${command} ${args.join(' ')}\n${result.stdout ?? ''}${result.stderr ?? ''}\n`);
  if (result.status !== 0) {
    const why = result.error?.message ?? (result.signal ? `killed by ${result.signal}` : `exit code ${result.status}`);
    throw new Error(`${command} ${args.join(' ')} failed (${why}):\n${`${result.stdout}${result.stderr}`.slice(-4000)}`);
  }
}

/**
 * `npm ci` in `dir` unless its node_modules was installed from the lockfile as it is now (a stamp
 * holding the lockfile's hash), so that a fresh clone and a changed lockfile both install.
 */
function ensureInstalled(dir, what, logDir) {
  const lock = fs.readFileSync(path.join(dir, 'package-lock.json'));
  const hash = createHash('sha256').update(lock).digest('hex');
  const stamp = path.join(dir, 'node_modules', '.webkms-installed');
  if (fs.existsSync(stamp) && fs.readFileSync(stamp, 'utf8') === hash) return;
  const logFile = path.join(logDir, 'npm-ci.log');
  log(`${what}: npm ci in ${path.relative(ROOT, dir) || '.'} (log: ${path.relative(process.cwd(), logFile)})`);
  run('npm', ['ci', '--no-audit', '--no-fund'], { cwd: dir, logFile });
  fs.writeFileSync(stamp, hash);
}

/** The root's packages (rollup, TypeScript: the build), when node_modules is missing (a fresh clone). */
export function ensureRootModules(logDir = LOG_DIR) {
  if (fs.existsSync(path.join(ROOT, 'node_modules'))) return;
  ensureInstalled(ROOT, 'node_modules is missing', logDir);
}

/** The test tools (test/package.json) into test/node_modules, when missing or older than their lockfile. */
export function ensureTools(logDir = LOG_DIR) {
  ensureInstalled(TOOLS, 'the test tools (engines, oracles, esbuild)', logDir);
}

/** `require` resolving from test/node_modules, for scripts outside test/ (size, bench, pack-check). */
export const toolsRequire = createRequire(path.join(TOOLS, 'package.json'));

/** Import a test tool by package name from test/node_modules, installing the tools first if needed. */
export async function importTool(name) {
  ensureTools();
  return import(pathToFileURL(toolsRequire.resolve(name)).href);
}

/** A tool's executable: test/node_modules/.bin/<name>. */
export const toolBin = (name) => path.join(TOOLS_MODULES, '.bin', name);

const missingFiles = (need) => need.files.filter((file) => !fs.existsSync(file));

/**
 * `needs` maps engine → { files, apt }: the files the engine runs and the Debian packages that
 * provide them. Missing ones are installed with apt-get when running as root. Returns the engines
 * that still cannot run, engine → why.
 */
export function ensureSystemPackages(needs, logDir) {
  const lacking = [...needs].filter(([, need]) => missingFiles(need).length);
  const packages = [...new Set(lacking.flatMap(([, need]) => need.apt))];
  const root = process.getuid?.() === 0;
  let aptError = 'the packages did not provide it';
  if (packages.length && root) {
    const logFile = path.join(logDir, 'apt.log');
    log(`installing Debian packages ${packages.join(' ')} (a few minutes; log: ${path.relative(process.cwd(), logFile)})`);
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    // A mirror failing for a moment must not cost the run its browsers: apt retries each download,
    // and a command that still fails is tried once more after a pause (nothing else runs yet: a
    // blocking sleep is fine).
    const apt = (args) => {
      const retrying = ['-o', 'Acquire::Retries=5', ...args];
      try {
        run('apt-get', retrying, { logFile, env });
      } catch {
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 15_000);
        run('apt-get', retrying, { logFile, env });
      }
    };
    try {
      apt(['update']);
      apt(['install', '-y', '-o', 'DPkg::Lock::Timeout=300', ...packages]);
    } catch (error) {
      aptError = error.message;
    }
  }
  const unavailable = new Map();
  for (const [engine, need] of lacking) {
    const missing = missingFiles(need);
    if (!missing.length) continue;
    const fix = !need.apt.length ? 'cd test && npm ci' : root ? `apt-get: ${aptError}` : `as root: apt-get install -y ${need.apt.join(' ')}`;
    unavailable.set(engine, `missing ${missing.join(', ')} (${fix})`);
  }
  return unavailable;
}
