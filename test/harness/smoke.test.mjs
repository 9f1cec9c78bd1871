// The harness checks itself in every engine, before the library's tests: the engine name it sets
// is the runtime actually running, and the WebCrypto it hands the tests works.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { engine, crypto } from '../support/env.mjs';

/** Which engine this code is running in, from the runtime's own globals. */
function runtime() {
  const g = globalThis;
  if (g.Deno) return 'deno';
  if (g.Bun) return 'bun';
  if (g.navigator?.userAgent === 'Cloudflare-Workers') return 'workerd';
  if (g.process?.versions?.node) return g.__WEBKMS_CRYPTO ? 'peculiar' : 'node';
  const ua = g.navigator?.userAgent ?? '';
  if (ua.includes('Firefox/')) return 'firefox';
  if (ua.includes('Chrome/')) return 'chromium';
  if (ua.includes('AppleWebKit/')) return 'webkit';
  return 'unknown';
}

test('harness: __WEBKMS_ENGINE names the runtime running the tests', () => {
  assert.is(engine, runtime());
});

test('harness: the WebCrypto handed to the tests round-trips AES-GCM', async () => {
  const key = await crypto.subtle.generateKey({ name: 'AES-GCM', length: 256 }, false, ['encrypt', 'decrypt']);
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const sealed = await crypto.subtle.encrypt({ name: 'AES-GCM', iv }, key, new Uint8Array([1, 2, 3]));
  const opened = new Uint8Array(await crypto.subtle.decrypt({ name: 'AES-GCM', iv }, key, sealed));
  assert.equal([...opened], [1, 2, 3]);
});

test('harness: @peculiar/webcrypto is handed to the tests exactly under peculiar', () => {
  assert.is(crypto !== globalThis.crypto, engine === 'peculiar');
});

test.run();
