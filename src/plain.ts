// Objects as callers hand them over: option bags read by their properties, and string maps read
// by their entries. Either way, what would silently read as "empty" (a Map's data are not
// properties; a class instance's getters are not own entries) is refused, not taken as nothing.
import { check, excerpt } from './errors.js';

/**
 * Checks that `value` is an object read by its properties: a plain object or a class instance.
 * A `Map`, `Headers`, `URLSearchParams` or array holds its data elsewhere, so reading it as
 * options would silently mean "none": refused.
 */
export function checkObject(value: unknown, message: string | (() => string)): asserts value is object {
  check(
    typeof value === 'object' &&
      value !== null &&
      (Object.getPrototypeOf(value) === Object.prototype || Object.prototype.toString.call(value) === '[object Object]'),
    () => `${typeof message === 'string' ? message : message()}, not ${shapeOf(value)}`,
  );
}

/**
 * The own entries of a plain object (its prototype `Object.prototype` of any realm, or `null`),
 * or `undefined` for anything else: a class instance, `Headers`, `URLSearchParams`, an array, an
 * object with inherited, symbol or non-enumerable properties, none of which `Object.entries`
 * reads whole.
 */
export function plainEntries(value: unknown): Array<[string, unknown]> | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const prototype: unknown = Object.getPrototypeOf(value);
  if (prototype !== Object.prototype && prototype !== null) {
    // Another realm's Object.prototype (an iframe's): a root prototype without enumerable properties.
    const root = typeof prototype === 'object' && Object.getPrototypeOf(prototype) === null && Object.keys(prototype).length === 0;
    if (!root || Object.prototype.toString.call(value) !== '[object Object]') return undefined;
  }
  const entries = Object.entries(value);
  return entries.length === Reflect.ownKeys(value).length ? entries : undefined;
}

/** The entries of a `Map` (of any realm) or of a plain object (see {@link plainEntries}); `undefined` for anything else. */
export function mapEntries(value: unknown): Array<[unknown, unknown]> | undefined {
  if (value instanceof Map) return [...value];
  if (Object.prototype.toString.call(value) !== '[object Map]') return plainEntries(value);
  const entries: Array<[unknown, unknown]> = [];
  try {
    // Another realm's Map, read through this realm's Map methods.
    Map.prototype.forEach.call(value, (item: unknown, key: unknown) => entries.push([key, item]));
  } catch {
    return undefined;
  }
  return entries;
}

/** What a refused object is, for an error message: a kind, never its contents. */
export function shapeOf(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value !== 'object') return `a ${typeof value}`;
  if (Array.isArray(value)) return 'an array';
  const tag = Object.prototype.toString.call(value).slice(8, -1);
  if (tag !== 'Object') return `a ${excerpt(tag, 40)}`;
  const constructor = (Object.getPrototypeOf(value) as { constructor?: { name?: unknown } } | null)?.constructor;
  const name = typeof constructor === 'function' && typeof constructor.name === 'string' ? constructor.name : '';
  return name && name !== 'Object' ? `an instance of ${excerpt(name, 40)}` : 'an object with inherited, symbol or non-enumerable properties';
}
