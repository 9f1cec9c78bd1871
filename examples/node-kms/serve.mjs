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
  const server = http.createServer();
  await new Promise((resolve, reject) => server.once('error', reject).listen(port, host, resolve));
  // An IPv6 literal is bracketed in a URL's authority.
  const origin = `http://${host.includes(':') ? `[${host}]` : host}:${server.address().port}`;
  // A Response Node cannot send (status 0, a header value it refuses) cuts the connection, rather
  // than leaving the client waiting and the process an unhandled rejection.
  server.on('request', (req, res) => respond(handler, origin, req, res).catch(() => res.destroy()));
  return {
    url: origin,
    server,
    close: () => new Promise((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}

/** Answers one request with `handler`'s Response: a failure is a refusal, or (when Node cannot send the Response) a throw the listener turns into a cut connection. */
async function respond(handler, origin, req, res) {
  const aborted = new AbortController();
  res.on('close', () => aborted.abort());
  const target = req.url ?? '';
  // Only a path (origin-form): an absolute URL or `*` is for proxies and OPTIONS, which this is not.
  if (!target.startsWith('/')) return answer(res, 400, 'the request target must be a path starting with /');
  let request;
  try {
    const headers = new Headers();
    for (let i = 0; i < req.rawHeaders.length; i += 2) headers.append(req.rawHeaders[i], req.rawHeaders[i + 1]);
    const hasBody = req.method !== 'GET' && req.method !== 'HEAD';
    request = new Request(urlOf(origin, target), {
      method: req.method,
      headers,
      signal: aborted.signal,
      ...(hasBody ? { body: Readable.toWeb(req), duplex: 'half' } : {}),
    });
  } catch {
    // Node's parser let it through, fetch's Request does not (a TRACE, say).
    return answer(res, 400, 'this request cannot be served (its method or headers)');
  }
  let response;
  try {
    response = await handler(request);
  } catch {
    // createKmsHandler never throws; another handler may. What it threw is not sent: it may say anything.
    return answer(res, 500, 'the handler failed');
  }
  res.writeHead(response.status, response.statusText, [...response.headers].flat());
  if (!response.body) return res.end();
  // pipeline waits for 'drain' when the socket is full, and when the response closes first (the
  // client went away) or the body fails, it destroys both: the body's reader is cancelled, and the
  // client sees a cut connection, never a truncated body that looks whole. Nothing is left to do then.
  await pipeline(Readable.fromWeb(response.body), res).catch(() => {});
}

/**
 * The request's URL: this server's own origin, then the target's path and query. Neither the Host
 * header nor a target such as `//evil.example/` can name another server.
 */
function urlOf(origin, target) {
  const url = new URL(origin);
  const query = target.indexOf('?');
  url.pathname = query === -1 ? target : target.slice(0, query);
  url.search = query === -1 ? '' : target.slice(query);
  return url;
}

/** An answer of this server's own (a refusal, a failure), its reason in plain text. */
function answer(res, status, reason) {
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8' }).end(`${reason}\n`);
}
