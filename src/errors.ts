/** The AWS KMS error names webkms throws. Each names a class of mistake, as AWS documents it. */
export type KmsErrorName =
  | 'ValidationException'
  | 'NotFoundException'
  | 'AlreadyExistsException'
  | 'DisabledException'
  | 'InvalidCiphertextException'
  | 'IncorrectKeyException'
  | 'KMSInvalidStateException'
  | 'UnsupportedOperationException'
  | 'DryRunOperationException'
  | 'InvalidKeyUsageException'
  | 'InvalidMarkerException'
  | 'KMSInternalException'
  | 'ConflictException';

/**
 * Every error webkms throws on purpose. `name` is the AWS KMS error name, so code written against
 * AWS SDKs (`err.name === 'NotFoundException'`) keeps working. Messages say what was wrong and
 * never contain key material.
 * @example
 * ```ts
 * import { KmsError } from 'webkms';
 *
 * try {
 *   await keyring.decrypt({ ciphertextBlob, encryptionContext: { tenant: 'acme' } });
 * } catch (error) {
 *   if (error instanceof KmsError && error.name === 'InvalidCiphertextException') {
 *     // a wrong encryption context, or a damaged or tampered blob
 *   } else {
 *     throw error;
 *   }
 * }
 * ```
 */
export class KmsError extends Error {
  /** The AWS-style error name, e.g. `InvalidCiphertextException`. */
  declare readonly name: KmsErrorName;

  /**
   * An error named as AWS KMS names it.
   * @param name - the AWS-style error name.
   * @param message - what was wrong, never key material.
   * @param options - `cause`: the underlying engine error, when there is one.
   */
  constructor(name: KmsErrorName, message: string, options?: { cause?: unknown }) {
    super(message, options);
    Object.defineProperty(this, 'name', { value: name, enumerable: false, configurable: true, writable: false });
  }
}

/**
 * Text from a message or request, quoted for an error message and cut to `max` characters, so a
 * crafted header cannot make errors (and the logs they end in) arbitrarily large.
 */
export function excerpt(text: string, max = 80): string {
  return JSON.stringify(text.length > max ? `${text.slice(0, max)}…` : text);
}

/**
 * Throws a `ValidationException` unless `condition` holds. A message that interpolates is given as
 * a function on hot paths, so that it is built only for the error, not on every call.
 */
export function check(condition: unknown, message: string | (() => string)): asserts condition {
  if (!condition) throw new KmsError('ValidationException', typeof message === 'string' ? message : message());
}
