// generateDataKey and decrypt (32-byte data key, a two-pair context) against their floor:
// one random call and one AES-GCM call with the context as AAD. Sequential and 64 in flight.
import { Keyring } from '../../src/index.ts';
import { dataKeyFloor, unwrapFloor } from '../lib/floors.mjs';
import { group } from '../lib/harness.mjs';

const CONTEXT = { tenant: 'acme', purpose: 'bench' };

export default async function keys(report) {
  const keyring = new Keyring();
  const material = crypto.getRandomValues(new Uint8Array(32));
  await keyring.importKey({ keyId: 'bench-key', material });
  const masterKey = await crypto.subtle.importKey('raw', material, 'AES-GCM', false, ['encrypt', 'decrypt']);
  // The floor binds the same bytes webkms binds (the length-prefixed context), computed once.
  const aad = new TextEncoder().encode(JSON.stringify(CONTEXT));
  const request = { keyId: 'bench-key', encryptionContext: CONTEXT };
  const blob = (await keyring.generateDataKey(request)).ciphertextBlob;
  const floorKey = await dataKeyFloor(masterKey, aad)();
  const decryptRequest = { ciphertextBlob: blob, encryptionContext: CONTEXT };

  for (const inFlight of [1, 64]) {
    const mode = inFlight === 1 ? 'sequential' : `${inFlight} in flight`;
    report(
      await group({
        id: `generateDataKey-${inFlight}`,
        title: `generateDataKey, ${mode}`,
        inFlight,
        rows: [
          { name: 'webkms', role: 'webkms', fn: () => keyring.generateDataKey(request) },
          { name: 'floor', role: 'floor', fn: dataKeyFloor(masterKey, aad) },
        ],
      }),
    );
    report(
      await group({
        id: `decrypt-${inFlight}`,
        title: `decrypt, ${mode}`,
        inFlight,
        rows: [
          { name: 'webkms', role: 'webkms', fn: () => keyring.decrypt(decryptRequest) },
          { name: 'floor', role: 'floor', fn: unwrapFloor(masterKey, aad, floorKey) },
        ],
      }),
    );
  }
}
