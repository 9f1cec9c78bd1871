// Where a sealed or opened file is written, a chunk at a time, so that no file is ever whole in
// memory:
//   - "picker": the File System Access API (Chromium): the user picks the file, written in place;
//   - "private": the Origin Private File System: a file on disk in the site's private storage,
//     offered afterwards as a download of that disk-backed File;
//   - "memory": neither exists (WebKitGTK's MiniBrowser, older Safari): the chunks are collected
//     into a Blob. Memory bounds the file size there, and the page says so.
// A file that fails (tampered, wrong key, cancelled) is discarded: the partial output is deleted,
// and never offered.

const PRIVATE_DIR = 'webkms-vault-output';

/** The ways this browser can write a file, best first. */
export function outputKinds() {
  return [
    typeof globalThis.showSaveFilePicker === 'function' && 'picker',
    typeof navigator.storage?.getDirectory === 'function' && typeof globalThis.FileSystemFileHandle?.prototype.createWritable === 'function' && 'private',
    'memory',
  ].filter(Boolean);
}

/** Deletes what an earlier visit left in the private file system: its downloads died with its page. */
export async function clearPrivateOutput() {
  if (!outputKinds().includes('private')) return;
  const root = await navigator.storage.getDirectory();
  await root.removeEntry(PRIVATE_DIR, { recursive: true }).catch(() => {});
}

/** The outputs kept in the private file system, one directory each (the tests check nothing is left). */
export async function privateOutputNames() {
  if (!outputKinds().includes('private')) return [];
  const root = await navigator.storage.getDirectory();
  const dir = await root.getDirectoryHandle(PRIVATE_DIR, { create: true });
  const names = [];
  for await (const name of dir.keys()) names.push(name);
  return names;
}

/**
 * A place to write `name`: { writable, finish(): the written File or null when it was written in
 * place, discard() }. For "picker" call it while the click is still a user activation.
 */
export async function createOutput(kind, name, { directory } = {}) {
  if (kind === 'picker') {
    const handle = directory
      ? await directory.getFileHandle(name, { create: true })
      : await globalThis.showSaveFilePicker({ suggestedName: name });
    // A file that had content is one the user chose to replace: aborting the writable leaves that
    // content as it was (nothing of ours reaches it before close), so it must not be removed.
    const replaced = (await handle.getFile()).size > 0;
    return fileOutput(handle, async () => { if (!replaced) await (directory ? directory.removeEntry(name) : handle.remove?.()); }, false);
  }
  if (kind === 'private') {
    // A directory per output, so that the File offered has the name it is saved under.
    const root = await navigator.storage.getDirectory();
    const dir = await root.getDirectoryHandle(PRIVATE_DIR, { create: true });
    const job = crypto.randomUUID();
    const handle = await (await dir.getDirectoryHandle(job, { create: true })).getFileHandle(name, { create: true });
    return fileOutput(handle, () => dir.removeEntry(job, { recursive: true }), true);
  }
  let chunks = [];
  return {
    writable: new WritableStream({ write(chunk) { chunks.push(chunk); }, abort() { chunks = []; } }),
    finish: async () => new File(chunks, name),
    discard: async () => { chunks = []; },
  };
}

async function fileOutput(handle, remove, offer) {
  const writable = await handle.createWritable();
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

/** Asks for a directory to save several files in (one user activation, one prompt). */
export const pickDirectory = () => globalThis.showDirectoryPicker({ mode: 'readwrite' });
