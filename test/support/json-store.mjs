// A KeyStore that keeps records as JSON text, as a store for a database of documents would: it
// cannot keep a CryptoKey, so the keyring must seal material under its root key. Its records pass
// through JSON.stringify and JSON.parse, so anything not JSON-safe in them shows.
export class JsonMemoryKeyStore {
  keepsCryptoKeys = false;
  #records = new Map();

  // In key order, as a database's range read returns records, not in the order they were written.
  async load() {
    return [...this.#records].sort(([a], [b]) => (a < b ? -1 : 1)).map(([, text]) => JSON.parse(text));
  }

  async commit(writes) {
    const key = (write) => `${write.kind}\0${write.id}`;
    for (const write of writes) {
      const current = this.#records.get(key(write));
      if ((current ? JSON.parse(current).revision : 0) !== write.expectedRevision) return false;
    }
    for (const write of writes) {
      if (write.value === null) this.#records.delete(key(write));
      else this.#records.set(key(write), JSON.stringify({ kind: write.kind, id: write.id, revision: write.expectedRevision + 1, value: write.value }));
    }
    return true;
  }
}
