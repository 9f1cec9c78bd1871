// Several frames' AES-GCM calls in flight at once: WebCrypto works off the main thread (Node's
// thread pool, the browsers' crypto threads), so awaiting frames one by one leaves it idle
// (64 KiB frames in Node: ~1 GB/s awaited one by one, ~4 GB/s with frames in flight).

/**
 * How many bytes of frames to keep in flight; at least 2 and at most 16 frames. 4 MiB is 4 frames
 * of the default 1 MiB: both cores of a small machine stay busy while the main thread copies.
 */
const IN_FLIGHT_BYTES = 4 * 1024 * 1024;

/** Frames in flight for a frame size. */
export function framesInFlight(frameSize: number): number {
  return Math.max(2, Math.min(16, Math.floor(IN_FLIGHT_BYTES / frameSize)));
}

/**
 * Runs jobs with at most `limit` unreleased, and hands each result to `release` as soon as it
 * and every job pushed before it have finished, in push order, and `after` has resolved. The first
 * failure, in push order (`after` first), ends it: nothing after it is released, it is thrown by
 * `push` or `drain`, and given to `fail`.
 */
export class Ordered<T> {
  readonly #released: Array<Promise<void>> = [];
  #tail: Promise<void>;
  #failed = false;

  /**
   * @param limit - unreleased jobs before `push` waits for the oldest.
   * @param release - receives each result, in order.
   * @param fail - told of the failure when its turn comes, even between pushes.
   * @param after - what must succeed before anything is released (open: the header tag's check).
   */
  constructor(
    readonly limit: number,
    readonly release: (value: T) => void,
    readonly fail: (error: unknown) => void = () => undefined,
    after: Promise<void> = Promise.resolve(),
  ) {
    this.#tail = after;
  }

  /**
   * Adds a job. With `limit` jobs unreleased, returns what to await before the next push (the
   * oldest one's release); otherwise nothing, so that pushing a small frame costs no promise.
   */
  push(job: Promise<T>): Promise<void> | undefined {
    // Until its turn comes, a failure of this job must not count as unhandled.
    job.catch(() => undefined);
    // Chained on the previous release: results and failures come in push order.
    const released = this.#tail.then(() => job).then((value) => this.release(value));
    released.catch((error: unknown) => {
      if (this.#failed) return;
      this.#failed = true;
      this.fail(error);
    });
    this.#tail = released;
    this.#released.push(released);
    return this.#released.length >= this.limit ? this.#room() : undefined;
  }

  async #room(): Promise<void> {
    while (this.#released.length >= this.limit) await this.#released.shift();
  }

  /** Waits until every job is released. */
  async drain(): Promise<void> {
    this.#released.length = 0;
    await this.#tail;
  }
}
