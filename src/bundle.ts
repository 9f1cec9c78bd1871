// Export bundles: a keyring's keys as JSON data, every version's material wrapped with AES-256-GCM
// under a bundle key (the caller's wrapping key, or one PBKDF2-SHA-256 derives from a passphrase),
// and the whole bundle authenticated by one tag over its canonical JSON, so that no member can
// change unnoticed. Format and reasons: docs/format.md, "Export bundles".
import { decode, encode } from './base64.js';
import { isWellFormed, utf8 } from './bytes.js';
import { canonicalJson } from './canonical-json.js';
import { KmsError, check } from './errors.js';
import { checkAliasName, checkKeyId } from './identifiers.js';
import { type MaterialIdentity, importMaterial, lengthOfSpec, materialIdentity } from './key-material.js';
import { checkObject, plainEntries } from './plain.js';
import type { AesKeySpec, BundleProtection, KeyBundle, KeyBundleKey, KeyBundleProtection, KeyBundleVersion, KeyMaterial } from './types.js';
import { IV_LENGTH, TAG_LENGTH, aesGcmDecrypt, aesGcmEncrypt, bufferSource, engineCannot, importAesGcmKey, randomBytes } from './webcrypto.js';

const FORMAT = 'webkms-key-bundle';
/** The bundle format this webkms writes, and the newest it reads. */
const VERSION = 1;
// PBKDF2-SHA-256 iterations: OWASP's figure for 2023 at the least, and at most what takes seconds, not hours.
const MIN_ITERATIONS = 600_000;
const MAX_ITERATIONS = 10_000_000;
const SALT_LENGTH = 16;
/** materialIdentity's key id for the bundle key's check value (a key id cannot hold spaces). */
const KEY_CHECK_LABEL = 'webkms bundle key';
const MATERIAL_LABEL = 'webkms bundle material v1\0';
const BASE64URL = { alphabet: 'base64url' } as const;
const HEX_64 = /^[0-9a-f]{64}$/;
const SPECS = ['AES_128', 'AES_192', 'AES_256'] as const;
const ORIGINS = ['AWS_KMS', 'EXTERNAL'] as const;

/** A version as the keyring hands it over for export: its material read only when it is wrapped. */
export interface SourceVersion extends Omit<KeyBundleVersion, 'iv' | 'material'> {
  /** The material's bytes, fresh: zeroed once wrapped. */
  material(): Promise<Uint8Array>;
}

/** What the keyring exports. */
export interface BundleSource {
  readonly region: string;
  readonly accountId: string;
  readonly keys: ReadonlyArray<Omit<KeyBundleKey, 'versions'> & { readonly versions: readonly SourceVersion[] }>;
}

/** A version of a verified bundle: its key imported, its bytes (zeroed when the import is done). */
export interface OpenedVersion {
  readonly identity: MaterialIdentity;
  readonly creationDate: string;
  readonly encryptionCount: number;
  readonly cryptoKey: CryptoKey;
  readonly bytes: Uint8Array;
}

/** A verified bundle's keys. */
export interface OpenedBundle {
  readonly region: string;
  readonly accountId: string;
  readonly keys: ReadonlyArray<Omit<KeyBundleKey, 'versions'> & { readonly versions: readonly OpenedVersion[] }>;
}

/** The bundle key and its check value, the `wrappingKeyId`. */
interface BundleKey {
  readonly cryptoKey: CryptoKey;
  readonly id: string;
}

type Given = { readonly wrappingKey: KeyMaterial } | { readonly passphrase: string; readonly iterations?: unknown };

/** The caller's protection, checked: exactly one of `wrappingKey` and `passphrase`. */
function given(protection: unknown): Given {
  checkObject(protection, 'protection must be { wrappingKey } or { passphrase, iterations? }');
  const hasKey = 'wrappingKey' in protection;
  check(hasKey !== ('passphrase' in protection), 'protection takes either a wrappingKey or a passphrase, not both or neither');
  if (hasKey) return protection as Given;
  const { passphrase } = protection as { passphrase: unknown };
  check(typeof passphrase === 'string' && passphrase.length > 0 && isWellFormed(passphrase), 'the passphrase must be a non-empty string without lone UTF-16 surrogates');
  return protection as Given;
}

function checkIterations(iterations: unknown): number {
  check(
    Number.isSafeInteger(iterations) && (iterations as number) >= MIN_ITERATIONS && (iterations as number) <= MAX_ITERATIONS,
    `the PBKDF2 iteration count must be an integer from ${MIN_ITERATIONS} to ${MAX_ITERATIONS}`,
  );
  return iterations as number;
}

/**
 * The bundle key: the wrapping key imported (256 bits: a bundle may hold AES-256 keys, and a key
 * that wraps others must be at least as strong), or derived from the passphrase, normalised to NFC
 * so that the same passphrase typed on any system gives the same key.
 */
async function bundleKey(crypto: Crypto, protection: Given, salt: Uint8Array, iterations: number): Promise<BundleKey> {
  let cryptoKey: CryptoKey;
  if ('wrappingKey' in protection) {
    const imported = await importMaterial(crypto, protection.wrappingKey);
    check(imported.keySpec === 'AES_256', `the wrapping key must be a 256-bit AES key, not ${imported.keySpec}`);
    cryptoKey = imported.cryptoKey;
  } else {
    const secret = utf8(protection.passphrase.normalize('NFC'));
    try {
      const base = await crypto.subtle.importKey('raw', bufferSource(secret), 'PBKDF2', false, ['deriveKey']);
      const params = { name: 'PBKDF2', hash: 'SHA-256', salt: bufferSource(salt), iterations };
      cryptoKey = await crypto.subtle.deriveKey(params, base, { name: 'AES-GCM', length: 256 }, false, ['encrypt', 'decrypt']);
    } catch (cause) {
      throw engineCannot(`derive a key with PBKDF2-SHA-256 at ${iterations} iterations, so passphrase bundles cannot be made or opened here: use { wrappingKey }`, cause);
    } finally {
      secret.fill(0);
    }
  }
  return { cryptoKey, id: (await materialIdentity(crypto, KEY_CHECK_LABEL, cryptoKey)).keyMaterialId };
}

/** What a version's wrapped material is bound to: its key and its material id (which holds the version id). */
const materialAad = (keyId: string, keyMaterialId: string): Uint8Array => utf8(`${MATERIAL_LABEL}${keyId}\0${keyMaterialId}`);

/** The additional data of the bundle's tag: the canonical JSON (RFC 8785) of every member but the tag. */
const tagAad = (body: object): Uint8Array => utf8(canonicalJson(body));

/**
 * Makes a bundle of `source`'s keys under `protection`. Each version's material is read, wrapped
 * and zeroed in turn.
 * @throws `ValidationException` for a malformed protection, `UnsupportedOperationException` where
 *   the engine cannot derive the key (Cloudflare's hosted Workers may stop PBKDF2 at 100,000 iterations).
 */
export async function makeBundle(crypto: Crypto, protection: BundleProtection, source: BundleSource): Promise<KeyBundle> {
  const caller = given(protection);
  // 0 iterations: the wrapping key is used as it is.
  const iterations = 'passphrase' in caller ? checkIterations(caller.iterations ?? MIN_ITERATIONS) : 0;
  const salt = iterations ? randomBytes(crypto, SALT_LENGTH) : new Uint8Array(0);
  const key = await bundleKey(crypto, caller, salt, iterations);
  const header: KeyBundleProtection = iterations
    ? { kind: 'passphrase', alg: 'A256GCM', kdf: 'PBKDF2-SHA-256', iterations, salt: encode(salt, BASE64URL), wrappingKeyId: key.id }
    : { kind: 'wrappingKey', alg: 'A256GCM', wrappingKeyId: key.id };
  const keys: KeyBundleKey[] = [];
  for (const { versions, ...fields } of source.keys) {
    const wrapped: KeyBundleVersion[] = [];
    for (const { material, ...version } of versions) {
      const bytes = await material();
      try {
        const iv = randomBytes(crypto, IV_LENGTH);
        const sealed = await aesGcmEncrypt(crypto, key.cryptoKey, iv, bytes, materialAad(fields.keyId, version.keyMaterialId));
        wrapped.push({ ...version, iv: encode(iv, BASE64URL), material: encode(sealed, BASE64URL) });
      } finally {
        bytes.fill(0);
      }
    }
    keys.push({ ...fields, versions: wrapped });
  }
  const iv = randomBytes(crypto, IV_LENGTH);
  const body = { format: FORMAT, version: VERSION, exportedAt: new Date().toISOString(), region: source.region, accountId: source.accountId, protection: header, keys, iv: encode(iv, BASE64URL) } as const;
  const tag = await aesGcmEncrypt(crypto, key.cryptoKey, iv, new Uint8Array(0), tagAad(body));
  return { ...body, tag: encode(tag, BASE64URL) };
}

// ── reading ──────────────────────────────────────────────────────────────────

/** A plain object's members, or `ValidationException` naming `where`. */
function object(value: unknown, where: string): Record<string, unknown> {
  const entries = plainEntries(value);
  check(entries !== undefined, () => `${where} must be a JSON object`);
  return Object.fromEntries(entries);
}

/** A member holding `length` bytes as base64url. */
function bytesOf(value: unknown, where: string, length: number): Uint8Array {
  let bytes: Uint8Array | undefined;
  try {
    bytes = typeof value === 'string' ? decode(value, BASE64URL) : undefined;
  } catch {
    // Reported below, with the member's name.
  }
  check(bytes?.length === length, () => `${where} must be ${length} bytes of base64url`);
  return bytes!;
}

function text(value: unknown, where: string, max = 8192): string {
  check(typeof value === 'string' && value.length <= max && isWellFormed(value), () => `${where} must be text of at most ${max} characters`);
  return value;
}

function oneOf<T extends string>(value: unknown, allowed: readonly T[], where: string): T {
  check(allowed.includes(value as T), () => `${where} must be one of ${allowed.join(', ')}`);
  return value as T;
}

function date(value: unknown, where: string): string {
  check(typeof value === 'string' && Number.isFinite(Date.parse(value)) && new Date(value).toISOString() === value, () => `${where} must be an ISO 8601 date`);
  return value;
}

function flag(value: unknown, where: string): boolean {
  check(typeof value === 'boolean', () => `${where} must be true or false`);
  return value;
}

/** The bundle as data: the object itself, or parsed from its JSON text. */
function data(input: unknown): unknown {
  if (typeof input !== 'string') return input;
  try {
    return JSON.parse(input);
  } catch {
    throw new KmsError('ValidationException', 'the bundle text is not JSON (is it cut short or changed?)');
  }
}

/** What is read of a bundle's members before its tag is checked: only what finding the bundle key needs. */
function readHeader(fields: Record<string, unknown>, caller: Given) {
  check(fields['format'] === FORMAT, `this is not a webkms key bundle: its "format" is not "${FORMAT}"`);
  const version = fields['version'];
  check(Number.isSafeInteger(version) && (version as number) >= 1, 'the bundle\'s "version" must be a positive integer');
  if ((version as number) > VERSION) {
    throw new KmsError('UnsupportedOperationException', `the bundle is of format version ${version as number}, made by a newer webkms; this one reads version ${VERSION}: upgrade webkms`);
  }
  const protection = object(fields['protection'], 'the bundle\'s protection');
  const { kind } = protection;
  const passphrase = kind === 'passphrase';
  check(passphrase || kind === 'wrappingKey', 'the bundle\'s protection.kind must be "passphrase" or "wrappingKey"');
  check(passphrase === ('passphrase' in caller), `this bundle is protected by ${passphrase ? 'a passphrase: import it with { passphrase }' : 'a wrapping key: import it with { wrappingKey }'}`);
  check(protection['alg'] === 'A256GCM' && (!passphrase || protection['kdf'] === 'PBKDF2-SHA-256'), 'the bundle\'s protection names an unknown algorithm');
  const wrappingKeyId = protection['wrappingKeyId'];
  check(typeof wrappingKeyId === 'string' && HEX_64.test(wrappingKeyId), 'the bundle\'s protection.wrappingKeyId must be 64 hex characters');
  return {
    iterations: passphrase ? checkIterations(protection['iterations']) : 0,
    salt: passphrase ? bytesOf(protection['salt'], 'the bundle\'s protection.salt', SALT_LENGTH) : new Uint8Array(0),
    wrappingKeyId,
    iv: bytesOf(fields['iv'], 'the bundle\'s iv', IV_LENGTH),
    tag: bytesOf(fields['tag'], 'the bundle\'s tag', TAG_LENGTH),
  };
}

/** A version of an authenticated bundle, checked. */
function readVersion(value: unknown, keySpec: AesKeySpec, where: string) {
  const fields = object(value, where);
  const { versionId, keyMaterialId, encryptionCount } = fields;
  check(typeof keyMaterialId === 'string' && HEX_64.test(keyMaterialId), `${where}.keyMaterialId must be 64 hex characters`);
  check(versionId === keyMaterialId.slice(0, 16), `${where}.versionId must be the first 16 characters of its keyMaterialId`);
  check(Number.isSafeInteger(encryptionCount) && (encryptionCount as number) >= 0, `${where}.encryptionCount must be a count`);
  return {
    keyMaterialId,
    creationDate: date(fields['creationDate'], `${where}.creationDate`),
    encryptionCount: encryptionCount as number,
    iv: bytesOf(fields['iv'], `${where}.iv`, IV_LENGTH),
    material: bytesOf(fields['material'], `${where}.material`, lengthOfSpec(keySpec) + TAG_LENGTH),
  };
}

/** The keys of an authenticated bundle, checked: what a keyring keeps must be well-formed. */
function readKeys(value: unknown) {
  check(Array.isArray(value), 'the bundle\'s keys must be an array');
  const keyIds = new Set<string>();
  const aliasNames = new Set<string>();
  return value.map((item: unknown, k) => {
    const where = `the bundle's keys[${k}]`;
    const fields = object(item, where);
    const { keyId, aliases, versions } = fields;
    checkKeyId(keyId, `${where}.keyId`);
    check(!keyIds.has(keyId), `the bundle holds key ${keyId} twice`);
    keyIds.add(keyId);
    check(Array.isArray(aliases), `${where}.aliases must be an array`);
    for (const alias of aliases) {
      checkAliasName(alias);
      check(!aliasNames.has(alias), `the bundle holds alias ${alias} twice`);
      aliasNames.add(alias);
    }
    const keySpec = oneOf(fields['keySpec'], SPECS, `${where}.keySpec`);
    check(Array.isArray(versions) && versions.length > 0, `${where}.versions must be a non-empty array`);
    const read = versions.map((version: unknown, v) => readVersion(version, keySpec, `${where}.versions[${v}]`));
    check(new Set(read.map((version) => version.keyMaterialId)).size === read.length, `the bundle holds a version of key ${keyId} twice`);
    return {
      keyId,
      description: text(fields['description'], `${where}.description`),
      origin: oneOf(fields['origin'], ORIGINS, `${where}.origin`),
      keySpec,
      extractable: flag(fields['extractable'], `${where}.extractable`),
      enabled: flag(fields['enabled'], `${where}.enabled`),
      creationDate: date(fields['creationDate'], `${where}.creationDate`),
      aliases: aliases as string[],
      versions: read,
    };
  });
}

/**
 * Verifies a bundle (the object `makeBundle` made, or its JSON text) and unwraps its keys, then
 * hands them to `use`; every unwrapped byte is zeroed when `use` settles or anything fails. Nothing
 * reaches `use` unless the whole bundle verified.
 * @throws `ValidationException` for what is not a bundle or is malformed, or the other kind of
 *   protection; `UnsupportedOperationException` for a newer format (or an engine that cannot
 *   derive the key); `InvalidCiphertextException` for a wrong passphrase or wrapping key, or a
 *   bundle changed after it was made.
 */
export async function openBundle<T>(crypto: Crypto, input: unknown, protection: unknown, use: (opened: OpenedBundle) => Promise<T>): Promise<T> {
  const caller = given(protection);
  const fields = object(data(input), 'a bundle');
  const header = readHeader(fields, caller);
  const key = await bundleKey(crypto, caller, header.salt, header.iterations);
  if (key.id !== header.wrappingKeyId) {
    throw new KmsError(
      'InvalidCiphertextException',
      'passphrase' in caller
        ? 'wrong passphrase: it does not give the key this bundle was made with (or the bundle\'s protection was changed)'
        : `the bundle was made under another wrapping key (${header.wrappingKeyId}), not this one (${key.id})`,
    );
  }
  const { tag: _tag, ...body } = fields;
  await aesGcmDecrypt(crypto, key.cryptoKey, header.iv, header.tag, tagAad(body), 'the bundle was changed after it was made: its tag does not verify');
  date(fields['exportedAt'], 'the bundle\'s exportedAt');
  const region = text(fields['region'], 'the bundle\'s region', 64);
  const accountId = text(fields['accountId'], 'the bundle\'s accountId', 64);
  const keys = readKeys(fields['keys']);
  const secrets: Uint8Array[] = [];
  try {
    const opened = [];
    for (const { versions, ...rest } of keys) {
      const unwrapped: OpenedVersion[] = [];
      for (const { keyMaterialId, iv, material, creationDate, encryptionCount } of versions) {
        const where = `key ${rest.keyId} version ${keyMaterialId.slice(0, 16)}`;
        const bytes = await aesGcmDecrypt(crypto, key.cryptoKey, iv, material, materialAad(rest.keyId, keyMaterialId), `the material of ${where} does not unwrap`);
        secrets.push(bytes);
        const cryptoKey = await importAesGcmKey(crypto, bytes, rest.extractable);
        const identity = await materialIdentity(crypto, rest.keyId, cryptoKey);
        if (identity.keyMaterialId !== keyMaterialId) throw new KmsError('InvalidCiphertextException', `the material of ${where} is not the material its key material id names`);
        unwrapped.push({ identity, creationDate, encryptionCount, cryptoKey, bytes });
      }
      opened.push({ ...rest, versions: unwrapped });
    }
    return await use({ region, accountId, keys: opened });
  } finally {
    for (const bytes of secrets) bytes.fill(0);
  }
}
