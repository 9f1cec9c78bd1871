// base64 encode and decode from 32 B to 64 MiB: webkms against Buffer (Node, Bun, Deno's node:buffer),
// btoa/atob (with the String.fromCharCode / charCodeAt loops they need for bytes), and the
// engine's Uint8Array toBase64/fromBase64 where it has them (not Node 20).
import { Buffer } from 'node:buffer';
import { base64 } from '../../src/index.ts';
import { group, isQuick } from '../lib/harness.mjs';

const SIZES = [32, 1024, 1024 * 1024, 64 * 1024 * 1024];
const label = (n) => (n >= 1024 * 1024 ? `${n / 1024 / 1024} MiB` : n >= 1024 ? `${n / 1024} KiB` : `${n} B`);
const sync = (fn) => Object.assign(fn, { sync: true });

function btoaBytes(bytes) {
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode.apply(null, bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}

function atobBytes(text) {
  const binary = atob(text);
  const out = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) out[i] = binary.charCodeAt(i);
  return out;
}

const hasNative = typeof Uint8Array.prototype.toBase64 === 'function';

// Encoding for every size first, then decoding: each group interleaves its own rows, and no
// group pays for the garbage (1 MiB output arrays, their collection) of the other direction.
export default async function base64Suite(report) {
  const inputs = (isQuick() ? SIZES.slice(0, 3) : SIZES).map((size) => {
    const bytes = crypto.getRandomValues(new Uint8Array(Math.min(size, 65536)));
    const data = size > bytes.length ? new Uint8Array(size).map((_, i) => bytes[i % bytes.length]) : bytes;
    return { size, data, text: Buffer.from(data).toString('base64'), slow: size > 1024 * 1024 };
  });
  const native = (fn, slow) => (hasNative ? { fn: sync(fn), slow } : { fn: undefined, missing: 'no Uint8Array.prototype.toBase64 in this engine' });
  for (const { size, data, slow } of inputs) {
    report(
      await group({
        id: `base64-encode-${size}`,
        title: `base64 encode ${label(size)}`,
        bytes: size,
        slow,
        rounds: slow ? 3 : undefined,
        samples: 1,
        rows: [
          { name: 'webkms', role: 'webkms', fn: sync(() => base64.encode(data)) },
          { name: 'Buffer', role: 'peer', fn: sync(() => Buffer.from(data.buffer, data.byteOffset, data.length).toString('base64')) },
          { name: 'btoa', role: 'peer', fn: sync(() => btoaBytes(data)) },
          { name: 'toBase64', role: 'peer', ...native(() => data.toBase64(), slow) },
        ],
      }),
    );
  }
  for (const { size, text, slow } of inputs) {
    report(
      await group({
        id: `base64-decode-${size}`,
        title: `base64 decode ${label(size)}`,
        bytes: size,
        slow,
        rounds: slow ? 3 : undefined,
        samples: 1,
        rows: [
          { name: 'webkms', role: 'webkms', fn: sync(() => base64.decode(text)) },
          { name: 'Buffer', role: 'peer', fn: sync(() => Buffer.from(text, 'base64')) },
          { name: 'atob', role: 'peer', fn: sync(() => atobBytes(text)) },
          { name: 'fromBase64', role: 'peer', ...native(() => Uint8Array.fromBase64(text), slow) },
        ],
      }),
    );
  }
}
