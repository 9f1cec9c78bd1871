// Fixed vectors for the canonical encoding of encryption context and AAD (docs/format.md).
// A change to any of these bytes breaks every stored blob: it needs a new format version.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { checkAdditionalData, encodeAdditionalData } from '../src/context.ts';
import { toHex } from './support/helpers.mjs';

const VECTORS = [
  { name: 'no context, no AAD', context: undefined, aad: undefined, hex: '00000000' + '00000000' },
  { name: 'an empty context equals none', context: {}, aad: new Uint8Array(0), hex: '00000000' + '00000000' },
  { name: 'one pair', context: { a: '1' }, hex: '00000001' + '00000001' + '61' + '00000001' + '31' + '00000000' },
  { name: '{"ab":"c"}', context: { ab: 'c' }, hex: '00000001' + '00000002' + '6162' + '00000001' + '63' + '00000000' },
  { name: '{"a":"bc"} differs from {"ab":"c"}', context: { a: 'bc' }, hex: '00000001' + '00000001' + '61' + '00000002' + '6263' + '00000000' },
  { name: 'empty key and value', context: { '': '' }, hex: '00000001' + '00000000' + '00000000' + '00000000' },
  {
    name: 'keys sorted by UTF-8 bytes, not UTF-16: U+FF61 (EF BD A1) before U+1F600 (F0 9F 98 80)',
    context: { '😀': 'x', '\uFF61': 'y' },
    hex: '00000002' + '00000003' + 'efbda1' + '00000001' + '79' + '00000004' + 'f09f9880' + '00000001' + '78' + '00000000',
  },
  {
    name: 'insertion order does not matter',
    context: { b: '2', a: '1' },
    aad: Uint8Array.of(0x78, 0x79, 0x7a),
    hex: '00000002' + '00000001' + '61' + '00000001' + '31' + '00000001' + '62' + '00000001' + '32' + '00000003' + '78797a',
  },
  { name: 'AAD only', aad: Uint8Array.of(0, 255), hex: '00000000' + '00000002' + '00ff' },
  { name: 'a multi-byte value', context: { k: 'é' }, hex: '00000001' + '00000001' + '6b' + '00000002' + 'c3a9' + '00000000' },
];

const vectors = suite('canonical context encoding: fixed vectors');

for (const v of VECTORS) {
  vectors(v.name, () => {
    assert.is(toHex(encodeAdditionalData(checkAdditionalData(v.context, v.aad))), v.hex);
  });
}

vectors('room for a prefix: the same encoding after that many bytes, left for the caller', () => {
  const v = VECTORS.at(-1);
  const encoded = encodeAdditionalData(checkAdditionalData(v.context, v.aad), 5);
  assert.is(toHex(encoded.subarray(0, 5)), '0000000000');
  assert.is(toHex(encoded.subarray(5)), v.hex);
});

vectors.run();
