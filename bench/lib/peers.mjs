// The peers, dev dependencies of the bench only: the official AWS Encryption SDK for Node
// (@aws-crypto/client-node, raw AES keyring) and jose (JWE compact, A256GCMKW + A256GCM) as a
// reference. Each loads lazily; where one does not run (an engine without the Node built-ins it
// needs), its rows say so instead of failing the bench.
import { createRequire } from 'node:module';

/** The SDK set up for one raw AES key, or `{ missing }` with the reason it cannot run here. */
export async function loadSdk({ keyNamespace, keyName, bytes }) {
  try {
    // The SDK is CommonJS; give an ESM bundle a `require` for its Node built-ins.
    globalThis.require ??= createRequire(import.meta.url);
    const sdk = await import('@aws-crypto/client-node');
    const { encrypt, decrypt } = sdk.buildClient(sdk.CommitmentPolicy.REQUIRE_ENCRYPT_REQUIRE_DECRYPT);
    const keyring = () =>
      new sdk.RawAesKeyringNode({
        keyNamespace,
        keyName,
        // The SDK zeroes the bytes it is given.
        unencryptedMasterKey: bytes.slice(),
        wrappingSuite: sdk.RawAesWrappingSuiteIdentifier.AES256_GCM_IV12_TAG16_NO_PADDING,
        utf8Sorting: true,
      });
    const shared = keyring();
    // Check it works here before any row relies on it.
    const probe = await encrypt(shared, new Uint8Array(1), { suiteId: 0x0478 });
    await decrypt(shared, probe.result);
    return {
      encrypt: (plaintext, options) => encrypt(shared, plaintext, options).then((r) => r.result),
      decrypt: (message) => decrypt(shared, message).then((r) => r.plaintext),
    };
  } catch (error) {
    return { missing: `SDK does not run here (${String(error?.message ?? error).split('\n')[0].slice(0, 80)})` };
  }
}

/** jose's compact JWE with an AES-GCM key wrap of a 256-bit key, or `{ missing }`. */
export async function loadJose(keyBytes) {
  try {
    const jose = await import('jose');
    const key = await crypto.subtle.importKey('raw', keyBytes, 'AES-GCM', false, ['encrypt', 'decrypt']);
    const header = { alg: 'A256GCMKW', enc: 'A256GCM' };
    return {
      encrypt: (plaintext) => new jose.CompactEncrypt(plaintext).setProtectedHeader(header).encrypt(key),
      decrypt: (jwe) => jose.compactDecrypt(jwe, key).then((r) => r.plaintext),
    };
  } catch (error) {
    return { missing: `jose does not run here (${String(error?.message ?? error).slice(0, 80)})` };
  }
}
