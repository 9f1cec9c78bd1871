// The data `seal` and `open` take: bytes, UTF-8 text, a Blob (a File from an <input>), or a
// ReadableStream of bytes (a fetch body). One-shot calls read it all; the stream APIs do not.
import { KmsError } from '../errors.js';
import { asBytes, checkString, concat, utf8 } from '../bytes.js';

/** What `seal` and `open` accept as data. Strings are UTF-8 encoded. */
export type SealData = Uint8Array | ArrayBuffer | ArrayBufferView | string | Blob | ReadableStream<Uint8Array>;

const isBlob = (value: unknown): value is Blob => typeof Blob === 'function' && value instanceof Blob;

const isReadableStream = (value: unknown): value is ReadableStream<unknown> =>
  typeof value === 'object' && value !== null && typeof (value as ReadableStream).getReader === 'function';

/** A chunk of a byte stream, as bytes; `ValidationException` for anything else. */
export function chunkBytes(chunk: unknown, field: string): Uint8Array {
  if (typeof chunk === 'string') throw new KmsError('ValidationException', `${field} must be bytes (Uint8Array chunks), not text: pipe text through a TextEncoderStream first`);
  return asBytes(chunk, field);
}

async function readAll(stream: ReadableStream<unknown>, field: string): Promise<Uint8Array> {
  const reader = stream.getReader();
  const chunks: Uint8Array[] = [];
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(chunkBytes(value, `each chunk of ${field}`));
    }
  } catch (error) {
    await reader.cancel(error).catch(() => undefined);
    throw error;
  } finally {
    reader.releaseLock();
  }
  return chunks.length === 1 ? chunks[0]! : concat(...chunks);
}

/**
 * The data as one byte array (a view of the caller's bytes when given bytes: no copy). Bytes and
 * text come back at once, not as a promise: a small `open` or `seal` would otherwise spend
 * microtask turns before its first WebCrypto call.
 */
export function dataBytes(data: unknown, field: string): Uint8Array | Promise<Uint8Array> {
  if (typeof data === 'string') {
    checkString(data, field);
    return utf8(data);
  }
  if (isBlob(data)) return data.arrayBuffer().then((buffer) => new Uint8Array(buffer));
  if (isReadableStream(data)) return readAll(data, field);
  try {
    return asBytes(data, field);
  } catch {
    // asBytes names the binary forms only: text, Blobs and streams are data too.
    throw new KmsError('ValidationException', `${field} must be a string, Uint8Array, ArrayBuffer, ArrayBufferView, Blob or ReadableStream of bytes`);
  }
}
