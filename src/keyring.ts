// The Keyring: master keys with versions, aliases and state, and the KMS operations on them.
import { decode } from './base64.js';
import { MAX_BLOB_PLAINTEXT, blobHeader, parseBlob } from './blob.js';
import { asBytes, timingSafeEqual } from './bytes.js';
import { type AdditionalData, checkAdditionalData, encodeAdditionalData } from './context.js';
import { KmsError, check } from './errors.js';
import { checkObject } from './plain.js';
import {
  type ArnScope,
  type KeyReference,
  aliasArn,
  checkAliasName,
  checkKeyId,
  keyArn,
  parseKeyReference,
  randomUuid,
} from './identifiers.js';
import { type MaterialKey, importMaterial, lengthOfSpec, materialIdentity } from './key-material.js';
import type {
  AesKeySpec,
  AliasListEntry,
  CreateKeyInput,
  DecryptInput,
  DecryptResult,
  EncryptInput,
  GenerateDataKeyInput,
  GenerateDataKeyResult,
  ImportKeyInput,
  KeyListEntry,
  KeyMaterial,
  KeyMetadata,
  KeyVersionResult,
  KeyringOptions,
  ReEncryptInput,
  ReEncryptResult,
  RotateKeyInput,
  WrapResult,
} from './types.js';
import { IV_LENGTH, aesGcmDecrypt, aesGcmEncrypt, randomBytes, resolveCrypto, wrapGeneratedSecret } from './webcrypto.js';

interface KeyVersion {
  readonly versionId: string;
  readonly versionTag: Uint8Array;
  readonly keyMaterialId: string;
  readonly cryptoKey: CryptoKey;
  readonly creationDate: Date;
  /** The blob header up to its IV (format version, key id, version tag): the same for every blob. */
  readonly headerStart: Uint8Array;
  encryptions: number;
}

interface KeyRecord {
  readonly keyId: string;
  readonly arn: string;
  readonly description: string;
  readonly creationDate: Date;
  readonly origin: 'AWS_KMS' | 'EXTERNAL';
  readonly keySpec: AesKeySpec;
  /** Whether any version's material can be read back (an extractable CryptoKey was imported). */
  extractable: boolean;
  enabled: boolean;
  /** Oldest first; the last is the primary version. */
  readonly versions: KeyVersion[];
}

const DATA_KEY_SPECS: readonly AesKeySpec[] = ['AES_128', 'AES_192', 'AES_256'];
const MAX_DATA_KEY_BYTES = 1024;
const ADDITIONAL_DATA_FIELDS = {
  source: { context: 'sourceEncryptionContext', aad: 'sourceAad' },
  destination: { context: 'destinationEncryptionContext', aad: 'destinationAad' },
} as const;

/** The data key length a request asks for: `numberOfBytes` prevails over `keySpec`; neither → 32. */
function dataKeyLength(keySpec: unknown, numberOfBytes: unknown): number {
  check(
    keySpec === undefined || DATA_KEY_SPECS.includes(keySpec as AesKeySpec),
    () => `keySpec must be one of ${DATA_KEY_SPECS.join(', ')}`,
  );
  if (numberOfBytes !== undefined) {
    check(
      typeof numberOfBytes === 'number' && Number.isInteger(numberOfBytes) && numberOfBytes >= 1 && numberOfBytes <= MAX_DATA_KEY_BYTES,
      `numberOfBytes must be an integer from 1 to ${MAX_DATA_KEY_BYTES}`,
    );
    return numberOfBytes;
  }
  return keySpec === undefined ? 32 : lengthOfSpec(keySpec as AesKeySpec);
}

/** The record, when its key is enabled; `DisabledException` otherwise. */
function checkEnabled(record: KeyRecord): KeyRecord {
  if (!record.enabled) throw new KmsError('DisabledException', `key ${record.keyId} is disabled`);
  return record;
}

function versionResult(record: KeyRecord, version: KeyVersion): KeyVersionResult {
  return { keyId: record.keyId, arn: record.arn, versionId: version.versionId, keyMaterialId: version.keyMaterialId };
}

/** The key and version a Keyring wraps under for a key reference, as {@link wrappingVersion} gives them. */
export interface WrappingVersion {
  readonly keyId: string;
  readonly arn: string;
  readonly versionId: string;
}

// Keyrings made by the constructor, each with what seal asks of it. seal and open use this rather
// than `instanceof` and a method, so that bundles using only RawAesKeyrings leave the Keyring class out.
const constructed = new WeakMap<object, (keyId: string) => WrappingVersion>();

/** Whether `value` is a Keyring made by its constructor (or a subclass's). */
export function isKeyring(value: unknown): value is Keyring {
  return typeof value === 'object' && value !== null && constructed.has(value);
}

/**
 * The key a reference names now (aliases resolved) and its primary version, for seal: checked
 * enabled, so that a cached data key obeys the key's state as a new wrap would. Internal: not
 * exported from the package. @throws `NotFoundException`, `DisabledException`.
 */
export function wrappingVersion(keyring: Keyring, keyId: string): WrappingVersion {
  return constructed.get(keyring)!(keyId);
}

/**
 * An in-memory set of master keys, and the KMS operations on them: data keys, encrypt, decrypt,
 * re-encrypt, aliases, rotation, enable and disable. Master keys are AES-GCM `CryptoKey`s,
 * non-extractable unless the caller imported an extractable one.
 */
export class Keyring {
  /** The region named in this keyring's ARNs. */
  readonly region: string;
  /** The account id named in this keyring's ARNs. */
  readonly accountId: string;
  /** The WebCrypto this keyring uses (the one given, or the global one). */
  get crypto(): Crypto {
    return this.#crypto;
  }
  readonly #crypto: Crypto;
  readonly #scope: ArnScope;
  /** How many encryptions one key version may perform before a rotation is required. */
  get maxEncryptionsPerKeyVersion(): number {
    return this.#maxEncryptions;
  }
  readonly #maxEncryptions: number;
  readonly #keys = new Map<string, KeyRecord>();
  readonly #aliases = new Map<string, string>();

  /** @throws `UnsupportedOperationException` when there is no WebCrypto to use. */
  constructor(options: KeyringOptions = {}) {
    checkObject(options, 'Keyring takes { crypto?, region?, accountId?, maxEncryptionsPerKeyVersion? }');
    this.#crypto = resolveCrypto(options.crypto);
    this.region = options.region ?? 'us-east-1';
    this.accountId = options.accountId ?? '000000000000';
    check(/^[a-z0-9-]{1,64}$/.test(this.region), 'region must be 1–64 characters of a–z, 0–9 and "-"');
    check(/^[0-9]{12}$/.test(this.accountId), 'accountId must be 12 digits');
    this.#scope = { region: this.region, accountId: this.accountId };
    this.#maxEncryptions = options.maxEncryptionsPerKeyVersion ?? 2 ** 32;
    check(
      Number.isSafeInteger(this.#maxEncryptions) && this.#maxEncryptions >= 1,
      'maxEncryptionsPerKeyVersion must be a positive integer',
    );
    constructed.set(this, (keyId) => {
      const record = this.#enabledKey(keyId);
      return { keyId: record.keyId, arn: record.arn, versionId: record.versions.at(-1)!.versionId };
    });
  }

  // ── master keys ────────────────────────────────────────────────────────────

  /**
   * Imports master key material as a new key.
   * @throws `ValidationException` for material of the wrong size or kind, `AlreadyExistsException`
   *   for a taken key id or alias, `UnsupportedOperationException` for a key size the engine lacks.
   */
  async importKey(input: ImportKeyInput): Promise<KeyMetadata> {
    checkObject(input, 'importKey takes { keyId?, material, aliases?, description? }');
    check(input.material !== undefined, 'material is required');
    return this.#addKey(input, 'EXTERNAL', await importMaterial(this.#crypto, input.material));
  }

  /** Creates a key with random material from the WebCrypto generator (non-extractable). */
  async createKey(input: CreateKeyInput = {}): Promise<KeyMetadata> {
    checkObject(input, 'createKey takes { keyId?, keySpec?, aliases?, description? }');
    const spec = input.keySpec === 'SYMMETRIC_DEFAULT' || input.keySpec === undefined ? 'AES_256' : input.keySpec;
    check(DATA_KEY_SPECS.includes(spec), `keySpec must be one of SYMMETRIC_DEFAULT, ${DATA_KEY_SPECS.join(', ')}`);
    return this.#addKey(input, 'AWS_KMS', await this.#randomMaterial(spec));
  }

  async #randomMaterial(spec: AesKeySpec): Promise<MaterialKey> {
    const bytes = randomBytes(this.#crypto, lengthOfSpec(spec));
    try {
      return await importMaterial(this.#crypto, bytes);
    } finally {
      bytes.fill(0);
    }
  }

  async #addKey(input: ImportKeyInput | CreateKeyInput, origin: KeyRecord['origin'], material: MaterialKey): Promise<KeyMetadata> {
    const keyId = input.keyId ?? randomUuid(this.#crypto);
    checkKeyId(keyId);
    const aliases = input.aliases ?? [];
    check(Array.isArray(aliases), 'aliases must be an array of alias names');
    aliases.forEach(checkAliasName);
    const description = input.description ?? '';
    check(typeof description === 'string' && description.length <= 8192, 'description must be a string of at most 8,192 characters');
    const version = await this.#newVersion(keyId, material);
    // Checked after the await, so that concurrent imports cannot both take the same id or alias.
    if (this.#keys.has(keyId)) throw new KmsError('AlreadyExistsException', `key ${keyId} already exists`);
    this.#checkAliasesFree(aliases);
    const record: KeyRecord = {
      keyId,
      arn: keyArn(this.#scope, keyId),
      description,
      creationDate: version.creationDate,
      origin,
      keySpec: material.keySpec,
      extractable: material.extractable,
      enabled: true,
      versions: [version],
    };
    this.#keys.set(keyId, record);
    for (const alias of aliases) this.#aliases.set(alias, keyId);
    return this.#metadata(record);
  }

  async #newVersion(keyId: string, material: MaterialKey): Promise<KeyVersion> {
    let identity;
    try {
      identity = await materialIdentity(this.#crypto, keyId, material.cryptoKey);
    } catch (cause) {
      throw new KmsError('ValidationException', "the key material cannot be used with this keyring's WebCrypto", { cause });
    }
    const headerStart = blobHeader(keyId, identity.versionTag, new Uint8Array(0));
    return { ...identity, cryptoKey: material.cryptoKey, creationDate: new Date(), headerStart, encryptions: 0 };
  }

  #checkAliasesFree(aliases: readonly string[]): void {
    const seen = new Set<string>();
    for (const alias of aliases) {
      if (this.#aliases.has(alias) || seen.has(alias)) throw new KmsError('AlreadyExistsException', `alias ${alias} already exists`);
      seen.add(alias);
    }
  }

  /**
   * Adds a new version of a key's material, which becomes primary; older versions still decrypt.
   * @throws `DisabledException` for a disabled key, `ValidationException` for material of another
   *   size than the key's, or material that already is a version of this key.
   */
  async rotateKey(keyId: string, input: RotateKeyInput = {}): Promise<KeyVersionResult> {
    const record = this.#enabledKey(keyId);
    checkObject(input, 'rotateKey takes (keyId, { material? })');
    const material: MaterialKey =
      input.material === undefined ? await this.#randomMaterial(record.keySpec) : await importMaterial(this.#crypto, input.material as KeyMaterial);
    check(material.keySpec === record.keySpec, `key ${record.keyId} is ${record.keySpec}; new material must be the same size, not ${material.keySpec}`);
    const version = await this.#newVersion(record.keyId, material);
    // Checked again after the awaits: a key disabled meanwhile is not rotated.
    checkEnabled(record);
    const existing = record.versions.find((v) => v.keyMaterialId === version.keyMaterialId);
    check(!existing, `this material already is version ${existing?.versionId} of key ${record.keyId}`);
    record.versions.push(version);
    record.extractable ||= material.extractable;
    return versionResult(record, version);
  }

  /** Points a new alias at a key. @throws `AlreadyExistsException`, `NotFoundException`, `ValidationException`. */
  createAlias(aliasName: string, targetKeyId: string): void {
    checkAliasName(aliasName);
    const record = this.#targetKey(targetKeyId);
    this.#checkAliasesFree([aliasName]);
    this.#aliases.set(aliasName, record.keyId);
  }

  /** Points an existing alias at another key. @throws `NotFoundException`, `ValidationException`. */
  updateAlias(aliasName: string, targetKeyId: string): void {
    checkAliasName(aliasName);
    const record = this.#targetKey(targetKeyId);
    if (!this.#aliases.has(aliasName)) throw new KmsError('NotFoundException', `alias ${aliasName} does not exist`);
    this.#aliases.set(aliasName, record.keyId);
  }

  /** Removes an alias; the key stays. @throws `NotFoundException`. */
  deleteAlias(aliasName: string): void {
    checkAliasName(aliasName);
    if (!this.#aliases.delete(aliasName)) throw new KmsError('NotFoundException', `alias ${aliasName} does not exist`);
  }

  /** An alias target must name a key itself (id or ARN), as in AWS KMS. */
  #targetKey(targetKeyId: string): KeyRecord {
    const reference = parseKeyReference(targetKeyId, this.#scope, 'targetKeyId');
    check('keyId' in reference, 'an alias must point at a key id or key ARN, not at another alias');
    return this.#record(reference);
  }

  /** Disables a key: it neither wraps nor unwraps until enabled again. */
  disableKey(keyId: string): void {
    this.#key(keyId).enabled = false;
  }

  /** Enables a disabled key. */
  enableKey(keyId: string): void {
    this.#key(keyId).enabled = true;
  }

  /** Metadata of a key (never its material). @throws `NotFoundException`. */
  describeKey(keyId: string): KeyMetadata {
    return this.#metadata(this.#key(keyId));
  }

  /** Every key, in the order they were added. */
  listKeys(): KeyListEntry[] {
    return [...this.#keys.values()].map((record) => ({ keyId: record.keyId, keyArn: record.arn }));
  }

  /** Every alias, or those of one key. */
  listAliases(keyId?: string): AliasListEntry[] {
    const only = keyId === undefined ? undefined : this.#key(keyId).keyId;
    return [...this.#aliases]
      .filter(([, target]) => only === undefined || target === only)
      .map(([aliasName, targetKeyId]) => ({ aliasName, aliasArn: aliasArn(this.#scope, aliasName), targetKeyId }));
  }

  #metadata(record: KeyRecord): KeyMetadata {
    const primary = record.versions.at(-1)!;
    return {
      keyId: record.keyId,
      arn: record.arn,
      description: record.description,
      enabled: record.enabled,
      keyState: record.enabled ? 'Enabled' : 'Disabled',
      creationDate: new Date(record.creationDate),
      origin: record.origin,
      keySpec: record.keySpec,
      keyUsage: 'ENCRYPT_DECRYPT',
      extractable: record.extractable,
      aliases: this.listAliases(record.keyId).map((alias) => alias.aliasName),
      primaryVersionId: primary.versionId,
      initialVersionId: record.versions[0]!.versionId,
      currentKeyMaterialId: primary.keyMaterialId,
      versions: record.versions.map((version) => ({
        versionId: version.versionId,
        keyMaterialId: version.keyMaterialId,
        creationDate: new Date(version.creationDate),
        primary: version === primary,
        encryptionCount: version.encryptions,
      })),
    };
  }

  // ── lookups ────────────────────────────────────────────────────────────────

  #record(reference: KeyReference): KeyRecord {
    const keyId = 'keyId' in reference ? reference.keyId : this.#aliases.get(reference.aliasName);
    if (keyId === undefined) throw new KmsError('NotFoundException', `alias ${(reference as { aliasName: string }).aliasName} does not exist`);
    const record = this.#keys.get(keyId);
    if (!record) throw new KmsError('NotFoundException', `key ${keyId} does not exist in this keyring`);
    return record;
  }

  #key(keyId: string, field = 'keyId'): KeyRecord {
    return this.#record(parseKeyReference(keyId, this.#scope, field));
  }

  #enabledKey(keyId: string, field = 'keyId'): KeyRecord {
    return checkEnabled(this.#key(keyId, field));
  }

  #version(record: KeyRecord, versionId: string | undefined): KeyVersion {
    if (versionId === undefined) return record.versions.at(-1)!;
    check(typeof versionId === 'string', 'versionId must be a string');
    const version = record.versions.find((v) => v.versionId === versionId);
    if (!version) throw new KmsError('NotFoundException', `key ${record.keyId} has no version ${versionId}`);
    return version;
  }

  // ── wrapping ───────────────────────────────────────────────────────────────

  /**
   * Seals a secret under a key version: a fresh random IV, header and context as AAD. `secret` is
   * the caller's bytes, or the length of a random secret to generate without returning it.
   */
  async #wrap(
    record: KeyRecord,
    version: KeyVersion,
    secret: Uint8Array | number,
    additional: AdditionalData,
    iv = randomBytes(this.#crypto, IV_LENGTH),
  ): Promise<WrapResult> {
    // The key's state is checked here, at the moment of wrapping, not only when the request came
    // in: a key disabled while a request awaited something (reEncrypt's unwrap) does not wrap.
    checkEnabled(record);
    if (version.encryptions >= this.#maxEncryptions) {
      throw new KmsError(
        'KMSInvalidStateException',
        `key ${record.keyId} version ${version.versionId} has made its limit of ${this.#maxEncryptions} encryptions; rotate the key`,
      );
    }
    version.encryptions++;
    const start = version.headerStart;
    const headerLength = start.length + IV_LENGTH;
    // The AAD is the blob header, then the encoded context and AAD; the blob is the header and the sealed secret.
    const aad = encodeAdditionalData(additional, headerLength);
    aad.set(start);
    aad.set(iv, start.length);
    const sealed =
      typeof secret === 'number'
        ? await this.#sealGeneratedSecret(version.cryptoKey, secret, iv, aad)
        : await aesGcmEncrypt(this.#crypto, version.cryptoKey, iv, secret, aad);
    const ciphertextBlob = new Uint8Array(headerLength + sealed.length);
    ciphertextBlob.set(start);
    ciphertextBlob.set(iv, start.length);
    ciphertextBlob.set(sealed, headerLength);
    return Object.assign(versionResult(record, version), { ciphertextBlob, iv, algorithm: 'AES_GCM' as const });
  }

  /** A secret generated and wrapped inside WebCrypto where it can be; else random bytes zeroed at once. */
  async #sealGeneratedSecret(key: CryptoKey, length: number, iv: Uint8Array, aad: Uint8Array): Promise<Uint8Array> {
    const sealed = await wrapGeneratedSecret(this.#crypto, key, length, iv, aad);
    if (sealed) return sealed;
    const secret = randomBytes(this.#crypto, length);
    try {
      return await aesGcmEncrypt(this.#crypto, key, iv, secret, aad);
    } finally {
      secret.fill(0);
    }
  }

  /** Opens a blob: the key and version it names, checked against `keyId` when one is given. */
  async #unwrap(
    ciphertextBlob: unknown,
    additional: AdditionalData,
    keyId: string | undefined,
    field: string,
  ): Promise<DecryptResult> {
    const blob = typeof ciphertextBlob === 'string' ? decode(ciphertextBlob) : asBytes(ciphertextBlob, 'ciphertextBlob');
    const parsed = parseBlob(blob);
    if (keyId !== undefined) {
      const expected = this.#key(keyId, field);
      if (expected.keyId !== parsed.keyId) {
        throw new KmsError('IncorrectKeyException', `the ciphertext was wrapped under key ${parsed.keyId}, not ${expected.keyId}`);
      }
    }
    const record = this.#keys.get(parsed.keyId);
    if (!record) throw new KmsError('InvalidCiphertextException', `the ciphertext names key ${parsed.keyId}, which is not in this keyring`);
    checkEnabled(record);
    const version = record.versions.find((v) => timingSafeEqual(v.versionTag, parsed.versionTag));
    if (!version) throw new KmsError('InvalidCiphertextException', `the ciphertext names a version of key ${record.keyId} that this keyring does not have`);
    const aad = encodeAdditionalData(additional, parsed.header.length);
    aad.set(parsed.header);
    const plaintext = await aesGcmDecrypt(this.#crypto, version.cryptoKey, parsed.iv, parsed.sealed, aad);
    return Object.assign(versionResult(record, version), { plaintext });
  }

  // ── operations ─────────────────────────────────────────────────────────────

  #dataKeyRequest(input: GenerateDataKeyInput, operation: string) {
    checkObject(input, () => `${operation} takes { keyId, keySpec?, numberOfBytes?, encryptionContext?, aad?, versionId? }`);
    const length = dataKeyLength(input.keySpec, input.numberOfBytes);
    const additional = checkAdditionalData(input.encryptionContext, input.aad);
    const record = this.#enabledKey(input.keyId);
    return { length, additional, record, version: this.#version(record, input.versionId) };
  }

  /**
   * A fresh data key from `crypto.getRandomValues`, and its copy wrapped under the key's primary
   * version (or `versionId`) with the encryption context and AAD bound to it.
   */
  async generateDataKey(input: GenerateDataKeyInput): Promise<GenerateDataKeyResult> {
    const { length, additional, record, version } = this.#dataKeyRequest(input, 'generateDataKey');
    // One getRandomValues call for the IV and the data key: in Node a call costs more than all the
    // JavaScript of this method. The data key is copied out to a buffer of its own, its draw zeroed.
    const random = randomBytes(this.#crypto, IV_LENGTH + length);
    const plaintext = random.slice(IV_LENGTH);
    random.fill(0, IV_LENGTH);
    try {
      const wrapped = await this.#wrap(record, version, plaintext, additional, random.subarray(0, IV_LENGTH));
      return Object.assign(wrapped, { plaintext });
    } catch (error) {
      plaintext.fill(0);
      throw error;
    }
  }

  /**
   * As {@link generateDataKey}, but the data key is never returned, and where the engine allows
   * never exists in JavaScript memory: WebCrypto generates it and wraps it with `wrapKey`. Where it
   * cannot (a CryptoKey imported without the `wrapKey` usage, or a size the engine's HMAC key
   * generation refuses), random bytes are wrapped and zeroed at once.
   */
  async generateDataKeyWithoutPlaintext(input: GenerateDataKeyInput): Promise<WrapResult> {
    const { length, additional, record, version } = this.#dataKeyRequest(input, 'generateDataKeyWithoutPlaintext');
    return this.#wrap(record, version, length, additional);
  }

  /** Wraps up to 4,096 bytes of the caller's own secret. */
  async encrypt(input: EncryptInput): Promise<WrapResult> {
    checkObject(input, 'encrypt takes { keyId, plaintext, encryptionContext?, aad?, versionId? }');
    const plaintext = asBytes(input.plaintext, 'plaintext');
    check(plaintext.length >= 1 && plaintext.length <= MAX_BLOB_PLAINTEXT, () => `plaintext must be 1 to ${MAX_BLOB_PLAINTEXT} bytes, not ${plaintext.length}`);
    const additional = checkAdditionalData(input.encryptionContext, input.aad);
    const record = this.#enabledKey(input.keyId);
    return this.#wrap(record, this.#version(record, input.versionId), plaintext, additional);
  }

  /**
   * Unwraps a blob made by `generateDataKey` or `encrypt`, given the same encryption context and
   * AAD. @throws `InvalidCiphertextException` for a malformed or tampered blob or a wrong context,
   * `IncorrectKeyException` when `keyId` names another key, `DisabledException`.
   */
  async decrypt(input: DecryptInput): Promise<DecryptResult> {
    checkObject(input, 'decrypt takes { ciphertextBlob, encryptionContext?, aad?, keyId? }');
    check(input.ciphertextBlob !== undefined, 'ciphertextBlob is required');
    const additional = checkAdditionalData(input.encryptionContext, input.aad);
    return this.#unwrap(input.ciphertextBlob, additional, input.keyId, 'keyId');
  }

  /** Unwraps a blob and wraps its secret anew under another key or context, without returning it. */
  async reEncrypt(input: ReEncryptInput): Promise<ReEncryptResult> {
    checkObject(input, 'reEncrypt takes { ciphertextBlob, destinationKeyId, … }');
    check(input.ciphertextBlob !== undefined, 'ciphertextBlob is required');
    const sourceAdditional = checkAdditionalData(input.sourceEncryptionContext, input.sourceAad, ADDITIONAL_DATA_FIELDS.source);
    const destinationAdditional = checkAdditionalData(
      input.destinationEncryptionContext,
      input.destinationAad,
      ADDITIONAL_DATA_FIELDS.destination,
    );
    const destination = this.#enabledKey(input.destinationKeyId, 'destinationKeyId');
    const destinationVersion = this.#version(destination, input.destinationVersionId);
    const source = await this.#unwrap(input.ciphertextBlob, sourceAdditional, input.sourceKeyId, 'sourceKeyId');
    try {
      const wrapped = await this.#wrap(destination, destinationVersion, source.plaintext, destinationAdditional);
      return {
        ...wrapped,
        sourceKeyId: source.keyId,
        sourceArn: source.arn,
        sourceVersionId: source.versionId,
        sourceKeyMaterialId: source.keyMaterialId,
      };
    } finally {
      source.plaintext.fill(0);
    }
  }
}
