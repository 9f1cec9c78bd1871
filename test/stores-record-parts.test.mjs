// How the stores over databases of bounded values lay a record out (src/stores/record-parts.ts),
// in every engine: parts of 60,000 bytes at their exact boundaries, the parts a shorter record
// leaves to delete, entries that are not a record's, and damage of every kind.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { readRecords, writeEntries } from '../src/stores/record-parts.ts';
import { rejects } from './support/helpers.mjs';

const test = suite('record parts');
const PART = 60_000;

/** An alias write whose JSON text is `bytes` long in UTF-8. */
const aliasOfLength = (bytes, expectedRevision = 0) => {
  const overhead = JSON.stringify({ aliasName: '', targetKeyId: 'k' }).length;
  const aliasName = 'a'.repeat(bytes - overhead);
  return { kind: 'alias', id: 'alias/long', expectedRevision, value: { aliasName, targetKeyId: 'k' } };
};
const pathOf = (key) => [...key];
const entriesOf = ({ set }) => set.map(({ key, value }) => [pathOf(key), value]);

test('a record of 60,000 bytes is one entry; one byte more makes two; each part is at most 60,000 bytes', () => {
  const one = writeEntries(aliasOfLength(PART), undefined);
  assert.is(one.set.length, 1);
  assert.is(one.set[0].value.json.length, PART);
  assert.equal(one.set[0].value.revision, 1);
  const two = writeEntries(aliasOfLength(PART + 1), undefined);
  assert.equal(two.set.map((e) => e.key), [['alias', 'alias/long'], ['alias', 'alias/long', 1]]);
  assert.is(two.set[0].value.parts, 2);
  assert.equal([two.set[0].value.json.length, two.set[1].value.length], [PART, 1]);
  assert.equal(readRecords(entriesOf(two).reverse())[0].value, aliasOfLength(PART + 1).value, 'read back in any order');
});

test('text outside ASCII, astral and lone surrogates included, reads back as written, even cut inside a character', () => {
  const value = { aliasName: `x${'é'.repeat(29_999)}🔑\ud800 東京`, targetKeyId: 'k' };
  const written = writeEntries({ kind: 'alias', id: 'alias/u', expectedRevision: 4, value }, undefined);
  assert.is(written.set.length, 2);
  assert.equal(readRecords(entriesOf(written)), [{ kind: 'alias', id: 'alias/u', revision: 5, value }]);
});

test('a shorter record, or a deletion, names the parts it leaves behind', () => {
  const current = { revision: 3, parts: 3, json: new Uint8Array(1) };
  const shorter = writeEntries(aliasOfLength(100, 3), current);
  assert.equal(shorter.remove, [['alias', 'alias/long', 1], ['alias', 'alias/long', 2]]);
  const gone = writeEntries({ kind: 'alias', id: 'alias/long', expectedRevision: 3, value: null }, current);
  assert.equal(gone.set, []);
  assert.equal(gone.remove, [['alias', 'alias/long'], ['alias', 'alias/long', 1], ['alias', 'alias/long', 2]]);
  assert.equal(writeEntries({ kind: 'alias', id: 'alias/none', expectedRevision: 0, value: null }, undefined), { set: [], remove: [] });
});

test('entries that are not a record\'s are skipped', () => {
  const [[path, head]] = entriesOf(writeEntries(aliasOfLength(80), undefined));
  const others = [[['commits'], 7], [['other', 'x'], head], [['key', 'x', 0], 'part zero'], [['key', 1], head], [['key', 'x', 1, 2], head]];
  assert.equal(readRecords([...others, [path, head]]).map((r) => r.id), ['alias/long']);
});

test('damage is a KMSInternalException naming the record: a head that is not one, a missing part, text that is not JSON or not UTF-8', async () => {
  const head = (fields) => [[['key', 'k'], { revision: 1, parts: 1, json: new TextEncoder().encode('{}'), ...fields }]];
  const damaged = (entries) => rejects(() => readRecords(entries), 'KMSInternalException', /record key "k" is damaged/);
  await damaged([[['key', 'k'], 'text']]);
  await damaged(head({ revision: 0 }));
  await damaged(head({ parts: 13 }));
  await damaged(head({ json: '{}' }));
  await rejects(() => readRecords(head({ parts: 2 })), 'KMSInternalException', /part 1 of 2 is missing/);
  await rejects(() => readRecords(head({ json: new TextEncoder().encode('{"a":') })), 'KMSInternalException', /not JSON in UTF-8/);
  await rejects(() => readRecords(head({ json: Uint8Array.of(0x7b, 0xff, 0x7d) })), 'KMSInternalException', /not JSON in UTF-8/);
  await rejects(() => readRecords(head({ json: new TextEncoder().encode('7') })), 'KMSInternalException', /not an object/);
});

test.run();
