// Main module of the workerd engine (engines/workerd.mjs writes the config around it). Every
// request is a call: POST /<name> with the JSON argument, answered with api.call()'s JSON.
// The bundle is imported on the first request, after the engine name is set for
// test/support/env.mjs. (Importing it later does not lift workerd's global-scope rules: test
// files still may not draw random values or start timers as they load.)
let api;

export default {
  async fetch(request) {
    try {
      globalThis.__WEBKMS_ENGINE = 'workerd';
      api ??= await import('./bundle.js');
    } catch (error) {
      return Response.json({ ok: false, error: `the test bundle failed to load: ${error?.stack ?? error}` });
    }
    const name = new URL(request.url).pathname.slice(1);
    if (!name) return Response.json({ ok: true, value: { loaded: true } });
    return Response.json(await api.call(name, await request.json()));
  },
};
