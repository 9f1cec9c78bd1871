// webkms/k6: the KMSClient of k6's jslib-aws over a Keyring, so a k6-style script's logic runs
// against local keys. As in the current jslib the methods are async; the jslib sends
// GenerateDataKey and ListKeys to AWS KMS, so the AWS dialect answers them here.
/**
 * The `KMSClient` of k6's jslib-aws over a `Keyring`: {@link KMSClient}. A k6 script's logic runs
 * unchanged against local keys; calls need `await`.
 * @module webkms/k6
 */
import { KmsError } from '../errors.js';
import type { Keyring } from '../keyring.js';
import { AwsKms } from './aws.js';
import { translated } from './errors.js';

/** The KMS operations the jslib's KMSClient performs. */
export type KMSOperation = 'GenerateDataKey' | 'ListKeys';

/**
 * A KMS key, as `listKeys` lists it.
 * @example
 * ```js
 * const keys = await kms.listKeys(); // KMSKey[]
 * const known = keys.some((key) => key.keyId === testKeyId);
 * ```
 */
export class KMSKey {
  /** ARN of the key. */
  keyArn: string;
  /** Unique identifier of the key. */
  keyId: string;

  /** Argument order as in the jslib. */
  constructor(keyArn: string, keyId: string) {
    this.keyArn = keyArn;
    this.keyId = keyId;
  }
}

/**
 * A data key, as `generateDataKey` returns it.
 * @example
 * ```js
 * const key = await kms.generateDataKey(testKeyId, 32); // KMSDataKey
 * console.log(key.id, key.ciphertextBlob); // key.plaintext: base64 of the data key
 * ```
 */
export class KMSDataKey {
  /** The ARN of the KMS key that encrypted the data key. */
  id: string;
  /** The base64-encoded encrypted copy of the data key. */
  ciphertextBlob: string;
  /** The base64-encoded data key: use it, then drop it. */
  plaintext: string;

  /** Argument order as in the jslib (the GenerateDataKey response's fields). */
  constructor(ciphertextBlob: string, keyId: string, plaintext: string) {
    this.ciphertextBlob = ciphertextBlob;
    this.id = keyId;
    this.plaintext = plaintext;
  }
}

/**
 * What the jslib throws when AWS KMS refuses an operation: `code` is AWS's error name (`__type`)
 * and `operation` the failed call. Its `name` is that AWS name too (the jslib's own is
 * `KMSServiceError`): check `instanceof KMSServiceError` or `code`.
 * @example
 * ```js
 * import { KMSServiceError } from 'webkms/k6';
 *
 * try {
 *   await kms.generateDataKey('no-such-key', 32);
 * } catch (error) {
 *   if (error instanceof KMSServiceError && error.code === 'NotFoundException') console.log(error.operation); // 'GenerateDataKey'
 * }
 * ```
 */
export class KMSServiceError extends KmsError {
  /** AWS's error name, e.g. `NotFoundException`. */
  readonly code: string;
  /** The operation that failed. */
  readonly operation: KMSOperation;

  /**
   * The AWS dialect's error as k6 reports it.
   * @param error - the AWS dialect's error.
   * @param operation - the failed call.
   */
  constructor(error: KmsError, operation: KMSOperation) {
    super(error.name, error.message, { cause: error });
    this.code = error.name;
    this.operation = operation;
  }
}

/**
 * The jslib's `KMSClient`, answered by a {@link Keyring}. A script's logic runs unchanged; only
 * the constructor's argument differs (a keyring for an AWSConfig), and calls need `await`.
 * @example
 * ```js
 * import exec from 'k6/execution';
 * import { KMSClient } from 'webkms/k6';
 *
 * const kms = new KMSClient(keyring); // for: new KMSClient(new AWSConfig({ … }))
 *
 * export default async function () {
 *   const keys = await kms.listKeys();
 *   if (!keys.some((key) => key.keyId === testKeyId)) exec.test.abort();
 *   const key = await kms.generateDataKey(testKeyId, 32); // { id, ciphertextBlob, plaintext }
 * }
 * ```
 */
export class KMSClient {
  readonly #aws: AwsKms;

  /**
   * k6's KMS client over `keyring` instead of an AWS configuration.
   * @param keyring - the keys to answer with; other dialects may share it.
   */
  constructor(keyring: Keyring) {
    this.#aws = new AwsKms(keyring);
  }

  /** The keys of the keyring: one ListKeys call, so at most 100, as the jslib's single request gets. */
  async listKeys(): Promise<KMSKey[]> {
    const { Keys } = await translated(() => this.#aws.listKeys(), (error) => new KMSServiceError(error, 'ListKeys'));
    return Keys.map((key) => new KMSKey(key.KeyArn, key.KeyId));
  }

  /**
   * A data key of `size` bytes (default 32; 64 gives 512 bits; AWS takes 1 to 1,024), wrapped
   * under the key `id` (key id, key ARN, alias name or alias ARN).
   * @throws {@link KMSServiceError}
   */
  async generateDataKey(id: string, size = 32): Promise<KMSDataKey> {
    const response = await translated(
      () => this.#aws.generateDataKey({ KeyId: id, NumberOfBytes: size }),
      (error) => new KMSServiceError(error, 'GenerateDataKey'),
    );
    return new KMSDataKey(response.CiphertextBlob, response.KeyId, response.Plaintext);
  }
}
