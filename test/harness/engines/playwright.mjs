// chromium and firefox through the `playwright` library, as the projects of playwright.config.ts
// describe them. Each browser is launched once, as a browser server so that its PID is known
// (procs.mjs stops it whatever happens), and keeps its page open from the suite to interop; the
// restart phase replaces the page with a new one in the same browser context.
import * as esbuild from 'esbuild';
import { rename } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import * as playwright from 'playwright';
import { openTestPage, pageCall, pageState } from '../browser.mjs';
import { stop, track, withTimeout } from '../procs.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const APT = { chromium: ['chromium'], firefox: ['firefox-esr'] };
const LAUNCH_TIMEOUT = 60_000;
// A browser that does not close in time is killed (stop), rather than holding the run up.
const CLOSE_TIMEOUT = 10_000;

// The config's imports (@playwright/test) are test tools, in test/node_modules: resolved from
// here (as imports, so ESM entries) and left to Node as file URLs, since the compiled config is
// not under test/.
const fromTestTools = {
  name: 'from-test-tools',
  setup(build) {
    build.onResolve({ filter: /^[^./]/ }, (args) => ({ path: import.meta.resolve(args.path), external: true }));
  },
};

/**
 * playwright.config.ts, compiled next to the bundles (Node 20 cannot import TypeScript). One
 * promise for every caller: chromium's and firefox's requirements are asked for at once, and two
 * compilations into one file let an import read it half written (CI saw `config.default`
 * undefined). Written under a name of this process's, then renamed, for the same reason across
 * processes (the snippets check launches Chromium too).
 */
let config;
function loadConfig() {
  config ??= (async () => {
    const outfile = path.join(ROOT, '.harness/playwright.config.mjs');
    const partial = `${outfile}.${process.pid}`;
    await esbuild.build({
      entryPoints: [path.join(ROOT, 'playwright.config.ts')], outfile: partial, bundle: true, plugins: [fromTestTools],
      format: 'esm', platform: 'node', logLevel: 'silent',
    });
    await rename(partial, outfile);
    const loaded = (await import(pathToFileURL(outfile).href)).default;
    if (!Array.isArray(loaded?.projects)) throw new Error('playwright.config.ts: no `projects` in its default export');
    return loaded;
  })();
  return config;
}

async function project(engine) {
  const found = (await loadConfig()).projects.find((p) => p.name === engine);
  if (!found) throw new Error(`playwright.config.ts has no project named ${engine}`);
  return found.use;
}

/** How playwright.config.ts launches `engine`'s browser: the browser type and its launch options. */
export async function browserLaunch(engine) {
  const { browserName, channel, headless, launchOptions } = await project(engine);
  return { type: playwright[browserName], options: { ...launchOptions, channel, headless } };
}

export async function requirements(engine) {
  return { files: [(await project(engine)).launchOptions.executablePath], apt: APT[engine] };
}

/** A new page of `context` with the test page loaded. */
async function load(context, url) {
  const tab = await context.newPage();
  await tab.goto(url, { timeout: LAUNCH_TIMEOUT });
  const loaded = await (await tab.waitForFunction(pageState, null, { timeout: LAUNCH_TIMEOUT })).jsonValue();
  if (!loaded.ok) throw new Error(loaded.error);
  return tab;
}

/**
 * `engine`'s browser, launched as a browser server so that its PID is tracked (procs.mjs stops it
 * whatever happens) and connected to: { browser, close() }. The vault check launches it here too.
 */
export async function launchBrowser(engine) {
  const { type, options } = await browserLaunch(engine);
  let server, browser;
  const close = async () => {
    await withTimeout(browser?.close(), CLOSE_TIMEOUT, 'browser close').catch(() => {});
    await withTimeout(server?.close(), CLOSE_TIMEOUT, 'browser server close').catch(() => {});
    if (server) await stop(server.process());
  };
  try {
    server = await type.launchServer({ ...options, host: '127.0.0.1', port: 0, timeout: LAUNCH_TIMEOUT });
    track(server.process());
    browser = await type.connect(server.wsEndpoint(), { timeout: LAUNCH_TIMEOUT });
    return { browser, close };
  } catch (error) {
    await close();
    throw error;
  }
}

export function open(engine, { bundle }) {
  return openTestPage(engine, bundle, () => launchBrowser(engine), async ({ browser }, url) => {
    // One context, the profile every page of the run shares: its storage outlives the pages.
    const context = await browser.newContext();
    let tab = await load(context, url);
    return {
      version: browser.version(),
      call: (name, arg) => tab.evaluate(pageCall, [name, arg]),
      /** The restart phase's restart: the page is closed, and a new one loads the bundle in the same context. */
      restart: async () => {
        await tab.close();
        tab = await load(context, url);
      },
    };
  });
}
