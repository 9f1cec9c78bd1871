// JSON text as the vendors' APIs take it, parsed strictly: JSON.parse keeps the last of two equal
// keys, so {"tenant":"attacker","tenant":"victim"} would mean whatever the last one says while
// a log, a proxy or another parser reads the first. webkms's own header parser refuses
// duplicates; so does this.
import { excerpt } from '../errors.js';

/** Strings, and the punctuation that tells an object's keys from its values. */
const TOKEN = /"(?:[^"\\]|\\.)*"|[{}[\]:,]/g;

/**
 * Parses JSON text, refusing an object with a key twice (at any depth, however it is escaped).
 * Returns the value, or why it was refused.
 * @param text - the JSON text.
 */
export function parseJson(text: string): { value: unknown } | { problem: string } {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { problem: 'it is not valid JSON' };
  }
  // The text is valid JSON now: a string followed by ':' is a key of the innermost open object.
  const open: Array<Set<string> | undefined> = [];
  let previous: string | undefined;
  for (const [token] of text.matchAll(TOKEN)) {
    if (token === '{') open.push(new Set());
    else if (token === '[') open.push(undefined);
    else if (token === '}' || token === ']') open.pop();
    else if (token === ':' && previous !== undefined) {
      const keys = open.at(-1)!;
      const key = JSON.parse(previous) as string;
      if (keys.has(key)) return { problem: `it has the key ${excerpt(key, 40)} twice` };
      keys.add(key);
    }
    previous = token.startsWith('"') ? token : undefined;
  }
  return { value };
}
