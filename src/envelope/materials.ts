// The keys of one message. Sealing: a data key from the first wrapping key, wrapped by every key,
// then imported as an HKDF key and zeroed. Opening: the data key unwrapped, its commitment checked
// in constant time, the message key derived, the header authenticated. HKDF-SHA-512 with the
// message id as salt gives every message its own AES-256 key and key commitment.
import { KmsError, excerpt } from '../errors.js';
import { concat, timingSafeEqual, utf8 } from '../bytes.js';
import { contextEntries } from '../context.js';
import { aesGcmDecrypt, aesGcmEncrypt, bufferSource, engineCannot, IV_LENGTH } from '../webcrypto.js';
import { type AffinePoint } from './p384.js';
import { generateSigningKey, publicKeyPoint } from './ecdsa.js';
import { type EncryptedDataKey, type ParsedHeader, PUBLIC_KEY_CONTEXT_KEY, serializeContext } from './header.js';
import { type EnvelopeKeyring, type WrappingContext, type WrappingKey, unwrapDataKey } from './keyrings.js';
import { type AlgorithmSuite, COMMITMENT_LENGTH, DATA_KEY_LENGTH } from './suites.js';
import { uint16 } from './wire.js';

/** What every message sealed with the same data key shares (and `DataKeyCache` keeps). */
export interface EncryptionMaterials {
  readonly suite: AlgorithmSuite;
  readonly crypto: Crypto;
  /** The data key, imported as a non-extractable HKDF key; its bytes are zeroed. */
  readonly hkdfKey: CryptoKey;
  readonly encryptedDataKeys: readonly EncryptedDataKey[];
  /** The serialised encryption context, the public key included for signed suites. */
  readonly contextBytes: Uint8Array;
  /** The private signing key of signed suites. */
  readonly signingKey: CryptoKey | undefined;
}

/** One message's AES-256-GCM key and the commitment to it that the header stores. */
export interface MessageKey {
  readonly key: CryptoKey;
  readonly commitment: Uint8Array;
}

const DERIVE_KEY_LABEL = utf8('DERIVEKEY');
const COMMIT_KEY_LABEL = utf8('COMMITKEY');
// Made once and never written: WebCrypto copies its parameters when called, and a fresh small
// array costs Node an allocation and a copy when its webcrypto takes the array's buffer.
const ZERO_IV = new Uint8Array(IV_LENGTH);
const NO_BYTES = new Uint8Array(0);
/** Each suite's HKDF info for its message key: the suite id, then "DERIVEKEY". */
const deriveKeyInfo = new Map<number, Uint8Array>();

/** Imports the data key for HKDF (never extractable). */
async function importHkdfKey(crypto: Crypto, dataKey: Uint8Array): Promise<CryptoKey> {
  try {
    return await crypto.subtle.importKey('raw', bufferSource(dataKey), 'HKDF', false, ['deriveBits', 'deriveKey']);
  } catch (cause) {
    throw engineCannot('import an HKDF key', cause);
  }
}

/** Imports the data key for HKDF, then zeroes the bytes. */
async function importDataKey(crypto: Crypto, dataKey: Uint8Array): Promise<CryptoKey> {
  try {
    return await importHkdfKey(crypto, dataKey);
  } finally {
    dataKey.fill(0);
  }
}

const hkdf = (salt: Uint8Array, info: Uint8Array): HkdfParams => ({ name: 'HKDF', hash: 'SHA-512', salt: bufferSource(salt), info: bufferSource(info) });

async function commitmentOf(crypto: Crypto, hkdfKey: CryptoKey, messageId: Uint8Array): Promise<Uint8Array> {
  try {
    return new Uint8Array(await crypto.subtle.deriveBits(hkdf(messageId, COMMIT_KEY_LABEL), hkdfKey, COMMITMENT_LENGTH * 8));
  } catch (cause) {
    throw engineCannot('derive bits with HKDF-SHA-512', cause);
  }
}

async function messageKeyOf(crypto: Crypto, suite: AlgorithmSuite, hkdfKey: CryptoKey, messageId: Uint8Array): Promise<CryptoKey> {
  let info = deriveKeyInfo.get(suite.id);
  if (info === undefined) deriveKeyInfo.set(suite.id, (info = concat(uint16(suite.id), DERIVE_KEY_LABEL)));
  try {
    return await crypto.subtle.deriveKey(
      hkdf(messageId, info),
      hkdfKey,
      { name: 'AES-GCM', length: DATA_KEY_LENGTH * 8 },
      false,
      ['encrypt', 'decrypt'],
    );
  } catch (cause) {
    throw engineCannot('derive an AES-GCM key with HKDF-SHA-512', cause);
  }
}

/** The key and key commitment of a new message. */
export async function deriveMessageKey(materials: Pick<EncryptionMaterials, 'crypto' | 'suite' | 'hkdfKey'>, messageId: Uint8Array): Promise<MessageKey> {
  const { crypto, suite, hkdfKey } = materials;
  const [commitment, key] = await Promise.all([commitmentOf(crypto, hkdfKey, messageId), messageKeyOf(crypto, suite, hkdfKey, messageId)]);
  return { key, commitment };
}

/** The header tag: AES-GCM of nothing, all-zero IV, the header body as AAD. */
export async function headerTag(crypto: Crypto, key: CryptoKey, body: Uint8Array): Promise<Uint8Array> {
  return aesGcmEncrypt(crypto, key, ZERO_IV, NO_BYTES, body);
}

/**
 * New materials: a signing key first for signed suites (its public key joins the context that
 * every wrap binds), then the data key from the first wrapping key (from `random`, its
 * `randomLength` bytes, for a raw AES key) and its copies from every key. The data key is
 * imported for HKDF while it is being wrapped, and `onHkdfKey` gets the imported key at once (seal
 * derives the first message's key meanwhile).
 */
export async function newEncryptionMaterials(
  keys: readonly WrappingKey[],
  suite: AlgorithmSuite,
  given: WrappingContext,
  random: Uint8Array,
  onHkdfKey: (hkdfKey: CryptoKey) => void = () => undefined,
): Promise<EncryptionMaterials> {
  const generator = keys[0]!;
  const { crypto } = generator;
  const signing = suite.signed ? await generateSigningKey(crypto) : undefined;
  let context = given;
  if (signing) {
    const map = { ...given.map, [PUBLIC_KEY_CONTEXT_KEY]: signing.publicKey };
    context = { map, bytes: serializeContext(contextEntries(map)) };
  }
  const { dataKey, wrapped } = await generator.generate(context, random);
  try {
    // The import goes first: the message key and every frame wait on it, nothing on the wraps until the header.
    const imported = importHkdfKey(crypto, dataKey).then((hkdfKey) => {
      onHkdfKey(hkdfKey);
      return hkdfKey;
    });
    // Zeroed (below) only once every wrap has taken its copy of the bytes.
    const [hkdfKey, ...encryptedDataKeys] = await Promise.all([imported, wrapped(), ...keys.slice(1).map((key) => key.wrap(dataKey, context))]);
    return {
      suite,
      crypto,
      hkdfKey,
      encryptedDataKeys,
      contextBytes: context.bytes,
      signingKey: signing?.privateKey,
    };
  } finally {
    dataKey.fill(0);
  }
}

/** What opening a message needs once its header is authenticated. */
export interface DecryptionMaterials {
  readonly crypto: Crypto;
  readonly key: CryptoKey;
  /** The signature's public key, for signed suites. */
  readonly publicKey: AffinePoint | undefined;
  /**
   * The header tag's check, still running: frames are decrypted meanwhile, but nothing may be
   * released before it resolves. Rejects with `InvalidCiphertextException` (never unhandled).
   */
  readonly headerChecked: Promise<void>;
}

function checkRequiredContext(stored: Readonly<Record<string, string>>, required: ReadonlyArray<readonly [string, string]>): void {
  for (const [key, value] of required) {
    if (!Object.hasOwn(stored, key)) throw new KmsError('InvalidCiphertextException', `the message's encryption context lacks the required key ${excerpt(key)}`);
    if (stored[key] !== value) throw new KmsError('InvalidCiphertextException', `the message's encryption context has another value for the required key ${excerpt(key)}`);
  }
}

/**
 * Checks a parsed header and returns the message key: the required context, the public key of
 * signed suites (and its absence otherwise), the data key, the key commitment (constant time,
 * before the message key is used); the header tag's check is started, not awaited. Every failure
 * is an `InvalidCiphertextException`.
 */
export async function openHeader(
  keyrings: readonly EnvelopeKeyring[],
  header: ParsedHeader,
  /** The pairs the message must hold, as `contextPairs` read them from the caller's argument. */
  requiredContext: ReadonlyArray<readonly [string, string]>,
): Promise<DecryptionMaterials> {
  checkRequiredContext(header.encryptionContext, requiredContext);
  const storedKey = Object.hasOwn(header.encryptionContext, PUBLIC_KEY_CONTEXT_KEY) ? header.encryptionContext[PUBLIC_KEY_CONTEXT_KEY] : undefined;
  if (!header.suite.signed && storedKey !== undefined) {
    throw new KmsError('InvalidCiphertextException', 'the message has a public key in its encryption context but its algorithm suite is not signed');
  }
  const publicKey = header.suite.signed ? publicKeyPoint(storedKey) : undefined;
  const { dataKey, crypto } = await unwrapDataKey(keyrings, header.encryptedDataKeys, { map: header.encryptionContext, bytes: header.contextBytes });
  const hkdfKey = await importDataKey(crypto, dataKey);
  // Derived together; the key is used only once the commitment has matched.
  const [commitment, key] = await Promise.all([commitmentOf(crypto, hkdfKey, header.messageId), messageKeyOf(crypto, header.suite, hkdfKey, header.messageId)]);
  if (!timingSafeEqual(commitment, header.commitment)) {
    throw new KmsError('InvalidCiphertextException', 'the key commitment does not match the data key: the message was changed, or made to decrypt differently under different keys');
  }
  // A round trip to WebCrypto's threads saved: the caller decrypts the first frames meanwhile.
  const headerChecked = aesGcmDecrypt(crypto, key, ZERO_IV, header.tag, header.body, 'the message header failed authentication: it was changed').then(
    () => undefined,
  );
  headerChecked.catch(() => undefined);
  return { crypto, key, publicKey, headerChecked };
}
