// Static server for the browser engines. WebCrypto needs a secure context: about:blank and
// setContent pages have no crypto.subtle, http://127.0.0.1 does. Bound to 127.0.0.1 only, on a port
// the OS picks, and serving exactly the files it is given, nothing else from the disk.
import http from 'node:http';
import fs from 'node:fs/promises';

const TYPES = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8', '.png': 'image/png', '.svg': 'image/svg+xml', '.json': 'application/json', '.map': 'application/json',
};

/**
 * `files` maps URL paths ('/', '/bundle.js') to files on disk. Resolves to { url, close() }.
 * `port` 0 (default): one the OS picks; a fixed one keeps a page's origin, and so its storage, across runs.
 */
export function serve(files, { port = 0 } = {}) {
  const server = http.createServer(async (req, res) => {
    const file = files[new URL(req.url, 'http://127.0.0.1').pathname];
    if (!file) { res.writeHead(404).end(); return; }
    try {
      const body = await fs.readFile(file);
      const type = TYPES[file.slice(file.lastIndexOf('.'))] ?? 'application/octet-stream';
      res.writeHead(200, { 'content-type': type, 'cache-control': 'no-store' }).end(body);
    } catch (error) {
      res.writeHead(500, { 'content-type': 'text/plain' }).end(String(error));
    }
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve({
      url: `http://127.0.0.1:${server.address().port}/`,
      close: () => new Promise((done) => { server.closeAllConnections(); server.close(() => done()); }),
    }));
  });
}
