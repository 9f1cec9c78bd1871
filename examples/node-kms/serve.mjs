// A fetch handler ((request: Request) => Promise<Response>, such as webkms/http's
// createKmsHandler) served by Node's http module: Node has Request and Response but no server
// that speaks them (Deno.serve, Bun.serve and Workers do). Bodies stream in both directions, as
// fast as the other side takes them, and a client that goes away aborts the request's signal and
// cancels the response's body.
import http from 'node:http';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

/**
 * Serves `handler` on `host:port` (port 0: any free one).
 * @param {(request: Request) => Promise<Response>} handler
 * @param {{ port?: number, host?: string }} [options]
 * @returns {Promise<{ url: string, server: http.Server, close: () => Promise<void> }>}
 */
export async function serveNode(handler, { port = 0, host = '127.0.0.1' } = {}) {
  const server = http.createServer(async (req, res) => {
    const aborted = new AbortController();
    res.on('close', () => aborted.abort());
    try {
      const headers = new Headers();
      for (let i = 0; i < req.rawHeaders.length; i += 2) headers.append(req.rawHeaders[i], req.rawHeaders[i + 1]);
      const hasBody = req.method !== 'GET' && req.method !== 'HEAD';
      const request = new Request(new URL(req.url ?? '/', `http://${req.headers.host ?? host}`), {
        method: req.method,
        headers,
        signal: aborted.signal,
        ...(hasBody ? { body: Readable.toWeb(req), duplex: 'half' } : {}),
      });
      const response = await handler(request);
      res.writeHead(response.status, response.statusText, [...response.headers].flat());
      if (!response.body) return res.end();
      // pipeline waits for 'drain' when the socket is full, and when the response closes first (the
      // client went away) or the body fails, it destroys both: the body's reader is cancelled, and the
      // client sees a cut connection, never a truncated body that looks whole. Nothing is left to do then.
      await pipeline(Readable.fromWeb(response.body), res).catch(() => {});
    } catch {
      // The handler never throws; this is a request Node itself could not make (a malformed URL).
      if (!res.headersSent) res.writeHead(400);
      res.end();
    }
  });
  await new Promise((resolve, reject) => server.once('error', reject).listen(port, host, resolve));
  const address = server.address();
  return {
    url: `http://${host}:${address.port}`,
    server,
    close: () => new Promise((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}
