// DurableObjectKeyStore: a keyring's records in a Durable Object's storage (`ctx.storage`), for
// Cloudflare Workers: one object per keyring, strongly consistent. A commit is one
// `storage.transaction()`, which workerd runs with every other event of the object held back: the
// heads are read, the revisions compared and the entries (record-parts.ts) written in one step
// nothing interleaves with, and a failure rolls all of it back. (A `get` then a `put` outside a
// transaction is not such a step: two flows of one request can interleave between them.)
import { check } from '../errors.js';
import { type EntryKey, readRecords, recordHead, writeEntries } from './record-parts.js';
import type { KeyStore, KeyStoreRecord, KeyStoreWrite } from './types.js';

/** The parts of a Durable Object storage transaction the store uses. */
export interface DurableObjectTransactionLike {
  /** Reads up to 128 keys. */
  get(keys: string[]): Promise<Map<string, unknown>>;
  /** Writes up to 128 entries. */
  put(entries: Record<string, unknown>): Promise<void>;
  /** Deletes up to 128 keys; resolves how many existed. */
  delete(keys: string[]): Promise<number>;
}

/** The parts of `DurableObjectStorage` the store uses: pass a Durable Object's `ctx.storage`. */
export interface DurableObjectStorageLike {
  /** Reads every entry under a prefix. */
  list(options: { prefix: string }): Promise<Map<string, unknown>>;
  /** Runs `closure` as one transaction: all of its writes or none. */
  transaction<T>(closure: (txn: DurableObjectTransactionLike) => Promise<T>): Promise<T>;
  /** Resolves once every write so far is on disk. */
  sync(): Promise<void>;
}

/** Options of {@link DurableObjectKeyStore}. */
export interface DurableObjectKeyStoreOptions {
  /** What the store's keys start with, beside the object's other data. Default `webkms:`. */
  readonly prefix?: string;
}

/** Keys one `get`, `put` or `delete` of Durable Object storage takes at most. */
const MAX_KEYS = 128;

const batches = <T>(items: readonly T[]): T[][] =>
  Array.from({ length: Math.ceil(items.length / MAX_KEYS) }, (_, i) => items.slice(i * MAX_KEYS, (i + 1) * MAX_KEYS));

/**
 * Keeps a keyring's records in a Durable Object's storage, for a Cloudflare Worker whose keys must
 * survive restarts and deployments: the object holds the keyring (`Keyring.open({ store: new
 * DurableObjectKeyStore(ctx.storage), rootKey })`) and answers the Worker's requests. It cannot
 * keep `CryptoKey`s: the keyring seals every version's material under `rootKey`, from a Worker
 * secret, which never enters the store. Every commit is atomic, compare-and-set on each record,
 * and resolves once the storage has written it to disk.
 *
 * A key keeps at most 1,000 versions; a record longer than a storage value (128 KiB) is split
 * across entries. It has no `watch`: one object holds one keyring.
 * @example
 * ```js
 * import { DurableObject } from 'cloudflare:workers';
 * import { Keyring, DurableObjectKeyStore, base64 } from 'webkms';
 *
 * export class KeyringObject extends DurableObject {
 *   constructor(ctx, env) {
 *     super(ctx, env);
 *     ctx.blockConcurrencyWhile(async () => {
 *       this.keyring = await Keyring.open({ store: new DurableObjectKeyStore(ctx.storage), rootKey: base64.decode(env.ROOT_KEY) });
 *     });
 *   }
 * }
 * ```
 */
export class DurableObjectKeyStore implements KeyStore {
  /** It keeps records as JSON-safe values: the keyring seals material under its root key. */
  readonly keepsCryptoKeys = false;
  readonly #storage: DurableObjectStorageLike;
  readonly #prefix: string;

  /**
   * @param storage - the Durable Object's `ctx.storage`.
   * @throws `ValidationException` for what is not Durable Object storage, or a prefix that is not a string.
   */
  constructor(storage: DurableObjectStorageLike, options: DurableObjectKeyStoreOptions = {}) {
    check(
      typeof storage === 'object' && storage !== null && ['list', 'transaction', 'sync'].every((name) => typeof (storage as unknown as Record<string, unknown>)[name] === 'function'),
      "storage must be a Durable Object's storage (ctx.storage)",
    );
    const { prefix = 'webkms:' } = options;
    check(typeof prefix === 'string' && prefix.length <= 256, 'prefix must be a string of at most 256 characters');
    this.#storage = storage;
    this.#prefix = prefix;
  }

  /** Every record: one `list`, which the storage reads as one consistent step. */
  async load(): Promise<readonly KeyStoreRecord[]> {
    const entries = await this.#storage.list({ prefix: this.#prefix });
    return readRecords([...entries].map(([key, value]) => [this.#entryPath(key), value] as const));
  }

  /**
   * Applies every write, or none when a record's revision is not the expected one.
   * @throws `KMSInvalidStateException` for a key of more than 1,000 versions.
   */
  async commit(writes: readonly KeyStoreWrite[]): Promise<boolean> {
    const committed = await this.#storage.transaction(async (txn) => {
      const heads = new Map<string, unknown>();
      for (const keys of batches(writes.map((write) => this.#key([write.kind, write.id])))) {
        for (const [key, value] of await txn.get(keys)) heads.set(key, value);
      }
      const set: Array<[string, unknown]> = [];
      const remove: string[] = [];
      for (const write of writes) {
        const key = this.#key([write.kind, write.id]);
        const current = heads.has(key) ? recordHead([write.kind, write.id], heads.get(key)) : undefined;
        if ((current?.revision ?? 0) !== write.expectedRevision) return false;
        const entries = writeEntries(write, current);
        set.push(...entries.set.map((entry): [string, unknown] => [this.#key(entry.key), entry.value]));
        remove.push(...entries.remove.map((entryKey) => this.#key(entryKey)));
      }
      for (const pairs of batches(set)) await txn.put(Object.fromEntries(pairs));
      for (const keys of batches(remove)) await txn.delete(keys);
      return true;
    });
    // Output gates already hold the object's replies until the write is on disk; `sync` makes
    // the promise itself wait, as KeyStore.commit promises.
    if (committed) await this.#storage.sync();
    return committed;
  }

  #key(key: EntryKey): string {
    return this.#prefix + JSON.stringify(key);
  }

  /** A storage key's entry path (what follows the prefix, as JSON), or [] for another key. */
  #entryPath(key: string): readonly unknown[] {
    try {
      const path: unknown = JSON.parse(key.slice(this.#prefix.length));
      return Array.isArray(path) ? path : [];
    } catch {
      return [];
    }
  }
}
