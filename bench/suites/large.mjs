// Large data in one call: seal and open of 16 MiB against one subtle.encrypt (decrypt) of the
// same bytes, the v2 floor (every frame in flight, at 64 KiB and at webkms's default 1 MiB) and
// the official SDK; and opening messages the SDK wrote with its default 4 KiB frames, the common
// case for data from other languages.
import { RawAesKeyring, open, seal } from '../../src/index.ts';
import { v2Opener, v2Sealer } from '../lib/floors.mjs';
import { group } from '../lib/harness.mjs';
import { loadSdk } from '../lib/peers.mjs';

const CONTEXT = { tenant: 'acme', purpose: 'bench' };
const KEY = { keyNamespace: 'bench', keyName: 'wrapping-key', bytes: crypto.getRandomValues(new Uint8Array(32)) };
const SIZE = 16 * 1024 * 1024;

export function pattern(size) {
  const block = crypto.getRandomValues(new Uint8Array(65536));
  const out = new Uint8Array(size);
  for (let at = 0; at < size; at += block.length) out.set(block.subarray(0, Math.min(block.length, size - at)), at);
  return out;
}

export default async function large(report) {
  const keyring = new RawAesKeyring({ ...KEY, material: KEY.bytes });
  const wrappingKey = await crypto.subtle.importKey('raw', KEY.bytes, 'AES-GCM', false, ['encrypt', 'decrypt']);
  const sdk = await loadSdk(KEY);
  const peer = (fn) => (sdk.missing ? { fn: undefined, missing: sdk.missing } : { fn, slow: true });
  const floor = v2Sealer({ wrappingKey, ...KEY, encryptionContext: CONTEXT });
  const floor1MiB = v2Sealer({ wrappingKey, ...KEY, encryptionContext: CONTEXT, frameSize: 1024 * 1024 });
  const openFloor = v2Opener({ wrappingKey });
  const plaintext = pattern(SIZE);
  const dataKey = await crypto.subtle.importKey('raw', crypto.getRandomValues(new Uint8Array(32)), 'AES-GCM', false, ['encrypt', 'decrypt']);
  const iv = new Uint8Array(12);
  const encryptOnce = () => crypto.subtle.encrypt({ name: 'AES-GCM', iv }, dataKey, plaintext);
  const encryptedOnce = await encryptOnce();
  const sealed = await seal(keyring, plaintext, { encryptionContext: CONTEXT });
  const floorSealed = await floor.seal(plaintext);
  const floorSealed1MiB = await floor1MiB.seal(plaintext);
  const sdkSealed = sdk.missing ? undefined : await sdk.encrypt(plaintext, { encryptionContext: CONTEXT, suiteId: 0x0478 });

  report(
    await group({
      id: 'seal-16MiB',
      title: 'seal 16 MiB, 0x0478, default frames',
      bytes: SIZE,
      slow: true,
      rows: [
        { name: 'webkms', role: 'webkms', fn: () => seal(keyring, plaintext, { encryptionContext: CONTEXT }) },
        { name: 'one subtle.encrypt', role: 'floor', fn: encryptOnce },
        { name: 'v2 floor (64 KiB frames, all in flight)', role: 'floor', fn: () => floor.seal(plaintext) },
        { name: 'v2 floor (1 MiB frames, all in flight)', role: 'floor', fn: () => floor1MiB.seal(plaintext) },
        { name: 'SDK (4 KiB frames)', role: 'peer', ...peer(() => sdk.encrypt(plaintext, { encryptionContext: CONTEXT, suiteId: 0x0478 })) },
      ],
    }),
  );
  report(
    await group({
      id: 'open-16MiB',
      title: 'open 16 MiB, 0x0478, default frames',
      bytes: SIZE,
      slow: true,
      rows: [
        { name: 'webkms', role: 'webkms', fn: () => open(keyring, sealed, { encryptionContext: CONTEXT }) },
        { name: 'one subtle.decrypt', role: 'floor', fn: () => crypto.subtle.decrypt({ name: 'AES-GCM', iv }, dataKey, encryptedOnce) },
        { name: 'v2 floor (64 KiB frames, all in flight)', role: 'floor', fn: () => openFloor(floorSealed) },
        { name: 'v2 floor (1 MiB frames, all in flight)', role: 'floor', fn: () => openFloor(floorSealed1MiB) },
        { name: 'SDK (its own 4 KiB-frame message)', role: 'peer', ...peer(() => sdk.decrypt(sdkSealed)) },
      ],
    }),
  );
  if (sdk.missing) return;
  report(
    await group({
      id: 'open-sdk-4KiB-16MiB',
      title: 'open 16 MiB the SDK wrote (4 KiB frames)',
      bytes: SIZE,
      slow: true,
      rows: [
        { name: 'webkms', role: 'webkms', fn: () => open(keyring, sdkSealed) },
        { name: 'v2 floor (every frame in flight)', role: 'floor', fn: () => openFloor(sdkSealed) },
        { name: 'SDK decrypt', role: 'peer', ...peer(() => sdk.decrypt(sdkSealed)) },
      ],
    }),
  );
}
