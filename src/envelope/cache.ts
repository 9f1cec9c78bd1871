// DataKeyCache: the AWS Encryption SDK's caching materials manager, in small. A burst of messages
// with the same keys, suite and context shares one data key (one wrap, one KMS-style call), while
// each message still derives its own key from its own message id. Entries hold the data key only
// as a non-extractable HKDF CryptoKey: no plaintext key bytes stay in memory to be zeroed.
import { check } from '../errors.js';
import { checkObject } from '../plain.js';
import type { EncryptionMaterials } from './materials.js';

/** Options of `new DataKeyCache(…)`. */
export interface DataKeyCacheOptions {
  /** Milliseconds a data key may be used after it was made. Required: no key is cached forever. */
  maxAge: number;
  /** Messages one data key may seal. Default 2^32, the AWS Encryption SDK's limit. */
  maxMessages?: number;
  /** Plaintext bytes one data key may seal, over all its messages. Default 2^53 − 1. */
  maxBytes?: number;
  /** Entries kept (different keys, suites or contexts); the least recently used goes first. Default 64. */
  capacity?: number;
}

interface Entry {
  readonly materials: Promise<EncryptionMaterials>;
  readonly created: number;
  messages: number;
  bytes: number;
}

interface Limits {
  readonly maxAge: number;
  readonly maxMessages: number;
  readonly maxBytes: number;
  readonly capacity: number;
}

const caches = new WeakMap<DataKeyCache, { readonly limits: Limits; readonly entries: Map<string, Entry> }>();

function limit(value: unknown, name: string, fallback: number, max: number): number {
  if (value === undefined) return fallback;
  check(typeof value === 'number' && Number.isInteger(value) && value >= 1 && value <= max, `${name} must be an integer from 1 to ${max}`);
  return value;
}

/**
 * A cache of data keys for `seal`, shared by the calls that pass it as `cache`. A data key is
 * reused only for messages with the same keyrings, key ids, algorithm suite and encryption
 * context, and only while it is younger than `maxAge` and under `maxMessages` and `maxBytes`.
 * `sealStream` does not use it: the data key is chosen before the stream's length is known.
 * @example
 * ```ts
 * import { DataKeyCache, seal } from 'webkms';
 *
 * const cache = new DataKeyCache({ maxAge: 60_000, maxMessages: 1000 });
 * for (const event of events) {
 *   // One data key wrapped per minute (or 1,000 messages) instead of one per message.
 *   await send(await seal(keyring, JSON.stringify(event), { keyId: 'alias/events', cache }));
 * }
 * ```
 */
export class DataKeyCache {
  /** @throws `ValidationException` for a missing `maxAge` or a limit out of range. */
  constructor(options: DataKeyCacheOptions) {
    checkObject(options, 'DataKeyCache takes { maxAge, maxMessages?, maxBytes?, capacity? }');
    const { maxAge } = options;
    check(typeof maxAge === 'number' && maxAge > 0 && Number.isFinite(maxAge), 'maxAge must be a positive number of milliseconds');
    const limits: Limits = {
      maxAge,
      maxMessages: limit(options.maxMessages, 'maxMessages', 2 ** 32, 2 ** 32),
      maxBytes: limit(options.maxBytes, 'maxBytes', Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER),
      capacity: limit(options.capacity, 'capacity', 64, 2 ** 20),
    };
    caches.set(this, { limits, entries: new Map() });
  }

  /** How many data keys the cache holds. */
  get size(): number {
    return caches.get(this)!.entries.size;
  }

  /** Drops every cached data key. */
  clear(): void {
    caches.get(this)!.entries.clear();
  }
}

/**
 * Materials for a message of `plaintextLength` bytes: a cached entry within its limits (counting
 * this message), or new ones from `create`, cached unless this message alone exceeds a limit.
 * Concurrent calls share one pending `create`, so a burst costs one wrap.
 */
export function cachedMaterials(
  cache: DataKeyCache,
  key: string,
  plaintextLength: number,
  create: () => Promise<EncryptionMaterials>,
): Promise<EncryptionMaterials> {
  const state = caches.get(cache);
  check(state, 'cache must be a DataKeyCache');
  const { limits, entries } = state;
  // A message too large for any entry bypasses the cache, leaving the cached key to others.
  if (plaintextLength > limits.maxBytes) return create();
  const now = Date.now();
  // Expired entries go at once, with their keys: nothing outlives maxAge in memory.
  for (const [cachedKey, entry] of entries) if (now - entry.created > limits.maxAge) entries.delete(cachedKey);
  const found = entries.get(key);
  if (found) {
    entries.delete(key);
    const fits = found.messages < limits.maxMessages && found.bytes + plaintextLength <= limits.maxBytes;
    if (fits) {
      found.messages++;
      found.bytes += plaintextLength;
      entries.set(key, found);
      return found.materials;
    }
  }
  const materials = create();
  const entry: Entry = { materials, created: now, messages: 1, bytes: plaintextLength };
  entries.set(key, entry);
  // A failed wrap is not cached: the next message tries again.
  materials.catch(() => entries.get(key) === entry && entries.delete(key));
  for (const oldest of entries.keys()) {
    if (entries.size <= limits.capacity) break;
    entries.delete(oldest);
  }
  return materials;
}
