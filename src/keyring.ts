// The Keyring: master keys with versions, aliases and state, and the KMS operations on them.
import { decode } from './base64.js';
import { MAX_BLOB_PLAINTEXT, type ParsedBlob, parseBlob } from './blob.js';
import { asBytes, timingSafeEqual } from './bytes.js';
import { type AdditionalData, checkAdditionalData, encodeAdditionalData } from './context.js';
import { type OpenedBundle, makeBundle, openBundle } from './bundle.js';
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
import { type MaterialIdentity, type MaterialKey, importMaterial, isBinary, jwkBytes, lengthOfSpec, materialIdentity } from './key-material.js';
import { type Change, type KeyRecord, type KeyVersion, KeyRecords, keyVersion, storedKey } from './keyring-records.js';
import { type RootKey, importRootKey, sealMaterial, unsealMaterial } from './stores/sealed-material.js';
import type { KeyStore, KeyStoreWrite, StoredKeyVersion, StoredMaterial } from './stores/types.js';
import type {
  AesKeySpec,
  AliasChangeOptions,
  AliasListEntry,
  BundleProtection,
  CreateKeyInput,
  DecryptInput,
  DecryptResult,
  EncryptInput,
  ExportKeysOptions,
  GenerateDataKeyInput,
  GenerateDataKeyResult,
  ImportKeyInput,
  ImportKeysOptions,
  KeyBundle,
  KeyListEntry,
  KeyMaterial,
  KeyMetadata,
  KeyVersionResult,
  KeyringOpenOptions,
  KeyringOptions,
  ReEncryptInput,
  ReEncryptResult,
  RotateKeyInput,
  WrapResult,
} from './types.js';
import { IV_LENGTH, aesGcmDecrypt, aesGcmEncrypt, importAesGcmKey, isCryptoKey, randomBytes, resolveCrypto, wrapGeneratedSecret } from './webcrypto.js';

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

/** Where a new version's material comes from: random material of a spec, or the caller's. */
type MaterialSource = { readonly spec: AesKeySpec } | { readonly material: KeyMaterial };

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
 * @example
 * ```ts
 * import { Keyring } from 'webkms';
 *
 * const keyring = new Keyring(); // or new Keyring({ region: 'eu-west-1', accountId: '111122223333' })
 * await keyring.createKey({ keyId: 'app', aliases: ['alias/app'] });
 * const { plaintext, ciphertextBlob } = await keyring.generateDataKey({ keyId: 'alias/app' });
 * // …encrypt with plaintext, keep ciphertextBlob, then:
 * plaintext.fill(0);
 * const { plaintext: again } = await keyring.decrypt({ ciphertextBlob });
 * ```
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
  #records: KeyRecords;
  /** For a store that keeps material sealed (not CryptoKeys): the root key; undefined otherwise. */
  #rootKey: RootKey | undefined;
  #sealsMaterial = false;
  #unwatch: (() => void) | undefined;

  /** @throws `UnsupportedOperationException` when there is no WebCrypto to use. */
  constructor(options: KeyringOptions = {}) {
    checkObject(options, 'Keyring takes { crypto?, region?, accountId?, maxEncryptionsPerKeyVersion? }');
    check(!('store' in options), 'new Keyring() keeps keys in memory only: open a keyring on a store with await Keyring.open({ store })');
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
    this.#records = new KeyRecords(this.#scope, this.#maxEncryptions);
    constructed.set(this, (keyId) => {
      const record = this.#enabledKey(keyId);
      return { keyId: record.keyId, arn: record.arn, versionId: record.versions.at(-1)!.versionId };
    });
  }

  /**
   * Opens a keyring on a {@link KeyStore}: loads the keys it holds, and writes every change through
   * it (each mutating method resolves only once the store has written it). A store that cannot
   * keep `CryptoKey`s (`keepsCryptoKeys: false`) keeps each version's material sealed under
   * `rootKey`, which never enters the store. Another writer's changes (a tab, an isolate, a
   * process) are loaded when the store reports them, and when a blob names a key or version this
   * keyring lacks.
   * @throws `ValidationException` for a store of another region or account, or without the
   *   `rootKey` it needs; `UnsupportedOperationException` for a store of a newer format;
   *   `KMSInternalException` when the store fails.
   * @example
   * ```ts
   * import { Keyring, MemoryKeyStore } from 'webkms';
   *
   * const store = new MemoryKeyStore(); // or IndexedDbKeyStore, DenoKvKeyStore, DurableObjectKeyStore, your own
   * const keyring = await Keyring.open({ store });
   * await keyring.createKey({ keyId: 'app' }); // in the store before the promise resolves
   * const again = await Keyring.open({ store }); // another tab, isolate or process: the same keys
   * ```
   */
  static async open(options: KeyringOpenOptions): Promise<Keyring> {
    checkObject(options, 'Keyring.open takes { store, rootKey?, crypto?, region?, accountId?, maxEncryptionsPerKeyVersion? }');
    const { store, rootKey, ...rest } = options;
    check(
      typeof store === 'object' && store !== null && typeof store.load === 'function' && typeof store.commit === 'function' && typeof store.keepsCryptoKeys === 'boolean',
      'store must be a KeyStore: { keepsCryptoKeys, load(), commit(writes), watch?() }',
    );
    const keyring = new Keyring(rest);
    const crypto = keyring.#crypto;
    check(store.keepsCryptoKeys || rootKey !== undefined, 'this store keeps material sealed, not as CryptoKeys: pass rootKey (32 bytes or a JWK from a secret) to Keyring.open');
    keyring.#rootKey = rootKey === undefined ? undefined : await importRootKey(crypto, rootKey);
    keyring.#sealsMaterial = !store.keepsCryptoKeys;
    keyring.#records = new KeyRecords(keyring.#scope, keyring.#maxEncryptions, store, (keyId, version) => keyring.#materialize(keyId, version));
    await keyring.#records.attach();
    keyring.#unwatch = store.watch?.(() => void keyring.#records.reload().catch(() => undefined));
    return keyring;
  }

  /**
   * Stops listening to the store for other writers' changes (they are still loaded when a blob needs them).
   * @example
   * ```ts
   * const keyring = await Keyring.open({ store: new IndexedDbKeyStore({ name: 'my-app' }) });
   * // …when the page no longer needs it:
   * keyring.close();
   * ```
   */
  close(): void {
    this.#unwatch?.();
    this.#unwatch = undefined;
  }

  /** A stored version's usable key: the CryptoKey itself, or its material unsealed and imported. */
  async #materialize(keyId: string, version: StoredKeyVersion): Promise<CryptoKey> {
    if (isCryptoKey(version.material)) return version.material;
    const bytes = await unsealMaterial(this.#crypto, this.#rootKey, version.material, { keyId, versionId: version.versionId, keyMaterialId: version.keyMaterialId });
    try {
      return await importAesGcmKey(this.#crypto, bytes);
    } finally {
      bytes.fill(0);
    }
  }

  // ── master keys ────────────────────────────────────────────────────────────

  /**
   * Imports master key material as a new key.
   * @throws `ValidationException` for material of the wrong size or kind, `AlreadyExistsException`
   *   for a taken key id or alias, `UnsupportedOperationException` for a key size the engine lacks.
   * @example
   * ```ts
   * // 16, 24 or 32 bytes, an AES-GCM CryptoKey, or a JWK { kty: 'oct', k }: imported non-extractable.
   * const meta = await keyring.importKey({
   *   keyId: 'orders',
   *   material: crypto.getRandomValues(new Uint8Array(32)),
   *   aliases: ['alias/orders'],
   *   description: 'order data',
   * });
   * ```
   */
  async importKey(input: ImportKeyInput): Promise<KeyMetadata> {
    checkObject(input, 'importKey takes { keyId?, material, aliases?, description? }');
    check(input.material !== undefined, 'material is required');
    return this.#addKey(input, 'EXTERNAL', { material: input.material });
  }

  /**
   * Creates a key with random material from the WebCrypto generator: non-extractable, unless
   * `extractable: true` asks for a key that `exportKeys` can back up.
   * @example
   * ```ts
   * await keyring.createKey({ keyId: 'sessions', aliases: ['alias/sessions'] }); // AES_256
   * await keyring.createKey({ keyId: 'backed-up', keySpec: 'AES_128', extractable: true }); // exportKeys can back it up
   * ```
   */
  async createKey(input: CreateKeyInput = {}): Promise<KeyMetadata> {
    checkObject(input, 'createKey takes { keyId?, keySpec?, aliases?, description?, extractable? }');
    const spec = input.keySpec === 'SYMMETRIC_DEFAULT' || input.keySpec === undefined ? 'AES_256' : input.keySpec;
    check(DATA_KEY_SPECS.includes(spec), `keySpec must be one of SYMMETRIC_DEFAULT, ${DATA_KEY_SPECS.join(', ')}`);
    const extractable = input.extractable ?? false;
    check(typeof extractable === 'boolean', 'extractable must be true or false');
    return this.#addKey(input, 'AWS_KMS', { spec }, extractable);
  }

  /**
   * Material made into a new version of `keyId`: random material of a spec, or the caller's,
   * imported (bytes and JWKs extractable when `extractable`); for a store that keeps material
   * sealed, sealed under the root key. Bytes the keyring made or decoded are zeroed.
   */
  async #newVersion(keyId: string, source: MaterialSource, extractable: boolean): Promise<{ version: KeyVersion; material: MaterialKey }> {
    let bytes: Uint8Array | undefined;
    if ('spec' in source) bytes = randomBytes(this.#crypto, lengthOfSpec(source.spec));
    else if (this.#sealsMaterial) bytes = await this.#materialBytes(source.material);
    try {
      const material = await importMaterial(this.#crypto, bytes ?? (source as { material: KeyMaterial }).material, extractable);
      let identity;
      try {
        identity = await materialIdentity(this.#crypto, keyId, material.cryptoKey);
      } catch (cause) {
        throw new KmsError('ValidationException', "the key material cannot be used with this keyring's WebCrypto", { cause });
      }
      return { version: await this.#keyVersion(keyId, identity, material.cryptoKey, bytes, new Date(), 0), material };
    } finally {
      bytes?.fill(0);
    }
  }

  /**
   * A version in memory, its material as the store keeps it (sealed under the root key when the
   * store seals: then `bytes` are the material), counting on from `count` encryptions already made.
   */
  async #keyVersion(keyId: string, identity: MaterialIdentity, cryptoKey: CryptoKey, bytes: Uint8Array | undefined, creationDate: Date, count: number): Promise<KeyVersion> {
    const stored: StoredMaterial = this.#sealsMaterial
      ? await sealMaterial(this.#crypto, this.#rootKey!, bytes!, { keyId, versionId: identity.versionId, keyMaterialId: identity.keyMaterialId })
      : cryptoKey;
    // Reserved as a new version would be, on top of the count; none available past the bound.
    const reserved = Math.max(count, Math.min(count + this.#records.firstReservation, this.#maxEncryptions));
    return keyVersion(keyId, identity, cryptoKey, stored, creationDate, reserved, reserved - count);
  }

  /** The bytes of caller material, for sealing: a copy of bytes, a JWK's, an extractable CryptoKey's. */
  async #materialBytes(material: KeyMaterial): Promise<Uint8Array> {
    if (isCryptoKey(material)) {
      check(
        material.extractable,
        'this keyring\'s store keeps material sealed under its root key, which needs the material\'s bytes: import bytes, a JWK or an extractable CryptoKey, not a non-extractable one',
      );
      return new Uint8Array(await this.#crypto.subtle.exportKey('raw', material));
    }
    if (typeof material === 'object' && material !== null && !ArrayBuffer.isView(material) && 'kty' in material) return jwkBytes(material);
    return asBytes(material, 'material').slice();
  }

  async #addKey(input: ImportKeyInput | CreateKeyInput, origin: KeyRecord['origin'], source: MaterialSource, extractable = false): Promise<KeyMetadata> {
    const keyId = input.keyId ?? randomUuid(this.#crypto);
    checkKeyId(keyId);
    check(input.aliases === undefined || Array.isArray(input.aliases), 'aliases must be an array of alias names');
    // Copied at the call: the caller's array may change while the material is imported.
    const aliases: readonly string[] = [...(input.aliases ?? [])];
    aliases.forEach(checkAliasName);
    const description = input.description ?? '';
    check(typeof description === 'string' && description.length <= 8192, 'description must be a string of at most 8,192 characters');
    const { version, material } = await this.#newVersion(keyId, source, extractable);
    const [added] = await this.#addKeys([
      { keyId, description, creationDate: version.creationDate, origin, keySpec: material.keySpec, extractable: material.extractable, enabled: true, versions: [version], aliases },
    ]);
    return added!;
  }

  /**
   * Adds keys and their aliases in one change: all of them, or none when a key id or alias is
   * taken (`AlreadyExistsException`). Checked when the change is made, after the awaits:
   * concurrent imports cannot both take an id or alias.
   */
  #addKeys(keys: ReadonlyArray<Omit<KeyRecord, 'arn' | 'revision'> & { readonly aliases: readonly string[] }>): Promise<KeyMetadata[]> {
    const added = keys.map(({ aliases, ...fields }): { record: KeyRecord; aliases: readonly string[] } => ({ record: { ...fields, arn: keyArn(this.#scope, fields.keyId), revision: 0 }, aliases }));
    return this.#records.mutate(() => {
      for (const { record } of added) {
        if (this.#records.keys.has(record.keyId) || this.#records.unreadable.has(record.keyId)) throw new KmsError('AlreadyExistsException', `key ${record.keyId} already exists`);
      }
      this.#checkAliasesFree(added.flatMap(({ aliases }) => aliases));
      return {
        writes: added.flatMap(({ record, aliases }): KeyStoreWrite[] => [
          { kind: 'key', id: record.keyId, expectedRevision: 0, value: storedKey(record) },
          ...aliases.map((aliasName): KeyStoreWrite => ({ kind: 'alias', id: aliasName, expectedRevision: 0, value: { aliasName, targetKeyId: record.keyId } })),
        ]),
        apply: () => {
          for (const { record, aliases } of added) {
            this.#records.keys.set(record.keyId, record);
            for (const alias of aliases) this.#records.aliases.set(alias, { targetKeyId: record.keyId, revision: 0 });
          }
          return added.map(({ record }) => this.#metadata(record));
        },
      };
    });
  }

  #checkAliasesFree(aliases: readonly string[]): void {
    const seen = new Set<string>();
    for (const alias of aliases) {
      if (this.#records.aliases.has(alias) || this.#records.unreadable.has(alias) || seen.has(alias)) throw new KmsError('AlreadyExistsException', `alias ${alias} already exists`);
      seen.add(alias);
    }
  }

  /**
   * Adds a new version of a key's material, which becomes primary; older versions still decrypt.
   * @throws `DisabledException` for a disabled key, `ValidationException` for material of another
   *   size than the key's, or material that already is a version of this key.
   * @example
   * ```ts
   * const { versionId, keyMaterialId } = await keyring.rotateKey('alias/orders'); // random material
   * await keyring.rotateKey('orders', { material: crypto.getRandomValues(new Uint8Array(32)) }); // yours, same size
   * ```
   */
  async rotateKey(keyId: string, input: RotateKeyInput = {}): Promise<KeyVersionResult> {
    const record = this.#enabledKey(keyId);
    checkObject(input, 'rotateKey takes (keyId, { material? })');
    // Material made or decoded here follows the key: an extractable key stays exportable.
    const { version, material } = await this.#newVersion(record.keyId, input.material === undefined ? { spec: record.keySpec } : { material: input.material }, record.extractable);
    check(material.keySpec === record.keySpec, `key ${record.keyId} is ${record.keySpec}; new material must be the same size, not ${material.keySpec}`);
    return this.#records.mutate(() => {
      // Checked when the change is made: a key disabled meanwhile is not rotated.
      checkEnabled(record);
      const existing = record.versions.find((v) => v.keyMaterialId === version.keyMaterialId);
      check(!existing, `this material already is version ${existing?.versionId} of key ${record.keyId}`);
      const versions = [...record.versions, version];
      return {
        writes: [{ kind: 'key', id: record.keyId, expectedRevision: record.revision, value: storedKey(record, { versions }) }],
        apply: () => {
          record.versions = versions;
          record.extractable ||= material.extractable;
          return versionResult(record, version);
        },
      };
    });
  }

  /**
   * Points a new alias at a key. @throws `AlreadyExistsException`, `NotFoundException`, `ValidationException`.
   * @example
   * ```ts
   * await keyring.createAlias('alias/orders-current', 'orders');
   * ```
   */
  async createAlias(aliasName: string, targetKeyId: string): Promise<void> {
    checkAliasName(aliasName);
    return this.#records.mutate(() => {
      const record = this.#targetKey(targetKeyId);
      this.#checkAliasesFree([aliasName]);
      return this.#aliasChange(aliasName, 0, record.keyId);
    });
  }

  /**
   * Points an existing alias at another key; with `ifTargetKeyId`, only if it still points at that
   * key. @throws `NotFoundException`, `ValidationException`, `ConflictException`.
   * @example
   * ```ts
   * await keyring.updateAlias('alias/orders-current', 'orders-2026'); // the next data keys wrap under orders-2026
   * await keyring.updateAlias('alias/orders-current', 'orders', { ifTargetKeyId: 'orders-2026' }); // back, unless moved meanwhile
   * ```
   */
  async updateAlias(aliasName: string, targetKeyId: string, options: AliasChangeOptions = {}): Promise<void> {
    checkAliasName(aliasName);
    const expected = this.#expectedTarget(options, 'updateAlias takes (aliasName, targetKeyId, { ifTargetKeyId? })');
    return this.#records.mutate(() => {
      const record = this.#targetKey(targetKeyId);
      return this.#aliasChange(aliasName, this.#alias(aliasName, expected).revision, record.keyId);
    });
  }

  /**
   * Removes an alias; the key stays. With `ifTargetKeyId`, only if it still points at that key.
   * @throws `NotFoundException`, `ConflictException`.
   * @example
   * ```ts
   * await keyring.deleteAlias('alias/orders-current');
   * ```
   */
  async deleteAlias(aliasName: string, options: AliasChangeOptions = {}): Promise<void> {
    checkAliasName(aliasName);
    const expected = this.#expectedTarget(options, 'deleteAlias takes (aliasName, { ifTargetKeyId? })');
    return this.#records.mutate(() => this.#aliasChange(aliasName, this.#alias(aliasName, expected).revision, null));
  }

  /** The key id `ifTargetKeyId` names (a key id or key ARN of this keyring), checked once. */
  #expectedTarget(options: AliasChangeOptions, usage: string): string | undefined {
    checkObject(options, usage);
    if (options.ifTargetKeyId === undefined) return undefined;
    const reference = parseKeyReference(options.ifTargetKeyId, this.#scope, 'ifTargetKeyId');
    check('keyId' in reference, 'ifTargetKeyId is a key id or key ARN, not an alias');
    return reference.keyId;
  }

  /** The alias record; with `expectedTarget`, checked to point at that key (when the change is made, not before). */
  #alias(aliasName: string, expectedTarget?: string): { readonly revision: number } {
    const alias = this.#records.aliases.get(aliasName);
    if (!alias) throw new KmsError('NotFoundException', `alias ${aliasName} does not exist`);
    if (expectedTarget !== undefined && alias.targetKeyId !== expectedTarget) {
      throw new KmsError('ConflictException', `alias ${aliasName} no longer points at key ${expectedTarget}; nothing was changed`);
    }
    return alias;
  }

  /** An alias pointed at a key (`null`: deleted). */
  #aliasChange(aliasName: string, expectedRevision: number, targetKeyId: string | null): Change<void> {
    return {
      writes: [{ kind: 'alias', id: aliasName, expectedRevision, value: targetKeyId === null ? null : { aliasName, targetKeyId } }],
      apply: () => {
        if (targetKeyId === null) this.#records.aliases.delete(aliasName);
        else this.#records.aliases.set(aliasName, { targetKeyId, revision: expectedRevision });
      },
    };
  }

  /** An alias target must name a key itself (id or ARN), as in AWS KMS. */
  #targetKey(targetKeyId: string): KeyRecord {
    const reference = parseKeyReference(targetKeyId, this.#scope, 'targetKeyId');
    check('keyId' in reference, 'an alias must point at a key id or key ARN, not at another alias');
    return this.#record(reference);
  }

  /**
   * Disables a key: it neither wraps nor unwraps until enabled again.
   * @example
   * ```ts
   * await keyring.disableKey('orders');
   * await keyring.decrypt({ ciphertextBlob }).catch((error) => console.log(error.name)); // DisabledException
   * ```
   */
  async disableKey(keyId: string): Promise<void> {
    return this.#setEnabled(keyId, false);
  }

  /**
   * Enables a disabled key.
   * @example
   * ```ts
   * await keyring.enableKey('orders');
   * ```
   */
  async enableKey(keyId: string): Promise<void> {
    return this.#setEnabled(keyId, true);
  }

  #setEnabled(keyId: string, enabled: boolean): Promise<void> {
    return this.#records.mutate(() => {
      const record = this.#key(keyId);
      return {
        writes: [{ kind: 'key', id: record.keyId, expectedRevision: record.revision, value: storedKey(record, { enabled }) }],
        apply: () => {
          record.enabled = enabled;
        },
      };
    });
  }

  // ── export bundles ─────────────────────────────────────────────────────────

  /**
   * Exports keys (every key, or those `keyIds` names) to a bundle, for a backup or to move them to
   * another keyring: each key's metadata, state, aliases and versions, every version's material
   * wrapped under `protection`, and the whole bundle authenticated. The bundle is JSON data:
   * `JSON.stringify` it to keep it. With a store, the keyring loads it first, so the bundle holds
   * every writer's versions. Only material that can be read exports: keys made with
   * `createKey({ extractable: true })` or imported as an extractable `CryptoKey`, and, in a keyring
   * whose store seals material under a root key, every key (whoever holds the root key and the
   * store can recover the material anyway).
   * @throws `UnsupportedOperationException` for a key with non-extractable material (nothing is
   *   exported) or where the engine cannot derive a passphrase's key; `ValidationException` for a
   *   malformed protection or option; `NotFoundException` for a key `keyIds` names that is not here;
   *   `InvalidCiphertextException` for a key in the store that cannot be read.
   * @example
   * ```ts
   * const bundle = await keyring.exportKeys({ passphrase: 'correct horse battery staple' });
   * localStorage.setItem('keys-backup', JSON.stringify(bundle));
   * // or under a 32-byte wrapping key you keep elsewhere, for some keys only:
   * const some = await keyring.exportKeys({ wrappingKey: wrappingKeyBytes }, { keyIds: ['alias/app'] });
   * ```
   */
  async exportKeys(protection: BundleProtection, options: ExportKeysOptions = {}): Promise<KeyBundle> {
    checkObject(options, 'exportKeys takes (protection, { keyIds? })');
    check(options.keyIds === undefined || Array.isArray(options.keyIds), 'keyIds must be an array of key ids, key ARNs or alias names');
    // Copied at the call: the caller's array may change while the store loads.
    const keyIds = options.keyIds && [...options.keyIds];
    await this.#records.reload();
    const [unreadable] = this.#records.unreadable;
    // A backup that silently lacked a key would be found out only when it is needed.
    if (keyIds === undefined && unreadable) {
      throw new KmsError('InvalidCiphertextException', `${unreadable[0]} is in the store but cannot be read (${unreadable[1]}), so it cannot be exported: name the keys to export in keyIds`);
    }
    const records = keyIds === undefined ? [...this.#records.keys.values()] : [...new Set(keyIds.map((keyId) => this.#key(keyId)))];
    const keys = records.map((record) => ({
      keyId: record.keyId,
      description: record.description,
      origin: record.origin,
      keySpec: record.keySpec,
      extractable: record.extractable,
      enabled: record.enabled,
      creationDate: record.creationDate.toISOString(),
      aliases: this.listAliases(record.keyId).map((alias) => alias.aliasName),
      versions: record.versions.map((version) => ({
        versionId: version.versionId,
        keyMaterialId: version.keyMaterialId,
        creationDate: version.creationDate.toISOString(),
        encryptionCount: version.reserved - version.available,
        material: this.#exportable(record, version),
      })),
    }));
    return makeBundle(this.#crypto, protection, { region: this.region, accountId: this.accountId, keys });
  }

  /** How a version's material is read for a bundle (unsealed, or exported from an extractable CryptoKey); else the refusal. */
  #exportable(record: KeyRecord, version: KeyVersion): () => Promise<Uint8Array> {
    const { material } = version;
    if (!isCryptoKey(material)) {
      return () => unsealMaterial(this.#crypto, this.#rootKey, material, { keyId: record.keyId, versionId: version.versionId, keyMaterialId: version.keyMaterialId });
    }
    if (!material.extractable) {
      throw new KmsError(
        'UnsupportedOperationException',
        `key ${record.keyId} version ${version.versionId} cannot be exported: its material is a non-extractable CryptoKey, which WebCrypto never reveals (that is what protects it). ` +
          'Create keys you mean to back up with createKey({ extractable: true }), or import them as extractable CryptoKeys; name the other keys in keyIds to export them',
      );
    }
    return () => this.#materialBytes(material);
  }

  /**
   * Imports a bundle's keys into a new keyring: in memory, or opened on `options.store` and written
   * through it. `region` and `accountId` default to the bundle's, so that the keys keep their ARNs
   * (and messages `seal` wrapped under them still open). Nothing is imported, and nothing written
   * to the store, unless the whole bundle verifies.
   * @throws as {@link Keyring.importKeys | keyring.importKeys}, and as {@link Keyring.open} for the store.
   * @example
   * ```ts
   * const restored = await Keyring.importKeys(localStorage.getItem('keys-backup') ?? '', { passphrase: 'correct horse battery staple' });
   * // or straight into a store:
   * const stored = await Keyring.importKeys(bundle, { wrappingKey: wrappingKeyBytes }, { store: new MemoryKeyStore() });
   * ```
   */
  static async importKeys(bundle: KeyBundle | string, protection: BundleProtection, options: ImportKeysOptions = {}): Promise<Keyring> {
    checkObject(options, 'Keyring.importKeys takes (bundle, protection, { store?, rootKey?, crypto?, region?, accountId?, maxEncryptionsPerKeyVersion? })');
    const { store, ...rest } = options;
    return openBundle(resolveCrypto(options.crypto), bundle, protection, async (opened) => {
      const scope = { region: options.region ?? opened.region, accountId: options.accountId ?? opened.accountId };
      const keyring = store === undefined ? new Keyring({ ...rest, ...scope }) : await Keyring.open({ ...rest, ...scope, store });
      try {
        await keyring.#import(opened);
      } catch (error) {
        keyring.close();
        throw error;
      }
      return keyring;
    });
  }

  /**
   * Imports a bundle's keys, with their aliases, into this keyring (written through its store),
   * under this keyring's region and account: all of them or none.
   * @throws `ValidationException` for what is not a bundle, a malformed one, or the other kind of
   *   protection; `InvalidCiphertextException` for a wrong passphrase or wrapping key, or a bundle
   *   changed after it was made; `UnsupportedOperationException` for a bundle of a newer format, or
   *   a key or derivation the engine cannot do; `AlreadyExistsException` for a key id or alias
   *   this keyring has.
   * @example
   * ```ts
   * const added = await keyring.importKeys(bundle, { passphrase: 'correct horse battery staple' });
   * console.log(added.map((meta) => meta.keyId));
   * ```
   */
  async importKeys(bundle: KeyBundle | string, protection: BundleProtection): Promise<KeyMetadata[]> {
    return openBundle(this.#crypto, bundle, protection, (opened) => this.#import(opened));
  }

  /** A verified bundle's keys added, each version sealed when the store seals, counting on from its encryptions. */
  async #import(opened: OpenedBundle): Promise<KeyMetadata[]> {
    const keys = [];
    for (const { versions, creationDate, ...fields } of opened.keys) {
      const made: KeyVersion[] = [];
      for (const version of versions) {
        made.push(await this.#keyVersion(fields.keyId, version.identity, version.cryptoKey, version.bytes, new Date(version.creationDate), version.encryptionCount));
      }
      keys.push({ ...fields, creationDate: new Date(creationDate), versions: made });
    }
    return this.#addKeys(keys);
  }

  /**
   * Metadata of a key (never its material). @throws `NotFoundException`.
   * @example
   * ```ts
   * const { keyId, arn, enabled, primaryVersionId, versions } = keyring.describeKey('alias/orders');
   * ```
   */
  describeKey(keyId: string): KeyMetadata {
    return this.#metadata(this.#key(keyId));
  }

  /**
   * Every key, oldest first (keys made in the same millisecond by key id): an order a store keeps,
   * so a list paged across a reload neither skips nor repeats a key.
   * @example
   * ```ts
   * for (const { keyId, keyArn } of keyring.listKeys()) console.log(keyId, keyArn);
   * ```
   */
  listKeys(): KeyListEntry[] {
    return [...this.#records.keys.values()]
      .sort((a, b) => a.creationDate.getTime() - b.creationDate.getTime() || (a.keyId < b.keyId ? -1 : 1))
      .map((record) => ({ keyId: record.keyId, keyArn: record.arn }));
  }

  /**
   * Every alias, or those of one key, by alias name (the same order after a reload).
   * @example
   * ```ts
   * keyring.listAliases();         // [{ aliasName, aliasArn, targetKeyId }, …]
   * keyring.listAliases('orders'); // the aliases of one key
   * ```
   */
  listAliases(keyId?: string): AliasListEntry[] {
    const only = keyId === undefined ? undefined : this.#key(keyId).keyId;
    return [...this.#records.aliases]
      .filter(([, alias]) => only === undefined || alias.targetKeyId === only)
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([aliasName, { targetKeyId }]) => ({ aliasName, aliasArn: aliasArn(this.#scope, aliasName), targetKeyId }));
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
        encryptionCount: version.reserved - version.available,
      })),
    };
  }

  // ── lookups ────────────────────────────────────────────────────────────────

  #record(reference: KeyReference): KeyRecord {
    const keyId = 'keyId' in reference ? reference.keyId : this.#records.aliases.get(reference.aliasName)?.targetKeyId;
    if (keyId === undefined) {
      const { aliasName } = reference as { aliasName: string };
      const unreadable = this.#records.unreadable.get(aliasName);
      if (unreadable !== undefined) throw new KmsError('InvalidCiphertextException', `alias ${aliasName} is in the store but cannot be read: ${unreadable}`);
      throw new KmsError('NotFoundException', `alias ${aliasName} does not exist`);
    }
    const record = this.#records.keys.get(keyId);
    if (record) return record;
    const unreadable = this.#records.unreadable.get(keyId);
    if (unreadable !== undefined) throw new KmsError('InvalidCiphertextException', `key ${keyId} is in the store but cannot be read: ${unreadable}`);
    throw new KmsError('NotFoundException', `key ${keyId} does not exist in this keyring`);
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
    // No encryption is made without a reservation: in memory the bound itself, with a store a
    // block written there first (and the key's state checked again after that await).
    if (version.available === 0) return this.#records.reserve(record, version).then(() => this.#wrap(record, version, secret, additional, iv));
    version.available--;
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
    check(typeof ciphertextBlob === 'string' || isBinary(ciphertextBlob), 'ciphertextBlob must be bytes (Uint8Array, ArrayBuffer, ArrayBufferView) or base64 text');
    const blob = typeof ciphertextBlob === 'string' ? decode(ciphertextBlob) : asBytes(ciphertextBlob, 'ciphertextBlob');
    const parsed = parseBlob(blob);
    // A key or version this keyring lacks may be another writer's (a tab that rotated): with a
    // store, loaded once before the blob is refused.
    let found = this.#blobKey(parsed, keyId, field, !this.#records.stored);
    if (!found) {
      await this.#records.reload();
      found = this.#blobKey(parsed, keyId, field, true)!;
    }
    const { record, version } = found;
    checkEnabled(record);
    const aad = encodeAdditionalData(additional, parsed.header.length);
    aad.set(parsed.header);
    const plaintext = await aesGcmDecrypt(this.#crypto, version.cryptoKey, parsed.iv, parsed.sealed, aad);
    return Object.assign(versionResult(record, version), { plaintext });
  }

  /** The key and version a blob names; on a miss, `undefined` unless `final` (then the error). */
  #blobKey(parsed: ParsedBlob, keyId: string | undefined, field: string, final: boolean): { record: KeyRecord; version: KeyVersion } | undefined {
    if (keyId !== undefined) {
      let expected: KeyRecord;
      try {
        expected = this.#key(keyId, field);
      } catch (error) {
        if (final || !(error instanceof KmsError && error.name === 'NotFoundException')) throw error;
        return undefined;
      }
      if (expected.keyId !== parsed.keyId) {
        throw new KmsError('IncorrectKeyException', `the ciphertext was wrapped under key ${parsed.keyId}, not ${expected.keyId}`);
      }
    }
    const unreadable = this.#records.unreadable.get(parsed.keyId);
    if (unreadable !== undefined) throw new KmsError('InvalidCiphertextException', `the ciphertext names key ${parsed.keyId}, which is in the store but cannot be read: ${unreadable}`);
    const record = this.#records.keys.get(parsed.keyId);
    const version = record?.versions.find((v) => timingSafeEqual(v.versionTag, parsed.versionTag));
    if (record && version) return { record, version };
    if (!final) return undefined;
    if (!record) throw new KmsError('InvalidCiphertextException', `the ciphertext names key ${parsed.keyId}, which is not in this keyring`);
    throw new KmsError('InvalidCiphertextException', `the ciphertext names a version of key ${record.keyId} that this keyring does not have`);
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
   * @example
   * ```ts
   * const dataKey = await keyring.generateDataKey({
   *   keyId: 'alias/orders',
   *   keySpec: 'AES_256', // or numberOfBytes: 1–1,024
   *   encryptionContext: { orderId: '42' },
   * });
   * try {
   *   const aesKey = await crypto.subtle.importKey('raw', dataKey.plaintext, 'AES-GCM', false, ['encrypt']);
   *   // …encrypt with aesKey; store dataKey.ciphertextBlob beside the data
   * } finally {
   *   dataKey.plaintext.fill(0);
   * }
   * ```
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
   * @example
   * ```ts
   * // For a later decrypt elsewhere: this side never sees the data key.
   * const { ciphertextBlob } = await keyring.generateDataKeyWithoutPlaintext({ keyId: 'alias/orders', encryptionContext: { orderId: '42' } });
   * ```
   */
  async generateDataKeyWithoutPlaintext(input: GenerateDataKeyInput): Promise<WrapResult> {
    const { length, additional, record, version } = this.#dataKeyRequest(input, 'generateDataKeyWithoutPlaintext');
    return this.#wrap(record, version, length, additional);
  }

  /**
   * Wraps up to 4,096 bytes of the caller's own secret.
   * @example
   * ```ts
   * const { ciphertextBlob } = await keyring.encrypt({
   *   keyId: 'alias/orders',
   *   plaintext: new TextEncoder().encode('an API token'), // 1–4,096 bytes
   *   encryptionContext: { service: 'billing' },
   * });
   * ```
   */
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
   * @example
   * ```ts
   * const { keyId, plaintext } = await keyring.decrypt({
   *   ciphertextBlob, // bytes or base64 text
   *   encryptionContext: { service: 'billing' }, // exactly the one given when wrapping
   * });
   * ```
   */
  async decrypt(input: DecryptInput): Promise<DecryptResult> {
    checkObject(input, 'decrypt takes { ciphertextBlob, encryptionContext?, aad?, keyId? }');
    check(input.ciphertextBlob !== undefined, 'ciphertextBlob is required');
    const additional = checkAdditionalData(input.encryptionContext, input.aad);
    return this.#unwrap(input.ciphertextBlob, additional, input.keyId, 'keyId');
  }

  /**
   * Unwraps a blob and wraps its secret anew under another key or context, without returning it.
   * @example
   * ```ts
   * const moved = await keyring.reEncrypt({
   *   ciphertextBlob,
   *   sourceEncryptionContext: { orderId: '42' },
   *   destinationKeyId: 'alias/archive',
   *   destinationEncryptionContext: { orderId: '42', archived: 'yes' },
   * });
   * ```
   */
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
