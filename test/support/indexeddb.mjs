// IndexedDB as the browser tests see it, below IndexedDbKeyStore: fresh database names, the stored
// records read straight from the database, databases deleted, and an IndexedDB that refuses to
// store what a browser may refuse (WebKit's Private Browsing refuses CryptoKeys).

const RUN = Math.random().toString(36).slice(2, 10);
let made = 0;

/** A store name no test used before, in this run or an earlier one in the same profile. */
export const freshName = (topic = 'test') => `${topic}-${RUN}-${made++}`;

/** The result of an IDBRequest. */
const result = (request) => new Promise((resolve, reject) => {
  request.onsuccess = () => resolve(request.result);
  request.onerror = () => reject(request.error);
});

/** Every value of the store's object store `records`, read in a connection of its own (the database must exist). */
export async function rawRecords(databaseName) {
  const database = await result(indexedDB.open(databaseName));
  try {
    return await result(database.transaction('records').objectStore('records').getAll());
  } finally {
    database.close();
  }
}

/** Deletes a database; resolves to whether the deletion was blocked (a connection did not close) before it went through. */
export function deleteDatabase(databaseName) {
  return new Promise((resolve, reject) => {
    let blocked = false;
    const request = indexedDB.deleteDatabase(databaseName);
    request.onblocked = () => { blocked = true; };
    request.onsuccess = () => resolve(blocked);
    request.onerror = () => reject(request.error);
  });
}

/** Creates `databaseName` at `version` (e.g. what a newer webkms would write). */
export async function createDatabase(databaseName, version) {
  const request = indexedDB.open(databaseName, version);
  request.onupgradeneeded = () => request.result.createObjectStore('records', { keyPath: ['kind', 'id'] });
  (await result(request)).close();
}

/** Whether a stored record holds a CryptoKey. */
export const holdsCryptoKey = (record) => record?.value?.versions?.some((version) => version.material instanceof CryptoKey) ?? false;

/**
 * The browser's IndexedDB, seen through proxies: an object store's put throws
 * `new DOMException(…, refuse(record))` when `refuse` names an error for the record, as a browser's
 * put does when it cannot clone a value; every transaction's arguments are kept in `transactions`.
 */
export function instrumentedIndexedDb(refuse = () => undefined) {
  const transactions = [];
  // Methods and accessors run on the IndexedDB object itself, whose brand checks a proxy would fail.
  const wrap = (target, overrides) => new Proxy(target, {
    get(object, key) {
      if (key in overrides) return overrides[key];
      const value = Reflect.get(object, key);
      return typeof value === 'function' ? value.bind(object) : value;
    },
    set: (object, key, value) => Reflect.set(object, key, value),
  });
  const objectStore = (store) => wrap(store, {
    put(record, key) {
      const errorName = refuse(record);
      if (errorName) throw new DOMException(`the record cannot be stored (${errorName}, simulated by the test)`, errorName);
      return store.put(record, key);
    },
  });
  const database = (db) => wrap(db, {
    transaction(...args) {
      transactions.push(args);
      const transaction = db.transaction(...args);
      return wrap(transaction, { objectStore: (name) => objectStore(transaction.objectStore(name)) });
    },
  });
  const factory = wrap(indexedDB, {
    open(...args) {
      const request = indexedDB.open(...args);
      return wrap(request, { get result() { return database(request.result); } });
    },
  });
  return { indexedDB: factory, transactions };
}

/** `store` as a keyring sees it, counting in `lost` the commits that lost to another writer (resolved false). */
export function countingLosses(store) {
  const counting = {
    keepsCryptoKeys: store.keepsCryptoKeys,
    lost: 0,
    load: () => store.load(),
    commit: async (writes) => {
      const written = await store.commit(writes);
      if (!written) counting.lost++;
      return written;
    },
    watch: (listener) => store.watch(listener),
  };
  return counting;
}
