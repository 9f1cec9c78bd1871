// The bytes a stream has delivered but the parser has not consumed: the chunks as they came,
// merged only when a field spans several of them. A stream's chunks are copied, because a writer
// may reuse its buffer (or a BYOB reader detach it) once write() resolves while header fields and
// frames parsed from it are still in use; one-shot open keeps the message it was given.

/** A FIFO of bytes built from chunks. */
export class ByteQueue {
  #chunks: Uint8Array[] = [];
  #length = 0;

  /** Bytes queued. */
  get length(): number {
    return this.#length;
  }

  /** Appends a chunk: a copy of it unless the queue may keep the caller's bytes. */
  push(chunk: Uint8Array, copy: boolean): void {
    if (chunk.length === 0) return;
    this.#chunks.push(copy ? chunk.slice() : chunk);
    this.#length += chunk.length;
  }

  /** The first `length` bytes (at most all queued) as one view, merging the chunks they span. */
  peek(length: number): Uint8Array {
    const wanted = Math.min(length, this.#length);
    let head = this.#chunks[0] ?? new Uint8Array(0);
    if (head.length < wanted) {
      const merged = new Uint8Array(wanted);
      let filled = 0;
      let used = 0;
      while (filled < wanted) {
        const chunk = this.#chunks[used]!;
        const take = Math.min(chunk.length, wanted - filled);
        merged.set(chunk.subarray(0, take), filled);
        filled += take;
        if (take === chunk.length) used++;
        else this.#chunks[used] = chunk.subarray(take);
      }
      this.#chunks.splice(0, used, merged);
      head = merged;
    }
    return head.subarray(0, wanted);
  }

  /** Drops the first `length` bytes. */
  skip(length: number): void {
    let left = length;
    while (left > 0) {
      const head = this.#chunks[0]!;
      if (head.length <= left) {
        this.#chunks.shift();
        left -= head.length;
      } else {
        this.#chunks[0] = head.subarray(left);
        left = 0;
      }
    }
    this.#length -= length;
  }
}
