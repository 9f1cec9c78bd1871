// webkms/alibaba: Alibaba Cloud KMS over a Keyring, in both of its API shapes. AlibabaKms is the
// classic RPC API (EncryptionContext as JSON text, JSON or XML responses, primary key version);
// AlibabaKmsInstance is the KMS instance API (Iv, Algorithm and Aad beside the blob; GenerateDataKey
// on the key's initial version, AdvanceGenerateDataKey on its primary one). Binary fields are
// base64 text; errors carry Alibaba's error codes.
import { encode } from '../base64.js';
import { parseBlob } from '../blob.js';
import { timingSafeEqual } from '../bytes.js';
import { KmsError, type KmsErrorName } from '../errors.js';
import { randomUuid } from '../identifiers.js';
import type { Keyring } from '../keyring.js';
import type { EncryptionContext } from '../types.js';
import { translated } from './errors.js';
import { type FieldError, Fields, stringMap } from './fields.js';
import { parseJson } from './json.js';

/** The Alibaba Cloud KMS error codes webkms gives, as Alibaba documents them. */
export type AlibabaErrorCode =
  | 'MissingParameter'
  | 'InvalidParameter'
  | 'UnsupportedParameter'
  | 'Forbidden.KeyNotFound'
  | 'Forbidden.AliasNotFound'
  | 'Rejected.Disabled'
  | 'Rejected.Unavailable'
  | 'UnsupportedOperation'
  | 'AliasAlreadyExists'
  | 'DryRunOperationError'
  | 'InternalFailure';

/** Each code's HTTP status, documented message, and the AWS name of the same mistake. */
const CODES: Record<AlibabaErrorCode, { status: number; text: string; name: KmsErrorName }> = {
  MissingParameter: { status: 400, text: 'The parameter is needed but not provided', name: 'ValidationException' },
  InvalidParameter: { status: 400, text: 'The specified parameter is not valid', name: 'ValidationException' },
  UnsupportedParameter: { status: 400, text: 'The parameter is not supported', name: 'ValidationException' },
  'Forbidden.KeyNotFound': { status: 404, text: 'The specified Key is not found', name: 'NotFoundException' },
  'Forbidden.AliasNotFound': { status: 404, text: 'The specified Alias is not found', name: 'NotFoundException' },
  'Rejected.Disabled': { status: 409, text: 'The request was rejected because the key state is Disabled', name: 'DisabledException' },
  'Rejected.Unavailable': { status: 409, text: 'The request was rejected because the key state is Unavailable', name: 'KMSInvalidStateException' },
  UnsupportedOperation: { status: 400, text: 'This action is not supported', name: 'UnsupportedOperationException' },
  AliasAlreadyExists: { status: 400, text: 'AliasName Already Exists', name: 'AlreadyExistsException' },
  DryRunOperationError: { status: 400, text: 'The request passes the dry run', name: 'DryRunOperationException' },
  InternalFailure: { status: 500, text: 'Internal Failure', name: 'KMSInternalException' },
};

// A wrong blob, context, Aad, Iv or key is the caller's input, not a server fault: the instance API
// documents 500 InternalFailure for these, which callers would retry; InvalidParameter says what it is.
const FROM_CORE: Record<KmsErrorName, AlibabaErrorCode> = {
  ValidationException: 'InvalidParameter',
  NotFoundException: 'Forbidden.KeyNotFound',
  AlreadyExistsException: 'AliasAlreadyExists',
  DisabledException: 'Rejected.Disabled',
  InvalidCiphertextException: 'InvalidParameter',
  IncorrectKeyException: 'InvalidParameter',
  KMSInvalidStateException: 'Rejected.Unavailable',
  UnsupportedOperationException: 'UnsupportedOperation',
  DryRunOperationException: 'DryRunOperationError',
  InvalidKeyUsageException: 'InvalidParameter',
  InvalidMarkerException: 'InvalidParameter',
  // A key store that failed or kept changing: a server-side failure a client may retry.
  KMSInternalException: 'InternalFailure',
  ConflictException: 'InternalFailure',
};

/**
 * An Alibaba Cloud KMS error. `code` is Alibaba's error code and `statusCode` its HTTP status, as
 * the Alibaba Cloud SDKs' errors carry them; `requestId` is the failed call's RequestId. `name`
 * stays the AWS name of the same mistake, so it is a `KmsError` like every webkms error.
 * @example
 * import { AlibabaKms, AlibabaKmsError } from 'webkms/alibaba';
 * try {
 *   await new AlibabaKms(keyring).generateDataKey({ KeyId: 'alias/missing' });
 * } catch (error) {
 *   if (error instanceof AlibabaKmsError) console.log(error.code, error.statusCode, error.requestId); // Forbidden.AliasNotFound 404 …
 * }
 */
export class AlibabaKmsError extends KmsError {
  /** Alibaba's error code, e.g. `Forbidden.KeyNotFound`. */
  readonly code: AlibabaErrorCode;
  /** The HTTP status Alibaba Cloud answers with for `code`. */
  readonly statusCode: number;
  /** The RequestId of the call that failed. */
  readonly requestId: string;

  /**
   * An error as Alibaba Cloud KMS reports it, named as webkms names it.
   * @param code - Alibaba's error code.
   * @param message - what was wrong, never key material.
   * @param requestId - the call's RequestId.
   * @param options - `name`: the AWS name, when the core named the mistake itself; `cause`.
   */
  constructor(code: AlibabaErrorCode, message: string, requestId: string, options: { name?: KmsErrorName; cause?: unknown } = {}) {
    super(options.name ?? CODES[code].name, message, { cause: options.cause });
    this.code = code;
    this.statusCode = CODES[code].status;
    this.requestId = requestId;
  }
}

function fieldError(requestId: string): FieldError {
  return (problem, field, message) => {
    if (problem === 'missing') return new AlibabaKmsError('MissingParameter', `The parameter "${field}" is needed but not provided.`, requestId);
    if (problem === 'unknown') return new AlibabaKmsError('UnsupportedParameter', `The parameter "${field}" is not supported: ${message}`, requestId);
    return new AlibabaKmsError('InvalidParameter', `The specified parameter "${field}" is not valid: ${message}`, requestId);
  };
}

/** The core's errors as Alibaba names them; an alias that names nothing is Forbidden.AliasNotFound. */
function fromCore(error: KmsError, requestId: string, byAlias: boolean): KmsError {
  if (error instanceof AlibabaKmsError) return error;
  const code = error.name === 'NotFoundException' && byAlias ? 'Forbidden.AliasNotFound' : FROM_CORE[error.name];
  return new AlibabaKmsError(code, `${CODES[code].text}: ${error.message}`, requestId, { name: error.name, cause: error });
}

/** One API call: a fresh RequestId, the request's fields, and every error in Alibaba's terms. */
function call<T>(keyring: Keyring, operation: string, request: unknown, known: readonly string[], run: (fields: Fields, requestId: string) => Promise<T>): Promise<T> {
  const requestId = randomUuid(keyring.crypto);
  const keyId = (request as { KeyId?: unknown } | undefined)?.KeyId;
  const byAlias = typeof keyId === 'string' && keyId.startsWith('alias/');
  return translated(
    () => run(new Fields(request, known, fieldError(requestId), operation), requestId),
    (error) => fromCore(error, requestId, byAlias),
  );
}

const ACS_ARN = /^acs:kms:([^:]*):([^:]*):key\/(.+)$/;

/** `KeyId`: a key id, an alias (`alias/…`), or a key ARN `acs:kms:<region>:<account>:key/<id>` of this keyring. */
function keyReference(fields: Fields, keyring: Keyring, requestId: string): string {
  const keyId = fields.string('KeyId', { required: true });
  const arn = ACS_ARN.exec(keyId);
  if (!arn) return keyId;
  if (arn[1] !== keyring.region || arn[2] !== keyring.accountId) {
    throw new AlibabaKmsError(
      'Forbidden.KeyNotFound',
      `${CODES['Forbidden.KeyNotFound'].text}: ${keyId} is not in this keyring's region "${keyring.region}" and account "${keyring.accountId}"`,
      requestId,
    );
  }
  return arn[3]!;
}

// ── the classic RPC API ─────────────────────────────────────────────────────

/** The response formats of Alibaba's RPC API. */
export type AlibabaFormat = 'JSON' | 'XML';

/** Parameters every classic call takes. */
export interface AlibabaRequestOptions {
  /** `XML` returns an XML document (a string); default `JSON`, an object. */
  Format?: AlibabaFormat;
  /** `true` (or `'true'`) checks the request and fails with `DryRunOperationError`. */
  DryRun?: boolean | 'true' | 'false';
  /** JSON text of a string→string map, e.g. `'{"Example":"Example"}'`; Decrypt needs the same. */
  EncryptionContext?: string;
}

/** Request of classic `generateDataKey`. */
export interface AlibabaGenerateDataKeyRequest extends AlibabaRequestOptions {
  /** Key id, alias name or `acs:kms:` key ARN. */
  KeyId: string;
  /** Default `AES_256` when `NumberOfBytes` is absent too. */
  KeySpec?: 'AES_256' | 'AES_128';
  /** 1 to 1,024; prevails over `KeySpec`. */
  NumberOfBytes?: number;
}

/** Response of classic `generateDataKey`. */
export interface AlibabaGenerateDataKeyResponse {
  /** The id of the key version that encrypted the data key (the key's primary version). */
  KeyVersionId: string;
  /** The key's id, also when an alias was given. */
  KeyId: string;
  /** Base64 of the encrypted data key: store it beside the data; `decrypt` gives back the data key. */
  CiphertextBlob: string;
  /** The request ID, unique to this call. */
  RequestId: string;
  /** Base64 of the data key. */
  Plaintext: string;
}

/** Request of classic `decrypt`. */
export interface AlibabaDecryptRequest extends AlibabaRequestOptions {
  /** The encrypted data key, as `generateDataKey` returned it; it names its key and key version. */
  CiphertextBlob: string;
}

/** Response of classic `decrypt`. */
export interface AlibabaDecryptResponse {
  /** The id of the key that encrypted the data key. */
  KeyId: string;
  /** The id of the key version that encrypted the data key. */
  KeyVersionId: string;
  /** Base64 of the plaintext data key: use it, then erase it from memory. */
  Plaintext: string;
  /** The request ID, unique to this call. */
  RequestId: string;
}

const CLASSIC_OPTIONS = ['Format', 'DryRun', 'EncryptionContext'];

function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/**
 * An XML document of `body`'s fields under the element `root`, as Alibaba's RPC API answers
 * `Format=XML`; every value is escaped.
 * @example
 * alibabaXml('DecryptResponse', { KeyId: 'app', RequestId: '…' });
 * // '<?xml version="1.0" encoding="UTF-8"?>\n<DecryptResponse><KeyId>app</KeyId><RequestId>…</RequestId></DecryptResponse>'
 */
export function alibabaXml(root: string, body: object): string {
  const elements = Object.entries(body).map(([name, value]) => `<${name}>${escapeXml(String(value))}</${name}>`);
  return `<?xml version="1.0" encoding="UTF-8"?>\n<${root}>${elements.join('')}</${root}>`;
}

/** The response as the `Format` asked: the object, or an XML document of its fields. */
function formatted<T extends object>(format: AlibabaFormat, root: string, body: T): T | string {
  return format === 'JSON' ? body : alibabaXml(root, body);
}

/** `EncryptionContext`: JSON text of an object of string values, each key once. */
function jsonContext(fields: Fields, requestId: string): EncryptionContext | undefined {
  const text = fields.string('EncryptionContext');
  if (text === undefined) return undefined;
  const fail = fieldError(requestId);
  const parsed = parseJson(text);
  if ('problem' in parsed) {
    throw fail('invalid', 'EncryptionContext', `EncryptionContext must be JSON text of an object of strings, e.g. {"Example":"Example"}: ${parsed.problem}`);
  }
  return stringMap(parsed.value, 'EncryptionContext', fail);
}

/**
 * Alibaba Cloud KMS's classic RPC API (KMS 2016-01-20) over a {@link Keyring}: `generateDataKey`
 * and `decrypt` with Alibaba's parameters, defaults and error codes ({@link AlibabaKmsError}).
 * @example
 * import { AlibabaKms } from 'webkms/alibaba';
 * const kms = new AlibabaKms(keyring);
 * const dataKey = await kms.generateDataKey({ KeyId: 'alias/app', EncryptionContext: '{"tenant":"acme"}' });
 * const { Plaintext } = await kms.decrypt({ CiphertextBlob: dataKey.CiphertextBlob, EncryptionContext: '{"tenant":"acme"}' });
 */
export class AlibabaKms {
  readonly #keyring: Keyring;

  /**
   * Alibaba Cloud KMS's classic RPC API over `keyring`; no state of its own.
   * @param keyring - the keys this API answers with; other dialects may share it.
   */
  constructor(keyring: Keyring) {
    this.#keyring = keyring;
  }

  /** `DryRun`: after every field is checked, check the key and stop with DryRunOperationError. */
  #dryRun(fields: Fields, requestId: string, keyId?: string): void {
    if (!fields.boolean('DryRun', { text: true })) return;
    if (keyId !== undefined && !this.#keyring.describeKey(keyId).enabled) {
      throw new AlibabaKmsError('Rejected.Disabled', `${CODES['Rejected.Disabled'].text}: key ${keyId} is disabled`, requestId);
    }
    throw new AlibabaKmsError('DryRunOperationError', `${CODES.DryRunOperationError.text}: without DryRun the request would be performed.`, requestId);
  }

  /**
   * GenerateDataKey: a data key of `NumberOfBytes`, else of `KeySpec`, else AES_256 (32 bytes),
   * wrapped under the key's primary version.
   */
  generateDataKey(request: AlibabaGenerateDataKeyRequest & { Format: 'XML' }): Promise<string>;
  generateDataKey(request: AlibabaGenerateDataKeyRequest & { Format?: 'JSON' }): Promise<AlibabaGenerateDataKeyResponse>;
  generateDataKey(request: AlibabaGenerateDataKeyRequest): Promise<AlibabaGenerateDataKeyResponse | string>;
  generateDataKey(request: AlibabaGenerateDataKeyRequest): Promise<AlibabaGenerateDataKeyResponse | string> {
    const known = ['KeyId', 'KeySpec', 'NumberOfBytes', ...CLASSIC_OPTIONS];
    return call(this.#keyring, 'GenerateDataKey', request, known, async (fields, requestId) => {
      const format = fields.choice('Format', ['JSON', 'XML'] as const) ?? 'JSON';
      const keyId = keyReference(fields, this.#keyring, requestId);
      const keySpec = fields.choice('KeySpec', ['AES_256', 'AES_128'] as const);
      const numberOfBytes = fields.integer('NumberOfBytes', 1, 1024);
      const encryptionContext = jsonContext(fields, requestId);
      this.#dryRun(fields, requestId, keyId);
      const dataKey = await this.#keyring.generateDataKey({
        keyId,
        ...(numberOfBytes !== undefined ? { numberOfBytes } : { keySpec: keySpec ?? 'AES_256' }),
        ...(encryptionContext === undefined ? {} : { encryptionContext }),
      });
      try {
        return formatted(format, 'GenerateDataKeyResponse', {
          KeyVersionId: dataKey.versionId,
          KeyId: dataKey.keyId,
          CiphertextBlob: encode(dataKey.ciphertextBlob),
          RequestId: requestId,
          Plaintext: encode(dataKey.plaintext),
        });
      } finally {
        dataKey.plaintext.fill(0);
      }
    });
  }

  /** Decrypt: the blob names its key and version; the same EncryptionContext must be given. */
  decrypt(request: AlibabaDecryptRequest & { Format: 'XML' }): Promise<string>;
  decrypt(request: AlibabaDecryptRequest & { Format?: 'JSON' }): Promise<AlibabaDecryptResponse>;
  decrypt(request: AlibabaDecryptRequest): Promise<AlibabaDecryptResponse | string>;
  decrypt(request: AlibabaDecryptRequest): Promise<AlibabaDecryptResponse | string> {
    return call(this.#keyring, 'Decrypt', request, ['CiphertextBlob', ...CLASSIC_OPTIONS], async (fields, requestId) => {
      const format = fields.choice('Format', ['JSON', 'XML'] as const) ?? 'JSON';
      const ciphertextBlob = fields.bytes('CiphertextBlob', { required: true, minBytes: 1 });
      const encryptionContext = jsonContext(fields, requestId);
      this.#dryRun(fields, requestId);
      const opened = await this.#keyring.decrypt({ ciphertextBlob, ...(encryptionContext === undefined ? {} : { encryptionContext }) });
      try {
        return formatted(format, 'DecryptResponse', {
          KeyId: opened.keyId,
          KeyVersionId: opened.versionId,
          Plaintext: encode(opened.plaintext),
          RequestId: requestId,
        });
      } finally {
        opened.plaintext.fill(0);
      }
    });
  }
}

// ── the KMS instance API ────────────────────────────────────────────────────

/** Request of instance `generateDataKey` and `advanceGenerateDataKey`. */
export interface AlibabaInstanceGenerateDataKeyRequest {
  /** Key id or alias name. */
  KeyId: string;
  /** Required: 1 to 1,024. */
  NumberOfBytes: number;
  /** Base64 of up to 8,192 bytes of additional authenticated data; Decrypt needs the same. */
  Aad?: string;
  /** Only `AES_GCM` wraps data keys. */
  Algorithm?: 'AES_GCM';
}

/** Response of instance `generateDataKey`: store `CiphertextBlob`, `Iv`, `Algorithm` and your `Aad`. */
export interface AlibabaInstanceGenerateDataKeyResponse {
  /** The key's id, also when an alias was given. */
  KeyId: string;
  /** Base64 of the 12-byte AES-GCM IV. */
  Iv: string;
  /** Base64 of the plaintext data key: use it, then erase it from memory. */
  Plaintext: string;
  /** Base64 of the ciphertext data key. */
  CiphertextBlob: string;
  /** The encryption algorithm that encrypted the data key: always `AES_GCM`. */
  Algorithm: 'AES_GCM';
  /** The request ID, unique to this call. */
  RequestId: string;
}

/** Response of `advanceGenerateDataKey`: the blob carries its IV, so `CiphertextBlob` and `Aad` suffice. */
export interface AlibabaInstanceAdvanceGenerateDataKeyResponse extends AlibabaInstanceGenerateDataKeyResponse {
  /** The id of the key version that encrypted the data key: the key's primary version. */
  KeyVersionId: string;
}

/** Request of instance `decrypt`: everything `generateDataKey` said to store. */
export interface AlibabaInstanceDecryptRequest {
  /** Must name the key that wrapped the blob. */
  KeyId: string;
  /** Base64 of the ciphertext data key `generateDataKey` returned. */
  CiphertextBlob: string;
  /** Must be the IV `generateDataKey` returned. */
  Iv: string;
  /** The encryption algorithm `generateDataKey` returned: `AES_GCM`. */
  Algorithm: 'AES_GCM';
  /** Base64 of the additional authenticated data given to `generateDataKey`, if any. */
  Aad?: string;
}

/** Response of instance `decrypt`. */
export interface AlibabaInstanceDecryptResponse {
  /** The id of the key that encrypted the data key. */
  KeyId: string;
  /** Base64 of the plaintext data key: use it, then erase it from memory. */
  Plaintext: string;
  /** The encryption algorithm: `AES_GCM`. */
  Algorithm: 'AES_GCM';
  /** The request ID, unique to this call. */
  RequestId: string;
}

/** Request of `advanceDecrypt`: `KeyId`, `Iv` and `Algorithm` are checked when given. */
export interface AlibabaInstanceAdvanceDecryptRequest {
  /** Base64 of the ciphertext data key `advanceGenerateDataKey` returned; it carries its key, version and IV. */
  CiphertextBlob: string;
  /** When given, must name the key that encrypted the data key (key id or alias). */
  KeyId?: string;
  /** When given, must be the IV the data key was encrypted with. */
  Iv?: string;
  /** When given, must be `AES_GCM`. */
  Algorithm?: 'AES_GCM';
  /** Base64 of the additional authenticated data given to `advanceGenerateDataKey`, if any. */
  Aad?: string;
}

/** Response of `advanceDecrypt`. */
export interface AlibabaInstanceAdvanceDecryptResponse extends AlibabaInstanceDecryptResponse {
  /** The id of the key version that encrypted the data key. */
  KeyVersionId: string;
}

const MAX_AAD = 8192;
const GCM: readonly ['AES_GCM'] = ['AES_GCM'];

/**
 * Alibaba Cloud KMS's instance API over a {@link Keyring}: data keys with their IV and algorithm
 * returned beside the blob, Alibaba's version rules and error codes ({@link AlibabaKmsError}).
 * @example
 * import { AlibabaKmsInstance } from 'webkms/alibaba';
 * const kms = new AlibabaKmsInstance(keyring);
 * const aad = btoa('tenant=acme');
 * const key = await kms.generateDataKey({ KeyId: 'app', NumberOfBytes: 32, Aad: aad });
 * const { Plaintext } = await kms.decrypt({ KeyId: 'app', CiphertextBlob: key.CiphertextBlob, Iv: key.Iv, Algorithm: 'AES_GCM', Aad: aad });
 */
export class AlibabaKmsInstance {
  readonly #keyring: Keyring;

  /**
   * Alibaba Cloud KMS's instance API over `keyring`; no state of its own.
   * @param keyring - the keys this API answers with; other dialects may share it.
   */
  constructor(keyring: Keyring) {
    this.#keyring = keyring;
  }

  #generate(operation: string, request: unknown, version: 'initial' | 'primary') {
    return call(this.#keyring, operation, request, ['KeyId', 'NumberOfBytes', 'Aad', 'Algorithm'], async (fields, requestId) => {
      const keyId = keyReference(fields, this.#keyring, requestId);
      const numberOfBytes = fields.integer('NumberOfBytes', 1, 1024, { required: true });
      const aad = fields.bytes('Aad', { maxBytes: MAX_AAD });
      const Algorithm = fields.choice('Algorithm', GCM) ?? 'AES_GCM';
      const key = this.#keyring.describeKey(keyId);
      const dataKey = await this.#keyring.generateDataKey({
        keyId: key.keyId,
        numberOfBytes,
        versionId: version === 'initial' ? key.initialVersionId : key.primaryVersionId,
        ...(aad === undefined ? {} : { aad }),
      });
      try {
        return {
          KeyId: dataKey.keyId,
          Iv: encode(dataKey.iv),
          Plaintext: encode(dataKey.plaintext),
          CiphertextBlob: encode(dataKey.ciphertextBlob),
          Algorithm,
          RequestId: requestId,
          KeyVersionId: dataKey.versionId,
        };
      } finally {
        dataKey.plaintext.fill(0);
      }
    });
  }

  /** GenerateDataKey: a data key wrapped under the key's initial version. */
  async generateDataKey(request: AlibabaInstanceGenerateDataKeyRequest): Promise<AlibabaInstanceGenerateDataKeyResponse> {
    const { KeyVersionId: _, ...response } = await this.#generate('GenerateDataKey', request, 'initial');
    return response;
  }

  /** AdvanceGenerateDataKey: a data key wrapped under the key's primary version. */
  async advanceGenerateDataKey(request: AlibabaInstanceGenerateDataKeyRequest): Promise<AlibabaInstanceAdvanceGenerateDataKeyResponse> {
    return this.#generate('AdvanceGenerateDataKey', request, 'primary');
  }

  #decrypt(operation: string, request: unknown, stored: boolean) {
    const known = ['KeyId', 'CiphertextBlob', 'Iv', 'Algorithm', 'Aad', 'PaddingMode'];
    return call(this.#keyring, operation, request, known, async (fields, requestId) => {
      const keyId = stored || fields.has('KeyId') ? keyReference(fields, this.#keyring, requestId) : undefined;
      const ciphertextBlob = fields.bytes('CiphertextBlob', { required: true, minBytes: 1 });
      const iv = fields.bytes('Iv', { required: stored, minBytes: 12, maxBytes: 12 });
      const Algorithm = fields.choice('Algorithm', GCM, { required: stored }) ?? 'AES_GCM';
      const aad = fields.bytes('Aad', { maxBytes: MAX_AAD });
      if (fields.has('PaddingMode')) throw fieldError(requestId)('invalid', 'PaddingMode', 'PaddingMode applies to AES_CBC and AES_ECB, not AES_GCM');
      if (iv !== undefined && !timingSafeEqual(iv, parseBlob(ciphertextBlob).iv)) {
        throw fieldError(requestId)('invalid', 'Iv', 'Iv is not the IV this CiphertextBlob was sealed with');
      }
      const opened = await this.#keyring.decrypt({
        ciphertextBlob,
        ...(keyId === undefined ? {} : { keyId }),
        ...(aad === undefined ? {} : { aad }),
      });
      try {
        return { KeyId: opened.keyId, Plaintext: encode(opened.plaintext), Algorithm, RequestId: requestId, KeyVersionId: opened.versionId };
      } finally {
        opened.plaintext.fill(0);
      }
    });
  }

  /** Decrypt: `KeyId`, `CiphertextBlob`, `Iv` and `Algorithm` as stored, and the same `Aad`. */
  async decrypt(request: AlibabaInstanceDecryptRequest): Promise<AlibabaInstanceDecryptResponse> {
    const { KeyVersionId: _, ...response } = await this.#decrypt('Decrypt', request, true);
    return response;
  }

  /** AdvanceDecrypt: the blob alone names its key, version and IV; the same `Aad` is needed. */
  async advanceDecrypt(request: AlibabaInstanceAdvanceDecryptRequest): Promise<AlibabaInstanceAdvanceDecryptResponse> {
    return this.#decrypt('AdvanceDecrypt', request, false);
  }
}
