// The message body: framed content. Each frame is AES-GCM under the message's derived key with an
// IV made of its sequence number and additional data binding it to the message id, its place and
// its length, so frames cannot be moved, dropped, repeated or cut without failing authentication.
import { KmsError } from '../errors.js';
import { concat, uint32, utf8 } from '../bytes.js';
import { IV_LENGTH, TAG_LENGTH, aesGcmDecrypt, aesGcmEncrypt } from '../webcrypto.js';
import { Reader, uint64 } from './wire.js';

const FRAME_LABEL = utf8('AWSKMSEncryptionClient Frame');
const FINAL_FRAME_LABEL = utf8('AWSKMSEncryptionClient Final Frame');

/** The 4 bytes that open the final frame in place of a sequence number. */
const SEQUENCE_NUMBER_END = 0xffffffff;
/** Sequence numbers are 4 bytes and start at 1; the final frame may take the last one. */
export const MAX_FRAMES = 0xffffffff;

/** Bytes a regular frame adds to its content: sequence number, IV, tag. */
const REGULAR_FRAME_OVERHEAD = 4 + IV_LENGTH + TAG_LENGTH;
/** Bytes the final frame adds to its content: end marker, sequence number, IV, content length, tag. */
/**
 * The largest frame size `seal` writes, and the default bound `openStream` puts on the frame size a
 * message may declare (it holds about two frames at once). The format allows up to 2^32 − 1.
 */
export const MAX_SEAL_FRAME_SIZE = 16 * 1024 * 1024;

export const FINAL_FRAME_OVERHEAD = 4 + 4 + IV_LENGTH + 4 + TAG_LENGTH;

/** A frame's IV: 8 zero bytes, then the sequence number. Unique per frame, so never random. */
function frameIv(sequenceNumber: number): Uint8Array {
  const iv = new Uint8Array(IV_LENGTH);
  new DataView(iv.buffer).setUint32(IV_LENGTH - 4, sequenceNumber);
  return iv;
}

/** The body AAD: message id, frame kind, sequence number, and the content length as 8 bytes. */
function frameAad(messageId: Uint8Array, final: boolean, sequenceNumber: number, contentLength: number): Uint8Array {
  return concat(messageId, final ? FINAL_FRAME_LABEL : FRAME_LABEL, uint32(sequenceNumber), uint64(contentLength));
}

/** How many frames a plaintext takes: whole regular frames, then a final frame with the rest (maybe none). */
export function frameCount(plaintextLength: number, frameSize: number): number {
  return Math.floor(plaintextLength / frameSize) + 1;
}

/** Bytes of the body for a plaintext of `plaintextLength` bytes. */
export function bodyLength(plaintextLength: number, frameSize: number): number {
  const regular = Math.floor(plaintextLength / frameSize);
  return regular * (frameSize + REGULAR_FRAME_OVERHEAD) + (plaintextLength - regular * frameSize) + FINAL_FRAME_OVERHEAD;
}

/** A sealed frame: its leading fields, then ciphertext ‖ tag (two arrays, so nothing is copied twice). */
export type SealedFrame = readonly [head: Uint8Array, sealed: Uint8Array];

/** Encrypts one frame. */
export async function encryptFrame(
  crypto: Crypto,
  key: CryptoKey,
  messageId: Uint8Array,
  sequenceNumber: number,
  final: boolean,
  plaintext: Uint8Array,
): Promise<SealedFrame> {
  const iv = frameIv(sequenceNumber);
  const sealed = await aesGcmEncrypt(crypto, key, iv, plaintext, frameAad(messageId, final, sequenceNumber, plaintext.length));
  const head = final ? concat(uint32(SEQUENCE_NUMBER_END), uint32(sequenceNumber), iv, uint32(plaintext.length)) : concat(uint32(sequenceNumber), iv);
  return [head, sealed];
}

/** A frame read from a message, not yet authenticated. */
export interface ReadFrame {
  readonly sequenceNumber: number;
  readonly final: boolean;
  /** The IV, checked to be the sequence number's: a view into the input, as WebCrypto takes it. */
  readonly iv: Uint8Array;
  /** Ciphertext ‖ tag, a view into the input. */
  readonly sealed: Uint8Array;
}

function invalidFrame(sequenceNumber: number, reason: string): KmsError {
  return new KmsError('InvalidCiphertextException', `frame ${sequenceNumber} of the message is malformed: ${reason}`);
}

/**
 * Reads the frame at the reader's position, expected to be number `sequenceNumber`. Throws
 * `Incomplete` when the input ends inside it, `InvalidCiphertextException` when it is out of
 * sequence, has another IV than its sequence number's, or a final frame longer than a frame.
 */
export function readFrame(reader: Reader, frameSize: number, sequenceNumber: number): ReadFrame {
  const first = reader.u32();
  const final = first === SEQUENCE_NUMBER_END;
  const number = final ? reader.u32() : first;
  if (number !== sequenceNumber) {
    throw invalidFrame(sequenceNumber, `it carries sequence number ${number}: frames are missing, repeated or out of order`);
  }
  const iv = reader.take(IV_LENGTH);
  const expected = frameIv(sequenceNumber);
  if (iv.some((byte, i) => byte !== expected[i])) throw invalidFrame(sequenceNumber, 'its IV is not its sequence number');
  const contentLength = final ? reader.u32() : frameSize;
  if (contentLength > frameSize) throw invalidFrame(sequenceNumber, `the final frame holds ${contentLength} bytes, more than the frame size ${frameSize}`);
  return { sequenceNumber, final, iv, sealed: reader.take(contentLength + TAG_LENGTH) };
}

/** Decrypts and authenticates a frame; `InvalidCiphertextException` when it does not authenticate. */
export function decryptFrame(crypto: Crypto, key: CryptoKey, messageId: Uint8Array, frame: ReadFrame): Promise<Uint8Array> {
  const { sequenceNumber, final, iv, sealed } = frame;
  return aesGcmDecrypt(
    crypto,
    key,
    iv,
    sealed,
    frameAad(messageId, final, sequenceNumber, sealed.length - TAG_LENGTH),
    `frame ${sequenceNumber}${final ? ' (the final frame)' : ''} failed authentication: the message was changed, or its header belongs to another message`,
  );
}
