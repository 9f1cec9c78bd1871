// examples/node-kms/serve.mjs at the edges a KMS client does not reach: a client that reads the
// response slowly or goes away (the body is read only as fast as the socket takes it, and cancelled
// when the client leaves), request targets a browser would never send (the URL the handler sees
// names this server, whatever the target or Host header says), IPv6 hosts, and its own answers (refusals, a failed handler).
import http from 'node:http';
import net from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { serveNode } from '../../examples/node-kms/serve.mjs';

const CHUNK = 64 * 1024;
/** What a body the client does not read may cost: far below the 64 MiB a stream offers here. */
const BUFFERED_AT_MOST = 16 * 1024 * 1024;

/** A handler whose response body offers 64 MiB, chunk by chunk as it is pulled; `body` counts. */
function largeBody() {
  const body = { pulled: 0, cancelled: false };
  const handler = async () => new Response(new ReadableStream({
    pull(controller) {
      if (body.pulled >= 64 * 1024 * 1024) return controller.close();
      body.pulled += CHUNK;
      controller.enqueue(new Uint8Array(CHUNK));
    },
    cancel() { body.cancelled = true; },
  }, { highWaterMark: 0 }));
  return { body, handler };
}

/** A GET over a raw socket that reads nothing of the answer. */
async function idleClient(url) {
  const { port } = new URL(url);
  const socket = net.connect(Number(port), '127.0.0.1');
  socket.pause();
  socket.write('GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
  await new Promise((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  return socket;
}

/** Waits until `condition()` holds, or `ms` have passed. */
async function until(condition, ms = 2_000) {
  for (const end = Date.now() + ms; !condition() && Date.now() < end;) await sleep(20);
}

/** A request with any target and headers (fetch cannot send `//host/`, absolute-form or `*`). */
function raw(url, { method = 'GET', path, headers = {} }) {
  const { port } = new URL(url);
  return new Promise((resolve, reject) => {
    http.request({ host: '127.0.0.1', port, method, path, headers }, (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (chunk) => { text += chunk; }).on('end', () => resolve({ status: res.statusCode, type: res.headers['content-type'], text }));
    }).on('error', reject).end();
  });
}

/** A handler that answers with the URL it was given, and counts its calls. */
function echo() {
  const calls = { count: 0 };
  return { calls, handler: async (request) => { calls.count++; return new Response(request.url); } };
}

const serve = suite('examples/node-kms/serve.mjs: backpressure, aborts, request targets', {});

serve('a response body the client does not read is read from the handler only as fast as the socket takes it', async () => {
  const { body, handler } = largeBody();
  const server = await serveNode(handler);
  const socket = await idleClient(server.url);
  try {
    // Started (however slow the machine), then given time to over-read if it were going to.
    await until(() => body.pulled > 0, 10_000);
    assert.ok(body.pulled > 0, 'the body started');
    await sleep(500);
    assert.ok(body.pulled < BUFFERED_AT_MOST, `${body.pulled} bytes were read for a client that reads nothing`);
  } finally {
    socket.destroy();
    await server.close();
  }
});

serve('a client that goes away mid-body cancels the handler\'s response body', async () => {
  const { body, handler } = largeBody();
  const server = await serveNode(handler);
  try {
    const socket = await idleClient(server.url);
    await until(() => body.pulled > 0);
    socket.destroy();
    await until(() => body.cancelled);
    assert.ok(body.cancelled, `the body was not cancelled (${body.pulled} bytes read)`);
  } finally {
    await server.close();
  }
});

serve('the URL the handler sees names this server: a target //evil.example/ is a path, and the Host header changes nothing', async () => {
  const { handler } = echo();
  const server = await serveNode(handler);
  try {
    const answer = await raw(server.url, { path: '//evil.example/x?a=b%20c', headers: { host: 'evil.example' } });
    assert.is(answer.status, 200);
    assert.is(answer.text, `${server.url}//evil.example/x?a=b%20c`);
    assert.is(new URL(answer.text).host, new URL(server.url).host);
  } finally {
    await server.close();
  }
});

serve('a target that is not a path (absolute-form, asterisk-form) is refused with 400 and a plain text reason, and never reaches the handler', async () => {
  const { calls, handler } = echo();
  const server = await serveNode(handler);
  try {
    for (const [method, path] of [['GET', 'http://evil.example/x'], ['OPTIONS', '*']]) {
      const answer = await raw(server.url, { method, path });
      assert.is(answer.status, 400, `${method} ${path}`);
      assert.match(answer.type, /^text\/plain/);
      assert.match(answer.text, /path starting with \//);
    }
    assert.is(calls.count, 0);
  } finally {
    await server.close();
  }
});

serve('a request fetch cannot represent (a TRACE) gets 400 with a plain text reason', async () => {
  const { calls, handler } = echo();
  const server = await serveNode(handler);
  try {
    const answer = await raw(server.url, { method: 'TRACE', path: '/' });
    assert.is(answer.status, 400);
    assert.match(answer.type, /^text\/plain/);
    assert.ok(answer.text.trim().length > 0, 'a reason is given');
    assert.is(calls.count, 0);
  } finally {
    await server.close();
  }
});

serve('a handler that throws gets 500 with a plain text reason, and what it threw is not sent', async () => {
  const server = await serveNode(async () => { throw new Error('secret detail'); });
  try {
    const answer = await raw(server.url, { path: '/' });
    assert.is(answer.status, 500);
    assert.match(answer.type, /^text\/plain/);
    assert.not.match(answer.text, /secret detail/);
  } finally {
    await server.close();
  }
});

serve('an IPv6 host is bracketed, in the URL served on and in the URLs the handler sees', async () => {
  const { handler } = echo();
  const server = await serveNode(handler, { host: '::1' });
  try {
    assert.match(server.url, /^http:\/\/\[::1\]:\d+$/);
    const response = await fetch(`${server.url}/p?q=1`);
    assert.is(await response.text(), `${server.url}/p?q=1`);
  } finally {
    await server.close();
  }
});

serve.run();
