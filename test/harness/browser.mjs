// What the browser drivers (engines/playwright.mjs, engines/webkit.mjs) share: the page they load
// and the two scripts they run in it, whatever carries them there.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { serve } from './server.mjs';

const PAGE = path.join(path.dirname(fileURLToPath(import.meta.url)), 'runtime/page.html');

/** Serve the page and `bundle` on 127.0.0.1; the URL to open tells the page its engine. */
async function servePage(engine, bundle) {
  const server = await serve({ '/': PAGE, '/bundle.js': bundle });
  return { url: `${server.url}?engine=${engine}`, close: server.close };
}

/**
 * An engine's session on the test page: serves it, `launch()`es the browser ({ close(), … }), and
 * `attach(browser, url)` loads the page and resolves to { version, call, restart }. The session's
 * close() stops the browser and the server; a failure on the way stops whatever had started.
 */
export async function openTestPage(engine, bundle, launch, attach) {
  const page = await servePage(engine, bundle);
  let browser;
  const close = async () => {
    await browser?.close();
    await page.close();
  };
  try {
    browser = await launch();
    return { ...(await attach(browser, page.url)), close };
  } catch (error) {
    await close();
    throw error;
  }
}

// Run inside the page, so self-contained: Playwright passes the functions, WebDriver their source.

/** null until the bundle has loaded, then { ok: true } or { ok: false, error }. */
export function pageState() {
  const state = window.__webkms;
  return state && (state.error ? { ok: false, error: state.error } : { ok: true });
}

/** A call into runtime/api.mjs, [name, arg]: resolves to its { ok, value } or { ok: false, error }. */
export function pageCall([name, arg]) {
  return window.__webkms.api.call(name, arg);
}
