// @ts-check
// Files and standard streams as Web Streams, for Node, Deno and Bun alike (node: built-ins all
// three have). Input is read a chunk at a time; output to a file goes to a temporary file beside
// it, renamed over it only once everything was written and verified, removed otherwise.
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { KmsError } from 'webkms';

/** `-` names standard input or output. */
export const STDIO = '-';
const CHUNK = 1024 * 1024;

/**
 * A file (or standard input) as a ReadableStream of bytes, and its size when it is a regular file.
 * @param {string} name
 * @returns {Promise<{ stream: ReadableStream<Uint8Array>, size: number | undefined }>}
 */
export async function openInput(name) {
  if (name === STDIO) return { stream: fromNode(process.stdin), size: undefined };
  const handle = await fsp.open(name, 'r');
  const stat = await handle.stat();
  // A FileHandle's own stream: the handle is opened (and its errors thrown) here, not later.
  const stream = fromNode(handle.createReadStream({ highWaterMark: CHUNK }));
  return { stream, size: stat.isFile() ? stat.size : undefined };
}

/**
 * A Node Readable as a ReadableStream, pulled a chunk at a time so that a slow consumer holds the
 * reads back (Readable.toWeb is missing or buffers differently in some runtimes).
 * @param {NodeJS.ReadableStream & { destroy(): void }} readable
 * @returns {ReadableStream<Uint8Array>}
 */
function fromNode(readable) {
  const chunks = /** @type {AsyncIterator<Uint8Array>} */ (readable[Symbol.asyncIterator]());
  return new ReadableStream({
    async pull(controller) {
      const { value, done } = await chunks.next();
      if (done) controller.close();
      else controller.enqueue(new Uint8Array(value.buffer, value.byteOffset, value.byteLength));
    },
    cancel: () => readable.destroy(),
  });
}

/**
 * @typedef {object} Output
 * @property {WritableStream<Uint8Array>} stream
 * @property {() => Promise<void>} commit puts the written file in place (a file) or flushes (stdout)
 * @property {() => Promise<void>} discard removes what was written, when it can (a file)
 */

/**
 * Where a command's output goes. A regular file (or a new one) is written to a temporary file
 * beside it (mode 0600: it may be plaintext), flushed to disk and renamed over it by `commit`;
 * `discard` removes it, so a failed command leaves no partial file. A symbolic link is followed:
 * its target is replaced, the link kept. Standard output, and an OUT that is no regular file (a
 * pipe, a terminal, /dev/null), cannot be taken back: bytes go out as they come.
 * @param {string} name
 * @returns {Promise<Output>}
 */
export async function openOutput(name) {
  if (name === STDIO || STDOUT_NAMES.test(name)) {
    const stream = toStdout();
    return { stream, commit: async () => undefined, discard: async () => undefined };
  }
  const stat = await fsp.stat(name).catch(() => undefined);
  if (stat?.isDirectory()) throw Object.assign(new Error('OUT is a directory'), { code: 'EISDIR' });
  // Another open descriptor (/dev/fd/3) is written where it is, never replaced, even when a file.
  const descriptor = DESCRIPTOR_NAMES.test(name);
  if (descriptor || (stat && !stat.isFile())) {
    // Opened by the name given: the real path of /dev/fd/1 is no path (Bun makes it "pipe:[…]").
    const handle = await fsp.open(name, descriptor ? 'a' : 'w');
    const close = once(() => handle.close());
    return { stream: toHandle(handle, close), commit: close, discard: close };
  }
  const target = stat ? await fsp.realpath(name) : await linkTarget(name);
  // Named for webkms, not for OUT: a long OUT name plus a suffix could exceed the name limit.
  const temporary = path.join(path.dirname(target), `.webkms-${crypto.randomUUID().slice(0, 8)}.partial`);
  // Registered before it exists: a signal between creating and registering would leave it behind.
  removeOnExit.add(temporary);
  const handle = await fsp.open(temporary, 'wx', 0o600).catch((error) => {
    removeOnExit.delete(temporary);
    throw error;
  });
  const close = once(() => handle.close());
  // On disk before the rename: a crash right after must not leave OUT renamed but empty.
  const stream = toHandle(handle, once(() => handle.sync().then(close)));
  return {
    stream,
    async commit() {
      await close();
      await fsp.rename(temporary, target);
      removeOnExit.delete(temporary);
    },
    async discard() {
      await close().catch(() => undefined);
      await fsp.rm(temporary, { force: true });
      removeOnExit.delete(temporary);
    },
  };
}

// Standard output by another name: written through process.stdout (sharing its file offset), never
// replaced by a rename of the file it is redirected to.
const STDOUT_NAMES = /^\/dev\/(stdout|fd\/1)$|^\/proc\/self\/fd\/1$/;
const DESCRIPTOR_NAMES = /^\/dev\/(stderr|fd\/\d+)$|^\/proc\/(self|\d+)\/fd\/\d+$/;

/**
 * Where a name that is no file yet will be: a dangling symbolic link's (final) target, or the name.
 * @param {string} name
 */
async function linkTarget(name) {
  let at = name;
  for (let hops = 0; hops < 40; hops++) {
    const link = await fsp.readlink(at).catch(() => undefined);
    if (link === undefined) return at;
    // Against the real directory: `..` in the link leaves it, not the path that named it.
    at = path.resolve(await fsp.realpath(path.dirname(at)), link);
  }
  throw Object.assign(new Error('OUT is a loop of symbolic links'), { code: 'ELOOP' });
}

/**
 * A file handle as a WritableStream; `close` ends it.
 * @param {import('node:fs/promises').FileHandle} handle
 * @param {() => Promise<void>} close
 * @returns {WritableStream<Uint8Array>}
 */
function toHandle(handle, close) {
  return new WritableStream({
    async write(chunk) {
      for (let at = 0; at < chunk.length; ) at += (await handle.write(chunk, at, chunk.length - at)).bytesWritten;
    },
    close,
  });
}

/**
 * `run`, called at most once: later calls share the first call's promise.
 * @param {() => Promise<void>} run
 */
function once(run) {
  /** @type {Promise<void> | undefined} */
  let done;
  return () => (done ??= run());
}

// Temporary files still there when the process ends: removed on exit, and on the signals that
// end a command line (Ctrl-C, kill, a closed terminal), which exit as a shell reports them.
const removeOnExit = new Set();
const sweep = () => {
  for (const file of removeOnExit) fs.rmSync(file, { force: true });
  removeOnExit.clear();
};
process.once('exit', sweep);
for (const [signal, number] of /** @type {const} */ ([['SIGINT', 2], ['SIGTERM', 15], ['SIGHUP', 1]])) {
  process.once(signal, () => {
    sweep();
    process.exit(128 + number);
  });
}

// A reader that went away (`webkms open … - | head`) is reported by each write's callback, which
// the command handles; Node would also raise it as an uncaught 'error' event.
process.stdout.on('error', () => undefined);

let stdoutGone = false;

/**
 * Whether standard output's reader went away (EPIPE): the command's error may then be another one
 * (a stream cancelled by it), and is not worth a message.
 */
export const stdoutClosed = () => stdoutGone;

/** Standard output as a WritableStream: each write waits until Node has handed it on. */
function toStdout() {
  return new WritableStream({
    write: (chunk) => new Promise((resolve, reject) => process.stdout.write(chunk, (error) => {
      if (/** @type {{ code?: unknown } | null | undefined} */ (error)?.code === 'EPIPE') stdoutGone = true;
      return error ? reject(error) : resolve();
    })),
  });
}

/**
 * Writes text to standard output and waits until it is handed on.
 * @param {string} text
 */
export async function printOut(text) {
  const writer = toStdout().getWriter();
  await writer.write(new TextEncoder().encode(text));
  await writer.close();
}

/**
 * A whole (small) stream as UTF-8 text; more than `limit` bytes is refused.
 * @param {ReadableStream<Uint8Array>} stream
 * @param {number} limit
 */
export async function readText(stream, limit) {
  const decoder = new TextDecoder();
  let text = '';
  let length = 0;
  for await (const chunk of /** @type {AsyncIterable<Uint8Array>} */ (/** @type {unknown} */ (stream))) {
    length += chunk.length;
    if (length > limit) throw new KmsError('ValidationException', `more than ${limit} bytes where a key was expected`);
    text += decoder.decode(chunk, { stream: true });
  }
  return text + decoder.decode();
}

/**
 * Reads the start of a stream until `parse` accepts it, doubling what it tries, up to `limit`
 * bytes or the stream's end; then cancels the rest. Throws `parse`'s last error when no prefix
 * was accepted.
 * @template T
 * @param {ReadableStream<Uint8Array>} stream
 * @param {(prefix: Uint8Array) => T} parse
 * @param {number} limit
 * @returns {Promise<T>}
 */
export async function parsePrefix(stream, parse, limit) {
  const reader = stream.getReader();
  let prefix = new Uint8Array(0);
  let tryAt = 1;
  let lastError;
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (value) {
        const grown = new Uint8Array(prefix.length + value.length);
        grown.set(prefix);
        grown.set(value, prefix.length);
        prefix = grown.subarray(0, Math.min(grown.length, limit));
      }
      if (done || prefix.length >= tryAt) {
        try {
          return parse(prefix);
        } catch (error) {
          lastError = error;
        }
        if (done || prefix.length >= limit) throw lastError;
        tryAt = Math.min(prefix.length * 2, limit);
      }
    }
  } finally {
    await reader.cancel().catch(() => undefined);
  }
}

/**
 * Counts the bytes going through, and draws a progress line on standard error when it is a
 * terminal (never when it is a file or a pipe, which would fill with carriage returns).
 * @param {string} verb e.g. "sealed"
 * @param {number | undefined} total the input's size, when known
 * @returns {{ stream: TransformStream<Uint8Array, Uint8Array>, done(): void }}
 */
export function progress(verb, total) {
  const draw = Boolean(process.stderr.isTTY);
  const started = performance.now();
  let bytes = 0;
  let drawnAt = 0;
  const line = () => {
    const seconds = (performance.now() - started) / 1000;
    const rate = seconds > 0 ? ` ${(bytes / 1e6 / seconds).toFixed(0)} MB/s` : '';
    const of = total ? ` of ${mib(total)} (${Math.floor((bytes / total) * 100)}%)` : '';
    process.stderr.write(`\r\x1b[Kwebkms: ${verb} ${mib(bytes)}${of},${rate}`);
  };
  const stream = new TransformStream({
    transform(chunk, controller) {
      bytes += chunk.length;
      if (draw && performance.now() - drawnAt > 100) {
        drawnAt = performance.now();
        line();
      }
      controller.enqueue(chunk);
    },
  });
  return {
    stream,
    done() {
      if (!draw || drawnAt === 0) return;
      line();
      process.stderr.write('\n');
    },
  };
}

const mib = (/** @type {number} */ bytes) => `${(bytes / 2 ** 20).toFixed(1)} MiB`;
