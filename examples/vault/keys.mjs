// The vault's master keys: a webkms Keyring on an IndexedDbKeyStore (database "webkms:vault"), so
// keys survive reloads as non-extractable CryptoKeys. Files are sealed under raw AES keyrings, the
// entry every AWS Encryption SDK reads with its own raw AES keyring: namespace "webkms-vault", key
// name "<key id>/<version id>", one per key version. The store keeps each version's CryptoKey
// itself, and that CryptoKey is the raw AES keyring's wrapping key: no key bytes are ever readable.
import { IndexedDbKeyStore, Keyring, RawAesKeyring } from '/dist/index.js';

/** The provider id of every encrypted data key the vault writes (a backend's `key_namespace`). */
export const KEY_NAMESPACE = 'webkms-vault';
const STORE_NAME = 'vault';

/** The raw AES key name of one key version (a backend's `key_name`). */
export const keyNameOf = (keyId, versionId) => `${keyId}/${versionId}`;

/** Opens the vault's keyring on IndexedDB. */
export async function openVaultKeys() {
  const store = new IndexedDbKeyStore({ name: STORE_NAME });
  const keyring = await Keyring.open({ store });

  /** Every version of every key as a raw AES keyring; the primary version's last for each key. */
  async function rawKeyrings() {
    const records = await store.load();
    return records.filter((record) => record.kind === 'key' && record.value.enabled).flatMap(({ value }) =>
      value.versions.map((version) => ({
        keyId: value.keyId,
        versionId: version.versionId,
        keyring: new RawAesKeyring({ keyNamespace: KEY_NAMESPACE, keyName: keyNameOf(value.keyId, version.versionId), material: version.material }),
      })));
  }

  return {
    keyring,
    /** Key ids, oldest first. */
    keyIds: () => keyring.listKeys().map((entry) => entry.keyId),
    describe: (keyId) => keyring.describeKey(keyId),
    create: (keyId, { extractable }) => keyring.createKey({ keyId, extractable, description: 'webkms file vault' }),
    importJwk: (keyId, jwk) => keyring.importKey({ keyId, material: jwk }),
    importBundle: (text, passphrase) => keyring.importKeys(text, { passphrase }),
    rotate: (keyId) => keyring.rotateKey(keyId),
    exportBundle: async (keyId, passphrase) => JSON.stringify(await keyring.exportKeys({ passphrase }, { keyIds: [keyId] }), null, 2),
    /** The raw AES keyring of `keyId`'s primary version: what new files are sealed under. */
    primaryKeyring: async (keyId) => {
      const primary = keyring.describeKey(keyId).primaryVersionId;
      return (await rawKeyrings()).find((entry) => entry.keyId === keyId && entry.versionId === primary)?.keyring;
    },
    /** The raw AES keyrings that can open a message naming `keyNames`, every version of every key. */
    keyringsFor: async (keyNames) => (await rawKeyrings()).filter((entry) => keyNames.includes(keyNameOf(entry.keyId, entry.versionId))).map((entry) => entry.keyring),
  };
}
