// The KeyStore conformance suite against the stores every engine has: MemoryKeyStore, and a store
// of JSON text (as a document database keeps records), which makes the keyring seal material.
import { MemoryKeyStore } from '../src/index.ts';
import { JsonMemoryKeyStore } from './support/json-store.mjs';
import { keyStoreConformance } from './support/store-conformance.mjs';

keyStoreConformance('MemoryKeyStore', async () => {
  const store = new MemoryKeyStore();
  return { store, again: () => store };
});

keyStoreConformance('a JSON document store (material sealed under the root key)', async () => {
  const store = new JsonMemoryKeyStore();
  return { store, again: () => store };
}, { sealed: true });
