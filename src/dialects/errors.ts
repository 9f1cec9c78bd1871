// Errors shared by the dialects: AWS names the core never throws itself, and turning the core's
// errors into a dialect's own.
import { KmsError, type KmsErrorName } from '../errors.js';

/** A `KmsError` with any of the AWS names a dialect throws. */
export function dialectError(name: KmsErrorName, message: string): KmsError {
  return new KmsError(name, message);
}

/**
 * Runs a call on the keyring and rethrows each `KmsError` it raises as `convert` makes it. A
 * dialect's own errors are `KmsError`s too: `convert` returns those unchanged.
 */
export async function translated<T>(action: () => Promise<T> | T, convert: (error: KmsError) => KmsError): Promise<T> {
  try {
    return await action();
  } catch (error) {
    throw error instanceof KmsError ? convert(error) : error;
  }
}
