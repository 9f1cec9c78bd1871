// What the browser drivers (engines/playwright.mjs, engines/webkit.mjs) share: the page they load
// and the two scripts they run in it, whatever carries them there.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { serve } from './server.mjs';

const PAGE = path.join(path.dirname(fileURLToPath(import.meta.url)), 'runtime/page.html');

/** Serve the page and `bundle` on 127.0.0.1; the URL to open tells the page its engine. */
export async function servePage(engine, bundle) {
  const server = await serve({ '/': PAGE, '/bundle.js': bundle });
  return { url: `${server.url}?engine=${engine}`, close: server.close };
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
