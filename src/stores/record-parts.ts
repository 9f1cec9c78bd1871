// KeyStore records as entries of bounded size, for databases that limit a value's size (Deno KV:
// 64 KiB; Durable Objects: 128 KiB in key-value storage): a record is its JSON text in UTF-8,
// cut into parts of 60,000 bytes. Bytes, not a string: a database serialises a string as V8 holds
// it, two bytes a character even for ASCII text that came out of a two-byte string. The head entry
// holds the revision, the number of parts and the first part; the others follow under keys of
// their own. A store writes a record's entries, and deletes the parts it no longer uses, in one
// atomic commit.
import { concat, utf8 } from '../bytes.js';
import { KmsError, excerpt } from '../errors.js';
import type { KeyStoreKind, KeyStoreRecord, KeyStoreWrite } from './types.js';

/** Where an entry lives under a store's prefix: a record's head, or one of its further parts (1, 2, …). */
export type EntryKey = readonly [kind: KeyStoreKind, id: string] | readonly [kind: KeyStoreKind, id: string, part: number];

/** A record's head entry. */
export interface RecordHead {
  readonly revision: number;
  /** How many parts the record's JSON text has, this one included. */
  readonly parts: number;
  /** The first part of the JSON text, UTF-8. */
  readonly json: Uint8Array;
}

/** An entry to write: a head, or a further part of the JSON text. */
export interface Entry {
  readonly key: EntryKey;
  readonly value: RecordHead | Uint8Array;
}

/**
 * The most versions a key may have in these stores. A version takes about 410 bytes, so a key of
 * 1,000 versions and the longest description (8,192 characters, at most 24 KiB in UTF-8) takes 8
 * parts: one atomic commit of Deno KV (800 KiB at most) holds it. A bound on versions rather than
 * on bytes means that a key which could rotate can always reserve encryptions (which only
 * lengthens its counters).
 */
export const MAX_KEY_VERSIONS = 1000;

const PART_BYTES = 60_000;
/** Parts a record may take: more than a key of MAX_KEY_VERSIONS needs, so going beyond is damage. */
const MAX_PARTS = 12;
const KINDS: readonly string[] = ['keyring', 'key', 'alias'] satisfies readonly KeyStoreKind[];

const isBytes = (value: unknown): value is Uint8Array => Object.prototype.toString.call(value) === '[object Uint8Array]';

const damaged = (key: EntryKey, why: string): KmsError =>
  new KmsError('KMSInternalException', `the key store's record ${key[0]} ${excerpt(key[1])} is damaged: ${why}`);

/** `path` as an entry key of these stores (below their prefix), or undefined for another entry. */
export function entryKey(path: readonly unknown[]): EntryKey | undefined {
  const [kind, id, part] = path;
  if (typeof kind !== 'string' || !KINDS.includes(kind) || typeof id !== 'string') return undefined;
  if (path.length === 2) return [kind as KeyStoreKind, id];
  if (path.length === 3 && Number.isSafeInteger(part) && (part as number) >= 1) return [kind as KeyStoreKind, id, part as number];
  return undefined;
}

/** A head entry's value, checked; `KMSInternalException` for anything else. */
export function recordHead(key: EntryKey, value: unknown): RecordHead {
  const head = value as Partial<RecordHead> | null;
  if (
    typeof head !== 'object' || head === null ||
    !Number.isSafeInteger(head.revision) || head.revision! < 1 ||
    !Number.isSafeInteger(head.parts) || head.parts! < 1 || head.parts! > MAX_PARTS ||
    !isBytes(head.json)
  ) {
    throw damaged(key, 'its head entry is not a revision, a count of parts and bytes');
  }
  return head as RecordHead;
}

/**
 * The entries that write `write` over the record as it is (`current`, undefined when absent), and
 * the keys of parts to delete. The caller has checked `current`'s revision.
 * @throws `KMSInvalidStateException` for a key of more than {@link MAX_KEY_VERSIONS} versions.
 */
export function writeEntries(write: KeyStoreWrite, current: RecordHead | undefined): { set: Entry[]; remove: EntryKey[] } {
  const { kind, id } = write;
  const set: Entry[] = [];
  const remove: EntryKey[] = [];
  let parts = 0;
  if (write.value !== null) {
    if (write.kind === 'key' && write.value.versions.length > MAX_KEY_VERSIONS) {
      throw new KmsError(
        'KMSInvalidStateException',
        `key ${excerpt(id)} would have ${write.value.versions.length} versions; this key store keeps at most ${MAX_KEY_VERSIONS} for one key: create a new key and point its aliases at it`,
      );
    }
    const json = utf8(JSON.stringify(write.value));
    parts = Math.max(1, Math.ceil(json.length / PART_BYTES));
    if (parts > MAX_PARTS) throw new KmsError('KMSInternalException', `the record of ${kind} ${excerpt(id)} takes ${json.length} bytes, more than this key store holds`);
    const part = (i: number): Uint8Array => json.slice(i * PART_BYTES, (i + 1) * PART_BYTES);
    set.push({ key: [kind, id], value: { revision: write.expectedRevision + 1, parts, json: part(0) } });
    for (let i = 1; i < parts; i++) set.push({ key: [kind, id, i], value: part(i) });
  } else if (current) {
    remove.push([kind, id]);
  }
  for (let i = Math.max(parts, 1); i < (current?.parts ?? 0); i++) remove.push([kind, id, i]);
  return { set, remove };
}

/**
 * The records of a store's entries (in any order; entries that are not a record's are skipped).
 * @throws `KMSInternalException` for a record whose entries are damaged or missing.
 */
export function readRecords(entries: Iterable<readonly [path: readonly unknown[], value: unknown]>): KeyStoreRecord[] {
  const heads = new Map<string, { key: EntryKey; head: RecordHead }>();
  const parts = new Map<string, unknown>();
  for (const [path, value] of entries) {
    const key = entryKey(path);
    if (!key) continue;
    if (key.length === 2) heads.set(JSON.stringify(key), { key, head: recordHead(key, value) });
    else parts.set(JSON.stringify(key), value);
  }
  return [...heads.values()].map(({ key, head }) => {
    const json = [head.json];
    for (let i = 1; i < head.parts; i++) {
      const part = parts.get(JSON.stringify([...key, i]));
      if (!isBytes(part)) throw damaged(key, `part ${i} of ${head.parts} is missing`);
      json.push(part);
    }
    let value: unknown;
    try {
      value = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(concat(...json)));
    } catch {
      throw damaged(key, 'its text is not JSON in UTF-8');
    }
    if (typeof value !== 'object' || value === null) throw damaged(key, 'its value is not an object');
    return { kind: key[0], id: key[1], revision: head.revision, value } as KeyStoreRecord;
  });
}
