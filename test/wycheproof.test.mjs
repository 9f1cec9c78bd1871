// Wycheproof AES-GCM vectors (C2SP/wycheproof, Apache-2.0) through webkms's own AES-GCM path.
// The harness resolves 'wycheproof-vectors/' to ../shared/vectors or to $WYCHEPROOF_DIR.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import vectors from 'wycheproof-vectors/wycheproof_aes_gcm_test.json';
import { aesGcmDecrypt, aesGcmEncrypt, importAesGcmKey } from '../src/webcrypto.ts';
import { crypto, has } from './support/env.mjs';
import { rejects, toHex } from './support/helpers.mjs';
import { count } from './support/metrics.mjs';

const fromHex = (hex) => Uint8Array.from(hex.match(/../g) ?? [], (h) => parseInt(h, 16));
const groups = vectors.testGroups.filter((group) => group.ivSize === 96 && group.tagSize === 128);

const wycheproof = suite('Wycheproof AES-GCM, 96-bit IVs, through webkms');

wycheproof('the vector file is the one expected, with 96-bit IV groups for every key size', () => {
  assert.is(vectors.algorithm, 'AES-GCM');
  assert.equal([...new Set(groups.map((g) => g.keySize))].sort(), [128, 192, 256]);
});

for (const group of groups) {
  const usable = group.keySize !== 192 || has('aes192');
  wycheproof(`${group.keySize}-bit keys: ${group.tests.length} vectors${usable ? '' : ' (this engine has no AES-192: each must be refused)'}`, async () => {
    for (const t of group.tests) {
      const label = `tcId ${t.tcId} (${t.result}${t.flags.length ? `, ${t.flags.join(' ')}` : ''})`;
      const material = fromHex(t.key);
      if (!usable) {
        await rejects(importAesGcmKey(crypto, material), 'UnsupportedOperationException', /192-bit/);
        count('wycheproof vectors');
        continue;
      }
      const key = await importAesGcmKey(crypto, material);
      const [iv, aad, msg] = [fromHex(t.iv), fromHex(t.aad), fromHex(t.msg)];
      const sealed = fromHex(t.ct + t.tag);
      if (t.result === 'valid') {
        assert.is(toHex(await aesGcmEncrypt(crypto, key, iv, msg, aad)), t.ct + t.tag, `${label} encrypts to ct ‖ tag`);
        assert.is(toHex(await aesGcmDecrypt(crypto, key, iv, sealed, aad)), t.msg, `${label} decrypts`);
      } else {
        await rejects(aesGcmDecrypt(crypto, key, iv, sealed, aad), 'InvalidCiphertextException');
      }
      count('wycheproof vectors');
    }
  });
}

wycheproof.run();
