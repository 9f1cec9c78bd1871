// The client of the bench's `http` suite, in Node (bench/run.mjs's own process; the server is
// another process, started here): signed GenerateDataKey requests over keep-alive connections to
// webkms/http and to the floor handler of the same server, in alternating rounds, every answer
// checked. The requests are signed by the unmodified AWS SDK (@aws-sdk/client-kms, whose
// request handler here keeps the signed request instead of sending it), a fresh pool per round:
// SigV4 lets a signed request be replayed within its 5-minute window, so each round replays its
// pool of distinct requests (each its own context, invocation id and signature). The load is
// sent over raw sockets, HTTP/1.1 written and parsed by hand, so the client costs the 2 shared
// cores far less per request than the server does.
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import net from 'node:net';
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { createInterface } from 'node:readline';
import { median, spread } from '../lib/harness.mjs';
import { ACCOUNT, ALIAS, CREDENTIAL, KEY_ID, REGION } from './shared.mjs';

const IN_FLIGHT = 64;
/** A slice that has not ended this long after its time (a server that stopped answering) stops the bench. */
const STALL_MS = 30_000;
const POOL = 256;
const HANDLER = 'webkms/http';
const FLOOR = 'floor handler';
const ARN = `arn:aws:kms:${REGION}:${ACCOUNT}:key/${KEY_ID}`;

// ── signed requests, by the AWS SDK ─────────────────────────────────────────

/** A function making `count` signed GenerateDataKey requests for `port`, as HTTP/1.1 bytes for `/` and for `/floor`. */
async function signer(port) {
  // The SDK warns, once, that its releases of 2027 will need Node 22: not news for a bench.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const { KMSClient, GenerateDataKeyCommand } = createRequire(import.meta.url)('@aws-sdk/client-kms');
  const kept = { request: undefined };
  const keep = {
    handle: async (request) => {
      kept.request = request;
      throw new Error('kept');
    },
    updateHttpClientConfig() {},
    httpHandlerConfigs: () => ({}),
  };
  const client = new KMSClient({ region: REGION, endpoint: `http://127.0.0.1:${port}`, credentials: CREDENTIAL, maxAttempts: 1, requestHandler: keep });
  return async (count, round) => {
    const pool = { handler: [], floor: [] };
    for (let i = 0; i < count; i++) {
      const command = new GenerateDataKeyCommand({ KeyId: ALIAS, KeySpec: 'AES_256', EncryptionContext: { tenant: 'acme', request: `${round}.${i}` } });
      await client.send(command).catch((error) => {
        if (error.message !== 'kept') throw error;
      });
      const { method, path, headers, body } = kept.request;
      const head = Object.entries(headers).map(([name, value]) => `${name}: ${value}\r\n`).join('');
      for (const [which, target] of [['handler', path], ['floor', '/floor']]) {
        pool[which].push(Buffer.concat([Buffer.from(`${method} ${target} HTTP/1.1\r\n${head}\r\n`), Buffer.from(body.buffer, body.byteOffset, body.byteLength)]));
      }
    }
    return pool;
  };
}

// ── HTTP/1.1 over a raw socket: one request in flight per connection ────────

const HEAD_END = Buffer.from('\r\n\r\n');
const CRLF = Buffer.from('\r\n');

/** The response at the start of `data`, if it is all there: { status, body, length }. */
function parseResponse(data) {
  const headEnd = data.indexOf(HEAD_END);
  if (headEnd < 0) return undefined;
  const head = data.toString('latin1', 0, headEnd);
  const status = Number(head.slice(9, 12));
  const lengthMatch = /\r\ncontent-length: *(\d+)/i.exec(head);
  let at = headEnd + 4;
  if (lengthMatch) {
    const end = at + Number(lengthMatch[1]);
    return end <= data.length ? { status, body: data.subarray(at, end), length: end } : undefined;
  }
  if (!/\r\ntransfer-encoding: *chunked/i.test(head)) throw new Error(`a response with neither Content-Length nor chunked encoding: ${head.slice(0, 200)}`);
  const parts = [];
  for (;;) {
    const lineEnd = data.indexOf(CRLF, at);
    if (lineEnd < 0) return undefined;
    const size = parseInt(data.toString('latin1', at, lineEnd), 16);
    const chunkEnd = lineEnd + 2 + size;
    if (chunkEnd + 2 > data.length) return undefined;
    if (size === 0) return { status, body: Buffer.concat(parts), length: chunkEnd + 2 };
    parts.push(data.subarray(lineEnd + 2, chunkEnd));
    at = chunkEnd + 2;
  }
}

class Connection {
  #port;
  #socket;
  #data = Buffer.alloc(0);
  #pending;

  constructor(port) {
    this.#port = port;
  }

  #connect() {
    const socket = net.connect({ host: '127.0.0.1', port: this.#port, noDelay: true });
    socket.on('data', (chunk) => {
      this.#data = this.#data.length ? Buffer.concat([this.#data, chunk]) : chunk;
      if (!this.#pending) return;
      let response;
      try {
        response = parseResponse(this.#data);
      } catch (error) {
        this.#settle('reject', error);
        return;
      }
      if (!response) return;
      this.#data = this.#data.subarray(response.length);
      this.#settle('resolve', response);
    });
    const lost = (error) => {
      if (this.#socket !== socket) return; // a late event of a socket already replaced
      this.#socket = undefined;
      const pending = this.#pending;
      // The server closed an idle keep-alive connection (Node's after 5 s) as the request went out,
      // before answering any of it: sent again, once, on a new connection.
      if (pending && !pending.resent && this.#data.length === 0) {
        pending.resent = true;
        this.#connect();
        this.#socket.write(pending.bytes);
        return;
      }
      this.#settle('reject', error ?? new Error('the server closed the connection'));
    };
    socket.on('error', lost);
    socket.on('close', () => lost());
    this.#socket = socket;
    this.#data = Buffer.alloc(0);
  }

  #settle(how, value) {
    const pending = this.#pending;
    this.#pending = undefined;
    pending?.[how](value);
  }

  /** Sends one request and resolves with its response: { status, body }. */
  request(bytes) {
    // An idle connection the server closed between slices is opened again.
    if (!this.#socket) this.#connect();
    return new Promise((resolve, reject) => {
      this.#pending = { resolve, reject, bytes };
      this.#socket.write(bytes);
    });
  }

  close() {
    this.#socket?.destroy();
  }
}

// ── checks and slices ───────────────────────────────────────────────────────

/** Throws unless the answer is a 200 with a well-formed GenerateDataKey response (a 32-byte data key). */
function check(which, { status, body }) {
  const text = body.toString('utf8');
  if (status !== 200) throw new Error(`${which} answered ${status}: ${text.slice(0, 300)}`);
  const answer = JSON.parse(text);
  const ok =
    Buffer.from(answer.Plaintext ?? '', 'base64').length === 32 &&
    typeof answer.CiphertextBlob === 'string' &&
    Buffer.from(answer.CiphertextBlob, 'base64').length >= 60 &&
    answer.KeyId === ARN &&
    /^[0-9a-f]{64}$/.test(answer.KeyMaterialId);
  if (!ok) throw new Error(`${which} answered a malformed GenerateDataKey response: ${text.slice(0, 300)}`);
}

/** CPU seconds a process has used (user + system), from /proc (Linux); undefined elsewhere. */
function cpuSeconds(pid) {
  try {
    // Fields after the command's closing parenthesis: utime and stime are the 12th and 13th, in clock ticks (100 a second).
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return undefined;
  }
}

/** Throws unless the handler refuses a request whose signature was altered: the bench measures SigV4 verified. */
async function checkRefusesForgery(connection, signed) {
  const text = signed.toString('latin1');
  const at = text.indexOf('Signature=') + 'Signature='.length;
  const forged = Buffer.from(text.slice(0, at) + (text[at] === '0' ? '1' : '0') + text.slice(at + 1), 'latin1');
  const { status, body } = await connection.request(forged);
  if (status !== 400 || !body.toString().includes('InvalidSignatureException')) throw new Error(`a forged signature was answered ${status}: ${body.toString().slice(0, 300)}`);
}

function percentile(sorted, p) {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

/**
 * One slice: every connection sends, one request at a time, until `ms` have passed. Counts the
 * answers that came within the slice; answers still in flight then are awaited and checked too.
 */
async function slice(connections, requests, which, ms, serverPid) {
  const latencies = [];
  let next = 0;
  let checked = 0;
  const serverCpu = cpuSeconds(serverPid);
  const clientCpu = process.cpuUsage();
  const start = performance.now();
  const deadline = start + ms;
  let stalled;
  const stall = new Promise((_, reject) => {
    stalled = setTimeout(() => reject(new Error(`${which}: no answer for ${STALL_MS / 1000} s after the slice's end`)), ms + STALL_MS);
  });
  const sending = Promise.all(
    connections.map(async (connection) => {
      while (performance.now() < deadline) {
        const sent = performance.now();
        const response = await connection.request(requests[next++ % requests.length]);
        const answered = performance.now();
        check(which, response);
        checked++;
        if (answered <= deadline) latencies.push(answered - sent);
      }
    }),
  );
  await Promise.race([sending, stall]).finally(() => clearTimeout(stalled));
  const server = serverCpu === undefined ? undefined : cpuSeconds(serverPid) - serverCpu;
  const client = process.cpuUsage(clientCpu);
  latencies.sort((a, b) => a - b);
  return {
    rate: latencies.length / (ms / 1000),
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    // CPU per answer (µs): the server's, steadier than the rate on a shared machine; the client's, to show it is not the bottleneck.
    serverCpu: server === undefined ? null : (1e6 * server) / checked,
    clientCpu: (client.user + client.system) / checked,
    checked,
  };
}

// ── the suite ───────────────────────────────────────────────────────────────

/** Starts the server (`command`: the runtime and the bundled server script) and waits for its URL. */
async function startServer(command) {
  const child = spawn(command[0], command.slice(1), { stdio: ['pipe', 'pipe', 'inherit'] });
  const exited = new Promise((_, reject) => child.once('exit', (code, signal) => reject(new Error(`the http bench server exited with ${code ?? signal}`))));
  const lines = createInterface({ input: child.stdout });
  const first = new Promise((resolve) => lines.once('line', resolve));
  const line = await Promise.race([first, exited]);
  exited.catch(() => undefined);
  return { child, ...JSON.parse(line) };
}

/**
 * Measures signed GenerateDataKey over HTTP in one runtime: webkms/http and the floor handler
 * of the same server, `IN_FLIGHT` connections with one request each in flight, alternating
 * rounds. Returns a group of the bench's results (rows, per-round rates, paired ratio).
 */
export async function httpSuite({ command, quick }) {
  const rounds = quick ? 3 : 7;
  const sliceMs = quick ? 1000 : 2000;
  const started = new Date();
  const load = [loadavg()[0]];
  const server = await startServer(command);
  const connections = Array.from({ length: IN_FLIGHT }, () => new Connection(Number(new URL(server.url).port)));
  try {
    const sign = await signer(new URL(server.url).port);
    const perRound = { [HANDLER]: [], [FLOOR]: [] };
    let checked = 0;
    // One warm-up slice each (the engines compile the hot paths), not counted.
    const warm = await sign(POOL, 'warm-up');
    await checkRefusesForgery(connections[0], warm.handler[0]);
    for (const which of ['handler', 'floor']) checked += (await slice(connections, warm[which], which, sliceMs / 2, server.child.pid)).checked;
    for (let round = 0; round < rounds; round++) {
      const pool = await sign(POOL, round);
      // Alternate which goes first, so drifting load hits both alike.
      const order = round % 2 ? ['floor', 'handler'] : ['handler', 'floor'];
      for (const which of order) {
        const result = await slice(connections, pool[which], which, sliceMs, server.child.pid);
        checked += result.checked;
        perRound[which === 'handler' ? HANDLER : FLOOR].push(result);
        console.log(`  ${server.runtimeVersion}: round ${round + 1}/${rounds} ${which === 'handler' ? HANDLER : FLOOR}: ${result.rate.toFixed(0)} requests/s, p50 ${result.p50.toFixed(2)} ms, p99 ${result.p99.toFixed(2)} ms, server CPU ${result.serverCpu?.toFixed(0) ?? '?'} µs and client CPU ${result.clientCpu.toFixed(0)} µs per request`);
      }
      load.push(loadavg()[0]);
    }
    const serverCpuKnown = perRound[HANDLER].every((r) => r.serverCpu !== null);
    const row = (name, role) => {
      const results = perRound[name];
      const rates = results.map((r) => r.rate);
      return {
        name,
        role,
        opsPerSecond: median(rates),
        bytesPerSecond: null,
        spreadPercent: spread(rates),
        perRound: rates,
        latencyMs: { p50: median(results.map((r) => r.p50)), p99: median(results.map((r) => r.p99)) },
        cpuMicroseconds: { server: serverCpuKnown ? median(results.map((r) => r.serverCpu)) : null, client: median(results.map((r) => r.clientCpu)) },
        ratios: {},
      };
    };
    const handler = row(HANDLER, 'webkms');
    const floor = row(FLOOR, 'floor');
    handler.ratios[FLOOR] = median(handler.perRound.map((rate, i) => rate / floor.perRound[i]));
    const ms = (r) => `p50 ${r.latencyMs.p50.toFixed(1)} ms, p99 ${r.latencyMs.p99.toFixed(1)} ms`;
    const cpu = (r) => `${r.cpuMicroseconds.server.toFixed(0)} µs`;
    // Server CPU per answer, paired per round as the rates are: floor ÷ handler, the rate ratio the CPU alone would allow.
    const cpuRatio = serverCpuKnown ? median(perRound[HANDLER].map((r, i) => perRound[FLOOR][i].serverCpu / r.serverCpu)) : null;
    const serverCpuText = serverCpuKnown
      ? `server CPU per request ${HANDLER} ${cpu(handler)}, ${FLOOR} ${cpu(floor)} (${cpuRatio.toFixed(2)}× by CPU)`
      : 'server CPU not measured (no /proc here)';
    return {
      id: `http-generateDataKey-${IN_FLIGHT}`,
      title: `signed GenerateDataKey over HTTP, ${IN_FLIGHT} in flight`,
      inFlight: IN_FLIGHT,
      rounds,
      rows: [handler, floor],
      server: server.runtimeVersion,
      client: `Node ${process.version}, ${IN_FLIGHT} keep-alive connections, requests signed by @aws-sdk/client-kms (${POOL} per round, replayed)`,
      date: started.toISOString(),
      seconds: Math.round((Date.now() - started) / 1000),
      loadAverage1m: load.map((l) => +l.toFixed(2)),
      checked,
      cpuRatio,
      detail:
        `Signed GenerateDataKey over HTTP (${server.runtimeVersion} serving, a Node client): run ${started.toISOString()}, ${rounds} rounds of ${sliceMs / 1000} s per row, ` +
        `1-minute load average ${Math.min(...load).toFixed(2)}–${Math.max(...load).toFixed(2)}; ${checked} answers checked (every one a 200 with a 32-byte data key); ` +
        `latency ${HANDLER} ${ms(handler)}, ${FLOOR} ${ms(floor)}; ${serverCpuText}; client CPU per request ${Math.max(handler.cpuMicroseconds.client, floor.cpuMicroseconds.client).toFixed(0)} µs at most.`,
    };
  } finally {
    for (const connection of connections) connection.close();
    server.child.stdin.end();
  }
}
