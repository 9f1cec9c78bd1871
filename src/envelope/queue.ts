// The bytes a stream has delivered but the parser has not consumed, kept in one buffer. A stream's
// chunks are copied in, because a writer may reuse its buffer (or a BYOB reader detach it) once
// write() resolves; the buffer is reused from frame to frame, so a stream of any length allocates
// about one frame and one chunk, not a new buffer per chunk and per frame that the engine collects
// late (Deno's resident set grew by tens of MiB). One-shot open keeps the message it was given.

/** A FIFO of bytes. A view from `peek` is valid until the next `push`, which may overwrite it. */
export class ByteQueue {
  #buffer: Uint8Array = new Uint8Array(0);
  #start = 0;
  #end = 0;
  /** Whether the buffer is the caller's (one-shot open): read, never written. */
  #borrowed = false;

  /** Bytes queued. */
  get length(): number {
    return this.#end - this.#start;
  }

  /** Appends a chunk: copied unless the queue is empty and may keep the caller's bytes. */
  push(chunk: Uint8Array, copy: boolean): void {
    if (chunk.length === 0) return;
    const queued = this.length;
    if (!copy && queued === 0) {
      this.#buffer = chunk;
      this.#borrowed = true;
      this.#start = 0;
      this.#end = chunk.length;
      return;
    }
    if (this.#borrowed || queued + chunk.length > this.#buffer.length) {
      // Doubling: a frame assembled from small chunks grows the buffer a few times, then never again.
      const grown = new Uint8Array(Math.max(queued + chunk.length, 2 * this.#buffer.length));
      grown.set(this.#buffer.subarray(this.#start, this.#end));
      this.#buffer = grown;
      this.#borrowed = false;
    } else if (this.#end + chunk.length > this.#buffer.length) {
      // The unconsumed rest (less than a frame) moves to the front.
      this.#buffer.copyWithin(0, this.#start, this.#end);
    } else {
      this.#buffer.set(chunk, this.#end);
      this.#end += chunk.length;
      return;
    }
    this.#start = 0;
    this.#buffer.set(chunk, queued);
    this.#end = queued + chunk.length;
  }

  /** The first `length` bytes (at most all queued) as one view. */
  peek(length: number): Uint8Array {
    return this.#buffer.subarray(this.#start, this.#start + Math.min(length, this.length));
  }

  /** Drops the first `length` bytes. */
  skip(length: number): void {
    this.#start += length;
    // Emptied: the next chunk goes to the front, with nothing to move.
    if (this.#start === this.#end && !this.#borrowed) this.#start = this.#end = 0;
  }
}
