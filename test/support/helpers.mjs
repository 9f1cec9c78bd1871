// Shared test helpers: a keyring on the engine's crypto, fixed test keys, and typed-error checks.
import * as assert from 'uvu/assert';
import { Keyring, KmsError } from '../../src/index.ts';
import { crypto } from './env.mjs';

/** A fixed, public test master key (never a real secret): bytes 0, 1, …, length − 1. */
export function testKeyBytes(length = 32, offset = 0) {
  return Uint8Array.from({ length }, (_, i) => (i + offset) & 255);
}

export const TEST_KEY_ID = '1234abcd-12ab-34cd-56ef-1234567890ab';

/** A keyring on the engine's crypto with the fixed test key as TEST_KEY_ID (alias/ExampleAlias). */
export async function testKeyring(options = {}) {
  const keyring = new Keyring({ crypto, region: 'us-east-2', accountId: '111122223333', ...options });
  await keyring.importKey({ keyId: TEST_KEY_ID, material: testKeyBytes(), aliases: ['alias/ExampleAlias'] });
  return keyring;
}

/**
 * Asserts that `action` (a promise or a function) fails with a KmsError of `name`, whose message
 * matches `pattern` when given. Returns the error for further checks.
 */
export async function rejects(action, name, pattern) {
  let error;
  try {
    await (typeof action === 'function' ? action() : action);
  } catch (caught) {
    error = caught;
  }
  assert.ok(error, `expected ${name}, but nothing was thrown`);
  assert.ok(error instanceof KmsError, `expected a KmsError ${name}, got ${error?.name}: ${error?.message}`);
  assert.is(error.name, name, `expected ${name}, got ${error.name}: ${error.message}`);
  if (pattern) assert.match(error.message, pattern);
  return error;
}

/** Lowercase hex of bytes. */
export function toHex(bytes) {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

/** Whether two byte arrays are equal. */
export function sameBytes(a, b) {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/** Everything a ReadableStream gives, as one array. */
export async function collect(stream) {
  const parts = [];
  await stream.pipeTo(new WritableStream({ write: (chunk) => void parts.push(chunk) }));
  const out = new Uint8Array(parts.reduce((n, part) => n + part.length, 0));
  let offset = 0;
  for (const part of parts) out.set(part, (offset += part.length) - part.length);
  return out;
}
