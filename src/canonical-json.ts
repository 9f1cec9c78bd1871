// Canonical JSON (RFC 8785, the JSON Canonicalization Scheme): one text for one JSON value, so that
// what an export bundle's tag authenticates does not depend on how a program orders members or
// spaces its output. Other languages have JCS libraries; JavaScript's JSON.stringify already
// writes strings and numbers as JCS requires, so only member order and refusals are added here.
import { isWellFormed } from './bytes.js';
import { check } from './errors.js';
import { plainEntries, shapeOf } from './plain.js';

/** Deeper values are refused: a cyclic object would recurse forever. */
const MAX_DEPTH = 16;

/**
 * The JCS text of a JSON value: no white space, object members sorted by the UTF-16 code units of
 * their names, strings and numbers as `JSON.stringify` writes them.
 * @throws `ValidationException` for anything JSON cannot hold (undefined, functions, non-finite
 *   numbers, strings with lone surrogates, objects that are not plain, array holes) and for
 *   values nested deeper than 16 levels.
 */
export function canonicalJson(value: unknown, depth = 0): string {
  check(depth <= MAX_DEPTH, `the bundle nests deeper than ${MAX_DEPTH} levels`);
  if (typeof value === 'string') {
    check(isWellFormed(value), 'the bundle holds a string with a lone UTF-16 surrogate, which JSON text cannot carry faithfully');
    return JSON.stringify(value);
  }
  if (value === null || typeof value === 'boolean' || (typeof value === 'number' && Number.isFinite(value))) return JSON.stringify(value);
  // Array.from turns holes into undefined, which is refused below rather than written as nothing.
  if (Array.isArray(value)) return `[${Array.from(value, (item: unknown) => canonicalJson(item, depth + 1)).join(',')}]`;
  const entries = plainEntries(value);
  check(entries !== undefined, () => `the bundle is not JSON data: it holds ${typeof value === 'number' ? 'a number that is not finite' : shapeOf(value)}`);
  // Code unit order is what `<` compares, as RFC 8785 section 3.2.3 asks.
  entries.sort(([a], [b]) => (a < b ? -1 : 1));
  return `{${entries.map(([name, item]) => `${canonicalJson(name)}:${canonicalJson(item, depth + 1)}`).join(',')}}`;
}
