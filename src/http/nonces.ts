// Replay protection for Alibaba's RPC signature: a SignatureNonce is accepted once while its
// request's Timestamp is within the clock-skew window; after that the Timestamp itself is refused.

/**
 * Claims a nonce: `true` when it was not claimed before (it is now, until `expiresAt`), `false`
 * when it was. A caller's implementation can keep the claims where every isolate sees them (a
 * Durable Object: one transaction per claim), so a replay to another isolate is refused too.
 * @example
 * import type { NonceClaim } from 'webkms/http';
 * // in a Durable Object: storage.get + put inside one transaction
 * const claimNonce: NonceClaim = async (key, expiresAt) => (await myNonceObject.claim(key, expiresAt));
 */
export type NonceClaim = (key: string, expiresAt: number) => boolean | Promise<boolean>;

/**
 * The in-memory cache of claimed nonces is full of unexpired ones: refuse, rather than forget one.
 * @example
 * try { cache.claim(key, expiresAt); } catch (error) { if (error instanceof NonceCacheFull) answer503(); }
 */
export class NonceCacheFull extends Error {}

/**
 * The default {@link NonceClaim}: claimed nonces in memory, bounded by count and time. An entry is
 * kept until its request's Timestamp leaves the window (then the Timestamp is refused anyway).
 * When `capacity` unexpired nonces are held, a new one is refused ({@link NonceCacheFull}) rather
 * than an old one forgotten: forgetting would let its request be replayed. It protects one
 * isolate or process only.
 * @example
 * const nonces = new NonceCache(10_000, Date.now);
 * nonces.claim('AKID/3ee8c1b8', Date.now() + 300_000); // true
 * nonces.claim('AKID/3ee8c1b8', Date.now() + 300_000); // false: a replay
 */
export class NonceCache {
  // Insertion order; expiries are nearly in order (a Timestamp within the window), so expired
  // entries are mostly at the front, and a full sweep is needed only when the cache is full.
  readonly #expiries = new Map<string, number>();
  readonly #capacity: number;
  readonly #now: () => number;

  /**
   * @param capacity - the most nonces held at once.
   * @param now - the clock, in milliseconds.
   */
  constructor(capacity: number, now: () => number) {
    this.#capacity = capacity;
    this.#now = now;
  }

  /** How many nonces are held. */
  get size(): number {
    return this.#expiries.size;
  }

  /**
   * Claims `key` until `expiresAt`: `true` when it was free.
   * @throws {@link NonceCacheFull} when `capacity` unexpired nonces are held.
   */
  claim(key: string, expiresAt: number): boolean {
    const now = this.#now();
    const held = this.#expiries.get(key);
    if (held !== undefined && held > now) return false;
    this.#expiries.delete(key);
    for (const [oldest, expiry] of this.#expiries) {
      if (expiry > now) break;
      this.#expiries.delete(oldest);
    }
    if (this.#expiries.size >= this.#capacity) {
      for (const [entry, expiry] of this.#expiries) if (expiry <= now) this.#expiries.delete(entry);
      if (this.#expiries.size >= this.#capacity) throw new NonceCacheFull();
    }
    this.#expiries.set(key, expiresAt);
    return true;
  }
}
