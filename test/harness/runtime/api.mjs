// What the runner can call inside an engine, through `call`, whatever the transport (child-process
// pipe, HTTP to workerd, page.evaluate, WebDriver): arguments and answers are JSON-serialisable.
import { exec } from 'uvu';
import interop from 'webkms-interop'; // { 'test/interop.mjs': { produce, consume }, … } (bundle.mjs)
import persistence from 'webkms-persist'; // { 'test/indexeddb-persist.mjs': { before, after }, … } (bundle.mjs)
import { crypto } from '../../support/env.mjs';
import { captureOutput } from './prelude.mjs';

/**
 * Run every queued uvu test; the runner parses uvu's report (test/harness/uvu-report.mjs) and
 * prints the counts tests publish through test/support/metrics.mjs.
 */
async function suite() {
  const { output, error } = await captureOutput(() => exec());
  return { output, crash: error && describe(error), metrics: globalThis.__WEBKMS_METRICS ?? {} };
}

/**
 * Phase 1 of interop: what each interop module produces in this engine,
 * { produced: { [file]: … }, failures }. A module that throws is one failure; the others go on.
 */
async function produce() {
  const result = { produced: {}, failures: [] };
  for (const [file, module] of Object.entries(interop)) {
    try {
      result.produced[file] = await module.produce(crypto);
    } catch (error) {
      result.failures.push({ name: `${file}: produce`, message: describe(error) });
    }
  }
  return result;
}

/** Adds the { passed, failed, failures } that `check` resolves to into `total`; a throw is one failure named `name`. */
async function tally(total, name, check) {
  try {
    const { passed, failed, failures } = await check();
    total.passed += passed;
    total.failed += failed;
    total.failures.push(...failures);
  } catch (error) {
    total.failed++;
    total.failures.push({ name, message: describe(error) });
  }
}

/**
 * Phase 2 of interop: `producedByEngine` is { [engine]: { [file]: … } }; each module checks what
 * every engine produced for it. Returns the modules' summed { passed, failed, failures }.
 */
async function consume(producedByEngine) {
  const total = { passed: 0, failed: 0, failures: [] };
  for (const [file, module] of Object.entries(interop)) {
    const producers = Object.entries(producedByEngine).filter(([, produced]) => file in produced);
    await tally(total, `${file}: consume`, () => module.consume(crypto, Object.fromEntries(producers.map(([engine, produced]) => [engine, produced[file]]))));
  }
  return total;
}

/**
 * The restart phase, before the engine restarts: every persistence module's `before(crypto)`
 * writes what should survive and returns it as JSON, or undefined where it does not apply.
 * Resolves to { [file]: state } of the modules that apply; throws, after running them all, when
 * any threw.
 */
async function persistBefore() {
  const states = {};
  const errors = [];
  for (const [file, module] of Object.entries(persistence)) {
    try {
      const state = await module.before(crypto);
      if (state !== undefined) states[file] = state;
    } catch (error) {
      errors.push(`${file}: before: ${describe(error)}`);
    }
  }
  if (errors.length) throw new Error(errors.join('\n'));
  return states;
}

/**
 * The restart phase, in the restarted engine: `states` is what persistBefore returned; each of those
 * modules' `after(crypto, state)` checks what survived. Returns the summed { passed, failed, failures }.
 */
async function persistAfter(states) {
  const total = { passed: 0, failed: 0, failures: [] };
  for (const [file, state] of Object.entries(states)) {
    await tally(total, `${file}: after`, async () => {
      if (!persistence[file]) throw new Error('this bundle has no such persistence module');
      return persistence[file].after(crypto, state);
    });
  }
  return total;
}

/** Run one of the above by name; the answer crosses any transport: { ok, value } or { ok: false, error }. */
export async function call(name, arg) {
  try {
    return { ok: true, value: await { suite, produce, consume, persistBefore, persistAfter }[name](arg) };
  } catch (error) {
    return { ok: false, error: describe(error) };
  }
}

// V8 starts a stack with "Name: message"; SpiderMonkey and JavaScriptCore give only the frames.
function describe(error) {
  const head = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  const stack = String(error?.stack ?? '');
  return stack.startsWith(head) ? stack : `${head}\n${stack}`.trim();
}
