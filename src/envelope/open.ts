// Opening a message: the header is parsed, then frames are read in order and decrypted with
// several in flight while the header tag is checked, each released only once its tag and the
// header's verify; the footer signature of signed suites is checked last. One state machine serves
// `open` (the whole message at once) and `openStream` (bytes as they come).
import { KmsError, check } from '../errors.js';
import { checkObject } from '../plain.js';
import { type EncryptionContext, contextPairs } from '../context.js';
import { concat } from '../bytes.js';
import { decryptFrame, FINAL_FRAME_OVERHEAD, MAX_FRAMES, MAX_SEAL_FRAME_SIZE, readFrame } from './body.js';
import { verify, verifyDigestSignature } from './ecdsa.js';
import { readFooter } from './footer.js';
import { type HeaderParser, type ParsedHeader, headerParser } from './header.js';
import { dataBytes, type SealData } from './input.js';
import { type EnvelopeKeyrings, type EnvelopeKeyring, keyringList } from './keyrings.js';
import { type DecryptionMaterials, openHeader } from './materials.js';
import { Ordered, framesInFlight } from './ordered.js';
import type { AffinePoint } from './p384.js';
import { ByteQueue } from './queue.js';
import { Sha384 } from './sha384.js';
import { Incomplete, Reader } from './wire.js';

/** Options of `open` and `openStream`. */
export interface OpenOptions {
  /**
   * Pairs the message's encryption context must contain, with these values (the SDK's "required
   * encryption context"); other stored pairs are allowed. `InvalidCiphertextException` otherwise.
   */
  encryptionContext?: EncryptionContext;
  /**
   * The most encrypted data keys a message may carry (1–65,535; default 10). Each one may cost an
   * unwrap attempt, so a bound refuses headers made to waste time; raise it for messages sealed
   * under more keys.
   */
  maxEncryptedDataKeys?: number;
  /**
   * The largest frame size a message may declare (1 to 2^32 − 1), checked before any data key is
   * unwrapped. `openStream` holds about two frames at a time, so this bounds its memory against a
   * sender who declares huge frames: default 16 MiB there, the largest `seal` writes. `open` has
   * the whole message in memory already: no default bound.
   */
  maxFrameSize?: number;
}

/** Default of `maxEncryptedDataKeys`. */
const DEFAULT_MAX_ENCRYPTED_DATA_KEYS = 10;

/** How the footer signature is checked: over the whole message with WebCrypto, or a streamed hash. */
export interface SignatureCheck {
  /** Receives header and body bytes, in order. */
  update(bytes: Uint8Array): void;
  /** Checks the signature over the first `signedLength` bytes of the message. */
  verify(crypto: Crypto, point: AffinePoint, signature: Uint8Array, signedLength: number): Promise<void>;
}

/** For `open`: the message is all in memory, so WebCrypto verifies it in one call. */
function wholeMessageCheck(message: Uint8Array): SignatureCheck {
  return {
    update: () => undefined,
    verify: (crypto, point, signature, signedLength) => verify(crypto, point, signature, message.subarray(0, signedLength)),
  };
}

/** For `openStream`: a SHA-384 state instead of the message. */
export function streamedCheck(): SignatureCheck {
  const hash = new Sha384();
  return {
    update: (bytes) => hash.update(bytes),
    verify: async (_crypto, point, signature) => verifyDigestSignature(point, hash.digest(), signature),
  };
}

type State = 'header' | 'frames' | 'footer' | 'end' | 'failed';

function truncated(where: string): KmsError {
  return new KmsError('InvalidCiphertextException', `the message is truncated: it ends ${where}`);
}

/** Parses and decrypts one message fed in pieces; plaintext goes to `release`, frame by frame, in order. */
export class MessageOpener {
  readonly #keyrings: readonly EnvelopeKeyring[];
  readonly #required: ReadonlyArray<readonly [string, string]>;
  /** Reads the header as its bytes come, resuming where it stopped (a stream's header may come a byte at a time). */
  readonly #headerParser: HeaderParser;
  readonly #maxFrameSize: number;
  /** Whether queued bytes are the opener's own (one-shot open) or a stream writer's (copied, the buffer reused). */
  readonly #owned: boolean;
  readonly #release: (plaintext: Uint8Array) => void;
  readonly #fail: (error: unknown) => void;
  readonly #signatureCheck: () => SignatureCheck;
  readonly #queue = new ByteQueue();
  #state: State = 'header';
  /** Bytes the next parse needs before it can succeed. */
  #needed = 1;
  /** Bytes of the message consumed so far. */
  #consumed = 0;
  #header: ParsedHeader | undefined;
  #materials: DecryptionMaterials | undefined;
  #signature: SignatureCheck | undefined;
  #footer: Uint8Array | undefined;
  #ordered: Ordered<Uint8Array> | undefined;
  #sequenceNumber = 1;

  /**
   * @param keyrings - who may unwrap the data key.
   * @param options - required context, EDK bound.
   * @param release - receives each frame's plaintext once it authenticated.
   * @param signatureCheck - makes the signature check for signed messages.
   * @param fail - told at once when a frame fails, even between writes.
   * @param streamed - whether bytes come from a stream (copied as queued, frame size bounded by default).
   */
  constructor(
    keyrings: EnvelopeKeyrings,
    options: OpenOptions,
    release: (plaintext: Uint8Array) => void,
    signatureCheck: () => SignatureCheck,
    fail: (error: unknown) => void = () => undefined,
    streamed = false,
  ) {
    checkObject(options, 'options must be an object { encryptionContext?, maxEncryptedDataKeys?, maxFrameSize? }');
    this.#keyrings = keyringList(keyrings);
    // Checked and copied at the call: a caller's later change to its object does not change what is required.
    this.#required = contextPairs(options.encryptionContext);
    const max = options.maxEncryptedDataKeys ?? DEFAULT_MAX_ENCRYPTED_DATA_KEYS;
    check(Number.isInteger(max) && max >= 1 && max <= 0xffff, 'maxEncryptedDataKeys must be an integer from 1 to 65,535');
    const maxFrameSize = options.maxFrameSize ?? (streamed ? MAX_SEAL_FRAME_SIZE : MAX_FRAMES);
    check(Number.isInteger(maxFrameSize) && maxFrameSize >= 1 && maxFrameSize <= MAX_FRAMES, 'maxFrameSize must be an integer from 1 to 2^32 − 1');
    this.#maxFrameSize = maxFrameSize;
    this.#owned = !streamed;
    // A stream's queue reuses its buffer: the header's fields get bytes of their own.
    this.#headerParser = headerParser(max, streamed);
    this.#release = release;
    this.#fail = fail;
    this.#signatureCheck = signatureCheck;
  }

  /** Feeds the next bytes of the message. */
  async write(bytes: Uint8Array): Promise<void> {
    this.#queue.push(bytes, !this.#owned);
    await this.#guard(() => this.#process(false));
  }

  /** The message has ended: it must be complete, every frame authentic, the signature valid. */
  async end(): Promise<void> {
    await this.#guard(() => this.#process(true));
  }

  async #guard(step: () => Promise<void>): Promise<void> {
    if (this.#state === 'failed') throw new KmsError('InvalidCiphertextException', 'the message already failed to open');
    try {
      await step();
    } catch (error) {
      this.#state = 'failed';
      // A header that fails authentication explains whatever went wrong after it: its failure wins.
      await this.#materials?.headerChecked;
      throw error;
    }
  }

  async #process(ended: boolean): Promise<void> {
    for (;;) {
      if (this.#state === 'end') return this.#finish(ended);
      if (this.#queue.length < this.#needed) {
        if (ended) throw truncated(this.#where());
        return;
      }
      try {
        if (this.#state === 'header') await this.#readHeader();
        else if (this.#state === 'frames') {
          // Most frames need no waiting: no promise per frame then.
          const room = this.#readFrame();
          if (room) await room;
        }
        else this.#readFooter();
      } catch (error) {
        if (!(error instanceof Incomplete)) throw error;
        this.#needed = error.needed;
      }
    }
  }

  #where(): string {
    if (this.#state === 'header') return 'inside its header';
    if (this.#state === 'frames') return `before its final frame (inside or before frame ${this.#sequenceNumber})`;
    return 'inside its signature footer';
  }

  /** Consumes `length` bytes of `view` (the queue's head) as part of the signed message. */
  #consume(view: Uint8Array, length: number): void {
    this.#signature?.update(view.subarray(0, length));
    this.#queue.skip(length);
    this.#consumed += length;
    this.#needed = 1;
  }

  async #readHeader(): Promise<void> {
    const view = this.#queue.peek(this.#queue.length);
    const header = this.#headerParser(view);
    if (header.frameSize > this.#maxFrameSize) {
      throw new KmsError(
        'InvalidCiphertextException',
        `the message declares frames of ${header.frameSize} bytes, more than maxFrameSize (${this.#maxFrameSize}); raise maxFrameSize to open it`,
      );
    }
    if (header.suite.signed) this.#signature = this.#signatureCheck();
    this.#consume(view, header.headerLength);
    this.#materials = await openHeader(this.#keyrings, header, this.#required);
    this.#header = header;
    this.#ordered = new Ordered(framesInFlight(header.frameSize), this.#release, this.#fail, this.#materials.headerChecked);
    this.#state = 'frames';
  }

  /** Reads and starts decrypting one frame; returns what to await when enough frames are in flight. */
  #readFrame(): Promise<void> | undefined {
    const header = this.#header!;
    const { crypto, key } = this.#materials!;
    const view = this.#queue.peek(header.frameSize + FINAL_FRAME_OVERHEAD);
    const reader = new Reader(view);
    const frame = readFrame(reader, header.frameSize, this.#sequenceNumber);
    // WebCrypto copies its input when called (the spec's "get a copy of the bytes"), so the queue may reuse these bytes now.
    const plaintext = decryptFrame(crypto, key, header.messageId, frame);
    this.#consume(view, reader.offset);
    this.#sequenceNumber++;
    if (frame.final) this.#state = header.suite.signed ? 'footer' : 'end';
    return this.#ordered!.push(plaintext);
  }

  #readFooter(): void {
    const view = this.#queue.peek(2 + 0xffff);
    const reader = new Reader(view);
    this.#footer = readFooter(reader).slice();
    this.#queue.skip(reader.offset);
    this.#state = 'end';
  }

  async #finish(ended: boolean): Promise<void> {
    if (this.#queue.length > 0) {
      throw new KmsError('InvalidCiphertextException', 'the message has bytes after its end: it was extended, or two messages were joined');
    }
    if (!ended) return;
    await this.#ordered!.drain();
    if (this.#signature) {
      await this.#signature.verify(this.#materials!.crypto, this.#materials!.publicKey!, this.#footer!, this.#consumed);
    }
  }
}

// The public signature: the plaintext is a view of an ArrayBuffer webkms allocated (frames decrypt
// into new buffers), never of shared memory, which the frame callback's type does not say.
/**
 * Opens a sealed message in one call: the plaintext, returned only once every frame, the header
 * and (for signed suites) the signature have verified.
 * @throws `InvalidCiphertextException` for anything wrong with the message: not the format, a
 *   non-committing suite, no keyring able to unwrap the data key, a missing required context
 *   pair, a changed, truncated, extended or reordered message, a bad signature.
 * @example
 * ```ts
 * import { open } from 'webkms';
 *
 * // Any one of the keyrings that can unwrap the message's data key opens it.
 * const data = await open(keyring, sealed, { encryptionContext: { tenant: 'acme' } }); // pairs the message must hold
 * console.log(new TextDecoder().decode(data));
 * ```
 */
export function open(keyrings: EnvelopeKeyrings, sealed: SealData, options?: OpenOptions): Promise<Uint8Array<ArrayBuffer>>;
export async function open(keyrings: EnvelopeKeyrings, sealed: SealData, options: OpenOptions = {}): Promise<Uint8Array> {
  const message = await dataBytes(sealed, 'sealed');
  const parts: Uint8Array[] = [];
  const opener = new MessageOpener(keyrings, options, (plaintext) => parts.push(plaintext), () => wholeMessageCheck(message));
  await opener.write(message);
  await opener.end();
  return parts.length === 1 ? parts[0]! : concat(...parts);
}
