// Request fields as the vendors' APIs take them, read and checked in one place for every dialect;
// each dialect says how a refused field becomes its own error.
import { decode } from '../base64.js';
import { stringPairs } from '../context.js';
import { plainEntries, shapeOf } from '../plain.js';
import { KmsError } from '../errors.js';

/** Why a field was refused: required but absent, present but malformed, or not a field of the call. */
export type FieldProblem = 'missing' | 'invalid' | 'unknown';

/** Makes the dialect's error for a refused field. Messages never quote binary or secret values. */
export type FieldError = (problem: FieldProblem, field: string, message: string) => Error;

/** Options of {@link Fields.string}. */
export interface StringOptions {
  required?: boolean;
  /** Default 1: an empty string is malformed. */
  minLength?: number;
  maxLength?: number;
}

/** Options of {@link Fields.bytes}. */
export interface BytesOptions {
  required?: boolean;
  /** The most characters the encoded text may have. */
  maxLength?: number;
  /** Default 0. */
  minBytes?: number;
  maxBytes?: number;
  /** How the text becomes bytes. Default: strict, padded standard base64. */
  decode?: (text: string) => Uint8Array;
}

interface RequiredField {
  required: true;
}

/** A short, safe rendering of a refused non-secret value, for messages. */
function shown(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  if (typeof value === 'bigint') return `${value}n`;
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'function') return 'a function';
  return String(value);
}

/**
 * Reads a string→string map — a plain object or a `Map`, as every context argument of webkms —
 * into a plain object: an encryption context as a vendor spells it.
 */
export function stringMap(value: unknown, field: string, fail: FieldError): Record<string, string> {
  // fromEntries defines own properties, so a "__proto__" key stays a key.
  return Object.fromEntries(stringPairs(value, field, (message) => fail('invalid', field, message)));
}

/**
 * A request's fields, each read and checked on demand. `undefined` and `null` count as absent
 * (JSON's null is "no value"); a field the call does not take is refused.
 */
export class Fields {
  readonly #values: Readonly<Record<string, unknown>>;
  readonly #fail: FieldError;

  /**
   * @param input - the request object; absent counts as `{}`.
   * @param known - the fields the call takes.
   * @param fail - how the dialect reports a refused field.
   * @param call - the call's name, for messages.
   */
  constructor(input: unknown, known: readonly string[], fail: FieldError, call: string) {
    const values = input ?? {};
    const entries = plainEntries(values);
    if (entries === undefined) throw fail('invalid', call, `${call} takes an object with the fields ${known.join(', ')}, not ${shapeOf(values)}`);
    for (const [field, value] of entries) {
      if (value !== undefined && !known.includes(field)) {
        throw fail('unknown', field, `${field} is not a parameter of ${call}, which takes ${known.join(', ')}`);
      }
    }
    this.#values = values as Record<string, unknown>;
    this.#fail = fail;
  }

  #get(field: string, required: boolean | undefined): unknown {
    const value = this.#values[field];
    if (value !== undefined && value !== null) return value;
    if (required) throw this.#fail('missing', field, `${field} is required`);
    return undefined;
  }

  #invalid(field: string, message: string): Error {
    return this.#fail('invalid', field, message);
  }

  /** Whether the request carries `field`. */
  has(field: string): boolean {
    return this.#get(field, false) !== undefined;
  }

  /** A string of `minLength` (default 1) to `maxLength` characters. */
  string(field: string, options: StringOptions & RequiredField): string;
  string(field: string, options?: StringOptions): string | undefined;
  string(field: string, options: StringOptions = {}): string | undefined {
    const value = this.#get(field, options.required);
    if (value === undefined) return undefined;
    const min = options.minLength ?? 1;
    const max = options.maxLength ?? Infinity;
    if (typeof value !== 'string' || value.length < min || value.length > max) {
      const size = max === Infinity ? 'a non-empty string' : `a string of ${min > 0 ? `${min} to ` : 'at most '}${max} characters`;
      throw this.#invalid(field, `${field} must be ${size}, not ${shown(value)}`);
    }
    return value;
  }

  /** An integer from `min` to `max`. */
  integer(field: string, min: number, max: number, options: RequiredField): number;
  integer(field: string, min: number, max: number, options?: { required?: boolean }): number | undefined;
  integer(field: string, min: number, max: number, options: { required?: boolean } = {}): number | undefined {
    const value = this.#get(field, options.required);
    if (value === undefined) return undefined;
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
      throw this.#invalid(field, `${field} must be an integer from ${min} to ${max}, not ${shown(value)}`);
    }
    return value;
  }

  /** `true` or `false`; with `text`, also `'true'` or `'false'`, as query-string APIs send them. */
  boolean(field: string, options: { text?: boolean } = {}): boolean | undefined {
    const value = this.#get(field, false);
    if (value === undefined || typeof value === 'boolean') return value;
    if (options.text && (value === 'true' || value === 'false')) return value === 'true';
    throw this.#invalid(field, `${field} must be true or false, not ${shown(value)}`);
  }

  /** One of `values`, spelled exactly. */
  choice<T extends string>(field: string, values: readonly T[], options: RequiredField): T;
  choice<T extends string>(field: string, values: readonly T[], options?: { required?: boolean }): T | undefined;
  choice<T extends string>(field: string, values: readonly T[], options: { required?: boolean } = {}): T | undefined {
    const value = this.#get(field, options.required);
    if (value === undefined) return undefined;
    if (!values.includes(value as T)) throw this.#invalid(field, `${field} must be one of ${values.join(', ')}, not ${shown(value)}`);
    return value as T;
  }

  /** Binary data sent as base64 text. Messages never quote the text: it may be a secret. */
  bytes(field: string, options: BytesOptions & RequiredField): Uint8Array;
  bytes(field: string, options?: BytesOptions): Uint8Array | undefined;
  bytes(field: string, options: BytesOptions = {}): Uint8Array | undefined {
    const value = this.#get(field, options.required);
    if (value === undefined) return undefined;
    if (typeof value !== 'string') throw this.#invalid(field, `${field} must be base64 text, not ${shown(value)}`);
    if (options.maxLength !== undefined && value.length > options.maxLength) {
      throw this.#invalid(field, `${field} must be at most ${options.maxLength} characters of base64, not ${value.length}`);
    }
    const min = options.minBytes ?? 0;
    const max = options.maxBytes ?? Infinity;
    // Sized from the text, before decoding: a refused secret (Encrypt's Plaintext) is never decoded
    // into a copy that would then need zeroing. Exact for any valid base64, padded or not; a length
    // no base64 has (4n + 1) is left to the decoder to call malformed.
    const size = Math.floor(((value.length - (value.endsWith('==') ? 2 : value.endsWith('=') ? 1 : 0)) * 3) / 4);
    if (value.length % 4 !== 1 && (size < min || size > max)) {
      const range = max === Infinity ? `at least ${min}` : min === max ? `exactly ${min}` : `${min} to ${max}`;
      throw this.#invalid(field, `${field} must decode to ${range} bytes, not ${size}`);
    }
    try {
      return (options.decode ?? decode)(value);
    } catch (cause) {
      const reason = cause instanceof KmsError ? cause.message.replace(/^invalid base64: /, '') : 'malformed';
      throw this.#invalid(field, `${field} is not valid base64: ${reason}`);
    }
  }

  /** A string→string map (see {@link stringMap}). */
  map(field: string): Record<string, string> | undefined {
    const value = this.#get(field, false);
    return value === undefined ? undefined : stringMap(value, field, this.#fail);
  }

  /** Checks that `field`, when present, is an array of at most `maxItems` strings of 1 to `maxLength` characters. */
  checkStrings(field: string, maxItems: number, maxLength: number): void {
    const value = this.#get(field, false);
    if (value === undefined) return;
    const ok = Array.isArray(value) && value.length <= maxItems && value.every((item) => typeof item === 'string' && item.length >= 1 && item.length <= maxLength);
    if (!ok) throw this.#invalid(field, `${field} must be an array of at most ${maxItems} strings of 1 to ${maxLength} characters`);
  }
}
