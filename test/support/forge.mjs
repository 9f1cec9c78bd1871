// Forged headers for the tests of what a hostile message may cost: a sealed message with its
// encrypted data keys replaced by others (the header tag then fails, but only after they are read
// and tried, which is what these tests look at).
import { readHeader } from '../../src/index.ts';

const utf8 = new TextEncoder();
const u16 = (n) => [n >> 8, n & 255];

/** The bytes of one encrypted data key: { providerId (string), rawInfo, ciphertext }. */
export function dataKeyBytes({ providerId, rawInfo, ciphertext }) {
  const id = utf8.encode(providerId);
  return Uint8Array.from([...u16(id.length), ...id, ...u16(rawInfo.length), ...rawInfo, ...u16(ciphertext.length), ...ciphertext]);
}

/** `message` with its encrypted data keys replaced by `edks` (as dataKeyBytes makes them, or objects). */
export function withDataKeys(message, edks) {
  const header = readHeader(message);
  const view = new DataView(message.buffer, message.byteOffset);
  const countAt = 1 + 2 + 32 + 2 + view.getUint16(1 + 2 + 32);
  const oldLength = header.encryptedDataKeys.reduce((n, edk) => n + dataKeyBytes(edk).length, 0);
  const parts = edks.map((edk) => (edk instanceof Uint8Array ? edk : dataKeyBytes(edk)));
  const out = new Uint8Array(message.length - oldLength + parts.reduce((n, p) => n + p.length, 0));
  out.set(message.subarray(0, countAt));
  out.set(u16(edks.length), countAt);
  let at = countAt + 2;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  out.set(message.subarray(countAt + 2 + oldLength), at);
  return out;
}

/** Writes `message` to a fresh openStream in chunks of the sizes given (cycled); the error it ends with, if any. */
export async function feed(stream, message, sizes) {
  const writer = stream.writable.getWriter();
  stream.readable.pipeTo(new WritableStream()).catch(() => undefined);
  try {
    for (let at = 0, i = 0; at < message.length; ) {
      const size = sizes[i++ % sizes.length];
      await writer.write(message.slice(at, at + size));
      at += size;
    }
    await writer.close();
  } catch (error) {
    return error;
  }
  return undefined;
}
