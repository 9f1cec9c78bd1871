// Where a sealed or opened file is written, a chunk at a time, so that no file is ever whole in
// memory. One output (a WritableStream, finish(), discard()) over four places, best first:
//   - "picker": the File System Access API (Chromium): the user picks the file, written in place;
//   - "private": the Origin Private File System through createWritable(): a file on disk in the
//     site's private storage, offered afterwards as a download of that disk-backed File;
//   - "worker": the same file, written by a dedicated worker (opfs-writer.mjs) through a
//     FileSystemSyncAccessHandle, where the page has no createWritable (Safari, before it had it);
//   - "memory": none of those works (WebKitGTK 2.50: its private file system is off by default,
//     refuses ephemeral sessions, and has no sync access handles; a download streamed from a
//     service worker would keep a failed file's partial bytes under its name there): the
//     chunks are collected into a Blob. Memory bounds the file size there, and the page says so.
// A file that fails (tampered, wrong key, cancelled) is discarded: the partial output is deleted,
// and never offered.

const PRIVATE_DIR = 'webkms-vault-output';
// How long the sync access handle probe may take before the worker output is given up.
const PROBE_TIMEOUT = 5_000;

let detected;

/**
 * What this browser can write, found once: { kinds: the outputs, best first; why: why nothing is
 * written to disk, or '' }. The private file system is tried, not just looked for: it may exist
 * and still refuse (WebKitGTK's ephemeral sessions), and sync access handles exist only in workers.
 */
function detect() {
  detected ??= (async () => {
    const [disk, why] = await privateKinds();
    const kinds = [typeof globalThis.showSaveFilePicker === 'function' && 'picker', ...disk, 'memory'].filter(Boolean);
    return { kinds, why: kinds.length > 1 ? '' : why };
  })();
  return detected;
}

/** [the private file system outputs that work here, why none does]. */
async function privateKinds() {
  if (typeof navigator.storage?.getDirectory !== 'function') return [[], 'it has no private file system (navigator.storage.getDirectory)'];
  const refused = await navigator.storage.getDirectory().then(() => '', describeError);
  if (refused) return [[], `its private file system refuses this page (${refused})`];
  if (typeof globalThis.FileSystemFileHandle?.prototype.createWritable === 'function') return [['private'], ''];
  const unsynced = await syncHandleProblem();
  return unsynced ? [[], `its private file system has no createWritable, and a worker's sync access handle fails (${unsynced})`] : [['worker'], ''];
}

/** An error as one line of text, for the page. */
export const describeError = (error) => `${error?.name ?? 'Error'}: ${error?.message ?? error}`;

/** The ways this browser can write a file, best first. */
export const outputKinds = async () => (await detect()).kinds;

/** Why this browser writes nothing to disk (the page says it), or '' when it does. */
export const memoryReason = async () => (await detect()).why;

const hasPrivateOutput = async () => (await outputKinds()).some((kind) => kind === 'private' || kind === 'worker');

/** Deletes what an earlier visit left in the private file system: its downloads died with its page. */
export async function clearPrivateOutput() {
  if (!(await hasPrivateOutput())) return;
  const root = await navigator.storage.getDirectory();
  await root.removeEntry(PRIVATE_DIR, { recursive: true }).catch(() => {});
}

/** The outputs kept in the private file system, one directory each (the tests check nothing is left). */
export async function privateOutputNames() {
  if (!(await hasPrivateOutput())) return [];
  const names = [];
  for await (const name of (await outputDirectory()).keys()) names.push(name);
  return names;
}

const outputDirectory = async () => (await navigator.storage.getDirectory()).getDirectoryHandle(PRIVATE_DIR, { create: true });

/**
 * A place to write `name`: { writable, finish(): the written File or null when it was written in
 * place, discard() }. For "picker" call it while the click is still a user activation.
 */
export async function createOutput(kind, name, { directory } = {}) {
  if (kind === 'picker') {
    const saveAs = directory && (await freeName(directory, name));
    const handle = directory
      ? await directory.getFileHandle(saveAs, { create: true })
      : await globalThis.showSaveFilePicker({ suggestedName: name });
    // A file that had content is one the user chose to replace: aborting the writable leaves that
    // content as it was (nothing of ours reaches it before close), so it must not be removed.
    const replaced = (await handle.getFile()).size > 0;
    return fileOutput(handle, await handle.createWritable(), async () => { if (!replaced) await (directory ? directory.removeEntry(saveAs) : handle.remove?.()); }, false);
  }
  if (kind === 'private' || kind === 'worker') {
    // A directory per output, so that the File offered has the name it is saved under.
    const dir = await outputDirectory();
    const job = crypto.randomUUID();
    const remove = () => dir.removeEntry(job, { recursive: true });
    try {
      const handle = await (await dir.getDirectoryHandle(job, { create: true })).getFileHandle(name, { create: true });
      const writable = kind === 'private' ? await handle.createWritable() : await workerWritable([PRIVATE_DIR, job], name);
      return fileOutput(handle, writable, remove, true);
    } catch (error) {
      await remove().catch(() => {});
      throw error;
    }
  }
  let chunks = [];
  return {
    writable: new WritableStream({ write(chunk) { chunks.push(chunk); }, abort() { chunks = []; } }),
    finish: async () => new File(chunks, name),
    discard: async () => { chunks = []; },
  };
}

/**
 * `name`, or the first of "name (1).ext", "name (2).ext", … not in `directory`: a folder picked
 * once for several files asks nothing per file, so a file already there is never replaced.
 */
async function freeName(directory, name) {
  const at = name.indexOf('.', 1);
  const [stem, extensions] = at < 0 ? [name, ''] : [name.slice(0, at), name.slice(at)];
  for (let n = 0; ; n++) {
    const candidate = n === 0 ? name : `${stem} (${n})${extensions}`;
    // A folder of that name (TypeMismatchError) takes the name too.
    const taken = await directory.getFileHandle(candidate).then(() => true, (error) => (error?.name === 'NotFoundError' ? false : error?.name === 'TypeMismatchError' || Promise.reject(error)));
    if (!taken) return candidate;
  }
}

function fileOutput(handle, writable, remove, offer) {
  return {
    writable,
    finish: async () => (offer ? handle.getFile() : null),
    // pipeTo has already aborted the writable when the stream failed; aborting again is harmless.
    discard: async () => {
      await writable.abort().catch(() => {});
      await remove().catch(() => {});
    },
  };
}

/** The opfs-writer.mjs worker: send(message, transfer) resolves on its { ok }, rejects on its { error }. */
function writerWorker() {
  const worker = new Worker(new URL('./opfs-writer.mjs', import.meta.url), { type: 'module' });
  let answer;
  const settle = (data) => { const waiting = answer; answer = undefined; waiting?.(data); };
  worker.onmessage = ({ data }) => settle(data);
  worker.onerror = (event) => {
    event.preventDefault();
    settle({ error: { name: 'Error', message: `the file writer worker failed: ${event.message || 'it did not load'}` } });
  };
  return {
    send: (message, transfer = []) => new Promise((resolve, reject) => {
      answer = (data) => (data.error ? reject(Object.assign(new Error(data.error.message), { name: data.error.name })) : resolve());
      worker.postMessage(message, transfer);
    }),
    end: () => worker.terminate(),
  };
}

/**
 * A WritableStream onto `name` in the private directory `path`, written by a worker. Each chunk's
 * buffer is transferred, and the next write waits for the worker's answer: one chunk in flight.
 */
async function workerWritable(path, name) {
  const worker = writerWorker();
  const failed = (error) => { worker.end(); throw error; };
  await worker.send({ open: [path, name] }).catch(failed);
  return new WritableStream({
    write(chunk) {
      // A view into a larger buffer is copied, so that nothing the stream still holds is detached.
      const bytes = chunk.byteOffset === 0 && chunk.byteLength === chunk.buffer.byteLength ? chunk : chunk.slice();
      return worker.send({ chunk: bytes.buffer }, [bytes.buffer]).catch(failed);
    },
    close: () => worker.send({ close: true }).then(worker.end, failed),
    abort: () => worker.send({ abort: true }).catch(() => {}).then(worker.end),
  });
}

/** Why a worker cannot open a sync access handle here, or '' (WebKitGTK 2.50 has the method, and refuses). */
async function syncHandleProblem() {
  const probe = `probe-${crypto.randomUUID()}`;
  let timer;
  try {
    const trial = (async () => (await workerWritable([PRIVATE_DIR, probe], 'probe')).close())();
    const late = new Promise((resolve, reject) => { timer = setTimeout(() => reject(new Error('the worker did not answer')), PROBE_TIMEOUT); });
    await Promise.race([trial, late]);
    return '';
  } catch (error) {
    return describeError(error);
  } finally {
    clearTimeout(timer);
    await (await outputDirectory()).removeEntry(probe, { recursive: true }).catch(() => {});
  }
}

/** Asks for a directory to save several files in (one user activation, one prompt). */
export const pickDirectory = () => globalThis.showDirectoryPicker({ mode: 'readwrite' });
