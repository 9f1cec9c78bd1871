// The KeyStore interface: what a Keyring opened with `Keyring.open({ store })` needs of a database,
// and the records it keeps there. Stores are persistence only: the keyring makes every record and
// seals key material itself, so a store for another database is a few dozen lines.

/**
 * A key version's material as a store keeps it: the `CryptoKey` itself in stores that keep
 * `CryptoKey`s (memory, IndexedDB: non-extractable, never readable), else sealed under the
 * keyring's root key (AES-256-GCM, the key id and version id bound as additional data), as text.
 */
export type StoredMaterial = CryptoKey | SealedMaterial;

/** Key material sealed under a root key: JSON-safe text. */
export interface SealedMaterial {
  /** `A256GCM`: AES-256-GCM with a 96-bit IV and a 128-bit tag. */
  readonly alg: 'A256GCM';
  /** The key material id of the root key that sealed it (64 hex characters). */
  readonly rootKeyId: string;
  /** base64url, unpadded: the 12-byte IV. */
  readonly iv: string;
  /** base64url, unpadded: the sealed material and its tag. */
  readonly ciphertext: string;
}

/** One version of a stored key. */
export interface StoredKeyVersion {
  /** The version id. */
  readonly versionId: string;
  /** 64 lowercase hex characters identifying the version's key material. */
  readonly keyMaterialId: string;
  /** ISO 8601. */
  readonly creationDate: string;
  /** The material: a `CryptoKey`, or sealed under the root key. */
  readonly material: StoredMaterial;
  /**
   * Encryptions reserved under this version by every writer so far. A writer reserves a block
   * before it encrypts, so a restart may waste counts but never reuses them: the NIST bound of
   * `maxEncryptionsPerKeyVersion` holds across processes.
   */
  readonly reservedEncryptions: number;
}

/** A key as a store keeps it (never its material in plain). */
export interface StoredKey {
  /** The key id. */
  readonly keyId: string;
  /** The key's description. */
  readonly description: string;
  /** ISO 8601. */
  readonly creationDate: string;
  /** `AWS_KMS` for keys made by `createKey`, `EXTERNAL` for imported material. */
  readonly origin: 'AWS_KMS' | 'EXTERNAL';
  /** The master key's size. */
  readonly keySpec: 'AES_128' | 'AES_192' | 'AES_256';
  /** Whether the key is enabled. */
  readonly enabled: boolean;
  /** Whether any version's material was imported as an extractable `CryptoKey`. */
  readonly extractable: boolean;
  /** Oldest first; the last is the primary version. */
  readonly versions: readonly StoredKeyVersion[];
}

/** An alias as a store keeps it. */
export interface StoredAlias {
  /** The alias name, `alias/…`. */
  readonly aliasName: string;
  /** The id of the key it points at. */
  readonly targetKeyId: string;
}

/** What every keyring opening the store must agree on. */
export interface StoredKeyring {
  /** The record format; a keyring refuses a store of a newer one. */
  readonly formatVersion: number;
  /** The region of the keys' ARNs. */
  readonly region: string;
  /** The account id of the keys' ARNs. */
  readonly accountId: string;
}

/** The kinds of record, each with its value. */
export interface KeyStoreValues {
  /** The keyring's own record. */
  keyring: StoredKeyring;
  /** A key with its versions. */
  key: StoredKey;
  /** An alias. */
  alias: StoredAlias;
}

/** A record's kind: `keyring` (one record, id `''`), `key` (id: the key id) or `alias` (id: the alias name). */
export type KeyStoreKind = keyof KeyStoreValues;

/** One record and its revision. */
export type KeyStoreRecord = {
  [K in KeyStoreKind]: {
    /** The kind of record. */
    readonly kind: K;
    /** Its id: `''`, the key id or the alias name. */
    readonly id: string;
    /** 1 for a new record, one more at every write. */
    readonly revision: number;
    /** What the record holds. */
    readonly value: KeyStoreValues[K];
  };
}[KeyStoreKind];

/** One change of a commit: the record's expected revision (0: absent), and its new value (`null`: delete). */
export type KeyStoreWrite = {
  [K in KeyStoreKind]: {
    /** The kind of record. */
    readonly kind: K;
    /** Its id: `''`, the key id or the alias name. */
    readonly id: string;
    /** The revision the record must have now (0: absent), or nothing is written. */
    readonly expectedRevision: number;
    /** The new value; `null` deletes the record. */
    readonly value: KeyStoreValues[K] | null;
  };
}[KeyStoreKind];

/**
 * Where a Keyring opened with `Keyring.open({ store })` keeps its keys. Implement it for any
 * database that can write several records atomically with a compare-and-set on each:
 *
 * - `load()` returns every record (the keyring loads once, and again when a blob names a key or
 *   version it lacks, or when `watch` reports a change).
 * - `commit(writes)` applies all of `writes` atomically, each record taking revision
 *   `expectedRevision + 1` (or being deleted), **only if** every record's current revision is its
 *   `expectedRevision` (0 for absent); otherwise it changes nothing and resolves `false`. It resolves
 *   only once the write is durable. Two writers (tabs, isolates, processes) can then never lose
 *   each other's changes: the keyring that loses reloads and retries.
 * - `keepsCryptoKeys` says whether the store can keep a `CryptoKey` (structured clone, as
 *   IndexedDB can). When false, the keyring seals every version's material under the root key
 *   given to `Keyring.open`, and the records are JSON-safe.
 * - `watch(listener)`, optional, calls `listener` when the store changed (e.g. a BroadcastChannel
 *   between tabs) and returns a function that stops watching. It may also fire for this keyring's
 *   own commits: the reload it causes then finds nothing new.
 */
export interface KeyStore {
  /** Whether the store keeps a `CryptoKey` as it is (else material comes to it sealed). */
  readonly keepsCryptoKeys: boolean;
  /** Every record the store holds. */
  load(): Promise<readonly KeyStoreRecord[]>;
  /** Applies every write or none: false when a record was not at its expected revision. */
  commit(writes: readonly KeyStoreWrite[]): Promise<boolean>;
  /** Calls `listener` when the store changed; returns a function that stops watching. */
  watch?(listener: () => void): () => void;
}
