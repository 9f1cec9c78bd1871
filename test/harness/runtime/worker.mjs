// Main module of the workerd engine (engines/workerd.mjs writes the config around it). Every
// request is a call: POST /<name> with the JSON argument, answered with api.call()'s JSON.
// The bundle is imported on the first request, after the engine name is set for
// test/support/env.mjs. (Importing it later does not lift workerd's global-scope rules: test
// files still may not draw random values or start timers as they load.)
import { DurableObject } from 'cloudflare:workers';

let api;
function loadBundle() {
  globalThis.__WEBKMS_ENGINE = 'workerd';
  return (api ??= import('./bundle.js'));
}

export default {
  async fetch(request, env) {
    try {
      // Tests that need Durable Object storage reach TestObject through this namespace.
      globalThis.__WEBKMS_OBJECTS = env.OBJECTS;
      await loadBundle();
    } catch (error) {
      return Response.json({ ok: false, error: `the test bundle failed to load: ${error?.stack ?? error}` });
    }
    const name = new URL(request.url).pathname.slice(1);
    if (!name) return Response.json({ ok: true, value: { loaded: true } });
    return Response.json(await (await api).call(name, await request.json()));
  },
};

/**
 * A Durable Object for the tests, its storage on disk (kept across a restart of workerd). What it
 * does is test code's: test/support/durable-objects.mjs, in the bundle, sets
 * globalThis.__WEBKMS_TEST_OBJECT = { fetch(ctx, env, request), invoke(ctx, env, name, args) }.
 */
export class TestObject extends DurableObject {
  async fetch(request) {
    await loadBundle();
    return globalThis.__WEBKMS_TEST_OBJECT.fetch(this.ctx, this.env, request);
  }

  async invoke(name, args) {
    await loadBundle();
    return globalThis.__WEBKMS_TEST_OBJECT.invoke(this.ctx, this.env, name, args);
  }
}
