// seal and open of 16 B, 1 KiB and 1 MiB, suites 0x0478 and 0x0578, against the v2 floor
// (hand-written WebCrypto, the same message format), the official SDK for Node, and jose's
// compact JWE as a reference (no key commitment, no framing). seal with and without a DataKeyCache.
import { DataKeyCache, RawAesKeyring, open, seal } from '../../src/index.ts';
import { v2Opener, v2Sealer } from '../lib/floors.mjs';
import { group, isQuick } from '../lib/harness.mjs';
import { loadJose, loadSdk } from '../lib/peers.mjs';

const CONTEXT = { tenant: 'acme', purpose: 'bench' };
const KEY = { keyNamespace: 'bench', keyName: 'wrapping-key', bytes: crypto.getRandomValues(new Uint8Array(32)) };
const SIZES = [
  ['16 B', 16],
  ['1 KiB', 1024],
  ['1 MiB', 1024 * 1024],
];

export default async function envelope(report) {
  const keyring = new RawAesKeyring({ ...KEY, material: KEY.bytes });
  const wrappingKey = await crypto.subtle.importKey('raw', KEY.bytes, 'AES-GCM', false, ['encrypt', 'decrypt']);
  const sdk = await loadSdk(KEY);
  const jose = await loadJose(KEY.bytes);
  const openFloor = v2Opener({ wrappingKey });
  const quick = isQuick();

  for (const suiteId of [0x0478, 0x0578]) {
    const suite = `0x0${suiteId.toString(16)}`;
    const floor = v2Sealer({ wrappingKey, ...KEY, encryptionContext: CONTEXT, suiteId });
    const cachedFloor = await floor.cachedMaterials();
    for (const [label, size] of SIZES) {
      const data = crypto.getRandomValues(new Uint8Array(Math.min(size, 65536)));
      const plaintext = size > data.length ? new Uint8Array(size).map((_, i) => data[i % data.length]) : data;
      const options = { encryptionContext: CONTEXT, algorithmSuite: suiteId };
      const cache = new DataKeyCache({ maxAge: 3_600_000 });
      const cachedOptions = { ...options, cache };
      const sdkOptions = { encryptionContext: CONTEXT, suiteId, frameLength: 64 * 1024 };
      const sealed = await seal(keyring, plaintext, options);
      // Each opener reads messages its own side wrote; all are the same format and size.
      const floorSealed = await floor.seal(plaintext);
      const check = await open(keyring, floorSealed, { encryptionContext: CONTEXT });
      if (check.length !== plaintext.length) throw new Error('the floor wrote a message webkms does not open');
      if ((await openFloor(sealed)).length !== plaintext.length) throw new Error('the floor does not open webkms messages');
      const sdkSealed = sdk.missing ? undefined : await sdk.encrypt(plaintext, sdkOptions);
      const jwe = jose.missing || suiteId !== 0x0478 ? undefined : await jose.encrypt(plaintext);
      const peer = (impl, fn) => (impl.missing ? { fn: undefined, missing: impl.missing } : { fn });
      const joseRow = suiteId === 0x0478 ? [{ name: 'jose JWE (reference)', role: 'reference', ...peer(jose, () => jose.encrypt(plaintext)) }] : [];
      const joseOpenRow = suiteId === 0x0478 ? [{ name: 'jose JWE (reference)', role: 'reference', ...peer(jose, () => jose.decrypt(jwe)) }] : [];
      // 64 in flight for the 16-byte messages of the default suite (the targets' case).
      const modes = size === 16 && suiteId === 0x0478 && !quick ? [1, 64] : [1];
      for (const inFlight of modes) {
        const mode = inFlight === 1 ? 'sequential' : `${inFlight} in flight`;
        report(
          await group({
            id: `seal-${suite}-${size}-${inFlight}`,
            title: `seal ${label}, ${suite}, ${mode}`,
            bytes: size,
            inFlight,
            rows: [
              { name: 'webkms', role: 'webkms', fn: () => seal(keyring, plaintext, options), against: ['v2 floor', 'SDK', 'jose JWE (reference)'] },
              { name: 'webkms, DataKeyCache', role: 'webkms', fn: () => seal(keyring, plaintext, cachedOptions), against: ['v2 floor, cached data key', 'SDK'] },
              { name: 'v2 floor', role: 'floor', fn: () => floor.seal(plaintext) },
              { name: 'v2 floor, cached data key', role: 'floor', fn: () => floor.seal(plaintext, cachedFloor) },
              { name: 'SDK', role: 'peer', ...peer(sdk, () => sdk.encrypt(plaintext, sdkOptions)) },
              ...joseRow,
            ],
          }),
        );
        report(
          await group({
            id: `open-${suite}-${size}-${inFlight}`,
            title: `open ${label}, ${suite}, ${mode}`,
            bytes: size,
            inFlight,
            rows: [
              { name: 'webkms', role: 'webkms', fn: () => open(keyring, sealed, { encryptionContext: CONTEXT }) },
              { name: 'v2 floor', role: 'floor', fn: () => openFloor(floorSealed) },
              { name: 'SDK', role: 'peer', ...peer(sdk, () => sdk.decrypt(sdkSealed)) },
              ...joseOpenRow,
            ],
          }),
        );
      }
    }
  }
}
