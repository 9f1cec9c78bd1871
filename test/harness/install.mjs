// `npm test` installs what it needs when missing: npm packages with `npm ci`, the browsers and
// their helpers from Debian with apt-get (as root only). Node built-ins only: this runs before
// node_modules may exist.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const log = (message) => console.log(`[harness] ${message}`);
const INSTALL_TIMEOUT = 15 * 60_000;

/** Run a command to completion, its output into `logFile`; throws with the output's tail on failure. */
function run(command, args, { cwd, logFile, env = process.env }) {
  const result = spawnSync(command, args, { cwd, env, encoding: 'utf8', timeout: INSTALL_TIMEOUT, maxBuffer: 256 * 1024 * 1024 });
  fs.appendFileSync(logFile, `$ ${command} ${args.join(' ')}\n${result.stdout ?? ''}${result.stderr ?? ''}\n`);
  if (result.status !== 0) {
    const why = result.error?.message ?? (result.signal ? `killed by ${result.signal}` : `exit code ${result.status}`);
    throw new Error(`${command} ${args.join(' ')} failed (${why}):\n${`${result.stdout}${result.stderr}`.slice(-4000)}`);
  }
}

/** `npm ci` when node_modules is missing (a fresh clone). */
export function ensureNodeModules(root, logDir) {
  if (fs.existsSync(path.join(root, 'node_modules'))) return;
  log('node_modules is missing: npm ci');
  run('npm', ['ci'], { cwd: root, logFile: path.join(logDir, 'npm-ci.log') });
}

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
    try {
      run('apt-get', ['update'], { logFile, env });
      run('apt-get', ['install', '-y', '-o', 'DPkg::Lock::Timeout=300', ...packages], { logFile, env });
    } catch (error) {
      aptError = error.message;
    }
  }
  const unavailable = new Map();
  for (const [engine, need] of lacking) {
    const missing = missingFiles(need);
    if (!missing.length) continue;
    const fix = !need.apt.length ? 'run npm ci' : root ? `apt-get: ${aptError}` : `as root: apt-get install -y ${need.apt.join(' ')}`;
    unavailable.set(engine, `missing ${missing.join(', ')} (${fix})`);
  }
  return unavailable;
}
