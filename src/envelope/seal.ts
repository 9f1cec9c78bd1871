// Sealing: options checked, materials made (or taken from a DataKeyCache), the header written and
// authenticated, then the plaintext cut into frames and encrypted with several in flight.
import { KmsError, check } from '../errors.js';
import { checkObject } from '../plain.js';
import { concat, hex } from '../bytes.js';
import { type EncryptionContext, contextEntries, contextPairs, pairBytes } from '../context.js';
import { TAG_LENGTH, randomBytes } from '../webcrypto.js';
import { type SealedFrame, MAX_FRAMES, MAX_SEAL_FRAME_SIZE, bodyLength, encryptFrame, frameCount } from './body.js';
import { type DataKeyCache, cachedMaterials } from './cache.js';
import { PUBLIC_KEY_TEXT_LENGTH, sign } from './ecdsa.js';
import { MAX_SIGNATURE_LENGTH, serializeFooter } from './footer.js';
import { PUBLIC_KEY_CONTEXT_KEY, RESERVED_CONTEXT_PREFIX, serializeContext, serializeHeaderBody } from './header.js';
import { dataBytes, type SealData } from './input.js';
import { type EnvelopeKeyring, type EnvelopeKeyrings, type WrappingKey, keyIdList, keyringList, wrappingKeys } from './keyrings.js';
import { type EncryptionMaterials, type MessageKey, deriveMessageKey, headerTag, newEncryptionMaterials } from './materials.js';
import { Ordered, framesInFlight } from './ordered.js';
import { type AlgorithmSuite, type AlgorithmSuiteOption, COMMITMENT_LENGTH, MESSAGE_ID_LENGTH, resolveSuite } from './suites.js';

/** Options of `seal` and `sealedSize`. */
export interface SealOptions {
  /** With a `Keyring`: the key (id, ARN, alias name or alias ARN), or keys, that wrap the data key. */
  keyId?: string | readonly string[];
  /**
   * Stored in the header and bound to the data key and every frame; not secret. Keys starting
   * with `aws-crypto-` are reserved. Default: none.
   */
  encryptionContext?: EncryptionContext;
  /** Plaintext bytes per frame: 1 to 16 MiB. Default 1 MiB. */
  frameSize?: number;
  /** Default `ALG_AES256_GCM_IV12_TAG16_HKDF_SHA512_COMMIT_KEY` (0x0478). */
  algorithmSuite?: AlgorithmSuiteOption;
  /** Reuse data keys across messages (see `DataKeyCache`). */
  cache?: DataKeyCache;
}

/** Options of `sealStream`: as `seal`, for an unsigned suite (WebCrypto cannot sign a stream). */
export type SealStreamOptions = Omit<SealOptions, 'cache'>;

/**
 * The default frame size: 1 MiB. Each frame costs a WebCrypto call (~25–40 µs in Node), so large
 * data needs large frames to beat one `subtle.encrypt` of it; bench/README.md has the numbers.
 */
const DEFAULT_FRAME_SIZE = 1024 * 1024;

/** A seal's checked options. */
export interface SealPlan {
  readonly keyrings: readonly EnvelopeKeyring[];
  readonly keys: readonly WrappingKey[];
  readonly keyIds: readonly string[];
  readonly suite: AlgorithmSuite;
  readonly frameSize: number;
  /** The caller's context, copied into a plain object at the call. */
  readonly encryptionContext: Readonly<Record<string, string>>;
  /** The serialised context as given (without the public key of signed suites). */
  readonly contextBytes: Uint8Array;
}

/** Checks the options of a seal; every problem is a `ValidationException` (or `NotFoundException` for an unknown key). */
function planSeal(keyrings: EnvelopeKeyrings, options: SealOptions): SealPlan {
  checkObject(options, 'options must be an object { keyId?, encryptionContext?, frameSize?, algorithmSuite?, cache? }');
  const list = keyringList(keyrings);
  const suite = resolveSuite(options.algorithmSuite);
  const frameSize = options.frameSize ?? DEFAULT_FRAME_SIZE;
  check(
    Number.isInteger(frameSize) && frameSize >= 1 && frameSize <= MAX_SEAL_FRAME_SIZE,
    `frameSize must be an integer from 1 to ${MAX_SEAL_FRAME_SIZE} (16 MiB)`,
  );
  // A copy of the checked pairs: the header and every wrapped data key bind this one context, even
  // if the caller changes its object while the seal awaits.
  const pairs = contextPairs(options.encryptionContext ?? {});
  const encryptionContext = Object.fromEntries(pairs);
  const entries = pairBytes(pairs);
  for (const key of Object.keys(encryptionContext)) {
    check(!key.startsWith(RESERVED_CONTEXT_PREFIX), `encryptionContext keys starting with "${RESERVED_CONTEXT_PREFIX}" are reserved for the message format ("${key}")`);
  }
  const keyIds = keyIdList(list, options.keyId);
  // Resolved now so that an unknown or disabled key fails before any work; each message resolves again.
  const keys = wrappingKeys(list, keyIds);
  check(keys.length <= 0xffff, `a message holds at most 65,535 encrypted data keys, not ${keys.length}`);
  return { keyrings: list, keys, keyIds, suite, frameSize, encryptionContext, contextBytes: serializeContext(entries) };
}

/** Checks that a plaintext of `length` bytes fits the frames a message can hold. */
function checkLength(length: number, frameSize: number): void {
  check(
    Number.isSafeInteger(length) && length >= 0 && frameCount(length, frameSize) <= MAX_FRAMES,
    `a message holds at most ${MAX_FRAMES} frames: ${length} bytes need a larger frameSize`,
  );
}

const keyringIds = new WeakMap<EnvelopeKeyring, number>();
let nextKeyringId = 0;

/**
 * What makes cached materials reusable: the same keyring objects, the same keys and key versions
 * they wrap under now (an alias moved or a rotation makes a new entry), suite and context.
 */
function cacheKey(keys: readonly WrappingKey[], plan: SealPlan): string {
  const ids = keys.map(({ keyring, target }) => {
    let id = keyringIds.get(keyring);
    if (id === undefined) keyringIds.set(keyring, (id = nextKeyringId++));
    return [id, target];
  });
  return JSON.stringify([ids, plan.suite.id, hex(plan.contextBytes)]);
}

/** One message being sealed: its header (tag included, still being computed) and how to seal its frames. */
export interface Sealer {
  readonly materials: EncryptionMaterials;
  readonly headerLength: number;
  readonly header: Promise<Uint8Array>;
  frame(sequenceNumber: number, final: boolean, plaintext: Uint8Array): Promise<SealedFrame>;
}

/** Starts a message: materials (cached when a cache and the length are given), message id, key, header. */
export async function startSeal(plan: SealPlan, plaintextLength?: number, cache?: DataKeyCache): Promise<Sealer> {
  // Resolved for this message, with no await before the cache lookup: a cached data key is reused
  // only while its keys are enabled, its aliases point where they did, and no rotation happened.
  const keys = wrappingKeys(plan.keyrings, plan.keyIds);
  const generator = keys[0]!;
  // One random draw per message (one costs ~6 µs in Node): the message id, then what the first key
  // takes for a new data key (a raw AES key's data key and wrap IV). Drawn per message, never
  // pooled: a restored heap snapshot must not repeat them.
  const random = randomBytes(generator.crypto, MESSAGE_ID_LENGTH + generator.randomLength);
  const messageId = random.subarray(0, MESSAGE_ID_LENGTH);
  const keyRandom = random.subarray(MESSAGE_ID_LENGTH);
  // With a new data key, this message's key is derived while the data key is being wrapped.
  let derived: Promise<MessageKey> | undefined;
  const create = (): Promise<EncryptionMaterials> =>
    newEncryptionMaterials(keys, plan.suite, { map: plan.encryptionContext, bytes: plan.contextBytes }, keyRandom, (hkdfKey) => {
      derived = deriveMessageKey({ crypto: generator.crypto, suite: plan.suite, hkdfKey }, messageId);
      // Awaited once the wraps are done; until then a failure must not count as unhandled.
      derived.catch(() => undefined);
    });
  let materials: EncryptionMaterials;
  try {
    materials = await (cache !== undefined && plaintextLength !== undefined ? cachedMaterials(cache, cacheKey(keys, plan), plaintextLength, create) : create());
  } finally {
    // Bytes drawn for a data key: zeroed once the materials are made, also when a cached data key left them unused.
    keyRandom.fill(0);
  }
  const { crypto, suite } = materials;
  const { key, commitment } = await (derived ?? deriveMessageKey(materials, messageId));
  const body = serializeHeaderBody({
    suite,
    messageId,
    contextBytes: materials.contextBytes,
    encryptedDataKeys: materials.encryptedDataKeys,
    frameSize: plan.frameSize,
    commitment,
  });
  // The header tag is computed while the first frames are: it needs the key, not them.
  const header = headerTag(crypto, key, body).then((tag) => concat(body, tag));
  // Until the caller awaits it, a failure must not count as unhandled.
  header.catch(() => undefined);
  return {
    materials,
    headerLength: body.length + TAG_LENGTH,
    header,
    frame: (sequenceNumber, final, plaintext) => encryptFrame(crypto, key, messageId, sequenceNumber, final, plaintext),
  };
}

/**
 * Seals data into a message of the AWS Encryption SDK format (version 2), which the official SDKs
 * open with the same keys. The data is read whole; for large data, use `sealStream`.
 * @throws `ValidationException` for bad options or data, `NotFoundException` for an unknown key id,
 *   `DisabledException`, `UnsupportedOperationException` when the engine lacks an algorithm.
 * @example
 * ```ts
 * import { seal, RawAesKeyring } from 'webkms';
 *
 * const sealed = await seal(keyring, 'a secret', { keyId: 'alias/app', encryptionContext: { tenant: 'acme' } });
 * // several keys: any one of them opens it
 * const twice = await seal([keyring, new RawAesKeyring({ keyNamespace: 'backup', keyName: 'offline', material: backupKey })], file, { keyId: 'alias/app' });
 * ```
 */
export async function seal(keyrings: EnvelopeKeyrings, data: SealData, options: SealOptions = {}): Promise<Uint8Array<ArrayBuffer>> {
  const plan = planSeal(keyrings, options);
  const plaintext = await dataBytes(data, 'data');
  checkLength(plaintext.length, plan.frameSize);
  const sealer = await startSeal(plan, plaintext.length, options.cache);
  const { frameSize } = plan;
  const out = new Uint8Array(sealer.headerLength + bodyLength(plaintext.length, frameSize));
  let offset = sealer.headerLength;
  const ordered = new Ordered<SealedFrame>(framesInFlight(frameSize), ([head, sealed]) => {
    out.set(head, offset);
    out.set(sealed, offset + head.length);
    offset += head.length + sealed.length;
  });
  const frames = frameCount(plaintext.length, frameSize);
  for (let sequenceNumber = 1; sequenceNumber <= frames; sequenceNumber++) {
    const start = (sequenceNumber - 1) * frameSize;
    const final = sequenceNumber === frames;
    await ordered.push(sealer.frame(sequenceNumber, final, plaintext.subarray(start, final ? plaintext.length : start + frameSize)));
  }
  out.set(await sealer.header);
  await ordered.drain();
  const { signingKey, crypto } = sealer.materials;
  if (!signingKey) return out;
  return concat(out, serializeFooter(await sign(crypto, signingKey, out)));
}

/**
 * The length `seal` gives for `plaintextLength` bytes with these keyrings and options: exact for
 * unsigned suites, an upper bound for signed ones (DER signatures vary by a few bytes). Makes no
 * data key and no signature.
 * @example
 * ```ts
 * import { sealedSize, sealStream } from 'webkms';
 *
 * const options = { encryptionContext: { name: file.name } };
 * const length = await sealedSize(keyring, file.size, options); // e.g. for a Content-Length
 * const body = file.stream().pipeThrough(sealStream(keyring, options));
 * ```
 */
export async function sealedSize(keyrings: EnvelopeKeyrings, plaintextLength: number, options: SealOptions = {}): Promise<number> {
  const plan = planSeal(keyrings, options);
  checkLength(plaintextLength, plan.frameSize);
  const { suite } = plan;
  const context = suite.signed ? { ...plan.encryptionContext, [PUBLIC_KEY_CONTEXT_KEY]: 'A'.repeat(PUBLIC_KEY_TEXT_LENGTH) } : plan.encryptionContext;
  const body = serializeHeaderBody({
    suite,
    messageId: new Uint8Array(MESSAGE_ID_LENGTH),
    contextBytes: serializeContext(contextEntries(context)),
    encryptedDataKeys: plan.keys.map((key) => key.placeholder()),
    frameSize: plan.frameSize,
    commitment: new Uint8Array(COMMITMENT_LENGTH),
  });
  const footer = suite.signed ? 2 + MAX_SIGNATURE_LENGTH : 0;
  return body.length + TAG_LENGTH + bodyLength(plaintextLength, plan.frameSize) + footer;
}

/** For `sealStream`: refuses the signed suite, whose footer WebCrypto cannot compute over a stream. */
export function planStreamSeal(keyrings: EnvelopeKeyrings, options: SealStreamOptions): SealPlan {
  const plan = planSeal(keyrings, options);
  if (plan.suite.signed) {
    throw new KmsError(
      'UnsupportedOperationException',
      `sealStream cannot write ${plan.suite.name}: WebCrypto signs whole buffers, not streams; seal() writes it, or use the default suite 0x0478 for streams`,
    );
  }
  return plan;
}
