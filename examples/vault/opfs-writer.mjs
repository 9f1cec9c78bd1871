// The dedicated worker behind output.mjs's "worker" output: it writes one file of the Origin
// Private File System through a FileSystemSyncAccessHandle, which browsers expose only in
// dedicated workers (Safari has had it longer than createWritable). The page sends
//   { open: [[directory, subdirectory, …], name] }, then { chunk: ArrayBuffer (transferred) } as many times as needed,
//   then { close: true } (or { abort: true }),
// and awaits the answer to each ({ ok } or { error }) before sending the next: one chunk is in
// flight at a time, so neither side ever holds more than that. Each call is awaited: the first sync
// access handles (before the 2022 change of the standard) answered with promises.
let access;
let at = 0;

async function handle(message) {
  if (message.open) {
    const [job, name] = message.open;
    let dir = await navigator.storage.getDirectory();
    for (const part of job) dir = await dir.getDirectoryHandle(part, { create: true });
    access = await (await dir.getFileHandle(name, { create: true })).createSyncAccessHandle();
    await access.truncate(0);
    at = 0;
  } else if (message.chunk) {
    const bytes = new Uint8Array(message.chunk);
    // A sync access handle may write less than it was given (a full disk): never lose the rest silently.
    const written = await access.write(bytes, { at });
    if (written !== bytes.byteLength) throw new Error(`wrote ${written} of ${bytes.byteLength} bytes (is the disk full?)`);
    at += written;
  } else if (message.close) {
    await access.flush();
    await access.close();
    access = undefined;
  } else if (message.abort) {
    await access?.close();
    access = undefined;
  }
}

self.onmessage = async ({ data }) => {
  try {
    await handle(data);
    self.postMessage({ ok: true });
  } catch (error) {
    // A failed output is deleted by the page next: the handle must not hold the file open.
    access?.close();
    access = undefined;
    self.postMessage({ error: { name: error?.name ?? 'Error', message: String(error?.message ?? error) } });
  }
};
