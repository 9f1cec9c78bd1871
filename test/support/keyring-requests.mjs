// The JSON requests a keyring answers in the tests of server stores: { op, input } → the result,
// bytes as base64. The Durable Object of test/support/durable-objects.mjs answers them over fetch
// (as the README's example object does); in Deno, a keyring answers them in the process itself.
import { KmsError, base64, open, seal } from '../../src/index.ts';

const OPERATIONS = {
  createKey: (keyring, input) => keyring.createKey(input),
  rotateKey: (keyring, { keyId }) => keyring.rotateKey(keyId),
  disableKey: (keyring, { keyId }) => keyring.disableKey(keyId),
  describeKey: (keyring, { keyId }) => keyring.describeKey(keyId),
  generateDataKey: (keyring, input) => keyring.generateDataKey(input),
  encrypt: (keyring, { plaintext, ...input }) => keyring.encrypt({ ...input, plaintext: base64.decode(plaintext) }),
  decrypt: (keyring, input) => keyring.decrypt(input),
  seal: async (keyring, { keyId, text, encryptionContext }) => ({ message: await seal(keyring, text, { keyId, encryptionContext }) }),
  open: async (keyring, { message, encryptionContext }) => ({ text: new TextDecoder().decode(await open(keyring, base64.decode(message), { encryptionContext })) }),
};

/** The result of request `op` as JSON text (bytes as base64, dates as ISO 8601). */
export async function answer(keyring, op, input = {}) {
  if (!Object.hasOwn(OPERATIONS, op)) throw new KmsError('ValidationException', `unknown op ${String(op).slice(0, 40)}`);
  return JSON.stringify((await OPERATIONS[op](keyring, input)) ?? null, (_, value) => (value instanceof Uint8Array ? base64.encode(value) : value));
}

/** A thrown error as JSON, its name kept, and whether it was a KmsError. */
export const failure = (error) => ({ name: error?.name ?? 'Error', message: String(error?.message ?? error), kms: error instanceof KmsError });

/** Throws what `failure` described: a KmsError again when it was one. */
export function rethrow({ name, message, kms }) {
  if (kms) throw new KmsError(name, message);
  throw Object.assign(new Error(message), { name });
}

/** A client of a keyring in this realm, answering as a remote one would: (op, input) → JSON. */
export const localRequests = (keyring) => async (op, input) => {
  try {
    return JSON.parse(await answer(keyring, op, input));
  } catch (error) {
    return rethrow(failure(error));
  }
};
