// webkms/yandex: Yandex Cloud KMS's SymmetricCrypto REST API over a Keyring. The key id is the
// path parameter, bodies and responses are the REST JSON (bytes as base64), the field limits are
// the API's, and errors carry the gRPC status Yandex Cloud answers with.
import { decode, encode } from '../base64.js';
import { KmsError, type KmsErrorName } from '../errors.js';
import type { Keyring } from '../keyring.js';
import { translated } from './errors.js';
import { type FieldError, Fields } from './fields.js';

/** Data key specs of the API. `AES_256_HSM` needs a non-extractable master key. */
export type YandexDataKeySpec = 'AES_128' | 'AES_192' | 'AES_256' | 'AES_256_HSM';

/** The gRPC statuses webkms answers with. */
export type YandexStatus = 'INVALID_ARGUMENT' | 'NOT_FOUND' | 'ALREADY_EXISTS' | 'FAILED_PRECONDITION' | 'ABORTED' | 'UNIMPLEMENTED' | 'INTERNAL';

/** Each status's gRPC code, HTTP status, and the AWS name of the same mistake. */
const STATUSES: Record<YandexStatus, { code: number; httpStatus: number; name: KmsErrorName }> = {
  INVALID_ARGUMENT: { code: 3, httpStatus: 400, name: 'ValidationException' },
  NOT_FOUND: { code: 5, httpStatus: 404, name: 'NotFoundException' },
  ALREADY_EXISTS: { code: 6, httpStatus: 409, name: 'AlreadyExistsException' },
  FAILED_PRECONDITION: { code: 9, httpStatus: 400, name: 'KMSInvalidStateException' },
  ABORTED: { code: 10, httpStatus: 409, name: 'ConflictException' },
  UNIMPLEMENTED: { code: 12, httpStatus: 501, name: 'UnsupportedOperationException' },
  INTERNAL: { code: 13, httpStatus: 500, name: 'KMSInternalException' },
};

const FROM_CORE: Record<KmsErrorName, YandexStatus> = {
  ValidationException: 'INVALID_ARGUMENT',
  NotFoundException: 'NOT_FOUND',
  AlreadyExistsException: 'ALREADY_EXISTS',
  DisabledException: 'FAILED_PRECONDITION',
  InvalidCiphertextException: 'INVALID_ARGUMENT',
  IncorrectKeyException: 'INVALID_ARGUMENT',
  KMSInvalidStateException: 'FAILED_PRECONDITION',
  UnsupportedOperationException: 'UNIMPLEMENTED',
  DryRunOperationException: 'INVALID_ARGUMENT',
  InvalidKeyUsageException: 'INVALID_ARGUMENT',
  InvalidMarkerException: 'INVALID_ARGUMENT',
  KMSInternalException: 'INTERNAL',
  ConflictException: 'ABORTED',
};

/**
 * A Yandex Cloud KMS error. `code` is the numeric gRPC status, as the REST error body and gRPC
 * clients carry it (3 = INVALID_ARGUMENT); `status` its name; `httpStatus` the REST API's status.
 * `name` stays the AWS name of the same mistake, so it is a `KmsError` like every webkms error.
 * @example
 * import { YandexKms, YandexKmsError } from 'webkms/yandex';
 * try {
 *   await new YandexKms(keyring).generateDataKey('missing-key');
 * } catch (error) {
 *   if (error instanceof YandexKmsError) console.log(error.code, error.status, error.httpStatus); // 5 NOT_FOUND 404
 * }
 */
export class YandexKmsError extends KmsError {
  /** The gRPC status code. */
  readonly code: number;
  /** The gRPC status name, e.g. `NOT_FOUND`. */
  readonly status: YandexStatus;
  /** The HTTP status of the REST API. */
  readonly httpStatus: number;

  /**
   * An error as Yandex Cloud KMS reports it, named as webkms names it.
   * @param status - the gRPC status.
   * @param message - what was wrong, never key material.
   * @param options - `name`: the AWS name, when the core named the mistake itself; `cause`.
   */
  constructor(status: YandexStatus, message: string, options: { name?: KmsErrorName; cause?: unknown } = {}) {
    super(options.name ?? STATUSES[status].name, message, { cause: options.cause });
    this.status = status;
    this.code = STATUSES[status].code;
    this.httpStatus = STATUSES[status].httpStatus;
  }
}

const fail: FieldError = (_problem, _field, message) => new YandexKmsError('INVALID_ARGUMENT', message);

function fromCore(error: KmsError): KmsError {
  return error instanceof YandexKmsError ? error : new YandexKmsError(FROM_CORE[error.name], error.message, { name: error.name, cause: error });
}

/** proto3 JSON's bytes: standard or URL-safe base64, padded or not. */
function protoBytes(text: string): Uint8Array {
  return decode(/[-_]/.test(text) ? text : text.replace(/\+/g, '-').replace(/\//g, '_'), { alphabet: 'base64url' });
}

const MAX_ID = 50;
const MAX_AAD = 8192;
const MAX_PLAINTEXT = 32768;

/** The path's key id: required, at most 50 characters. */
function pathKeyId(keyId: unknown, call: string): string {
  return new Fields({ keyId }, ['keyId'], fail, call).string('keyId', { required: true, maxLength: MAX_ID });
}

/** Body of `generateDataKey`. */
export interface YandexGenerateDataKeyRequest {
  /** At most 50 characters; default: the key's primary version. */
  versionId?: string;
  /** Base64 of additional authenticated data, at most 8,192 characters; decrypt needs the same. */
  aadContext?: string;
  /** Default `AES_256`. */
  dataKeySpec?: YandexDataKeySpec;
  /** When true, `dataKeyPlaintext` is empty. Default false. */
  skipPlaintext?: boolean;
}

/** Response of `generateDataKey`. */
export interface YandexGenerateDataKeyResponse {
  /** ID of the symmetric KMS key that was used to encrypt the generated data key. */
  keyId: string;
  /** ID of the key version that was used for encryption. */
  versionId: string;
  /** Base64 of the data key; the empty string when `skipPlaintext` was set. */
  dataKeyPlaintext: string;
  /** Base64 of the encrypted data key: store it beside the data; `decrypt` gives back the data key. */
  dataKeyCiphertext: string;
}

/**
 * Body of `encrypt`.
 * @example
 * import type { YandexEncryptRequest } from 'webkms/yandex';
 * const request: YandexEncryptRequest = { plaintext: 'c2VjcmV0', aadContext: 'dGVuYW50PWFjbWU=' };
 */
export interface YandexEncryptRequest {
  /** At most 50 characters; default: the key's primary version. */
  versionId?: string;
  /** Base64 of additional authenticated data, at most 8,192 characters; decrypt needs the same. */
  aadContext?: string;
  /** Base64 of the plaintext (1 to 4,096 bytes), at most 32,768 characters. */
  plaintext: string;
}

/**
 * Response of `encrypt`.
 * @example
 * import type { YandexEncryptResponse } from 'webkms/yandex';
 * const { ciphertext }: YandexEncryptResponse = await yandex.encrypt('app', { plaintext: 'c2VjcmV0' });
 */
export interface YandexEncryptResponse {
  /** ID of the symmetric KMS key that was used for encryption. */
  keyId: string;
  /** ID of the key version that was used for encryption. */
  versionId: string;
  /** Base64 of the blob; `decrypt` with the same key id and `aadContext` opens it. */
  ciphertext: string;
}

/** Body of `decrypt`. */
export interface YandexDecryptRequest {
  /** Base64 of the blob `generateDataKey` returned as `dataKeyCiphertext`. */
  ciphertext: string;
  /** Base64 of the additional authenticated data (AAD context) given when the ciphertext was made, if any. */
  aadContext?: string;
}

/** Response of `decrypt`. */
export interface YandexDecryptResponse {
  /** ID of the symmetric KMS key that was used for decryption. */
  keyId: string;
  /** ID of the key version that was used for decryption. */
  versionId: string;
  /** Base64 of the decrypted plaintext (the data key, for a `dataKeyCiphertext`). */
  plaintext: string;
}

const SPEC_KEYS = { AES_128: 'AES_128', AES_192: 'AES_192', AES_256: 'AES_256', AES_256_HSM: 'AES_256' } as const;

/**
 * Yandex Cloud KMS's SymmetricCrypto API (REST shapes) over a {@link Keyring}: `generateDataKey`,
 * `encrypt` and `decrypt` take the path's key id, then the body; errors are {@link YandexKmsError}s.
 * @example
 * import { YandexKms } from 'webkms/yandex';
 * const kms = new YandexKms(keyring);
 * const { dataKeyPlaintext, dataKeyCiphertext } = await kms.generateDataKey('app', { dataKeySpec: 'AES_256', aadContext: btoa('tenant=acme') });
 * const { plaintext } = await kms.decrypt('app', { ciphertext: dataKeyCiphertext, aadContext: btoa('tenant=acme') });
 */
export class YandexKms {
  readonly #keyring: Keyring;

  /**
   * Yandex Cloud KMS's SymmetricCryptoService over `keyring`; no state of its own.
   * @param keyring - the keys this API answers with; other dialects may share it.
   */
  constructor(keyring: Keyring) {
    this.#keyring = keyring;
  }

  /** `AES_256_HSM` promises key material nobody can read: a non-extractable master key. */
  #requireNonExtractable(keyId: string): void {
    const key = this.#keyring.describeKey(keyId);
    if (key.extractable) {
      throw new YandexKmsError(
        'FAILED_PRECONDITION',
        `dataKeySpec AES_256_HSM needs a master key whose material cannot be read back, but key ${key.keyId} is an extractable CryptoKey; ` +
          'import it as bytes or a JWK (webkms makes those non-extractable) or as a CryptoKey with extractable false',
      );
    }
  }

  /**
   * `POST /kms/v1/keys/{keyId}:generateDataKey`: a data key of `dataKeySpec`, wrapped under the
   * key's primary version or `versionId`.
   */
  async generateDataKey(keyId: string, request: YandexGenerateDataKeyRequest = {}): Promise<YandexGenerateDataKeyResponse> {
    return translated(async () => {
      const key = pathKeyId(keyId, 'generateDataKey');
      const fields = new Fields(request, ['versionId', 'aadContext', 'dataKeySpec', 'skipPlaintext'], fail, 'generateDataKey');
      // proto3 JSON: an empty string and the zero enum value mean "not set".
      const versionId = fields.string('versionId', { minLength: 0, maxLength: MAX_ID }) || undefined;
      const aad = fields.bytes('aadContext', { maxLength: MAX_AAD, decode: protoBytes });
      const spec = fields.choice('dataKeySpec', ['AES_128', 'AES_192', 'AES_256', 'AES_256_HSM', 'SYMMETRIC_ALGORITHM_UNSPECIFIED'] as const);
      const skipPlaintext = fields.boolean('skipPlaintext') ?? false;
      if (spec === 'AES_256_HSM') this.#requireNonExtractable(key);
      const input = {
        keyId: key,
        keySpec: spec === undefined || spec === 'SYMMETRIC_ALGORITHM_UNSPECIFIED' ? 'AES_256' : SPEC_KEYS[spec],
        ...(versionId === undefined ? {} : { versionId }),
        ...(aad === undefined ? {} : { aad }),
      } as const;
      if (skipPlaintext) {
        const wrapped = await this.#keyring.generateDataKeyWithoutPlaintext(input);
        return { keyId: wrapped.keyId, versionId: wrapped.versionId, dataKeyPlaintext: '', dataKeyCiphertext: encode(wrapped.ciphertextBlob) };
      }
      const dataKey = await this.#keyring.generateDataKey(input);
      try {
        return {
          keyId: dataKey.keyId,
          versionId: dataKey.versionId,
          dataKeyPlaintext: encode(dataKey.plaintext),
          dataKeyCiphertext: encode(dataKey.ciphertextBlob),
        };
      } finally {
        dataKey.plaintext.fill(0);
      }
    }, fromCore);
  }

  /**
   * `POST /kms/v1/keys/{keyId}:encrypt`: the plaintext wrapped under the key's primary version or
   * `versionId`, bound to `aadContext`. The plaintext is never quoted in an error.
   * @example
   * const { ciphertext } = await yandex.encrypt('app', { plaintext: base64.encode(new TextEncoder().encode('secret')) });
   */
  async encrypt(keyId: string, request: YandexEncryptRequest): Promise<YandexEncryptResponse> {
    return translated(async () => {
      const key = pathKeyId(keyId, 'encrypt');
      const fields = new Fields(request, ['versionId', 'aadContext', 'plaintext'], fail, 'encrypt');
      const versionId = fields.string('versionId', { minLength: 0, maxLength: MAX_ID }) || undefined;
      const aad = fields.bytes('aadContext', { maxLength: MAX_AAD, decode: protoBytes });
      const plaintext = fields.bytes('plaintext', { required: true, minBytes: 1, maxLength: MAX_PLAINTEXT, decode: protoBytes });
      try {
        const wrapped = await this.#keyring.encrypt({
          keyId: key,
          plaintext,
          ...(versionId === undefined ? {} : { versionId }),
          ...(aad === undefined ? {} : { aad }),
        });
        return { keyId: wrapped.keyId, versionId: wrapped.versionId, ciphertext: encode(wrapped.ciphertextBlob) };
      } finally {
        plaintext.fill(0);
      }
    }, fromCore);
  }

  /**
   * `POST /kms/v1/keys/{keyId}:decrypt`: `keyId` must be the key that wrapped the ciphertext, and
   * `aadContext` the one given when it was made.
   */
  async decrypt(keyId: string, request: YandexDecryptRequest): Promise<YandexDecryptResponse> {
    return translated(async () => {
      const key = pathKeyId(keyId, 'decrypt');
      const fields = new Fields(request, ['ciphertext', 'aadContext'], fail, 'decrypt');
      const ciphertextBlob = fields.bytes('ciphertext', { required: true, minBytes: 1, decode: protoBytes });
      const aad = fields.bytes('aadContext', { maxLength: MAX_AAD, decode: protoBytes });
      const opened = await this.#keyring.decrypt({ ciphertextBlob, keyId: key, ...(aad === undefined ? {} : { aad }) });
      try {
        return { keyId: opened.keyId, versionId: opened.versionId, plaintext: encode(opened.plaintext) };
      } finally {
        opened.plaintext.fill(0);
      }
    }, fromCore);
  }
}
