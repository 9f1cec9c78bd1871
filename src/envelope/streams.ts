// Web Streams: sealStream and openStream are TransformStreams of bytes that hold a few frames at
// a time (frame size × frames in flight), never the whole input, so a 4 GiB File can be sealed
// in a browser tab. Backpressure flows through: a frame waits while the reader is behind.
import { KmsError } from '../errors.js';
import { MAX_FRAMES } from './body.js';
import { chunkBytes } from './input.js';
import type { EnvelopeKeyrings } from './keyrings.js';
import { MessageOpener, type OpenOptions, streamedCheck } from './open.js';
import { Ordered, framesInFlight } from './ordered.js';
import { type SealStreamOptions, type Sealer, planStreamSeal, startSeal } from './seal.js';

/**
 * A TransformStream that seals the bytes written to it into one message, written out as it goes:
 * the header first, then each frame as it fills. Errors of the input (or of sealing) error it.
 * @throws `ValidationException` (at once) for bad options; `UnsupportedOperationException` for the
 *   signed suite, which WebCrypto cannot sign incrementally (use `seal`).
 * @example
 * ```ts
 * import { sealStream } from 'webkms';
 *
 * // A file of any size goes through a few frames at a time.
 * const sealed = file.stream().pipeThrough(sealStream(keyring, { encryptionContext: { name: file.name } }));
 * await sealed.pipeTo(writable);
 * ```
 */
// The public signatures: every chunk out is a view of an ArrayBuffer webkms allocated (header and
// frames are written into new buffers, plaintext decrypts into them), never of shared memory,
// which the bodies' types do not say.
export function sealStream(keyrings: EnvelopeKeyrings, options?: SealStreamOptions): TransformStream<Uint8Array, Uint8Array<ArrayBuffer>>;
export function sealStream(keyrings: EnvelopeKeyrings, options: SealStreamOptions = {}): TransformStream<Uint8Array, Uint8Array> {
  const plan = planStreamSeal(keyrings, options);
  const { frameSize } = plan;
  let sealer: Sealer;
  let ordered: Ordered<readonly Uint8Array[]>;
  const frame = new Uint8Array(frameSize);
  let filled = 0;
  let sequenceNumber = 1;

  const push = (plaintext: Uint8Array, final: boolean): Promise<void> | undefined => {
    if (sequenceNumber > MAX_FRAMES || (!final && sequenceNumber === MAX_FRAMES)) {
      throw new KmsError('ValidationException', `a message holds at most ${MAX_FRAMES} frames: use a larger frameSize`);
    }
    return ordered.push(sealer.frame(sequenceNumber++, final, plaintext));
  };

  return new TransformStream<Uint8Array, Uint8Array>({
    async start(controller) {
      sealer = await startSeal(plan);
      controller.enqueue(await sealer.header);
      ordered = new Ordered(
        framesInFlight(frameSize),
        (parts) => parts.forEach((part) => controller.enqueue(part)),
        (error) => controller.error(error),
      );
    },
    async transform(chunk) {
      let bytes = chunkBytes(chunk, 'each chunk written to sealStream');
      while (bytes.length > 0) {
        if (filled === 0 && bytes.length >= frameSize) {
          // A whole frame in the chunk: encrypted from the chunk itself (WebCrypto copies it).
          await push(bytes.subarray(0, frameSize), false);
          bytes = bytes.subarray(frameSize);
          continue;
        }
        const take = Math.min(frameSize - filled, bytes.length);
        frame.set(bytes.subarray(0, take), filled);
        filled += take;
        bytes = bytes.subarray(take);
        if (filled === frameSize) {
          // WebCrypto copies its input when called (the spec's "get a copy of the bytes"), so the
          // buffer is refilled at once: one buffer for the whole stream, no garbage per frame.
          filled = 0;
          await push(frame, false);
        }
      }
    },
    async flush() {
      // Whole frames were sent as regular frames; the rest (possibly nothing) is the final frame.
      await push(frame.subarray(0, filled), true);
      await ordered.drain();
    },
  });
}

/**
 * A TransformStream that opens a message written to it and releases each frame's plaintext as
 * soon as that frame authenticates. If the message turns out bad later (a changed or missing
 * frame, truncation, trailing bytes, a bad signature), the stream errors with
 * `InvalidCiphertextException` after the frames before it; it ends normally only after a complete,
 * authentic message. For the signed suite, frames are released before the footer signature is
 * checked at the end: treat them as unverified until the stream closes.
 * @example
 * ```ts
 * import { openStream } from 'webkms';
 *
 * const response = await fetch('/files/report.pdf.sealed');
 * const plaintext = response.body!.pipeThrough(openStream(keyring, { encryptionContext: { name: 'report.pdf' } }));
 * await plaintext.pipeTo(writable); // errors, and the output must be discarded, if the message is bad
 * ```
 */
export function openStream(keyrings: EnvelopeKeyrings, options?: OpenOptions): TransformStream<Uint8Array, Uint8Array<ArrayBuffer>>;
export function openStream(keyrings: EnvelopeKeyrings, options: OpenOptions = {}): TransformStream<Uint8Array, Uint8Array> {
  let controller: TransformStreamDefaultController<Uint8Array>;
  // Made now, so bad options throw here rather than when the first chunk arrives.
  const opener = new MessageOpener(
    keyrings,
    options,
    // An empty final frame has nothing to give.
    (plaintext) => plaintext.length > 0 && controller.enqueue(plaintext),
    streamedCheck,
    (error) => controller.error(error),
    true,
  );
  return new TransformStream<Uint8Array, Uint8Array>({
    start(started) {
      controller = started;
    },
    transform: (chunk) => opener.write(chunkBytes(chunk, 'each chunk written to openStream')),
    flush: () => opener.end(),
  });
}
