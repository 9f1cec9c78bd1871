// The Keyring's keys and aliases: held in memory, and, for a keyring opened on a KeyStore, written
// through to it. Every change is validated against the records as they are, committed with a
// compare-and-set on each record it touches, and applied in memory only once it is durable; a
// change that loses to another writer reloads and is validated again.
import { blobHeader } from './blob.js';
import { KmsError } from './errors.js';
import type { ArnScope } from './identifiers.js';
import { keyArn } from './identifiers.js';
import type { AesKeySpec } from './types.js';
import { recordProblem } from './stores/record-shapes.js';
import type { KeyStore, KeyStoreRecord, KeyStoreWrite, StoredKey, StoredKeyVersion, StoredKeyring, StoredMaterial } from './stores/types.js';

/** One version of a key in memory. */
export interface KeyVersion {
  readonly versionId: string;
  readonly versionTag: Uint8Array;
  readonly keyMaterialId: string;
  readonly cryptoKey: CryptoKey;
  readonly creationDate: Date;
  /** The blob header up to its IV (format version, key id, version tag): the same for every blob. */
  readonly headerStart: Uint8Array;
  /** The material as the store keeps it. */
  readonly material: StoredMaterial;
  /** Encryptions reserved under this version by every writer (in memory only: the bound itself). */
  reserved: number;
  /** Of those, how many this keyring may still perform. */
  available: number;
}

/** A key in memory. */
export interface KeyRecord {
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
  versions: KeyVersion[];
  /** The stored record's revision (0 in memory only). */
  revision: number;
}

/** An alias in memory. */
export interface AliasRecord {
  readonly targetKeyId: string;
  revision: number;
}

/** What a change writes, and how it applies in memory once written. */
export interface Change<T> {
  readonly writes: readonly KeyStoreWrite[];
  apply(): T;
}

/** Turns a stored version's material into its usable key (unsealing it when sealed). */
export type Materialize = (keyId: string, version: StoredKeyVersion) => Promise<CryptoKey>;

/** The record format this version of webkms writes, and the newest it reads. */
export const STORE_FORMAT_VERSION = 1;

/**
 * Encryptions a keyring reserves at a time. A crash wastes at most one block per key version
 * (2^16 of the 2^32 that NIST allows); a busy keyring writes once per block.
 */
const RESERVATION_BLOCK = 65_536;

/** Commits that lose to other writers before a change gives up with ConflictException. */
const MAX_ATTEMPTS = 8;

/** A version in memory: `reserved` encryptions reserved by every writer, `available` of them this keyring's. */
export function keyVersion(
  keyId: string,
  identity: { readonly versionId: string; readonly versionTag: Uint8Array; readonly keyMaterialId: string },
  cryptoKey: CryptoKey,
  material: StoredMaterial,
  creationDate: Date,
  reserved: number,
  available: number,
): KeyVersion {
  const { versionId, versionTag, keyMaterialId } = identity;
  const headerStart = blobHeader(keyId, versionTag, new Uint8Array(0));
  return { versionId, versionTag, keyMaterialId, cryptoKey, creationDate, headerStart, material, reserved, available };
}

/** A key as the store keeps it; `changes` replace fields of the record as it is. */
export function storedKey(record: KeyRecord, changes: { enabled?: boolean; versions?: readonly KeyVersion[]; reserved?: ReadonlyMap<KeyVersion, number> } = {}): StoredKey {
  const versions = changes.versions ?? record.versions;
  return {
    keyId: record.keyId,
    description: record.description,
    creationDate: record.creationDate.toISOString(),
    origin: record.origin,
    keySpec: record.keySpec,
    enabled: changes.enabled ?? record.enabled,
    extractable: record.extractable || versions.some((version) => version.cryptoKey.extractable),
    versions: versions.map((version) => ({
      versionId: version.versionId,
      keyMaterialId: version.keyMaterialId,
      creationDate: version.creationDate.toISOString(),
      material: version.material,
      reservedEncryptions: changes.reserved?.get(version) ?? version.reserved,
    })),
  };
}

const versionTagOf = (versionId: string): Uint8Array => Uint8Array.from(versionId.match(/../g) ?? [], (pair) => parseInt(pair, 16));

/** A store's failure as a typed error (its own KmsErrors pass through). */
function storeFailure(what: string, cause: unknown): KmsError {
  if (cause instanceof KmsError) return cause;
  const reason = cause instanceof Error ? `${cause.name}: ${cause.message}` : 'unknown error';
  return new KmsError('KMSInternalException', `the key store could not ${what} (${reason.slice(0, 200)})`, { cause });
}

/** The keys and aliases of one Keyring, and their store. */
export class KeyRecords {
  readonly keys = new Map<string, KeyRecord>();
  readonly aliases = new Map<string, AliasRecord>();
  /** Stored keys and aliases that could not be read (another root key, a tampered or malformed record): id or alias name → why. */
  readonly unreadable = new Map<string, string>();
  readonly #store: KeyStore | undefined;
  readonly #scope: ArnScope;
  readonly #maxEncryptions: number;
  readonly #materialize: Materialize;
  /** A reload queued behind other store work and not started yet. */
  #queuedReload: Promise<void> | undefined;
  /** Store work of this keyring, one at a time: commits, reloads. */
  #queue: Promise<unknown> = Promise.resolve();

  /**
   * @param scope - region and account of the keyring's ARNs (a store is bound to one).
   * @param maxEncryptions - the bound per key version.
   * @param store - where the records live; none: memory only.
   * @param materialize - makes a stored version's usable key.
   */
  constructor(scope: ArnScope, maxEncryptions: number, store?: KeyStore, materialize: Materialize = () => Promise.reject(new Error('no store'))) {
    this.#scope = scope;
    this.#maxEncryptions = maxEncryptions;
    this.#store = store;
    this.#materialize = materialize;
  }

  /** Whether the records are written through to a store. */
  get stored(): boolean {
    return this.#store !== undefined;
  }

  /** Encryptions a new version starts with: all of them in memory, a first block with a store. */
  get firstReservation(): number {
    return this.#store ? Math.min(RESERVATION_BLOCK, this.#maxEncryptions) : this.#maxEncryptions;
  }

  #serial<T>(task: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(task);
    this.#queue = run.catch(() => undefined);
    return run;
  }

  /** Loads the store's records, and writes the keyring record when the store is new. */
  attach(): Promise<void> {
    return this.#serial(async () => {
      for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
        if (await this.#reloadNow()) return;
        const value: StoredKeyring = { formatVersion: STORE_FORMAT_VERSION, region: this.#scope.region, accountId: this.#scope.accountId };
        if (await this.#commit([{ kind: 'keyring', id: '', expectedRevision: 0, value }])) return;
      }
      throw new KmsError('ConflictException', 'the key store kept changing while the keyring opened it');
    });
  }

  /**
   * Loads the store's records again (another writer changed them). Without a store, nothing. Calls
   * made while one is queued and not yet started share it: a burst of misses costs one load.
   */
  reload(): Promise<void> {
    if (!this.#store) return Promise.resolve();
    this.#queuedReload ??= this.#serial(async () => {
      this.#queuedReload = undefined;
      await this.#reloadNow();
    });
    return this.#queuedReload;
  }

  /**
   * Validates a change against the records as they are and applies it; with a store, only once it
   * is durably written, validating again after a reload when another writer changed a record it
   * touches. Without a store, the change applies before this returns.
   */
  mutate<T>(change: () => Change<T>): Promise<T> {
    if (!this.#store) {
      try {
        return Promise.resolve(change().apply());
      } catch (error) {
        return Promise.reject(error);
      }
    }
    return this.#serial(async () => {
      for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
        const { writes, apply } = change();
        if (writes.length === 0 || (await this.#commit(writes))) {
          const result = apply();
          this.#revise(writes);
          return result;
        }
        await this.#reloadNow();
      }
      throw new KmsError('ConflictException', `other writers kept changing the key store; the change was not made after ${MAX_ATTEMPTS} attempts`);
    });
  }

  /**
   * Reserves a block of encryptions under a version (written to the store first, so that no
   * restart can reuse them). `KMSInvalidStateException` once the version has reserved its bound.
   */
  reserve(record: KeyRecord, version: KeyVersion): Promise<void> {
    return this.mutate(() => {
      if (version.available > 0) return { writes: [], apply: () => undefined };
      if (version.reserved >= this.#maxEncryptions) {
        throw new KmsError(
          'KMSInvalidStateException',
          `key ${record.keyId} version ${version.versionId} has made its limit of ${this.#maxEncryptions} encryptions; rotate the key`,
        );
      }
      const next = Math.min(version.reserved + RESERVATION_BLOCK, this.#maxEncryptions);
      return {
        writes: [{ kind: 'key', id: record.keyId, expectedRevision: record.revision, value: storedKey(record, { reserved: new Map([[version, next]]) }) }],
        apply: () => {
          version.available += next - version.reserved;
          version.reserved = next;
        },
      };
    });
  }

  /** Every written record takes its next revision in memory. */
  #revise(writes: readonly KeyStoreWrite[]): void {
    for (const write of writes) {
      if (write.kind !== 'keyring' && write.value !== null) (write.kind === 'key' ? this.keys : this.aliases).get(write.id)!.revision = write.expectedRevision + 1;
    }
  }

  async #commit(writes: readonly KeyStoreWrite[]): Promise<boolean> {
    try {
      return await this.#store!.commit(writes);
    } catch (cause) {
      throw storeFailure('write', cause);
    }
  }

  /** Loads every record and replaces the ones in memory that changed; whether the keyring record exists. */
  async #reloadNow(): Promise<boolean> {
    let records: readonly KeyStoreRecord[];
    try {
      records = await this.#store!.load();
    } catch (cause) {
      throw storeFailure('load its records', cause);
    }
    const keys: KeyRecord[] = [];
    const unreadable = new Map<string, string>();
    let keyring: StoredKeyring | undefined;
    for (const record of records) {
      const problem = recordProblem(record);
      if (problem !== undefined) {
        const { kind, id } = record as { kind?: unknown; id?: unknown };
        // A malformed key or alias fails closed when used, named; the others still load.
        if ((kind === 'key' || kind === 'alias') && typeof id === 'string') unreadable.set(id, `its stored record is malformed: ${problem}`);
        else throw new KmsError('KMSInternalException', `the key store returned a malformed record: ${problem}`);
        continue;
      }
      if (record.kind === 'keyring') keyring = record.value;
      else if (record.kind === 'key') {
        try {
          keys.push(await this.#keyRecord(record.value, record.revision));
        } catch (error) {
          unreadable.set(record.id, error instanceof Error ? error.message : String(error));
        }
      }
    }
    if (keyring) this.#checkKeyring(keyring);
    // Applied at once, after every await: a reader sees the old records or the new ones.
    const loaded = new Set<string>();
    for (const fresh of keys) {
      loaded.add(fresh.keyId);
      const current = this.keys.get(fresh.keyId);
      // Updated in place: an operation that holds the record sees its state now, not as it was.
      if (current) Object.assign(current, { enabled: fresh.enabled, extractable: fresh.extractable, versions: fresh.versions, revision: fresh.revision });
      else this.keys.set(fresh.keyId, fresh);
    }
    for (const keyId of this.keys.keys()) if (!loaded.has(keyId)) this.keys.delete(keyId);
    this.unreadable.clear();
    for (const [keyId, why] of unreadable) this.unreadable.set(keyId, why);
    this.aliases.clear();
    for (const record of records) {
      if (record.kind === 'alias' && !unreadable.has(record.id)) this.aliases.set(record.id, { targetKeyId: record.value.targetKeyId, revision: record.revision });
    }
    return keyring !== undefined;
  }

  #checkKeyring(keyring: StoredKeyring): void {
    if (!(keyring.formatVersion <= STORE_FORMAT_VERSION)) {
      throw new KmsError('UnsupportedOperationException', `the key store was written by a newer webkms (record format ${keyring.formatVersion}; this one reads up to ${STORE_FORMAT_VERSION}): upgrade webkms`);
    }
    if (keyring.region !== this.#scope.region || keyring.accountId !== this.#scope.accountId) {
      throw new KmsError(
        'ValidationException',
        `the key store belongs to region ${keyring.region} and account ${keyring.accountId}; open it with those, not ${this.#scope.region} and ${this.#scope.accountId}`,
      );
    }
  }

  /** A stored key in memory: versions already loaded are kept (their keys and available counts). */
  async #keyRecord(stored: StoredKey, revision: number): Promise<KeyRecord> {
    const current = this.keys.get(stored.keyId);
    if (current && current.revision === revision) return current;
    const versions: KeyVersion[] = [];
    for (const version of stored.versions) {
      const loaded = current?.versions.find((v) => v.versionId === version.versionId);
      if (loaded) {
        loaded.reserved = version.reservedEncryptions;
        versions.push(loaded);
        continue;
      }
      const cryptoKey = await this.#materialize(stored.keyId, version);
      // The record's key spec says what rotations make: it must be the material's.
      if ((cryptoKey.algorithm as Partial<AesKeyAlgorithm>).length !== Number(stored.keySpec.slice(4))) {
        throw new KmsError('InvalidCiphertextException', `the record of key ${stored.keyId} says ${stored.keySpec}, but version ${version.versionId} is another size`);
      }
      const identity = { versionId: version.versionId, versionTag: versionTagOf(version.versionId), keyMaterialId: version.keyMaterialId };
      // None available: what is reserved may be another writer's, or this keyring's before a restart.
      versions.push(keyVersion(stored.keyId, identity, cryptoKey, version.material, new Date(version.creationDate), version.reservedEncryptions, 0));
    }
    return {
      keyId: stored.keyId,
      arn: keyArn(this.#scope, stored.keyId),
      description: stored.description,
      creationDate: new Date(stored.creationDate),
      origin: stored.origin,
      keySpec: stored.keySpec,
      extractable: stored.extractable,
      enabled: stored.enabled,
      versions,
      revision,
    };
  }
}
