// examples/node-kms/serve.mjs at the edges a KMS client does not reach: a client that reads the
// response slowly or goes away (the body is read only as fast as the socket takes it, and cancelled
// when the client leaves).
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

const serve = suite('examples/node-kms/serve.mjs: backpressure, aborts', {});

serve('a response body the client does not read is read from the handler only as fast as the socket takes it', async () => {
  const { body, handler } = largeBody();
  const server = await serveNode(handler);
  const socket = await idleClient(server.url);
  try {
    await sleep(500);
    assert.ok(body.pulled > 0, 'the body started');
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

serve.run();
