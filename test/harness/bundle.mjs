// One ESM bundle per kind of engine, holding every test file, the interop and persistence modules and
// runtime/api.mjs (what the runner calls inside the engine). Tests import TypeScript from ../src:
// esbuild strips the types.
import * as esbuild from 'esbuild';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, '../..');
const PRELUDE = path.join(HERE, 'runtime/prelude.mjs');
const API = path.join(HERE, 'runtime/api.mjs');

/** Resolution differs by kind of engine: Node's packages, browsers' builds, Workers' conditions. */
const TARGETS = {
  process: { platform: 'node' },
  // Node alone also runs test/node-only/: tests whose oracle is a Node-only peer (the official AWS
  // Encryption SDK for Node), not engine differences.
  node: { platform: 'node' },
  browser: { platform: 'browser' },
  worker: { platform: 'neutral', conditions: ['workerd', 'worker', 'browser'], mainFields: ['browser', 'module', 'main'] },
};

const testsIn = (folder) =>
  fs.readdirSync(path.join(ROOT, folder)).filter((f) => f.endsWith('.test.mjs')).sort().map((f) => `${folder}/${f}`);

/**
 * The files a kind of engine runs, paths relative to the repo: the harness's own smoke test first,
 * then test/*.test.mjs in name order, and for the node target test/node-only/*.test.mjs after them.
 */
export function testFiles(target) {
  return ['test/harness/smoke.test.mjs', ...testsIn('test'), ...(target === 'node' ? testsIn('test/node-only') : [])];
}

/**
 * A module `name` whose default export maps each test/ file matching `pattern` ('test/<file>') to
 * its exports: `webkms-interop` for test/interop.mjs and test/<topic>-interop.mjs (produce(crypto),
 * consume(crypto, byEngine)), `webkms-persist` for test/<topic>-persist.mjs (before(crypto),
 * after(crypto, state): the restart phase).
 */
const fileIndex = (name, pattern) => ({
  name,
  setup(build) {
    build.onResolve({ filter: new RegExp(`^${name}$`) }, () => ({ path: name, namespace: name }));
    build.onLoad({ filter: /.*/, namespace: name }, () => {
      const files = fs.readdirSync(path.join(ROOT, 'test')).filter((f) => pattern.test(f)).sort();
      return {
        contents: [
          ...files.map((f, i) => `import * as m${i} from ${JSON.stringify(path.join(ROOT, 'test', f))};`),
          `export default { ${files.map((f, i) => `${JSON.stringify(`test/${f}`)}: m${i}`).join(', ')} };`,
        ].join('\n'),
        resolveDir: ROOT,
      };
    });
  },
});
const interopModules = fileIndex('webkms-interop', /^(.+-)?interop\.mjs$/);
const persistModules = fileIndex('webkms-persist', /^.+-persist\.mjs$/);

// `webkms-file:<path>` is a module that tells uvu a new file starts (prelude's beginFile), so
// failures are reported with the file they come from.
const fileMarkers = {
  name: 'webkms-file-markers',
  setup(build) {
    build.onResolve({ filter: /^webkms-file:/ }, (args) => ({ path: args.path.slice('webkms-file:'.length), namespace: 'webkms-file' }));
    build.onLoad({ filter: /.*/, namespace: 'webkms-file' }, (args) => ({
      contents: `import { beginFile } from ${JSON.stringify(PRELUDE)};\nbeginFile(${JSON.stringify(args.path)});\n`,
      resolveDir: ROOT,
    }));
  },
};

// Wycheproof's test vectors are read from outside the repository (../shared/vectors beside it, or
// $WYCHEPROOF_DIR); tests import them as 'wycheproof-vectors/<file>.json'.
const VECTORS = process.env.WYCHEPROOF_DIR || path.resolve(ROOT, '../shared/vectors');
const vectors = {
  name: 'webkms-wycheproof-vectors',
  setup(build) {
    build.onResolve({ filter: /^wycheproof-vectors\// }, (args) => {
      const file = path.join(VECTORS, args.path.slice('wycheproof-vectors/'.length));
      if (fs.existsSync(file)) return { path: file };
      return { errors: [{ text: `${args.path}: there is no ${file} (WYCHEPROOF_DIR names the vectors' directory)` }] };
    });
  },
};

/** Bundle `files` for `target` into `outfile`; throws esbuild's messages as one error. */
export async function buildBundle(target, files, outfile) {
  // Import order is evaluation order: the prelude before uvu loads, each marker before its file.
  const entry = [
    `import ${JSON.stringify(PRELUDE)};`,
    ...files.flatMap((file) => [`import "webkms-file:${file}";`, `import ${JSON.stringify(path.join(ROOT, file))};`]),
    `export { call } from ${JSON.stringify(API)};`,
  ].join('\n');
  try {
    await esbuild.build({
      stdin: { contents: entry, resolveDir: ROOT, sourcefile: `webkms-tests.${target}.mjs` },
      ...TARGETS[target],
      bundle: true,
      format: 'esm',
      target: 'esnext', // no down-levelling: each engine runs the code as written
      // package.json says "sideEffects": false (true of the library), which would let esbuild drop
      // test files, imported only for their side effects; annotations mean nothing in a test bundle.
      ignoreAnnotations: true,
      outfile,
      plugins: [fileMarkers, interopModules, persistModules, vectors],
      logLevel: 'silent',
    });
  } catch (error) {
    const messages = error.errors?.map((e) => `${e.location ? `${e.location.file}:${e.location.line}: ` : ''}${e.text}`);
    throw new Error(`bundling the tests for ${target} failed: ${messages?.join('\n') ?? error.message}`);
  }
  return outfile;
}
