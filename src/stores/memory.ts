// A KeyStore in memory: the reference implementation of the interface, for tests, for keyrings
// that several parts of one program share, and as the model a store for another database follows.
import type { KeyStore, KeyStoreRecord, KeyStoreWrite } from './types.js';

const recordKey = (kind: string, id: string): string => `${kind}\0${id}`;

/**
 * Keeps a keyring's records in memory (`CryptoKey`s as they are), with the compare-and-set
 * commits of {@link KeyStore}. Keyrings opened on the same instance see each other's changes.
 * Nothing survives the process: use it where keys are meant to be ephemeral, or as a model.
 * @example
 * ```ts
 * import { Keyring, MemoryKeyStore } from 'webkms';
 *
 * const store = new MemoryKeyStore();
 * const keyring = await Keyring.open({ store });
 * await keyring.createKey({ keyId: 'app' });
 * const sibling = await Keyring.open({ store }); // sees 'app', and every later change
 * ```
 */
export class MemoryKeyStore implements KeyStore {
  /** It keeps `CryptoKey`s as they are. */
  readonly keepsCryptoKeys = true;
  readonly #records = new Map<string, KeyStoreRecord>();
  readonly #listeners = new Set<() => void>();

  /** Every record. */
  async load(): Promise<readonly KeyStoreRecord[]> {
    return [...this.#records.values()];
  }

  /** Applies every write, or none when a record's revision is not the expected one. */
  async commit(writes: readonly KeyStoreWrite[]): Promise<boolean> {
    for (const write of writes) {
      if ((this.#records.get(recordKey(write.kind, write.id))?.revision ?? 0) !== write.expectedRevision) return false;
    }
    for (const write of writes) {
      const key = recordKey(write.kind, write.id);
      if (write.value === null) this.#records.delete(key);
      else this.#records.set(key, Object.freeze({ kind: write.kind, id: write.id, revision: write.expectedRevision + 1, value: write.value }) as KeyStoreRecord);
    }
    for (const listener of this.#listeners) listener();
    return true;
  }

  /** Calls `listener` after every commit (by any keyring on this store). */
  watch(listener: () => void): () => void {
    const once = (): void => listener();
    this.#listeners.add(once);
    return () => this.#listeners.delete(once);
  }
}
