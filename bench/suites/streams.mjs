// sealStream and openStream of 16 MiB at frame sizes from 4 KiB to 4 MiB, and of 256 MiB at the
// default frame size, against one subtle.encrypt of the same bytes. The input comes in 64 KiB
// chunks (as files and fetch bodies do); the output is counted, not kept.
import { RawAesKeyring, sealStream, openStream } from '../../src/index.ts';
import { group, isQuick } from '../lib/harness.mjs';
import { pattern } from './large.mjs';

const KEY = { keyNamespace: 'bench', keyName: 'wrapping-key', material: crypto.getRandomValues(new Uint8Array(32)) };
const CHUNK = 64 * 1024;
const FRAME_SIZES = [4, 16, 64, 256, 1024, 4096].map((k) => k * 1024);
const label = (size) => (size >= 1024 * 1024 ? `${size / 1024 / 1024} MiB` : `${size / 1024} KiB`);

/** A stream of `bytes` in CHUNK-sized views. */
function source(bytes) {
  let at = 0;
  return new ReadableStream({
    pull(controller) {
      if (at >= bytes.length) return controller.close();
      controller.enqueue(bytes.subarray(at, (at += CHUNK)));
    },
  });
}

async function drain(stream) {
  let length = 0;
  await stream.pipeTo(new WritableStream({ write: (chunk) => void (length += chunk.length) }));
  return length;
}

async function collect(stream) {
  const parts = [];
  await stream.pipeTo(new WritableStream({ write: (chunk) => void parts.push(chunk) }));
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const part of parts) out.set(part, (at += part.length) - part.length);
  return out;
}

export default async function streams(report) {
  const keyring = new RawAesKeyring(KEY);
  const options = { encryptionContext: { file: 'bench' } };
  const dataKey = await crypto.subtle.importKey('raw', crypto.getRandomValues(new Uint8Array(32)), 'AES-GCM', false, ['encrypt']);
  const iv = new Uint8Array(12);
  for (const size of isQuick() ? [16 * 1024 * 1024] : [16 * 1024 * 1024, 256 * 1024 * 1024]) {
    const plaintext = pattern(size);
    const frames = size > 16 * 1024 * 1024 ? [64 * 1024, 1024 * 1024] : FRAME_SIZES;
    const sealed = new Map();
    for (const frameSize of frames) sealed.set(frameSize, await collect(source(plaintext).pipeThrough(sealStream(keyring, { ...options, frameSize }))));
    // Each stream runs once per round; the 256 MiB ones in three rounds.
    const slow = true;
    const [rounds, samples] = size > 16 * 1024 * 1024 ? [3, 1] : [undefined, 3];
    const floor = { name: `one subtle.encrypt of ${label(size)}`, role: 'floor', fn: () => crypto.subtle.encrypt({ name: 'AES-GCM', iv }, dataKey, plaintext) };
    // The same rows for both directions: each frame size against one subtle.encrypt of the bytes.
    const streamGroup = async (kind, run) =>
      report(
        await group({
          id: `${kind}-${label(size)}`,
          title: `${kind} ${label(size)}`,
          bytes: size,
          slow,
          rounds,
          samples,
          rows: [...frames.map((frameSize) => ({ name: `frames of ${label(frameSize)}`, role: 'webkms', fn: () => run(frameSize) })), floor],
        }),
      );
    await streamGroup('sealStream', (frameSize) => drain(source(plaintext).pipeThrough(sealStream(keyring, { ...options, frameSize }))));
    await streamGroup('openStream', (frameSize) => drain(source(sealed.get(frameSize)).pipeThrough(openStream(keyring, options))));
  }
}
