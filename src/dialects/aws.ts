// webkms/aws: the AWS KMS JSON API over a Keyring. Field names, defaults, rules and error names
// are AWS's; binary fields are base64 text, as in the JSON API and the AWS CLI; KeyId in
// responses is the key ARN.
/**
 * The AWS KMS JSON API over a `Keyring`: {@link AwsKms}. Field names, defaults, rules and error
 * names are AWS's; binary fields are base64 text, as in the JSON API and the AWS CLI.
 * @module webkms/aws
 */
import { encode } from '../base64.js';
import type { Keyring } from '../keyring.js';
import type { AliasChangeOptions, EncryptionContext, KeyMetadata } from '../types.js';
import { dialectError } from './errors.js';
import { type FieldError, Fields } from './fields.js';

/** Data key sizes AWS names: 16 or 32 bytes. */
export type AwsDataKeySpec = 'AES_128' | 'AES_256';

/** The only encryption algorithm of symmetric KMS keys. */
export type AwsEncryptionAlgorithm = 'SYMMETRIC_DEFAULT';

/** Fields every cryptographic request may carry. */
export interface AwsRequestOptions {
  /** Grant tokens: checked for shape (at most 10 strings of 1–8,192 characters), then ignored. */
  GrantTokens?: string[];
  /** When true, the request is checked (fields, key exists and is enabled) and fails with `DryRunOperationException`. */
  DryRun?: boolean;
}

/** Request of `generateDataKey` and `generateDataKeyWithoutPlaintext`: exactly one of `KeySpec` and `NumberOfBytes`. */
export interface AwsGenerateDataKeyRequest extends AwsRequestOptions {
  /** Key id, key ARN, alias name (`alias/…`) or alias ARN. */
  KeyId: string;
  /** The data key size: `AES_128` or `AES_256` (or `NumberOfBytes`, not both). */
  KeySpec?: AwsDataKeySpec;
  /** 1 to 1,024. */
  NumberOfBytes?: number;
  /** The encryption context: strings to strings, bound to the blob and required again to decrypt. */
  EncryptionContext?: EncryptionContext;
}

/** Response of `generateDataKeyWithoutPlaintext`. */
export interface AwsGenerateDataKeyWithoutPlaintextResponse {
  /** The key ARN, also when an alias was given. */
  KeyId: string;
  /** 64 hex characters naming the key material that wrapped the data key. */
  KeyMaterialId: string;
  /** Base64 of the wrapped data key. */
  CiphertextBlob: string;
}

/** Response of `generateDataKey`. */
export interface AwsGenerateDataKeyResponse extends AwsGenerateDataKeyWithoutPlaintextResponse {
  /** Base64 of the data key: use it, then drop it. */
  Plaintext: string;
}

/** Request of `decrypt`. */
export interface AwsDecryptRequest extends AwsRequestOptions {
  /** Base64 of the blob, 1 to 6,144 bytes. */
  CiphertextBlob: string;
  /** The encryption context: strings to strings, bound to the blob and required again to decrypt. */
  EncryptionContext?: EncryptionContext;
  /** When given, it must name the key that wrapped the blob (`IncorrectKeyException`). */
  KeyId?: string;
  /** Only `SYMMETRIC_DEFAULT`. */
  EncryptionAlgorithm?: AwsEncryptionAlgorithm;
}

/** Response of `decrypt`. */
export interface AwsDecryptResponse {
  /** The key ARN. */
  KeyId: string;
  /** The plaintext, base64: use it, then drop it. */
  Plaintext: string;
  /** Always `SYMMETRIC_DEFAULT`. */
  EncryptionAlgorithm: AwsEncryptionAlgorithm;
  /** The key material id of the version that did the work. */
  KeyMaterialId: string;
}

/** Request of `encrypt`. */
export interface AwsEncryptRequest extends AwsRequestOptions {
  /** Key id, key ARN, alias name or alias ARN. */
  KeyId: string;
  /** Base64 of 1 to 4,096 bytes. */
  Plaintext: string;
  /** The encryption context: strings to strings, bound to the blob and required again to decrypt. */
  EncryptionContext?: EncryptionContext;
  /** Only `SYMMETRIC_DEFAULT`. */
  EncryptionAlgorithm?: AwsEncryptionAlgorithm;
}

/** Response of `encrypt`. */
export interface AwsEncryptResponse {
  /** The ciphertext blob, base64. */
  CiphertextBlob: string;
  /** The key ARN. */
  KeyId: string;
  /** Always `SYMMETRIC_DEFAULT`. */
  EncryptionAlgorithm: AwsEncryptionAlgorithm;
}

/** Request of `reEncrypt`. */
export interface AwsReEncryptRequest extends AwsRequestOptions {
  /** The ciphertext blob, base64. */
  CiphertextBlob: string;
  /** The encryption context the blob was wrapped with. */
  SourceEncryptionContext?: EncryptionContext;
  /** When given, must name the key that wrapped the blob. */
  SourceKeyId?: string;
  /** The key to wrap under: key id, key ARN, alias name or alias ARN. */
  DestinationKeyId: string;
  /** The encryption context to bind to the new blob. */
  DestinationEncryptionContext?: EncryptionContext;
  /** Only `SYMMETRIC_DEFAULT`. */
  SourceEncryptionAlgorithm?: AwsEncryptionAlgorithm;
  /** Only `SYMMETRIC_DEFAULT`. */
  DestinationEncryptionAlgorithm?: AwsEncryptionAlgorithm;
}

/** Response of `reEncrypt`. */
export interface AwsReEncryptResponse {
  /** The ciphertext blob, base64. */
  CiphertextBlob: string;
  /** The ARN of the key that had wrapped the blob. */
  SourceKeyId: string;
  /** The key ARN. */
  KeyId: string;
  /** Always `SYMMETRIC_DEFAULT`. */
  SourceEncryptionAlgorithm: AwsEncryptionAlgorithm;
  /** Always `SYMMETRIC_DEFAULT`. */
  DestinationEncryptionAlgorithm: AwsEncryptionAlgorithm;
  /** The key material id of the version that had wrapped the blob. */
  SourceKeyMaterialId: string;
  /** The key material id of the version that wrapped the new blob. */
  DestinationKeyMaterialId: string;
}

/** Request naming one key. */
export interface AwsKeyRequest {
  /** Key id, key ARN, alias name or alias ARN. */
  KeyId: string;
}

/** Request of `describeKey`. */
export interface AwsDescribeKeyRequest extends AwsKeyRequest {
  /** Accepted and ignored: a keyring has no grants. */
  GrantTokens?: string[];
}

/** AWS's `KeyMetadata` of a keyring key. */
export interface AwsKeyMetadata {
  /** The keyring's account id. */
  AWSAccountId: string;
  /** The key id (its ARN is `Arn`). */
  KeyId: string;
  /** The key ARN. */
  Arn: string;
  /** Seconds since the epoch, as the JSON API sends it. */
  CreationDate: number;
  /** Whether the key wraps and unwraps. */
  Enabled: boolean;
  /** Free text given when the key was made. */
  Description: string;
  /** Always `ENCRYPT_DECRYPT`. */
  KeyUsage: 'ENCRYPT_DECRYPT';
  /** `Enabled` or `Disabled`. */
  KeyState: 'Enabled' | 'Disabled';
  /** `AWS_KMS` for keys made by CreateKey or `createKey`, `EXTERNAL` for imported material. */
  Origin: 'AWS_KMS' | 'EXTERNAL';
  /** Always `CUSTOMER`. */
  KeyManager: 'CUSTOMER';
  /** AWS's one symmetric encryption key spec, whatever the AES key size. */
  KeySpec: 'SYMMETRIC_DEFAULT';
  /** Always `SYMMETRIC_DEFAULT` (AWS's older name for the key spec). */
  CustomerMasterKeySpec: 'SYMMETRIC_DEFAULT';
  /** Always `['SYMMETRIC_DEFAULT']`. */
  EncryptionAlgorithms: AwsEncryptionAlgorithm[];
  /** Always false. */
  MultiRegion: false;
  /** The key material id of the primary version. */
  CurrentKeyMaterialId: string;
  /** Only for imported (`EXTERNAL`) key material. */
  ExpirationModel?: 'KEY_MATERIAL_DOES_NOT_EXPIRE';
}

/** Response of `describeKey`. */
export interface AwsDescribeKeyResponse {
  /** The key's metadata. */
  KeyMetadata: AwsKeyMetadata;
}

/** Paging of the list calls: `Marker` is a previous response's `NextMarker`. */
export interface AwsPageRequest {
  /** Entries per page. */
  Limit?: number;
  /** Where the previous page stopped (its `NextMarker`). */
  Marker?: string;
}

/** Paging fields of a list response. */
export interface AwsPage {
  /** Whether more entries follow (then `NextMarker` says where). */
  Truncated: boolean;
  /** Present when `Truncated`. */
  NextMarker?: string;
}

/** Response of `listKeys`. */
export interface AwsListKeysResponse extends AwsPage {
  /** The keys of this page. */
  Keys: Array<{
    /** The key id. */
    KeyId: string;
    /** The key ARN. */
    KeyArn: string;
  }>;
}

/** Request of `listAliases`: every alias, or those of `KeyId`. */
export interface AwsListAliasesRequest extends AwsPageRequest {
  /** Key id, key ARN, alias name or alias ARN. */
  KeyId?: string;
}

/** Response of `listAliases`. */
export interface AwsListAliasesResponse extends AwsPage {
  /** The aliases of this page. */
  Aliases: Array<{
    /** The alias name, `alias/…`. */
    AliasName: string;
    /** The alias ARN. */
    AliasArn: string;
    /** The id of the key it points at. */
    TargetKeyId: string;
  }>;
}

/** Request of `createAlias`. */
export interface AwsCreateAliasRequest {
  /** The alias name, `alias/…`. */
  AliasName: string;
  /** Key id or key ARN. */
  TargetKeyId: string;
}

/** The empty response of calls that return nothing. */
export type AwsEmptyResponse = Record<string, never>;

/** Request of `createKey`: a symmetric encryption key with random material, AWS's defaults only. */
export interface AwsCreateKeyRequest {
  /** Free text, as DescribeKey returns it. */
  Description?: string;
  /** Only `SYMMETRIC_DEFAULT` (AES-256). */
  KeySpec?: 'SYMMETRIC_DEFAULT';
  /** Only `ENCRYPT_DECRYPT`. */
  KeyUsage?: 'ENCRYPT_DECRYPT';
  /** Only `AWS_KMS`: the keyring makes the material. */
  Origin?: 'AWS_KMS';
  /** Only false. */
  MultiRegion?: false;
}

/** Request of `updateAlias`. */
export interface AwsUpdateAliasRequest {
  /** The alias name, `alias/…`. */
  AliasName: string;
  /** Key id or key ARN. */
  TargetKeyId: string;
}

/** Request of `deleteAlias`. */
export interface AwsDeleteAliasRequest {
  /** The alias name, `alias/…`. */
  AliasName: string;
}

/** Request of `listKeyRotations`. */
export interface AwsListKeyRotationsRequest extends AwsPageRequest {
  /** Key id, key ARN, alias name or alias ARN. */
  KeyId: string;
}

/** Response of `listKeyRotations`: every rotation, oldest first (the key's first material is not a rotation). */
export interface AwsListKeyRotationsResponse extends AwsPage {
  /** The key's rotations, oldest first. */
  Rotations: Array<{
    /** The key ARN. */
    KeyId: string;
    /** The key material id the rotation made. */
    KeyMaterialId: string;
    /** When, in seconds since the epoch. */
    RotationDate: number;
    /** Always `ON_DEMAND`: a keyring rotates when asked. */
    RotationType: 'ON_DEMAND';
  }>;
}

const fail: FieldError = (_problem, _field, message) => dialectError('ValidationException', message);
const OPTIONS = ['GrantTokens', 'DryRun'];
const DATA_KEY_SPECS: readonly AwsDataKeySpec[] = ['AES_128', 'AES_256'];
// AWS's EncryptionAlgorithmSpec values: the asymmetric ones are valid requests a symmetric key refuses.
const ALGORITHMS = ['SYMMETRIC_DEFAULT', 'RSAES_OAEP_SHA_1', 'RSAES_OAEP_SHA_256', 'SM2PKE'] as const;
const MAX_KEY_ID = 2048;
const ALIAS_REFERENCE = /^(alias\/|arn:[^:]*:kms:[^:]*:[^:]*:alias\/)/;

function keyId(fields: Fields, field: string): string {
  return fields.string(field, { required: true, maxLength: MAX_KEY_ID });
}

/** A key named by key id or key ARN only, as AWS requires for key state and rotation calls. */
function keyIdOrArn(fields: Fields, field: string): string {
  const value = keyId(fields, field);
  if (ALIAS_REFERENCE.test(value)) throw dialectError('ValidationException', `${field} must be a key id or key ARN, not an alias: ${value}`);
  return value;
}

function algorithm(fields: Fields, field: string): AwsEncryptionAlgorithm {
  const value = fields.choice(field, ALGORITHMS) ?? 'SYMMETRIC_DEFAULT';
  if (value !== 'SYMMETRIC_DEFAULT') {
    throw dialectError('InvalidKeyUsageException', `${field} ${value} is for asymmetric KMS keys; keyring keys are symmetric (SYMMETRIC_DEFAULT)`);
  }
  return value;
}

/** `Recipient` asks for a Nitro Enclaves attestation flow, which has no WebCrypto counterpart. */
function noRecipient(fields: Fields): void {
  if (fields.has('Recipient')) {
    throw dialectError('UnsupportedOperationException', 'Recipient (AWS Nitro Enclaves attestation) is not supported by webkms');
  }
}

function page<T>(items: readonly T[], fields: Fields, maxLimit: number, defaultLimit: number, markerOf: (item: T) => string): { items: T[] } & AwsPage {
  const limit = fields.integer('Limit', 1, maxLimit) ?? defaultLimit;
  const marker = fields.string('Marker', { maxLength: 1024 });
  const start = marker === undefined ? 0 : items.findIndex((item) => markerOf(item) === marker);
  if (start < 0) throw dialectError('InvalidMarkerException', `Marker ${JSON.stringify(marker)} is not a NextMarker of this list`);
  const next = items[start + limit];
  const slice = items.slice(start, start + limit);
  return next === undefined ? { items: slice, Truncated: false } : { items: slice, Truncated: true, NextMarker: markerOf(next) };
}

function keyMetadata(meta: KeyMetadata, accountId: string): AwsKeyMetadata {
  return {
    AWSAccountId: accountId,
    KeyId: meta.keyId,
    Arn: meta.arn,
    CreationDate: meta.creationDate.getTime() / 1000,
    Enabled: meta.enabled,
    Description: meta.description,
    KeyUsage: meta.keyUsage,
    KeyState: meta.keyState,
    Origin: meta.origin,
    KeyManager: 'CUSTOMER',
    KeySpec: 'SYMMETRIC_DEFAULT',
    CustomerMasterKeySpec: 'SYMMETRIC_DEFAULT',
    EncryptionAlgorithms: ['SYMMETRIC_DEFAULT'],
    MultiRegion: false,
    CurrentKeyMaterialId: meta.currentKeyMaterialId,
    ...(meta.origin === 'EXTERNAL' ? { ExpirationModel: 'KEY_MATERIAL_DOES_NOT_EXPIRE' as const } : {}),
  };
}

/**
 * The AWS KMS JSON API over a {@link Keyring}: code written against `aws kms …` or the JSON API
 * moves over by changing its client. Every method is async and fails with a `KmsError` whose
 * `name` is AWS's exception name.
 * @example
 * ```ts
 * import { Keyring } from 'webkms';
 * import { AwsKms } from 'webkms/aws';
 *
 * const keyring = new Keyring();
 * await keyring.createKey({ keyId: 'app', aliases: ['alias/ExampleAlias'] });
 * const kms = new AwsKms(keyring);
 * const dataKey = await kms.generateDataKey({ KeyId: 'alias/ExampleAlias', KeySpec: 'AES_256', EncryptionContext: { tenant: 'acme' } });
 * const { Plaintext } = await kms.decrypt({ CiphertextBlob: dataKey.CiphertextBlob, EncryptionContext: { tenant: 'acme' } });
 * ```
 */
export class AwsKms {
  readonly #keyring: Keyring;

  /**
   * The AWS KMS API over `keyring`; no state of its own.
   * @param keyring - the keys this API answers with; other dialects may share it.
   */
  constructor(keyring: Keyring) {
    this.#keyring = keyring;
  }

  #fields(request: unknown, call: string, known: readonly string[]): Fields {
    return new Fields(request, known, fail, call);
  }

  /**
   * The options every cryptographic call takes, read after its other fields: `GrantTokens` is
   * checked and ignored; `DryRun` checks that the keys exist and are enabled, then stops the call.
   */
  #options(fields: Fields, keyIds: ReadonlyArray<string | undefined>): void {
    fields.checkStrings('GrantTokens', 10, 8192);
    if (!fields.boolean('DryRun')) return;
    for (const id of keyIds) {
      if (id === undefined) continue;
      const meta = this.#keyring.describeKey(id);
      if (!meta.enabled) throw dialectError('DisabledException', `key ${meta.keyId} is disabled`);
    }
    throw dialectError('DryRunOperationException', 'The request would have succeeded, but the DryRun parameter was set.');
  }

  #dataKeyInput(request: unknown, call: string) {
    const fields = this.#fields(request, call, ['KeyId', 'KeySpec', 'NumberOfBytes', 'EncryptionContext', 'Recipient', ...OPTIONS]);
    const KeyId = keyId(fields, 'KeyId');
    const KeySpec = fields.choice('KeySpec', DATA_KEY_SPECS);
    const NumberOfBytes = fields.integer('NumberOfBytes', 1, 1024);
    const size = NumberOfBytes !== undefined ? { numberOfBytes: NumberOfBytes } : KeySpec !== undefined ? { keySpec: KeySpec } : undefined;
    if (size === undefined) throw dialectError('ValidationException', `${call} needs KeySpec (AES_128 or AES_256) or NumberOfBytes (1 to 1024)`);
    if (KeySpec !== undefined && NumberOfBytes !== undefined) throw dialectError('ValidationException', `${call} takes KeySpec or NumberOfBytes, not both`);
    const encryptionContext = fields.map('EncryptionContext');
    noRecipient(fields);
    this.#options(fields, [KeyId]);
    return { keyId: KeyId, ...size, ...(encryptionContext === undefined ? {} : { encryptionContext }) };
  }

  /**
   * GenerateDataKey: a fresh data key, in plaintext and wrapped under the key.
   * @throws `ValidationException` (neither or both of KeySpec and NumberOfBytes, bad fields),
   *   `NotFoundException`, `DisabledException`, `DryRunOperationException`.
   */
  async generateDataKey(request: AwsGenerateDataKeyRequest): Promise<AwsGenerateDataKeyResponse> {
    const dataKey = await this.#keyring.generateDataKey(this.#dataKeyInput(request, 'GenerateDataKey'));
    try {
      return {
        Plaintext: encode(dataKey.plaintext),
        KeyId: dataKey.arn,
        KeyMaterialId: dataKey.keyMaterialId,
        CiphertextBlob: encode(dataKey.ciphertextBlob),
      };
    } finally {
      dataKey.plaintext.fill(0);
    }
  }

  /** GenerateDataKeyWithoutPlaintext: as {@link generateDataKey}, only the wrapped copy. */
  async generateDataKeyWithoutPlaintext(request: AwsGenerateDataKeyRequest): Promise<AwsGenerateDataKeyWithoutPlaintextResponse> {
    const wrapped = await this.#keyring.generateDataKeyWithoutPlaintext(this.#dataKeyInput(request, 'GenerateDataKeyWithoutPlaintext'));
    return { KeyId: wrapped.arn, KeyMaterialId: wrapped.keyMaterialId, CiphertextBlob: encode(wrapped.ciphertextBlob) };
  }

  /**
   * Decrypt: the blob names its key; `KeyId`, when given, must be that key.
   * @throws `InvalidCiphertextException` (malformed or tampered blob, wrong encryption context),
   *   `IncorrectKeyException`, `DisabledException`, `InvalidKeyUsageException`, `ValidationException`.
   */
  async decrypt(request: AwsDecryptRequest): Promise<AwsDecryptResponse> {
    const fields = this.#fields(request, 'Decrypt', ['CiphertextBlob', 'EncryptionContext', 'KeyId', 'EncryptionAlgorithm', 'Recipient', ...OPTIONS]);
    const ciphertextBlob = fields.bytes('CiphertextBlob', { required: true, minBytes: 1, maxBytes: 6144 });
    const encryptionContext = fields.map('EncryptionContext');
    const KeyId = fields.string('KeyId', { maxLength: MAX_KEY_ID });
    const EncryptionAlgorithm = algorithm(fields, 'EncryptionAlgorithm');
    noRecipient(fields);
    this.#options(fields, [KeyId]);
    const opened = await this.#keyring.decrypt({
      ciphertextBlob,
      ...(encryptionContext === undefined ? {} : { encryptionContext }),
      ...(KeyId === undefined ? {} : { keyId: KeyId }),
    });
    try {
      return { KeyId: opened.arn, Plaintext: encode(opened.plaintext), EncryptionAlgorithm, KeyMaterialId: opened.keyMaterialId };
    } finally {
      opened.plaintext.fill(0);
    }
  }

  /** Encrypt: wraps up to 4,096 bytes of the caller's own secret under the key. */
  async encrypt(request: AwsEncryptRequest): Promise<AwsEncryptResponse> {
    const fields = this.#fields(request, 'Encrypt', ['KeyId', 'Plaintext', 'EncryptionContext', 'EncryptionAlgorithm', ...OPTIONS]);
    const KeyId = keyId(fields, 'KeyId');
    const plaintext = fields.bytes('Plaintext', { required: true, minBytes: 1, maxBytes: 4096 });
    try {
      const encryptionContext = fields.map('EncryptionContext');
      const EncryptionAlgorithm = algorithm(fields, 'EncryptionAlgorithm');
      this.#options(fields, [KeyId]);
      const wrapped = await this.#keyring.encrypt({ keyId: KeyId, plaintext, ...(encryptionContext === undefined ? {} : { encryptionContext }) });
      return { CiphertextBlob: encode(wrapped.ciphertextBlob), KeyId: wrapped.arn, EncryptionAlgorithm };
    } finally {
      plaintext.fill(0);
    }
  }

  /** ReEncrypt: unwraps a blob and wraps its secret under another key or context, never returning it. */
  async reEncrypt(request: AwsReEncryptRequest): Promise<AwsReEncryptResponse> {
    const fields = this.#fields(request, 'ReEncrypt', [
      'CiphertextBlob',
      'SourceEncryptionContext',
      'SourceKeyId',
      'DestinationKeyId',
      'DestinationEncryptionContext',
      'SourceEncryptionAlgorithm',
      'DestinationEncryptionAlgorithm',
      ...OPTIONS,
    ]);
    const ciphertextBlob = fields.bytes('CiphertextBlob', { required: true, minBytes: 1, maxBytes: 6144 });
    const source = fields.map('SourceEncryptionContext');
    const SourceKeyId = fields.string('SourceKeyId', { maxLength: MAX_KEY_ID });
    const DestinationKeyId = keyId(fields, 'DestinationKeyId');
    const destination = fields.map('DestinationEncryptionContext');
    const SourceEncryptionAlgorithm = algorithm(fields, 'SourceEncryptionAlgorithm');
    const DestinationEncryptionAlgorithm = algorithm(fields, 'DestinationEncryptionAlgorithm');
    this.#options(fields, [SourceKeyId, DestinationKeyId]);
    const moved = await this.#keyring.reEncrypt({
      ciphertextBlob,
      destinationKeyId: DestinationKeyId,
      ...(source === undefined ? {} : { sourceEncryptionContext: source }),
      ...(destination === undefined ? {} : { destinationEncryptionContext: destination }),
      ...(SourceKeyId === undefined ? {} : { sourceKeyId: SourceKeyId }),
    });
    return {
      CiphertextBlob: encode(moved.ciphertextBlob),
      SourceKeyId: moved.sourceArn,
      KeyId: moved.arn,
      SourceEncryptionAlgorithm,
      DestinationEncryptionAlgorithm,
      SourceKeyMaterialId: moved.sourceKeyMaterialId,
      DestinationKeyMaterialId: moved.keyMaterialId,
    };
  }

  /** DescribeKey: AWS's KeyMetadata (never key material). */
  async describeKey(request: AwsDescribeKeyRequest): Promise<AwsDescribeKeyResponse> {
    const fields = this.#fields(request, 'DescribeKey', ['KeyId', 'GrantTokens']);
    const KeyId = keyId(fields, 'KeyId');
    fields.checkStrings('GrantTokens', 10, 8192);
    return { KeyMetadata: keyMetadata(this.#keyring.describeKey(KeyId), this.#keyring.accountId) };
  }

  /** ListKeys: `Limit` 1–1,000 (default 100), paged with `Marker`. */
  async listKeys(request: AwsPageRequest = {}): Promise<AwsListKeysResponse> {
    const fields = this.#fields(request, 'ListKeys', ['Limit', 'Marker']);
    const { items, ...rest } = page(this.#keyring.listKeys(), fields, 1000, 100, (key) => key.keyId);
    return { Keys: items.map((key) => ({ KeyId: key.keyId, KeyArn: key.keyArn })), ...rest };
  }

  /** ListAliases: every alias or those of `KeyId`; `Limit` 1–100 (default 50), paged with `Marker`. */
  async listAliases(request: AwsListAliasesRequest = {}): Promise<AwsListAliasesResponse> {
    const fields = this.#fields(request, 'ListAliases', ['KeyId', 'Limit', 'Marker']);
    const KeyId = fields.string('KeyId', { maxLength: MAX_KEY_ID });
    const aliases = this.#keyring.listAliases(KeyId);
    const { items, ...rest } = page(aliases, fields, 100, 50, (alias) => alias.aliasName);
    return { Aliases: items.map((a) => ({ AliasName: a.aliasName, AliasArn: a.aliasArn, TargetKeyId: a.targetKeyId })), ...rest };
  }

  /**
   * CreateKey: a symmetric key with random material, as AWS makes one by default. Other key specs,
   * usages, origins, multi-Region keys, policies and tags are not keyring features: refused.
   */
  async createKey(request: AwsCreateKeyRequest = {}): Promise<AwsDescribeKeyResponse> {
    const fields = this.#fields(request, 'CreateKey', ['Description', 'KeySpec', 'CustomerMasterKeySpec', 'KeyUsage', 'Origin', 'MultiRegion', 'Policy', 'Tags', 'BypassPolicyLockoutSafetyCheck']);
    for (const unsupported of ['Policy', 'Tags', 'BypassPolicyLockoutSafetyCheck']) {
      if (fields.has(unsupported)) throw dialectError('UnsupportedOperationException', `${unsupported} is not supported by webkms keyrings`);
    }
    const Description = fields.string('Description', { minLength: 0, maxLength: 8192 });
    fields.choice('KeySpec', ['SYMMETRIC_DEFAULT'] as const);
    fields.choice('CustomerMasterKeySpec', ['SYMMETRIC_DEFAULT'] as const);
    fields.choice('KeyUsage', ['ENCRYPT_DECRYPT'] as const);
    fields.choice('Origin', ['AWS_KMS'] as const);
    if (fields.boolean('MultiRegion')) throw dialectError('UnsupportedOperationException', 'multi-Region keys are not supported by webkms keyrings');
    const meta = await this.#keyring.createKey(Description === undefined ? {} : { description: Description });
    return { KeyMetadata: keyMetadata(meta, this.#keyring.accountId) };
  }

  /** CreateAlias: a new alias for a key named by key id or key ARN. */
  async createAlias(request: AwsCreateAliasRequest): Promise<AwsEmptyResponse> {
    const fields = this.#fields(request, 'CreateAlias', ['AliasName', 'TargetKeyId']);
    const AliasName = fields.string('AliasName', { required: true, maxLength: 256 });
    await this.#keyring.createAlias(AliasName, keyIdOrArn(fields, 'TargetKeyId'));
    return {};
  }

  /**
   * UpdateAlias: points an existing alias at another key (key id or key ARN). `options` is
   * webkms's, not AWS's: `ifTargetKeyId` makes it a compare-and-set (see `Keyring.updateAlias`).
   */
  async updateAlias(request: AwsUpdateAliasRequest, options: AliasChangeOptions = {}): Promise<AwsEmptyResponse> {
    const fields = this.#fields(request, 'UpdateAlias', ['AliasName', 'TargetKeyId']);
    const AliasName = fields.string('AliasName', { required: true, maxLength: 256 });
    await this.#keyring.updateAlias(AliasName, keyIdOrArn(fields, 'TargetKeyId'), options);
    return {};
  }

  /** DeleteAlias: the key stays. `options` as for {@link AwsKms.updateAlias}. */
  async deleteAlias(request: AwsDeleteAliasRequest, options: AliasChangeOptions = {}): Promise<AwsEmptyResponse> {
    const fields = this.#fields(request, 'DeleteAlias', ['AliasName']);
    await this.#keyring.deleteAlias(fields.string('AliasName', { required: true, maxLength: 256 }), options);
    return {};
  }

  /** ListKeyRotations: the key's rotations, oldest first; `Limit` 1–1,000 (default 100), paged with `Marker`. */
  async listKeyRotations(request: AwsListKeyRotationsRequest): Promise<AwsListKeyRotationsResponse> {
    const fields = this.#fields(request, 'ListKeyRotations', ['KeyId', 'Limit', 'Marker']);
    const meta = this.#keyring.describeKey(keyIdOrArn(fields, 'KeyId'));
    const { items, ...rest } = page(meta.versions.slice(1), fields, 1000, 100, (version) => version.versionId);
    return {
      Rotations: items.map((version) => ({
        KeyId: meta.arn,
        KeyMaterialId: version.keyMaterialId,
        RotationDate: version.creationDate.getTime() / 1000,
        RotationType: 'ON_DEMAND' as const,
      })),
      ...rest,
    };
  }

  /** EnableKey. */
  async enableKey(request: AwsKeyRequest): Promise<AwsEmptyResponse> {
    await this.#keyring.enableKey(keyIdOrArn(this.#fields(request, 'EnableKey', ['KeyId']), 'KeyId'));
    return {};
  }

  /** DisableKey: the key neither wraps nor unwraps until enabled (`DisabledException`). */
  async disableKey(request: AwsKeyRequest): Promise<AwsEmptyResponse> {
    await this.#keyring.disableKey(keyIdOrArn(this.#fields(request, 'DisableKey', ['KeyId']), 'KeyId'));
    return {};
  }

  /** RotateKeyOnDemand: new key material becomes current; blobs under older material still decrypt. */
  async rotateKeyOnDemand(request: AwsKeyRequest): Promise<{
    /** The key id. */
    KeyId: string;
  }> {
    const rotated = await this.#keyring.rotateKey(keyIdOrArn(this.#fields(request, 'RotateKeyOnDemand', ['KeyId']), 'KeyId'));
    return { KeyId: rotated.keyId };
  }
}
