// Who may call the handler and what they may do, in every protocol: SigV4 and Alibaba RPC
// credentials, Yandex bearer-token principals, their policies, and what the audit callback hears.
// A policy names operations by their AWS names, so one policy means the same in every protocol.
import { decode } from '../base64.js';
import { parseBlob } from '../blob.js';
import { isKeyId } from '../identifiers.js';
import type { Keyring } from '../keyring.js';
import type { AliasChangeOptions } from '../types.js';
import type { SigV4Credential } from './sigv4.js';

/**
 * Which operations and keys a caller may use. Absent: all of them. Operations have their AWS
 * names in every protocol: Yandex's `generateDataKey` is `GenerateDataKey` (with `skipPlaintext`,
 * `GenerateDataKeyWithoutPlaintext`), `encrypt` is `Encrypt`, `decrypt` is `Decrypt`; Alibaba's
 * actions are named as AWS names them already (`GenerateDataKey`, `Decrypt`).
 * @example
 * import type { KmsPolicy } from 'webkms/http';
 * const policy: KmsPolicy = { operations: ['GenerateDataKey', 'Decrypt'], keys: ['alias/app'] };
 */
export interface KmsPolicy {
  /** Operation names, e.g. `['GenerateDataKey', 'Decrypt']`. */
  readonly operations?: readonly string[];
  /** Key ids, key ARNs or aliases (resolved when a request comes); the request's keys must be among them. */
  readonly keys?: readonly string[];
}

/**
 * A credential of the handler: an access key id, its secret, and what it may do. The same
 * credential signs AWS SigV4 requests and Alibaba RPC requests (the secret is the AccessKeySecret).
 * @example
 * import type { KmsCredential } from 'webkms/http';
 * const credential: KmsCredential = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'from a secret store', policy: { operations: ['Decrypt'] } };
 */
export interface KmsCredential extends SigV4Credential {
  /** What requests signed with this credential may do. Absent: every operation on every key. */
  readonly policy?: KmsPolicy;
}

/**
 * Whom a Yandex bearer token stands for: a name for the audit (never the token) and what it may do.
 * @example
 * import type { KmsPrincipal } from 'webkms/http';
 * const principal: KmsPrincipal = { subject: 'service-account:billing', policy: { keys: ['billing-key'] } };
 */
export interface KmsPrincipal {
  /** Who it is, as the audit names it; never the token itself. */
  readonly subject: string;
  /** What requests with this bearer token may do. Absent: every operation on every key. */
  readonly policy?: KmsPolicy;
}

/**
 * The protocols the handler speaks.
 * @example
 * import type { KmsProtocol } from 'webkms/http';
 * const protocol: KmsProtocol = 'alibaba';
 */
export type KmsProtocol = 'aws' | 'yandex' | 'alibaba';

/**
 * What the handler tells its audit callback about each request. Never key material or secrets.
 * @example
 * import type { KmsAuditEvent } from 'webkms/http';
 * const audit = (event: KmsAuditEvent) => console.log(event.protocol, event.operation, event.status, event.error ?? 'ok');
 */
export interface KmsAuditEvent {
  /** When the request was answered, by the handler's clock. */
  readonly time: Date;
  /** The request ID the answer carried (AWS `x-amzn-RequestId`, Alibaba `RequestId`, Yandex `x-request-id`). */
  readonly requestId: string;
  /** The protocol the request spoke (or most resembled, when it was refused). */
  readonly protocol: KmsProtocol;
  /** The access key that signed it (AWS, Alibaba), once the signature verified. */
  readonly accessKeyId?: string;
  /** The principal a bearer token stood for (Yandex), once the token was accepted. */
  readonly subject?: string;
  /** The operation, by its AWS name (the name policies use). */
  readonly operation?: string;
  /** The HTTP status answered. */
  readonly status: number;
  /** The protocol's error name or code, when it failed. */
  readonly error?: string;
}

/**
 * What every protocol of the handler is configured with, checked.
 * @example
 * const options: ProtocolOptions = { keyring, now: Date.now, maxBody: 64 * 1024 };
 */
export interface ProtocolOptions {
  /** The keys the protocol answers with. */
  readonly keyring: Keyring;
  /** The handler's clock, in milliseconds. */
  readonly now: () => number;
  /** The largest body read, in bytes. */
  readonly maxBody: number;
}

/**
 * What the protocols signed with the handler's credentials (AWS, Alibaba) are configured with.
 * @example
 * const options: SignedProtocolOptions = { keyring, now: Date.now, maxBody: 65536, maxSkew: 300_000, credentialOf: async () => undefined };
 */
export interface SignedProtocolOptions extends ProtocolOptions {
  /** The credential of an access key id, or `undefined` for one the handler does not know. */
  readonly credentialOf: (accessKeyId: string) => Promise<KmsCredential | undefined>;
  /** How far a request's signing time may be from the clock, in milliseconds. */
  readonly maxSkew: number;
}

/**
 * What a protocol learned of a request, for the audit; filled in as the request is answered.
 * @example
 * const heard: Heard = {}; // a protocol sets heard.accessKeyId once the signature verified
 */
export interface Heard {
  /** The access key that signed the request (AWS, Alibaba), once the signature verified. */
  accessKeyId?: string;
  /** The principal the bearer token stood for (Yandex), once the token was accepted. */
  subject?: string;
  /** The operation, by its AWS name. */
  operation?: string;
  /** The protocol's error name or code, when the request failed. */
  error?: string;
}

/** Request fields that name a key (AWS's and Alibaba's). */
const KEY_FIELDS = ['KeyId', 'SourceKeyId', 'DestinationKeyId', 'TargetKeyId'];
const KEY_ARN = /^(?:arn:[^:]*|acs):kms:[^:]*:[^:]*:key\/(.+)$/;

/**
 * The key id a reference names: resolved by the keyring, or, for a key this keyring has not loaded
 * (another writer's), read from a key id or key ARN itself. `undefined` for an alias it cannot
 * resolve: then nobody can tell which key it names.
 */
function keyIdOf(keyring: Keyring, reference: string): string | undefined {
  try {
    return keyring.describeKey(reference).keyId;
  } catch {
    const arn = KEY_ARN.exec(reference);
    if (arn) return arn[1];
    return isKeyId(reference) ? reference : undefined;
  }
}

/**
 * The key references a request names (AWS's and Alibaba's field names); a blob names its own key
 * id, also when the request names a key too (an alias it names may point elsewhere once the
 * operation has reloaded: the blob's own key is what it will use). `AliasName` is the key the alias
 * targets for every operation but CreateAlias, which makes it (then only TargetKeyId counts): an
 * alias this keyring has not loaded resolves to no key, and is denied by a `keys` policy.
 * @example
 * requestedKeys({ KeyId: 'alias/app' }, 'Encrypt'); // ['alias/app']
 */
export function requestedKeys(input: Record<string, unknown>, operation: string): string[] {
  const references = KEY_FIELDS.map((field) => input[field]).filter((value): value is string => typeof value === 'string');
  const alias = input['AliasName'];
  if (typeof alias === 'string' && operation !== 'CreateAlias') references.push(alias);
  if (typeof input['CiphertextBlob'] === 'string') {
    try {
      references.push(parseBlob(decode(input['CiphertextBlob'])).keyId);
    } catch {
      // A malformed blob: the operation refuses it.
    }
  }
  return references;
}

/**
 * Why `policy` denies `operation` on the keys `references` name, or `undefined` when it allows it.
 * Fails closed: a key that cannot be resolved to a key id (an alias this keyring has not loaded) is
 * denied, as is a key the policy does not list, loaded here or not.
 * @example
 * policyDenial(keyring, { operations: ['Decrypt'] }, 'GenerateDataKey', ['app']); // '(operation not allowed)'
 */
export function policyDenial(keyring: Keyring, policy: KmsPolicy | undefined, operation: string, references: readonly string[]): string | undefined {
  if (!policy) return undefined;
  if (policy.operations && !policy.operations.includes(operation)) return '(operation not allowed)';
  if (policy.keys) {
    const allowed = new Set(policy.keys.map((key) => keyIdOf(keyring, key)).filter((keyId) => keyId !== undefined));
    for (const reference of references) {
      const keyId = keyIdOf(keyring, reference);
      if (keyId === undefined || !allowed.has(keyId)) return `on key ${JSON.stringify(reference.slice(0, 256))}`;
    }
  }
  return undefined;
}

/**
 * What makes an alias change apply to the alias as `policy` judged it: a `keys` policy allowed
 * UpdateAlias or DeleteAlias by the key the alias points at now, and a writer sharing the store may
 * re-point it before the change is written (the keyring then reloads and would change it anyway).
 * With `ifTargetKeyId` the change is made only while the alias still points at the judged key.
 * @example
 * await kms.updateAlias(input, aliasChangeGuard(keyring, policy, 'UpdateAlias', input));
 */
export function aliasChangeGuard(keyring: Keyring, policy: KmsPolicy | undefined, operation: string, input: Record<string, unknown>): AliasChangeOptions {
  const alias = input['AliasName'];
  if (!policy?.keys || (operation !== 'UpdateAlias' && operation !== 'DeleteAlias') || typeof alias !== 'string') return {};
  const judged = keyIdOf(keyring, alias);
  return judged === undefined ? {} : { ifTargetKeyId: judged };
}
