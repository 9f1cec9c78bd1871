// webkit: WebKitGTK's MiniBrowser driven by WebKitWebDriver (W3C WebDriver, webdriver.mjs), on
// an Xvfb display of its own. Playwright's WebKit build cannot be installed here; Debian's can.
import fs from 'node:fs';
import { openTestPage, pageCall, pageState } from '../browser.mjs';
import { onFreePort, start, stop, waitFor } from '../procs.mjs';
import { newSession, ready } from '../webdriver.mjs';

const DRIVER = '/usr/bin/WebKitWebDriver';
const XVFB = '/usr/bin/Xvfb';
// Xvfb and driver start, a new session, a page load: a loaded CI machine may need well over 30 s.
const STEP_TIMEOUT = 120_000;
// A day, not infinity: the runner's own timeout (WEBKMS_TIMEOUT) decides when a call has hung.
const SCRIPT_TIMEOUT = 24 * 3600_000;

/** MiniBrowser sits in the multiarch directory: /usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/... */
function miniBrowser() {
  const found = fs.readdirSync('/usr/lib').map((dir) => `/usr/lib/${dir}/webkit2gtk-4.1/MiniBrowser`).find((f) => fs.existsSync(f));
  return found ?? '/usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/MiniBrowser';
}

export const requirements = () => ({ files: [DRIVER, XVFB, miniBrowser()], apt: ['webkit2gtk-driver', 'xvfb'] });

/** An X server on a free display; -displayfd makes it print the display number once it accepts clients. */
async function startXvfb() {
  const xvfb = start(XVFB, ['-displayfd', '3', '-screen', '0', '1280x800x24', '-nolisten', 'tcp'], { stdio: ['ignore', 'pipe', 'pipe', 'pipe'] });
  let printed = '';
  xvfb.stdio[3].on('data', (data) => { printed += data; });
  const display = await waitFor(async () => printed.includes('\n') && `:${printed.trim()}`, { timeoutMs: STEP_TIMEOUT, what: 'Xvfb start', child: xvfb });
  return { xvfb, display };
}

/**
 * MiniBrowser under WebKitWebDriver on an Xvfb display of its own: { session, version, close() }.
 * The harness's engine and the vault check (test/vault/check.mjs) both start it here.
 */
export async function launch() {
  let xvfb, driver, session;
  const close = async () => {
    await session?.end().catch(() => {});
    await stop(driver);
    await stop(xvfb);
  };
  try {
    let display;
    ({ xvfb, display } = await startXvfb());
    const base = await onFreePort(async (port) => {
      driver = start(DRIVER, [`--port=${port}`, '--host=127.0.0.1'], { env: { ...process.env, DISPLAY: display } });
      const url = `http://127.0.0.1:${port}`;
      await waitFor(() => ready(url), { timeoutMs: STEP_TIMEOUT, what: 'WebKitWebDriver start', child: driver }).catch(async (error) => {
        await stop(driver);
        throw error;
      });
      return url;
    });
    session = await newSession(base, {
      'webkitgtk:browserOptions': { binary: miniBrowser(), args: ['--automation'] },
      timeouts: { script: SCRIPT_TIMEOUT, pageLoad: STEP_TIMEOUT },
    }, STEP_TIMEOUT);
    return { session, version: `WebKitGTK ${session.capabilities.browserVersion}`, close }; // browserName is MiniBrowser
  } catch (error) {
    await close();
    throw error;
  }
}

export function open(engine, { bundle }) {
  return openTestPage(engine, bundle, launch, async ({ session, version }, url) => {
    const load = async () => {
      await session.navigate(url, STEP_TIMEOUT);
      const loaded = await waitFor(() => session.execute(`return (${pageState})();`), { timeoutMs: STEP_TIMEOUT, what: 'loading the test page' });
      if (!loaded.ok) throw new Error(loaded.error);
    };
    await load();
    return {
      version,
      call: (name, arg) => session.execute(`return (${pageCall})(arguments[0]);`, [[name, arg]], SCRIPT_TIMEOUT),
      /**
       * The restart phase's restart: the page leaves for about:blank, so nothing of it runs any more
       * (WebKit may keep it suspended in its back-forward cache; nothing goes back to it), then the
       * test page loads as a new document in the same session, which keeps its website data
       * (IndexedDB). Plain WebDriver navigation: webdriver.mjs needs no window commands.
       */
      restart: async () => {
        await session.navigate('about:blank', STEP_TIMEOUT);
        await load();
      },
    };
  });
}
