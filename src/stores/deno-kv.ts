// DenoKvKeyStore: a keyring's records in Deno KV, a local SQLite file (`Deno.openKv(path)`) or Deno
// Deploy's global KV. A commit is one `kv.atomic()`: a versionstamp check on every record's head,
// its entries (record-parts.ts), and a count of commits, which lets `load` tell a consistent read
// of many entries from one another writer cut through. Deno KV cannot keep a CryptoKey, so the
// keyring seals material under its root key: this store does no cryptography.
import { KmsError, check } from '../errors.js';
import { checkObject } from '../plain.js';
import { type EntryKey, readRecords, recordHead, writeEntries } from './record-parts.js';
import type { KeyStore, KeyStoreRecord, KeyStoreWrite } from './types.js';

/** A part of a Deno KV key. */
export type DenoKvKeyPart = string | number | bigint | boolean | Uint8Array;

/** A Deno KV key. */
export type DenoKvKey = readonly DenoKvKeyPart[];

/** An entry as Deno KV reads it; `versionstamp` is null for an absent one. */
export interface DenoKvEntry {
  /** The entry's key. */
  readonly key: readonly unknown[];
  /** The entry's value. */
  readonly value: unknown;
  /** The version of the entry's last write; null when absent. */
  readonly versionstamp: string | null;
}

/** The parts of a Deno KV atomic operation (`kv.atomic()`) the store uses. */
export interface DenoKvAtomicOperation {
  /** Fails the commit unless each key is at its versionstamp (null: absent). */
  check(...checks: { key: DenoKvKey; versionstamp: string | null }[]): this;
  /** Writes a value. */
  set(key: DenoKvKey, value: unknown): this;
  /** Deletes an entry. */
  delete(key: DenoKvKey): this;
  /** Adds `n` to a 64-bit counter. */
  sum(key: DenoKvKey, n: bigint): this;
  /** Commits all of it or none: `ok` false when a check failed. */
  commit(): Promise<{
    /** False when a check failed and nothing was written. */
    readonly ok: boolean;
  }>;
}

/** The parts of `Deno.Kv` the store uses: pass the `Deno.Kv` that `await Deno.openKv()` gave you. */
export interface DenoKvLike {
  /** Reads one entry. */
  get(key: DenoKvKey, options?: { consistency?: 'strong' }): Promise<DenoKvEntry>;
  /** Reads up to 10 entries in one consistent read. */
  getMany(keys: readonly DenoKvKey[], options?: { consistency?: 'strong' }): Promise<readonly DenoKvEntry[]>;
  /** Lists the entries under a prefix. */
  list(selector: { prefix: DenoKvKey }, options?: { consistency?: 'strong'; batchSize?: number }): AsyncIterable<DenoKvEntry>;
  /** Starts an atomic operation. */
  atomic(): DenoKvAtomicOperation;
  /** Reports the entries whenever one of them changes. */
  watch(keys: readonly DenoKvKey[]): ReadableStream<readonly DenoKvEntry[]>;
}

/** Options of {@link DenoKvKeyStore}. */
export interface DenoKvKeyStoreOptions {
  /** The Deno KV database, opened by the caller (`await Deno.openKv(path)`; needs `--unstable-kv`). */
  readonly kv: DenoKvLike;
  /** Where the keyring's entries live in the database; one keyring per prefix, none inside another's. Default `['webkms']`. */
  readonly prefix?: DenoKvKey;
  /**
   * Hear other writers' commits (`kv.watch`): a keyring then reloads at once when another isolate
   * disables or rotates a key. On Deno Deploy that is every isolate; on a local file, only handles
   * in this process (others are heard when a blob names what this keyring lacks, or a commit
   * conflicts). A watch keeps the process alive until `keyring.close()` or `kv.close()`. Default false.
   */
  readonly watch?: boolean;
}

/** Deno KV's limits: checks in one atomic operation, keys in one `getMany`, entries in one list batch. */
const MAX_CHECKS = 100;
const MAX_GET_MANY = 10;
const LIST_BATCH = 500;
/** Reads of every entry that another writer may cut through before `load` gives up. */
const MAX_READS = 8;
/**
 * Tries of a read or commit that a local database file refuses as locked: SQLite answers
 * "database is locked" at once, without waiting, when another connection (a second process or
 * handle) wrote since this one began; nothing was written, so trying again is safe.
 */
const LOCKED_TRIES = 20;
const STRONG = { consistency: 'strong' } as const;
const KEY_PART_TYPES = ['string', 'number', 'bigint', 'boolean'];

/** `task`, tried again after a random pause of a few milliseconds while the database file is locked. */
async function whileLocked<T>(task: () => Promise<T>): Promise<T> {
  for (let tried = 1; ; tried++) {
    try {
      return await task();
    } catch (error) {
      if (!(error instanceof Error && /database is locked/.test(error.message))) throw error;
      if (tried === LOCKED_TRIES) {
        throw new KmsError('KMSInternalException', `the Deno KV database stayed locked by another writer through ${LOCKED_TRIES} tries`, { cause: error });
      }
      // Random pauses, growing to 100 ms: two writers that collided do not collide again in step.
      await new Promise((resolve) => setTimeout(resolve, Math.random() * Math.min(2 ** tried, 100)));
    }
  }
}

/**
 * Keeps a keyring's records in Deno KV, for a Deno server or script whose keys must survive a
 * restart: a local file, or Deno Deploy's KV shared by every isolate. It cannot keep `CryptoKey`s:
 * open the keyring with a `rootKey` from a secret, which seals every version's material and never
 * enters the store. Every commit is atomic, compare-and-set on each record, and resolves once
 * Deno KV has committed it (on Deno Deploy, with strong consistency).
 *
 * A key keeps at most 1,000 versions, and one commit writes at most 100 records (`createKey`
 * with 99 aliases at most); a record longer than a Deno KV value (64 KiB) is split across entries.
 * @example
 * ```ts
 * import { Keyring, DenoKvKeyStore, base64 } from 'jsr:@webkms/webkms';
 *
 * const kv = await Deno.openKv(); // Deno Deploy's KV, or Deno.openKv('keys.sqlite')
 * const keyring = await Keyring.open({
 *   store: new DenoKvKeyStore({ kv }),
 *   rootKey: base64.decode(Deno.env.get('WEBKMS_ROOT_KEY') ?? ''), // 32 bytes from a secret; never stored
 * });
 * ```
 */
export class DenoKvKeyStore implements KeyStore {
  /** It keeps records as JSON-safe values: the keyring seals material under its root key. */
  readonly keepsCryptoKeys = false;
  /** Present when constructed with `watch: true`. */
  readonly watch?: (listener: () => void) => () => void;
  readonly #kv: DenoKvLike;
  readonly #prefix: DenoKvKey;
  /** Counts commits: each one changes its versionstamp, which `load` and `watch` look at. */
  readonly #commits: DenoKvKey;

  /** @throws `ValidationException` for options that are not a Deno KV database and a key prefix. */
  constructor(options: DenoKvKeyStoreOptions) {
    checkObject(options, 'DenoKvKeyStore takes { kv, prefix?, watch? }');
    const { kv, prefix = ['webkms'], watch = false } = options;
    check(
      typeof kv === 'object' && kv !== null && ['get', 'getMany', 'list', 'atomic', 'watch'].every((name) => typeof (kv as unknown as Record<string, unknown>)[name] === 'function'),
      'kv must be a Deno.Kv (await Deno.openKv())',
    );
    check(
      Array.isArray(prefix) && prefix.every((part: unknown) => KEY_PART_TYPES.includes(typeof part) || part instanceof Uint8Array),
      'prefix must be an array of Deno KV key parts (strings, numbers, bigints, booleans, Uint8Arrays)',
    );
    check(typeof watch === 'boolean', 'watch must be a boolean');
    this.#kv = kv;
    this.#prefix = [...prefix];
    this.#commits = [...prefix, 'commits'];
    if (watch) this.watch = (listener) => this.#watch(listener);
  }

  /** Every record, as one consistent read. */
  async load(): Promise<readonly KeyStoreRecord[]> {
    return whileLocked(() => this.#load());
  }

  /**
   * Applies every write in one atomic operation, or none when a record's revision is not the
   * expected one (a check on its versionstamp catches a writer that came between).
   * @throws `ValidationException` for more records than one atomic operation checks;
   *   `KMSInvalidStateException` for a key of more than 1,000 versions.
   */
  async commit(writes: readonly KeyStoreWrite[]): Promise<boolean> {
    check(
      writes.length <= MAX_CHECKS,
      () => `Deno KV checks at most ${MAX_CHECKS} records in one commit, not ${writes.length}: create a key with fewer aliases and add the others with createAlias`,
    );
    return whileLocked(() => this.#commit(writes));
  }

  async #load(): Promise<readonly KeyStoreRecord[]> {
    // A list is read in batches; a commit between two of them would show half of it. The count of
    // commits is the same before and after a read that no commit cut through.
    for (let read = 0; read < MAX_READS; read++) {
      const before = await this.#kv.get(this.#commits, STRONG);
      const entries: Array<readonly [readonly unknown[], unknown]> = [];
      for await (const { key, value } of this.#kv.list({ prefix: this.#prefix }, { ...STRONG, batchSize: LIST_BATCH })) {
        entries.push([key.slice(this.#prefix.length), value]);
      }
      if ((await this.#kv.get(this.#commits, STRONG)).versionstamp === before.versionstamp) return readRecords(entries);
    }
    throw new KmsError('KMSInternalException', `other writers kept committing while the key store read Deno KV (${MAX_READS} reads)`);
  }

  async #commit(writes: readonly KeyStoreWrite[]): Promise<boolean> {
    const heads = await this.#heads(writes);
    const atomic = this.#kv.atomic();
    for (const [i, write] of writes.entries()) {
      const { value, versionstamp } = heads[i]!;
      const current = versionstamp === null ? undefined : recordHead([write.kind, write.id], value);
      if ((current?.revision ?? 0) !== write.expectedRevision) return false;
      atomic.check({ key: this.#key([write.kind, write.id]), versionstamp });
      const { set, remove } = writeEntries(write, current);
      for (const entry of set) atomic.set(this.#key(entry.key), entry.value);
      for (const key of remove) atomic.delete(this.#key(key));
    }
    return (await atomic.sum(this.#commits, 1n).commit()).ok;
  }

  #key(key: EntryKey): DenoKvKey {
    return [...this.#prefix, ...key];
  }

  /** The head entries of the written records, in the order of `writes`. */
  async #heads(writes: readonly KeyStoreWrite[]): Promise<DenoKvEntry[]> {
    const keys = writes.map((write) => this.#key([write.kind, write.id]));
    const batches = [];
    for (let i = 0; i < keys.length; i += MAX_GET_MANY) batches.push(this.#kv.getMany(keys.slice(i, i + MAX_GET_MANY), STRONG));
    return (await Promise.all(batches)).flat();
  }

  #watch(listener: () => void): () => void {
    const reader = this.#kv.watch([this.#commits]).getReader();
    void (async () => {
      // The first read is the count as it is; each one after it, a commit.
      let first = true;
      for (;;) {
        const { done } = await reader.read();
        if (done) return;
        if (!first) listener();
        first = false;
      }
    })().catch(() => undefined); // the database was closed: there is nothing more to hear
    return () => void reader.cancel().catch(() => undefined);
  }
}
