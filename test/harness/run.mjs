// `npm test`: every test/*.test.mjs (after the harness's own test/harness/smoke.test.mjs) in eight
// engines, then the interop matrices of test/interop.mjs and test/*-interop.mjs across them, then
// the persistence checks of test/*-persist.mjs across a restart; a table per engine, and last
// "N passed, N failed, N skipped". Exit code 1 on any failure.
//
//   npm test                               all eight engines
//   npm test -- deno                       one engine (same as WEBKMS_ENGINES=deno npm test)
//   WEBKMS_ENGINES=node,firefox npm test   a few: node peculiar deno bun workerd chromium firefox webkit
//   WEBKMS_VERBOSE=1 npm test              also print each engine's uvu report
//   WEBKMS_TIMEOUT=120 npm test            seconds an engine may take per step (default 900; a call to
//                                          workerd or WebKit, over Node's fetch, also ends at 300 s)
//
// An engine that cannot run (not root, so no apt-get; excluded by WEBKMS_ENGINES) is reported as
// NOT RUN; under CI=true every engine must run, and each one that does not counts as a failure.
//
// Beside the engines, the row "snippets" (test/snippets/check.mjs) typechecks and runs every code
// block of README.md and docs/*.md against the packed package; `npm test -- snippets` runs it alone.
// The row "cli" (test/cli/check.mjs) runs the packed `webkms` command line under Node, Deno and Bun.
// The row "served" (test/served/check.mjs) serves the KMS endpoint examples under Node, Deno, Bun
// and workerd and calls them with the AWS SDKs.
// The row "vault" (test/vault/check.mjs) drives the file vault page in Chromium, Firefox and WebKit.
//
// Phase 1 starts each engine, loads the test bundle (bundle.mjs), runs the uvu suite and the
// interop modules' `produce` (test/interop.mjs, test/*-interop.mjs); phase 2 hands every live
// engine what all of them produced to `consume`. Then the restart phase, in engines whose driver
// can restart them: the persistence modules (test/*-persist.mjs) write with `before`, the engine
// restarts (a new page in the same browser profile, a new process on the same storage), and
// `after` checks what survived.
// Engines stay open in between (Firefox alone takes seconds to launch), then are stopped by PID.
import os from 'node:os';
import path from 'node:path';
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ensureRootModules, ensureSystemPackages, ensureTools } from './install.mjs';
import { killAll, withTimeout } from './procs.mjs';
import { printReport } from './report.mjs';
import { parseUvuReport } from './uvu-report.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const OUT = path.join(ROOT, '.harness');

/** Engine → its driver (engines/<driver>.mjs) and the kind of bundle it loads (bundle.mjs). */
const ENGINES = {
  node: { driver: 'process', target: 'node' },
  peculiar: { driver: 'process', target: 'process' },
  deno: { driver: 'process', target: 'process' },
  bun: { driver: 'process', target: 'process' },
  workerd: { driver: 'workerd', target: 'worker' },
  chromium: { driver: 'playwright', target: 'browser' },
  firefox: { driver: 'playwright', target: 'browser' },
  webkit: { driver: 'webkit', target: 'browser' },
};
// Longest first, so that the engines finishing last are short ones: by the seconds each took last
// time (.harness/seconds.json), else slowest to launch first.
/** Checks that are rows of the table without being engines: name → module exporting requirements() and run*(). */
const CHECKS = { snippets: '../snippets/check.mjs', cli: '../cli/check.mjs', served: '../served/check.mjs', vault: '../vault/check.mjs' };
const START_ORDER = ['firefox', 'webkit', 'chromium', 'workerd', 'deno', 'bun', 'node', 'peculiar'];
const SECONDS_FILE = path.join(OUT, 'seconds.json');
// The suites are CPU-bound: more engines at once than cores only makes each one slower.
const CONCURRENCY = Math.max(2, os.availableParallelism());
// Node's suite alone takes over two minutes here: room for a CI machine several times slower.
const TIMEOUT = Number(process.env.WEBKMS_TIMEOUT || 900) * 1000;
const CI = process.env.CI === 'true';
const VERBOSE = Boolean(process.env.WEBKMS_VERBOSE);

const log = (message) => console.log(`[harness] ${message}`);

function selectedEngines() {
  const known = [...Object.keys(ENGINES), ...Object.keys(CHECKS)];
  const names = (process.argv.slice(2).join(',') || process.env.WEBKMS_ENGINES || known.join(','))
    .split(',').map((s) => s.trim()).filter(Boolean);
  const unknown = names.filter((name) => !known.includes(name));
  if (unknown.length) throw new Error(`unknown engine(s) ${unknown.join(', ')}; known: ${known.join(' ')}`);
  return known.filter((name) => names.includes(name));
}

function fail(result, name, message) {
  result.failed++;
  result.failures.push({ name, message });
}

/** Adds checks run in an engine, { passed, failed, failures }, to its result. */
function add(result, checks) {
  result.passed += checks.passed;
  result.failed += checks.failed;
  result.failures.push(...checks.failures);
}

/** Run `task` on every item, at most `limit` at a time. */
async function pool(items, limit, task) {
  const queue = [...items];
  await Promise.all(Array.from({ length: limit }, async () => {
    while (queue.length) await task(queue.shift());
  }));
}

/** Install what is missing; returns the drivers of the engines that can run, and why others cannot. */
async function prepare(selected) {
  fs.mkdirSync(OUT, { recursive: true });
  ensureRootModules(OUT);
  ensureTools(OUT);
  const drivers = {};
  for (const engine of selected) drivers[engine] = await import(engine in CHECKS ? CHECKS[engine] : `./engines/${ENGINES[engine].driver}.mjs`);
  // One engine's requirements failing (playwright.config.ts not loading) stops that engine, not all of them.
  const unasked = new Map();
  const needs = new Map((await Promise.all(selected.map(async (engine) => {
    try {
      return [[engine, await drivers[engine].requirements(engine)]];
    } catch (error) {
      unasked.set(engine, `its requirements failed: ${error?.message ?? error}`);
      return [];
    }
  }))).flat());
  const notRun = ensureSystemPackages(needs, OUT);
  // A check runs without what it lacks, and says so itself (a snippet for a missing browser is skipped).
  for (const check of Object.keys(CHECKS)) notRun.delete(check);
  for (const [engine, why] of unasked) notRun.set(engine, why);
  for (const engine of [...Object.keys(ENGINES), ...Object.keys(CHECKS)]) {
    if (!selected.includes(engine)) notRun.set(engine, 'not selected (WEBKMS_ENGINES or npm test -- <engines>)');
    if (notRun.has(engine)) delete drivers[engine];
  }
  return { drivers, notRun };
}

/** One bundle per kind of engine; one that does not build is kept as its Error and fails its engines. */
async function bundle(engines) {
  const { buildBundle, testFiles } = await import('./bundle.mjs');
  const targets = [...new Set(engines.map((engine) => ENGINES[engine].target))];
  const files = Object.fromEntries(targets.map((target) => [target, testFiles(target)]));
  const bundles = Object.fromEntries(await Promise.all(targets.map(async (target) => {
    fs.mkdirSync(path.join(OUT, target), { recursive: true });
    return [target, await buildBundle(target, files[target], path.join(OUT, target, 'bundle.js')).catch((error) => error)];
  })));
  return { files, bundles };
}

/** Both phases in every engine of `drivers`, adding to `results` (engine → counts). */
async function runEngines(drivers, { files, bundles }, results) {
  const sessions = new Map();
  const produced = {};
  // A failure is named after its step, so that one problem in several engines reads once.
  const call = async (engine, name, arg) => {
    const answer = await withTimeout(sessions.get(engine).call(name, arg), TIMEOUT, name);
    if (!answer.ok) throw new Error(answer.error);
    return answer.value;
  };
  // The restart phase: the persistence modules (test/*-persist.mjs) write, the engine restarts
  // (a browser opens a new page in the same profile; a process or workerd starts again on the same
  // storage), and they check what survived. Only for sessions that can restart.
  const restartPhase = async (engine, result) => {
    const session = sessions.get(engine);
    if (!session.restart) return;
    let states;
    try {
      states = await call(engine, 'persistBefore');
    } catch (error) {
      fail(result, 'persist: before', error.message);
      return;
    }
    if (Object.keys(states).length === 0) return; // no module applies here
    try {
      await withTimeout(session.restart(), TIMEOUT, 'restart');
    } catch (error) {
      fail(result, 'persist: restart', error.message);
      return;
    }
    try {
      add(result, await call(engine, 'persistAfter', states));
    } catch (error) {
      fail(result, 'persist: after', error.message);
    }
  };
  const start = async (engine) => {
    const target = bundles[ENGINES[engine].target];
    if (target instanceof Error) throw target;
    const opening = drivers[engine].open(engine, { bundle: target });
    // After a timeout the driver may still be starting: close what it ends up with.
    const session = await withTimeout(opening, TIMEOUT, 'start').catch((error) => {
      opening.then((late) => late.close(), () => {});
      throw error;
    });
    sessions.set(engine, session);
    return session;
  };
  const close = async (engine) => {
    const session = sessions.get(engine);
    sessions.delete(engine);
    await session?.close().catch((error) => log(`${engine}: stopping it failed: ${error.message}`));
  };
  // Seconds an engine was busy, not waiting for the others between the phases.
  const timed = async (engine, step) => {
    const started = performance.now();
    await step(results.get(engine));
    results.get(engine).seconds += (performance.now() - started) / 1000;
  };

  let last = {};
  try { last = JSON.parse(fs.readFileSync(SECONDS_FILE, 'utf8')); } catch { /* first run */ }
  const order = START_ORDER.filter((engine) => engine in drivers);
  order.sort((a, b) => (last[b] ?? Infinity) - (last[a] ?? Infinity) || START_ORDER.indexOf(a) - START_ORDER.indexOf(b));

  try {
    // Phase 1: start, uvu suite, produce.
    await pool(order, CONCURRENCY, (engine) => timed(engine, async (result) => {
      let step = 'engine start';
      try {
        result.version = (await start(engine)).version;
        step = 'uvu suite';
        const { output, crash, metrics } = await call(engine, 'suite');
        if (VERBOSE) console.log(`\n[${engine}]\n${output}`);
        const report = parseUvuReport(output, files[ENGINES[engine].target]);
        add(result, report);
        result.skipped += report.skipped;
        result.metrics = metrics;
        if (crash) fail(result, 'uvu crashed', crash);
        const interop = await call(engine, 'produce').catch((error) => ({ failures: [{ name: 'interop: produce', message: error.message }] }));
        if (interop.produced) produced[engine] = interop.produced;
        for (const { name, message } of interop.failures) fail(result, name, message); // the engine stays for phase 2
      } catch (error) {
        fail(result, step, error.message);
        await close(engine);
      }
      const stopped = sessions.has(engine) ? '' : ` (stopped: ${step} failed)`;
      log(`${engine}: ${result.passed} passed, ${result.failed} failed, ${result.skipped} skipped${stopped}`);
    }));

    // Phase 2: every live engine decrypts what every engine produced; then, in each engine that can
    // restart, the restart phase. Through the pool too: every engine at once on few cores slows
    // each one towards its timeouts.
    await pool([...sessions.keys()], CONCURRENCY, (engine) => timed(engine, async (result) => {
      try {
        add(result, await call(engine, 'consume', produced));
      } catch (error) {
        fail(result, 'interop: consume', error.message);
      }
      try {
        await restartPhase(engine, result);
      } finally {
        await close(engine);
      }
    }));
  } finally {
    await Promise.all([...sessions.keys()].map(close));
  }

  const busy = [...results.values()].filter((r) => r.version).map((r) => [r.engine, Math.round(r.seconds * 10) / 10]);
  fs.writeFileSync(SECONDS_FILE, JSON.stringify({ ...last, ...Object.fromEntries(busy) }));
}

/** A row of CHECKS, through its module's run<Name>(dir, log): runSnippets (snippets), runCli (cli), runServed (served), runVault (vault). */
async function runCheck(name, check, result) {
  const started = performance.now();
  try {
    const dir = path.join(OUT, name);
    fs.mkdirSync(dir, { recursive: true });
    Object.assign(result, await check[`run${name[0].toUpperCase()}${name.slice(1)}`](dir, (message) => { if (VERBOSE) log(message); }));
  } catch (error) {
    fail(result, name, String(error?.stack ?? error));
  }
  result.seconds = (performance.now() - started) / 1000;
  log(`${name}: ${result.passed} passed, ${result.failed} failed, ${result.skipped} skipped`);
}

/** A row of the table, before anything ran. */
const row = (engine) => ({ engine, version: '', passed: 0, failed: 0, skipped: 0, seconds: 0, failures: [], skips: [], metrics: {} });

// A promise rejected with no handler (a bug in a check or a driver) fails the run in the summary,
// under the row "harness", instead of ending it (Node's default) with every result lost.
const stray = row('harness');
process.on('unhandledRejection', (reason) => fail(stray, 'unhandled promise rejection', String(reason?.stack ?? reason)));

async function main() {
  const { drivers, notRun } = await prepare(selectedEngines());
  const engines = Object.keys(drivers).filter((engine) => engine in ENGINES);
  const rows = [...Object.keys(ENGINES), ...Object.keys(CHECKS)];
  const results = new Map(rows.filter((e) => e in drivers || CI).map((engine) => [engine, row(engine)]));
  if (CI) for (const [engine, why] of notRun) fail(results.get(engine), 'engine not run, and CI=true requires every engine', why);

  const checks = Object.keys(CHECKS).filter((name) => name in drivers);
  const tests = await bundle(engines);
  log(`${new Set(Object.values(tests.files).flat()).size} test files, engines: ${engines.join(' ') || 'none'}${checks.length ? `, and the checks ${checks.join(' ')}` : ''}`);
  await Promise.all([
    runEngines(Object.fromEntries(engines.map((e) => [e, drivers[e]])), tests, results),
    // One check at a time: each packs the package, and `npm pack` rebuilds dist/.
    (async () => { for (const name of checks) await runCheck(name, drivers[name], results.get(name)); })(),
  ]);
  return printReport([...results.values(), ...(stray.failed ? [stray] : [])], notRun, path.join(OUT, 'summary.txt'));
}

// Stop what was started even on Ctrl-C or a crash of the runner itself.
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => { killAll(); process.exit(130); });
process.on('exit', killAll);

main().then(
  (failed) => process.exit(failed ? 1 : 0),
  (error) => {
    // Setup itself failed (npm ci, an unknown engine name): still end with the summary line.
    console.error(`\n[harness] ${error?.message ?? error}`);
    console.log('\n0 passed, 1 failed, 0 skipped');
    process.exit(1);
  },
);
