// Peak memory while streaming 1 GiB: sealStream piped into openStream, fed 64 KiB chunks made on
// demand, the output counted. Run in a fresh process per runtime by bench/run.mjs, so the
// baseline is this process with webkms loaded and a warm-up message streamed. Reports the peak
// resident set above that baseline: sampled every 2 ms, and, on Linux, the kernel's own
// high-water mark (VmHWM, reset at the baseline through /proc/self/clear_refs).
import { readFileSync, writeFileSync } from 'node:fs';
import { memoryUsage } from 'node:process';
import { RawAesKeyring, openStream, sealStream } from '../src/index.ts';

const TOTAL = Number(process.env.BENCH_MEMORY_BYTES ?? 2 ** 30);
const CHUNK = 64 * 1024;
const keyring = new RawAesKeyring({ keyNamespace: 'bench', keyName: 'memory', material: crypto.getRandomValues(new Uint8Array(32)) });
const options = { encryptionContext: { file: 'memory' } };
const block = crypto.getRandomValues(new Uint8Array(CHUNK));

function source(total) {
  let sent = 0;
  return new ReadableStream({
    pull(controller) {
      if (sent >= total) return controller.close();
      const chunk = block.slice(0, Math.min(CHUNK, total - sent));
      sent += chunk.length;
      controller.enqueue(chunk);
    },
  });
}

async function stream(total) {
  let received = 0;
  const started = performance.now();
  await source(total)
    .pipeThrough(sealStream(keyring, options))
    .pipeThrough(openStream(keyring, options))
    .pipeTo(new WritableStream({ write: (chunk) => void (received += chunk.length) }));
  if (received !== total) throw new Error(`streamed ${received} bytes, not ${total}`);
  return (performance.now() - started) / 1000;
}

const highWaterMark = () => {
  try {
    return Number(/VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'))[1]) * 1024;
  } catch {
    return undefined;
  }
};

await stream(64 * 1024 * 1024);
globalThis.gc?.();
const baseline = memoryUsage().rss;
let hwmReset = false;
try {
  writeFileSync('/proc/self/clear_refs', '5');
  hwmReset = true;
} catch {
  // Not Linux, or not allowed: the sampled peak stands alone.
}
let peak = baseline;
const timer = setInterval(() => (peak = Math.max(peak, memoryUsage().rss)), 2);
const seconds = await stream(TOTAL);
clearInterval(timer);
peak = Math.max(peak, memoryUsage().rss);
const hwm = hwmReset ? highWaterMark() : undefined;
const MiB = 2 ** 20;
const result = {
  streamedBytes: TOTAL,
  seconds,
  baselineMiB: baseline / MiB,
  sampledPeakAboveBaselineMiB: (peak - baseline) / MiB,
  kernelPeakAboveBaselineMiB: hwm === undefined ? null : (hwm - baseline) / MiB,
};
console.log(JSON.stringify(result));
