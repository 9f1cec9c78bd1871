// Big-endian fields of the message format: writers for the integer sizes the core lacks, and a
// bounds-checked reader that says how many bytes it would need when the input ends too early.

/** A 2-byte big-endian unsigned integer. */
export function uint16(value: number): Uint8Array {
  return Uint8Array.of(value >>> 8, value & 0xff);
}

/** An 8-byte big-endian unsigned integer (safe integers only, which is every length here). */
export function uint64(value: number): Uint8Array {
  const out = new Uint8Array(8);
  const view = new DataView(out.buffer);
  view.setUint32(0, Math.floor(value / 2 ** 32));
  view.setUint32(4, value >>> 0);
  return out;
}

/**
 * What {@link Reader} throws when the bytes end before a field does. Not an error of the message
 * by itself: a stream may still bring the rest. `needed` is the input length that would do.
 */
export class Incomplete {
  /** @param needed - total input length (from the reader's start) that would hold the field. */
  constructor(readonly needed: number) {}
}

/** Reads big-endian fields from `bytes`, advancing `offset`; throws {@link Incomplete} past the end. */
export class Reader {
  readonly #view: DataView;

  /**
   * @param bytes - the input.
   * @param offset - where to start reading.
   */
  constructor(
    readonly bytes: Uint8Array,
    public offset = 0,
  ) {
    this.#view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  #advance(length: number): number {
    const start = this.offset;
    if (start + length > this.bytes.length) throw new Incomplete(start + length);
    this.offset = start + length;
    return start;
  }

  /** The next byte. */
  u8(): number {
    return this.#view.getUint8(this.#advance(1));
  }

  /** The next 2-byte integer. */
  u16(): number {
    return this.#view.getUint16(this.#advance(2));
  }

  /** The next 4-byte integer. */
  u32(): number {
    return this.#view.getUint32(this.#advance(4));
  }

  /** The next `length` bytes, as a view (no copy). */
  take(length: number): Uint8Array {
    const start = this.#advance(length);
    return this.bytes.subarray(start, start + length);
  }
}
