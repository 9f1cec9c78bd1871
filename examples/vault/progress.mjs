// Progress of one file: the file read in slices, a TransformStream that counts the bytes read from the input, a <progress>
// element updated with every chunk, and a status text (bytes and MB/s) updated at most twice a
// second, so that a screen reader announcing the aria-live region is not flooded.

const MiB = 1024 * 1024;
// Read a file a slice at a time: memory stays bounded whatever the browser's Blob.stream() does
// (WebKit hands an in-memory File over as one chunk), and progress moves every MiB.
const SLICE = MiB;
const ANNOUNCE_EVERY_MS = 500;

/** "12.5 MiB", "310 KiB", "17 B". */
export function formatBytes(n) {
  if (n >= MiB) return `${(n / MiB).toFixed(1)} MiB`;
  if (n >= 1024) return `${Math.round(n / 1024)} KiB`;
  return `${n} B`;
}

/** `file` as a stream of slices of at most a MiB, each read when the pipe asks for it. */
export function sliceStream(file) {
  let offset = 0;
  return new ReadableStream({
    async pull(controller) {
      if (offset >= file.size) {
        controller.close();
        return;
      }
      const end = Math.min(offset + SLICE, file.size);
      const chunk = new Uint8Array(await file.slice(offset, end).arrayBuffer());
      offset = end;
      controller.enqueue(chunk);
    },
  }, { highWaterMark: 1 });
}

/**
 * A counter for `total` bytes shown in `bar` (a <progress>) and `text` (in an aria-live region):
 * { stream: the counting TransformStream, done(): the final text }.
 */
export function trackProgress(total, bar, text, verb) {
  const started = performance.now();
  let seen = 0;
  let announced = -Infinity;
  const line = () => {
    const seconds = (performance.now() - started) / 1000;
    const rate = seconds > 0 ? (seen / 1e6 / seconds).toFixed(1) : '–';
    return `${verb}: ${formatBytes(seen)} of ${formatBytes(total)} · ${rate} MB/s`;
  };
  bar.max = Math.max(total, 1);
  bar.value = 0;
  text.textContent = line();
  return {
    stream: new TransformStream({
      transform(chunk, controller) {
        seen += chunk.byteLength;
        bar.value = seen;
        const now = performance.now();
        if (now - announced >= ANNOUNCE_EVERY_MS) {
          announced = now;
          text.textContent = line();
        }
        controller.enqueue(chunk);
      },
    }),
    done: () => {
      bar.value = bar.max;
      return line();
    },
  };
}
