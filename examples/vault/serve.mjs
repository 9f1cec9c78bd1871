// `npm run vault`: builds dist/ when it is missing, then serves the vault page and the built library
// on http://127.0.0.1 (WebCrypto needs a secure context, which file:// is not) and prints the URL.
// The page is at /, the library at /dist/: exactly the files of examples/vault/ and dist/, nothing
// else from the disk (test/harness/server.mjs). A fixed port (PORT, default 8787) keeps the page's
// origin, and so the key in its IndexedDB, the same from one run to the next.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { serve } from '../../test/harness/server.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, '../..');
const DIST = path.join(ROOT, 'dist');

/** URL path → file, for every file under `dir`, below `prefix`. */
function tree(dir, prefix) {
  return Object.fromEntries(fs.readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => {
      const file = path.join(entry.parentPath ?? entry.path, entry.name);
      return [`${prefix}${path.relative(dir, file).split(path.sep).join('/')}`, file];
    }));
}

/**
 * The vault and the library on 127.0.0.1:`port` (0: any free port): { url, close() }. `dist`: the
 * built library's directory, served as /dist/ (the tests serve a build of their own).
 */
export function serveVault({ port = 0, dist = DIST } = {}) {
  const page = tree(HERE, '/');
  delete page['/serve.mjs'];
  return serve({ ...page, '/': path.join(HERE, 'index.html'), ...tree(dist, '/dist/') }, { port });
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  if (!fs.existsSync(path.join(DIST, 'index.js'))) {
    console.log('dist/ is missing: npm run build');
    const built = spawnSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'inherit' });
    if (built.status !== 0) process.exit(built.status ?? 1);
  }
  const port = Number(process.env.PORT ?? 8787);
  const { url } = await serveVault({ port }).catch((error) => {
    console.error(error.code === 'EADDRINUSE' ? `port ${port} is in use: PORT=<another> npm run vault` : String(error));
    process.exit(1);
  });
  console.log(`The webkms file vault: ${url}  (Ctrl-C stops it)`);
}
