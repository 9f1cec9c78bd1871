// A browser's IndexedDB as a KeyStore. Master keys are kept as structured clones of their
// CryptoKeys: usable after a reload, and never readable by any API when non-extractable (what
// createKey makes, and what bytes and JWKs are imported as). Tabs and workers sharing a store hear
// of each other's commits through a BroadcastChannel.
//
// The layout is a format later versions must keep reading: database `webkms:<name>` at version 1,
// one object store `records` keyed by [kind, id], whose values are the KeyStoreRecords themselves.
import { KmsError, check, excerpt } from '../errors.js';
import { checkObject } from '../plain.js';
import { indexedDbError } from './indexeddb-errors.js';
import type { KeyStore, KeyStoreRecord, KeyStoreWrite } from './types.js';

const VERSION = 1;
const RECORDS = 'records';
const MAX_NAME_LENGTH = 200;

/**
 * The type of the global `indexedDB` where the environment declares one (lib.dom): its
 * declarations then need no DOM lib elsewhere (Node without DOM sees `never`).
 */
export type IndexedDbFactory = typeof globalThis extends {
  /** The global IndexedDB, whose type is the type wanted. */
  indexedDB: infer Factory;
} ? Factory : never;

/** Options of {@link IndexedDbKeyStore}. */
export interface IndexedDbKeyStoreOptions {
  /**
   * The store's name, 1–200 characters: its database is `webkms:<name>`, and so is the
   * BroadcastChannel its tabs share. One keyring per name.
   */
  readonly name: string;
  /** The IndexedDB to use; by default the global `indexedDB`. */
  readonly indexedDB?: IndexedDbFactory;
}

// Safari before 15.4 has IndexedDB but no BroadcastChannel: other tabs' changes then reach a
// keyring only when a blob names a key or version it lacks.
const channel = (name: string): BroadcastChannel | undefined => (typeof BroadcastChannel === 'function' ? new BroadcastChannel(name) : undefined);

/** A commit's records, for an error message: `key "app"`, `key "app" and 2 other records`. */
function describeWrites(writes: readonly KeyStoreWrite[]): string {
  const [first] = writes;
  if (!first) return 'nothing';
  const more = writes.length - 1;
  return `${first.kind} ${excerpt(first.id)}${more ? ` and ${more} other record${more === 1 ? '' : 's'}` : ''}`;
}

/**
 * Keeps a keyring's records in the browser's IndexedDB, master keys as `CryptoKey`s: open a
 * keyring on it with `await Keyring.open({ store: new IndexedDbKeyStore({ name: 'my-app' }) })`.
 *
 * Each commit is one readwrite transaction, with `durability: 'strict'`, that checks every record's
 * revision and writes all or nothing; it resolves once the transaction completed. A load is one
 * readonly transaction. The store never blocks another tab deleting or upgrading its database: it
 * closes its connection when asked, and opens a new one for the next operation.
 *
 * The browser may still delete the site's storage (Safari after seven days without user
 * interaction, any browser under storage pressure): a key store is not a backup.
 * @example
 * ```ts
 * import { Keyring, IndexedDbKeyStore } from 'webkms';
 *
 * const store = new IndexedDbKeyStore({ name: 'my-app' }); // the database "webkms:my-app"
 * const keyring = await Keyring.open({ store });
 * if (keyring.listKeys().length === 0) await keyring.createKey({ keyId: 'app', aliases: ['alias/app'] });
 * button.addEventListener('click', () => store.requestPersistence()); // ask the browser to keep it
 * ```
 */
export class IndexedDbKeyStore implements KeyStore {
  /** It keeps `CryptoKey`s as they are (structured clones). */
  readonly keepsCryptoKeys = true;
  /** The database's name: `webkms:` and the store's name. */
  readonly databaseName: string;
  readonly #factory: IDBFactory;
  #connection: Promise<IDBDatabase> | undefined;

  /**
   * Opens nothing yet: the database is opened (and created) by the first load or commit.
   * @throws `UnsupportedOperationException` where there is no IndexedDB (Node, Deno, Bun, Workers)
   *   or the page may not use it; `ValidationException` for a bad name or `indexedDB`.
   */
  constructor(options: IndexedDbKeyStoreOptions) {
    checkObject(options, 'IndexedDbKeyStore takes { name, indexedDB? }');
    const { name } = options;
    check(typeof name === 'string' && name.length >= 1 && name.length <= MAX_NAME_LENGTH, `name must be a string of 1–${MAX_NAME_LENGTH} characters`);
    this.databaseName = `webkms:${name}`;
    let factory = options.indexedDB;
    if (factory === undefined) {
      try {
        factory = (globalThis as { indexedDB?: IDBFactory }).indexedDB;
      } catch (cause) {
        // Chromium's getter throws in sandboxed frames.
        throw indexedDbError(this.databaseName, 'open', cause);
      }
      if (!factory) {
        throw new KmsError(
          'UnsupportedOperationException',
          'there is no IndexedDB here (browsers and their workers have it; Node, Deno, Bun and Cloudflare Workers do not): use MemoryKeyStore, or a store that keeps material sealed under a root key',
        );
      }
    }
    check(typeof factory.open === 'function', 'indexedDB must be an IDBFactory');
    this.#factory = factory;
  }

  /** Every record, read in one readonly transaction. */
  load(): Promise<readonly KeyStoreRecord[]> {
    return this.#transact('readonly', 'load its records', (records) => {
      const request = records.getAll();
      return () => request.result as KeyStoreRecord[];
    });
  }

  /**
   * Writes every record in one transaction, or none when a record's revision is not the expected
   * one (resolves `false`); resolves once the transaction has completed, then tells other tabs.
   * @throws `UnsupportedOperationException` when the browser refuses to store CryptoKeys
   *   (`DataCloneError`: Safari's Private Browsing and Lockdown Mode); `KMSInternalException` when
   *   storage is full (`QuotaExceededError`) or IndexedDB fails. Nothing is written then.
   */
  async commit(writes: readonly KeyStoreWrite[]): Promise<boolean> {
    const written = await this.#transact('readwrite', `write ${describeWrites(writes)}`, (records, abort) => {
      let stale = false;
      let checked = 0;
      // Requests run in order: the writes are issued once every current revision has been read.
      const write = (): void => {
        if (stale) return abort();
        try {
          for (const { kind, id, expectedRevision, value } of writes) {
            if (value === null) records.delete([kind, id]);
            else records.put({ kind, id, revision: expectedRevision + 1, value });
          }
        } catch (cause) {
          // put clones synchronously: a DataCloneError is thrown here, and the writes queued before it are undone.
          abort(cause);
        }
      };
      for (const { kind, id, expectedRevision } of writes) {
        const current = records.get([kind, id]);
        current.onsuccess = () => {
          if (((current.result as KeyStoreRecord | undefined)?.revision ?? 0) !== expectedRevision) stale = true;
          if (++checked === writes.length) write();
        };
      }
      return () => !stale;
    });
    if (written) this.#announce();
    return written;
  }

  /**
   * Calls `listener` after every commit to this database by any IndexedDbKeyStore of the same name
   * in this origin and browser profile (other tabs, workers, this page), through a BroadcastChannel
   * named like the database. Returns a function that closes the channel.
   */
  watch(listener: () => void): () => void {
    const watching = channel(this.databaseName);
    if (watching) watching.onmessage = () => listener();
    return () => watching?.close();
  }

  /**
   * Asks the browser to keep this site's storage, and the keys with it, when storage runs short
   * (`navigator.storage.persist()`); resolves whether the storage is persistent. The store never
   * asks by itself. Chromium decides on its own; Firefox asks the user and resolves once they
   * answer, so call it from a click. Resolves `false` where there is no `navigator.storage.persist`
   * (workers, Safari before 15.2) or the page may not store anything. Persistence is about storage
   * pressure: it is no promise against Safari's removal of the storage of sites unused for seven days.
   */
  async requestPersistence(): Promise<boolean> {
    const storage = (globalThis as { navigator?: { storage?: Partial<StorageManager> } }).navigator?.storage;
    // persist() throws a TypeError where storage is disabled or the origin is opaque: not persistent.
    return typeof storage?.persist === 'function' ? storage.persist().catch(() => false) : false;
  }

  #announce(): void {
    const announcing = channel(this.databaseName);
    announcing?.postMessage('commit');
    announcing?.close();
  }

  /** The open connection, or a new one. */
  #connect(): Promise<IDBDatabase> {
    if (this.#connection) return this.#connection;
    const opening: Promise<IDBDatabase> = new Promise((resolve, reject) => {
      const request = this.#factory.open(this.databaseName, VERSION);
      request.onupgradeneeded = () => request.result.createObjectStore(RECORDS, { keyPath: ['kind', 'id'] });
      request.onsuccess = () => {
        const database = request.result;
        const forget = (): void => {
          database.close();
          if (this.#connection === opening) this.#connection = undefined;
        };
        // Another tab deleting or upgrading the database waits until every connection is closed.
        database.onversionchange = forget;
        // The browser closed it (the user cleared the site's data, a disk failure).
        database.onclose = forget;
        resolve(database);
      };
      request.onerror = () => reject(request.error);
      // No `blocked` handler: version 1 is the first, so no connection to an older one can block it.
    });
    this.#connection = opening;
    opening.catch(() => {
      if (this.#connection === opening) this.#connection = undefined;
    });
    return opening;
  }

  /**
   * Runs one transaction on the records: `body` issues its requests and returns how to read the
   * result once the transaction completed. `abort(cause)` ends it: with a cause, as a failure; without
   * one, as a result (a stale revision).
   */
  async #transact<T>(mode: IDBTransactionMode, operation: string, body: (records: IDBObjectStore, abort: (cause?: unknown) => void) => () => T): Promise<T> {
    let database: IDBDatabase;
    try {
      database = await this.#connect();
    } catch (cause) {
      throw indexedDbError(this.databaseName, `open the database to ${operation}`, cause);
    }
    return new Promise<T>((resolve, reject) => {
      let transaction: IDBTransaction;
      try {
        // Strict: `complete` fires once the data is on disk, not merely handed to the OS (readonly ignores it).
        transaction = database.transaction(RECORDS, mode, { durability: 'strict' });
      } catch (cause) {
        reject(indexedDbError(this.databaseName, operation, cause));
        return;
      }
      let result!: () => T;
      let aborted: { cause: unknown } | undefined;
      const abort = (cause?: unknown): void => {
        aborted = { cause };
        transaction.abort();
      };
      transaction.oncomplete = () => resolve(result());
      transaction.onabort = () => {
        if (aborted && aborted.cause === undefined) resolve(result());
        else reject(indexedDbError(this.databaseName, operation, aborted?.cause ?? transaction.error, mode === 'readwrite'));
      };
      try {
        result = body(transaction.objectStore(RECORDS), abort);
      } catch (cause) {
        abort(cause);
      }
    });
  }
}
