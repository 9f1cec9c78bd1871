// The message header (format version 2): the serialised encryption context, the encrypted data
// keys, the frame size and the key commitment, then the header's authentication tag.
import { KmsError, check, excerpt } from '../errors.js';
import { concat, uint32, utf8 } from '../bytes.js';
import { misdirected } from '../format-hint.js';
import { TAG_LENGTH } from '../webcrypto.js';
import {
  type AlgorithmSuite,
  COMMITMENT_LENGTH,
  MESSAGE_FORMAT_VERSION,
  MESSAGE_ID_LENGTH,
  nonCommittingError,
  suiteOfId,
} from './suites.js';
import { Incomplete, Reader, uint16 } from './wire.js';

/**
 * One encrypted data key as the header stores it: what `seal` writes and `open` reads, its fields
 * views into the message. `readHeader` gives copies, and the raw AES fields (read-header.ts).
 */
export interface EncryptedDataKey {
  /** Who wrapped it: `aws-kms` for KMS keys, the key namespace for raw AES keys. */
  readonly providerId: string;
  /** `rawInfo` as UTF-8 text: the key ARN for `aws-kms` (raw AES keys put binary fields here). */
  readonly providerInfo: string;
  /** The key provider information, as stored. */
  readonly rawInfo: Uint8Array;
  /** The wrapped data key. */
  readonly ciphertext: Uint8Array;
}

/** A parsed header and the bytes that authenticate it. None of it is authenticated yet. */
export interface ParsedHeader {
  readonly suite: AlgorithmSuite;
  /** The 32 random bytes that identify the message (and salt its key derivation). */
  readonly messageId: Uint8Array;
  /** The stored encryption context; for signed suites it includes `aws-crypto-public-key`. */
  readonly encryptionContext: Record<string, string>;
  readonly encryptedDataKeys: readonly EncryptedDataKey[];
  /** Plaintext bytes per regular frame. */
  readonly frameSize: number;
  /** Bytes from the start of the message to the start of the body, the header tag included. */
  readonly headerLength: number;
  /** The serialised context (pair count and pairs; empty for no pairs): the raw AES keyring's AAD. */
  readonly contextBytes: Uint8Array;
  /** The header body: the AAD of the header tag. */
  readonly body: Uint8Array;
  readonly commitment: Uint8Array;
  readonly tag: Uint8Array;
}

/** Reserved for the SDK's own use: `aws-crypto-public-key` carries the signature's public key. */
export const RESERVED_CONTEXT_PREFIX = 'aws-crypto-';
/** The context key of a signed message's public key: a compressed P-384 point, base64. */
export const PUBLIC_KEY_CONTEXT_KEY = 'aws-crypto-public-key';

const FRAMED_CONTENT = 2;
const NON_FRAMED_CONTENT = 1;
const UINT16_MAX = 0xffff;

// ignoreBOM: a leading U+FEFF is part of the string. Stripping it would check and report another
// context than the bytes the header tag authenticates.
const fatalUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
const lenientUtf8 = new TextDecoder('utf-8', { ignoreBOM: true });

/**
 * The UTF-8 text of header bytes. Short ASCII (context keys and values, provider ids, ARNs) is
 * decoded here: a TextDecoder call costs about a microsecond in Node and Deno, and a header has a
 * few of them on the way to the first WebCrypto call of `open`.
 */
function decodeText(bytes: Uint8Array, decoder: TextDecoder): string {
  if (bytes.length > 128) return decoder.decode(bytes);
  for (const byte of bytes) if (byte > 0x7f) return decoder.decode(bytes);
  return String.fromCharCode.apply(null, bytes as unknown as number[]);
}

/** The text of UTF-8 header bytes, or `undefined` when they are not UTF-8. */
export function utf8Text(bytes: Uint8Array): string | undefined {
  try {
    return decodeText(bytes, fatalUtf8);
  } catch {
    return undefined;
  }
}

/** Provider info as text, for display: the ARN of a KMS key; raw keyrings' binary info decodes lossily. */
export function providerInfoText(rawInfo: Uint8Array): string {
  return decodeText(rawInfo, lenientUtf8);
}

function invalid(reason: string): KmsError {
  return new KmsError('InvalidCiphertextException', `the message header is malformed: ${reason}`);
}

/**
 * The serialised encryption context: pair count, then each pair (sorted by the UTF-8 bytes of the
 * key, as given) as length-prefixed key and value; no bytes at all for no pairs. Sealing checks
 * that it fits the header's 2-byte length field.
 */
export function serializeContext(entries: ReadonlyArray<readonly [Uint8Array, Uint8Array]>): Uint8Array {
  if (entries.length === 0) return new Uint8Array(0);
  const parts: Uint8Array[] = [uint16(entries.length)];
  for (const [key, value] of entries) {
    check(key.length <= UINT16_MAX && value.length <= UINT16_MAX, 'encryptionContext keys and values must be at most 65,535 UTF-8 bytes each');
    parts.push(uint16(key.length), key, uint16(value.length), value);
  }
  const bytes = concat(...parts);
  check(bytes.length <= UINT16_MAX, `the encryptionContext takes ${bytes.length} bytes serialised; the message format allows 65,535`);
  return bytes;
}

function parseContext(bytes: Uint8Array): Record<string, string> {
  if (bytes.length === 0) return {};
  const reader = new Reader(bytes);
  const entries: Array<[string, string]> = [];
  const seen = new Set<string>();
  try {
    const count = reader.u16();
    if (count === 0) throw invalid('the encryption context has a length but no pairs');
    for (let i = 0; i < count; i++) {
      const key = decodeText(reader.take(reader.u16()), fatalUtf8);
      const value = decodeText(reader.take(reader.u16()), fatalUtf8);
      if (seen.has(key)) throw invalid(`the encryption context has the key ${excerpt(key)} twice`);
      seen.add(key);
      entries.push([key, value]);
    }
  } catch (error) {
    if (error instanceof KmsError) throw error;
    throw invalid(error instanceof Incomplete ? 'the encryption context is shorter than its pairs' : 'the encryption context is not UTF-8');
  }
  if (reader.offset !== bytes.length) throw invalid('the encryption context has bytes after its pairs');
  // fromEntries defines own properties, so a "__proto__" key stays a key.
  return Object.fromEntries(entries);
}

/** One encrypted data key as the header stores it. */
function serializeEncryptedDataKey(edk: EncryptedDataKey): Uint8Array {
  const providerId = utf8(edk.providerId);
  return concat(uint16(providerId.length), providerId, uint16(edk.rawInfo.length), edk.rawInfo, uint16(edk.ciphertext.length), edk.ciphertext);
}

/** What the header body is made of. */
export interface HeaderFields {
  readonly suite: AlgorithmSuite;
  readonly messageId: Uint8Array;
  readonly contextBytes: Uint8Array;
  readonly encryptedDataKeys: readonly EncryptedDataKey[];
  readonly frameSize: number;
  readonly commitment: Uint8Array;
}

/** The header body, byte by byte as docs/format.md lays it out; the tag follows it. */
export function serializeHeaderBody(fields: HeaderFields): Uint8Array {
  return concat(
    Uint8Array.of(MESSAGE_FORMAT_VERSION),
    uint16(fields.suite.id),
    fields.messageId,
    uint16(fields.contextBytes.length),
    fields.contextBytes,
    uint16(fields.encryptedDataKeys.length),
    ...fields.encryptedDataKeys.map(serializeEncryptedDataKey),
    Uint8Array.of(FRAMED_CONTENT),
    uint32(fields.frameSize),
    fields.commitment,
  );
}

/** The fields before the encrypted data keys, and room for as many of these as the header says. */
interface HeaderStart {
  readonly suite: AlgorithmSuite;
  readonly messageId: Uint8Array;
  readonly contextBytes: Uint8Array;
  readonly encryptionContext: Record<string, string>;
  readonly encryptedDataKeys: EncryptedDataKey[];
}

/**
 * Parses the header at the start of a message whose bytes may come in pieces: called with the bytes
 * so far (the same first bytes each time, and more), it throws {@link Incomplete} while they end
 * inside the header. Each call goes on after the last part read whole (the fields before the
 * encrypted data keys, then each encrypted data key), not from byte 0: a header fed in chunks of
 * any size, one byte too, costs time linear in its length. `InvalidCiphertextException` when it is
 * not a header webkms reads: another format (a Keyring ciphertext blob, base64 text: named as
 * such), a non-committing or unknown suite, more encrypted data keys than `maxEncryptedDataKeys`
 * (checked before they are read), non-framed content.
 */
export type HeaderParser = (bytes: Uint8Array) => ParsedHeader;

/**
 * A {@link HeaderParser}.
 * @param maxEncryptedDataKeys - the most encrypted data keys a header may have.
 * @param copy - whether fields are copied out of the bytes (a stream's buffer, reused later) or
 *   kept as views of them (a message in memory).
 */
export function headerParser(maxEncryptedDataKeys: number, copy: boolean): HeaderParser {
  const own = copy ? (view: Uint8Array) => view.slice() : (view: Uint8Array) => view;
  let start: HeaderStart | undefined;
  // Where the next part starts: every byte before it has been read.
  let offset = 0;
  let edksRead = 0;
  return (bytes) => {
    const reader = new Reader(bytes, offset);
    start ??= readStart(reader, maxEncryptedDataKeys, own);
    const { encryptedDataKeys } = start;
    for (;;) {
      offset = reader.offset;
      if (edksRead === encryptedDataKeys.length) break;
      encryptedDataKeys[edksRead] = readEncryptedDataKey(reader, own);
      // Counted once read: a key the bytes end inside is read again, whole, at the next call.
      edksRead++;
    }
    const contentType = reader.u8();
    if (contentType === NON_FRAMED_CONTENT) {
      throw new KmsError('InvalidCiphertextException', 'the message has non-framed content; webkms reads framed messages only (the default of every AWS Encryption SDK)');
    }
    if (contentType !== FRAMED_CONTENT) throw invalid(`unknown content type ${contentType}`);
    const frameSize = reader.u32();
    if (frameSize === 0) throw invalid('the frame size is 0');
    const commitment = reader.take(COMMITMENT_LENGTH);
    const bodyLength = reader.offset;
    const tag = reader.take(TAG_LENGTH);
    // Field by field: spreading `start` here made a parse five times slower in V8.
    return {
      suite: start.suite,
      messageId: start.messageId,
      encryptionContext: start.encryptionContext,
      contextBytes: start.contextBytes,
      encryptedDataKeys,
      frameSize,
      headerLength: reader.offset,
      body: own(bytes.subarray(0, bodyLength)),
      commitment: own(commitment),
      tag: own(tag),
    };
  };
}

function readStart(reader: Reader, maxEncryptedDataKeys: number, own: (view: Uint8Array) => Uint8Array): HeaderStart {
  const version = reader.u8();
  if (version !== MESSAGE_FORMAT_VERSION) throw notVersion2(reader, version);
  const suite = suiteOfId(reader.u16());
  const messageId = own(reader.take(MESSAGE_ID_LENGTH));
  const contextBytes = own(reader.take(reader.u16()));
  const encryptionContext = parseContext(contextBytes);
  const edkCount = reader.u16();
  if (edkCount === 0) throw invalid('it has no encrypted data keys');
  if (edkCount > maxEncryptedDataKeys) {
    throw new KmsError('InvalidCiphertextException', `the message has ${edkCount} encrypted data keys, more than maxEncryptedDataKeys (${maxEncryptedDataKeys})`);
  }
  return { suite, messageId, contextBytes, encryptionContext, encryptedDataKeys: new Array<EncryptedDataKey>(edkCount) };
}

/** Why a message that does not start with version 2 is refused; three more bytes tell what it is. */
function notVersion2(reader: Reader, version: number): KmsError {
  const next = reader.take(3);
  const hint = misdirected(reader.bytes, 'message', 'a Keyring ciphertext blob: keyring.decrypt opens it');
  if (hint) return new KmsError('InvalidCiphertextException', `not an AWS Encryption SDK message: ${hint}`);
  // Version 1: a type byte, then the suite id.
  if (version === 1) return nonCommittingError((next[1]! << 8) | next[2]!);
  return new KmsError('InvalidCiphertextException', `not a message of the AWS Encryption SDK format version 2: it starts with byte 0x${version.toString(16).padStart(2, '0')}`);
}

function readEncryptedDataKey(reader: Reader, own: (view: Uint8Array) => Uint8Array): EncryptedDataKey {
  const idBytes = reader.take(reader.u16());
  const rawInfo = reader.take(reader.u16());
  const ciphertext = reader.take(reader.u16());
  const providerId = utf8Text(idBytes);
  if (providerId === undefined) throw invalid('a key provider id is not UTF-8');
  return { providerId, providerInfo: providerInfoText(rawInfo), rawInfo: own(rawInfo), ciphertext: own(ciphertext) };
}
