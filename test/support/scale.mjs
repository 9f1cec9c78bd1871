// How hard the heavy tests push in each engine: full counts where the engine is fast and has
// memory to spare (Node, Deno, Bun), fewer in Workers and browsers. Every engine runs every kind.
import { engine } from './env.mjs';

const SCALE = { node: 1, direct: 1, deno: 0.2, bun: 0.2, peculiar: 0.1, workerd: 0.05, chromium: 0.05, firefox: 0.05, webkit: 0.05 };

/** `full` scaled for this engine, at least `minimum`. */
export function scaled(full, minimum = 1) {
  return Math.max(minimum, Math.round(full * (SCALE[engine] ?? 0.05)));
}

/** A small seeded PRNG (xorshift32), so a failing mutation can be replayed from its seed. */
export function prng(seed) {
  let state = seed >>> 0 || 1;
  const next = () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 2 ** 32;
  };
  return { next, int: (n) => Math.floor(next() * n) };
}
