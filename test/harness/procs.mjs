// Every process the harness starts is registered here, so it can be stopped by its PID whatever
// happens: normal end, a failing or hanging engine, an exception in the runner, Ctrl-C.
import { spawn } from 'node:child_process';
import net from 'node:net';

const live = new Set();
const TAIL = 16 * 1024; // enough of a process's output to explain a crash

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Start a process in its own process group (`detached`), so stopping it by PID also stops what it
 * spawned (MiniBrowser under WebKitWebDriver, ...). The end of its output is kept in `child.tail`
 * for error messages, through `child.keep()`, which a caller reading stdout itself (`ownStdout`)
 * calls with what is not meant for it; `stdio` may add pipes (Xvfb's -displayfd) or open stdin.
 */
export function start(cmd, args, { env = process.env, cwd, stdio = ['ignore', 'pipe', 'pipe'], ownStdout = false } = {}) {
  const child = spawn(cmd, args, { env, cwd, stdio, detached: true });
  child.tail = '';
  child.keep = (data) => { child.tail = (child.tail + data).slice(-TAIL); };
  if (!ownStdout) child.stdout?.on('data', child.keep);
  child.stderr?.on('data', child.keep);
  child.exited = new Promise((resolve) => {
    child.once('error', (error) => { child.spawnError = error; resolve(); });
    child.once('exit', () => resolve());
  });
  return track(child);
}

/** Register a process someone else spawned (Playwright's browser server) so it is stopped the same way. */
export function track(child) {
  live.add(child);
  (child.exited ??= new Promise((resolve) => child.once('exit', () => resolve()))).then(() => live.delete(child));
  return child;
}

function signal(child, sig) {
  if (!child.pid) return;
  try { process.kill(-child.pid, sig); } catch { try { process.kill(child.pid, sig); } catch { /* already gone */ } }
}

/** SIGTERM the process group, SIGKILL it if it is still there after `graceMs`. */
export async function stop(child, graceMs = 3000) {
  if (!child) return;
  signal(child, 'SIGTERM');
  const gone = await Promise.race([child.exited.then(() => true), sleep(graceMs).then(() => false)]);
  if (!gone) signal(child, 'SIGKILL');
  await child.exited;
  live.delete(child);
}

/** Last resort from exit and signal handlers, where nothing asynchronous can run any more. */
export function killAll() {
  for (const child of live) signal(child, 'SIGKILL');
  live.clear();
}

/** Reject with a message naming `what` when `promise` is not settled within `ms`. */
export function withTimeout(promise, ms, what) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} timed out after ${Math.round(ms / 1000)} s`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Poll `probe` until it returns something truthy; `child`, when given, failing first ends the wait early. */
export async function waitFor(probe, { timeoutMs, what, child, intervalMs = 100 }) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value) return value;
    if (child && (child.exitCode !== null || child.signalCode !== null || child.spawnError)) {
      throw new Error(`${what}: process exited (${child.spawnError?.message ?? child.exitCode ?? child.signalCode})\n${child.tail}`);
    }
    if (Date.now() > deadline) throw new Error(`${what} timed out after ${Math.round(timeoutMs / 1000)} s${child ? '\n' + child.tail : ''}`);
    await sleep(intervalMs);
  }
}

/** A TCP port free on 127.0.0.1 right now, for servers that cannot be handed a listening socket. */
function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** How workerd ("Address already in use") and WebKitWebDriver ("Unable to listen") say their port was taken. */
const PORT_TAKEN = /EADDRINUSE|address already in use|unable to listen/i;

/**
 * `launch(port)` on a freePort(), and on a new one (3 tries in all) when it failed because the
 * port was taken between freePort() and the child binding it (another server of the run, say).
 * `launch` stops what it started when it fails.
 */
export async function onFreePort(launch, tries = 3) {
  for (let attempt = 1; ; attempt++) {
    try {
      return await launch(await freePort());
    } catch (error) {
      if (attempt >= tries || !PORT_TAKEN.test(error?.message)) throw error;
    }
  }
}
