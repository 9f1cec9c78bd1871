// The AWS KMS JSON 1.1 protocol: `POST /` with `X-Amz-Target: TrentService.<Operation>` and a
// SigV4-signed JSON body, answered by webkms/aws's AwsKms over the handler's keyring. Errors are
// sent as AWS sends them (status, `__type`, `message`, `x-amzn-ErrorType`), so the AWS SDKs raise
// their own typed exceptions.
import { decode } from '../base64.js';
import { parseBlob } from '../blob.js';
import { isKeyId } from '../identifiers.js';
import { KmsError } from '../errors.js';
import type { Keyring } from '../keyring.js';
import { AwsKms } from '../dialects/aws.js';
import { parseJson } from '../dialects/json.js';
import { plainEntries } from '../plain.js';
import { type SigV4Credential, type SignedScope, SignatureError, SigningKeyCache, verifySigV4 } from './sigv4.js';

/** Which operations and keys an access key may use. Absent: all of them. */
export interface KmsPolicy {
  /** Operation names, e.g. `['GenerateDataKey', 'Decrypt']`. */
  readonly operations?: readonly string[];
  /** Key ids, key ARNs or aliases (resolved when a request comes); the request's keys must be among them. */
  readonly keys?: readonly string[];
}

/** A credential of the handler: SigV4 keys, and what they may do. */
export interface KmsCredential extends SigV4Credential {
  readonly policy?: KmsPolicy;
}

/** What the handler tells its audit callback about each request. Never key material or secrets. */
export interface KmsAuditEvent {
  readonly time: Date;
  readonly requestId: string;
  readonly protocol: 'aws';
  /** The access key that signed it (once the signature verified). */
  readonly accessKeyId?: string;
  readonly operation?: string;
  /** The HTTP status answered. */
  readonly status: number;
  /** The error name, when it failed. */
  readonly error?: string;
}

/** The AWS side of the handler's configuration, checked. */
export interface AwsProtocolOptions {
  readonly keyring: Keyring;
  readonly region: string;
  readonly credentialOf: (accessKeyId: string) => Promise<KmsCredential | undefined>;
  readonly now: () => number;
  readonly maxSkew: number;
  readonly maxBody: number;
}

type Operation = (kms: AwsKms, input: never) => Promise<object>;

// Every operation of AwsKms, by its AWS name.
const OPERATIONS: Record<string, Operation> = {
  GenerateDataKey: (kms, input) => kms.generateDataKey(input),
  GenerateDataKeyWithoutPlaintext: (kms, input) => kms.generateDataKeyWithoutPlaintext(input),
  Decrypt: (kms, input) => kms.decrypt(input),
  Encrypt: (kms, input) => kms.encrypt(input),
  ReEncrypt: (kms, input) => kms.reEncrypt(input),
  DescribeKey: (kms, input) => kms.describeKey(input),
  ListKeys: (kms, input) => kms.listKeys(input),
  ListAliases: (kms, input) => kms.listAliases(input),
  CreateAlias: (kms, input) => kms.createAlias(input),
  EnableKey: (kms, input) => kms.enableKey(input),
  DisableKey: (kms, input) => kms.disableKey(input),
  RotateKeyOnDemand: (kms, input) => kms.rotateKeyOnDemand(input),
  CreateKey: (kms, input) => kms.createKey(input),
  UpdateAlias: (kms, input) => kms.updateAlias(input),
  DeleteAlias: (kms, input) => kms.deleteAlias(input),
  ListKeyRotations: (kms, input) => kms.listKeyRotations(input),
};

const TARGET_PREFIX = 'TrentService.';
const CONTENT_TYPE = 'application/x-amz-json-1.1';
/** Request fields that name a key. */
const KEY_FIELDS = ['KeyId', 'SourceKeyId', 'DestinationKeyId', 'TargetKeyId'];

/** An error to answer with: AWS's name, HTTP status, message. */
export class AwsFault extends Error {
  /**
   * @param code - the AWS error name (`__type`).
   * @param status - the HTTP status.
   * @param message - what was wrong; never a secret.
   */
  constructor(
    readonly code: string,
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/** The body as text; bytes that are not UTF-8 become text that is not JSON, refused as such. */
function utf8Text(body: Uint8Array): string {
  try {
    return strictUtf8.decode(body);
  } catch {
    return '\u0000';
  }
}

/** The status AWS KMS answers each error with: server faults 500, the caller's mistakes 400. */
function statusOf(name: string): number {
  return name === 'KMSInternalException' ? 500 : name === 'MissingAuthenticationTokenException' ? 403 : 400;
}

/** A response of the JSON 1.1 protocol, with an accurate Date (the SDKs correct their clock skew from it). */
export function awsResponse(status: number, body: object, requestId: string, now: number, code?: string): Response {
  const headers = new Headers({ 'content-type': CONTENT_TYPE, 'x-amzn-requestid': requestId, date: new Date(now).toUTCString() });
  if (code !== undefined) headers.set('x-amzn-errortype', code);
  return new Response(JSON.stringify(body), { status, headers });
}

/** What an error becomes: AWS's shape for KmsErrors, signature errors and faults; anything else a 500. */
export function awsFault(error: unknown): AwsFault {
  if (error instanceof AwsFault) return error;
  if (error instanceof SignatureError) return new AwsFault(error.code, statusOf(error.code), error.message);
  if (error instanceof KmsError) return new AwsFault(error.name, statusOf(error.name), error.message);
  // The error's kind helps an operator; its message may hold anything, so it stays out.
  const kind = error instanceof Error ? ` (${error.name.slice(0, 40)})` : '';
  return new AwsFault('KMSInternalException', 500, `The request failed inside the service${kind}.`);
}

const KEY_ARN = /^arn:[^:]*:kms:[^:]*:[^:]*:key\/(.+)$/;

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
 * The key references a request names; a blob names its own key id. `AliasName` counts only as an
 * alias this keyring has (UpdateAlias and DeleteAlias act on its target; CreateAlias makes it).
 */
function requestedKeys(keyring: Keyring, input: Record<string, unknown>): string[] {
  const references = KEY_FIELDS.map((field) => input[field]).filter((value): value is string => typeof value === 'string');
  const alias = input['AliasName'];
  if (typeof alias === 'string' && keyring.listAliases().some((entry) => entry.aliasName === alias)) references.push(alias);
  if (typeof input['CiphertextBlob'] === 'string' && typeof input['SourceKeyId'] !== 'string' && typeof input['KeyId'] !== 'string') {
    try {
      references.push(parseBlob(decode(input['CiphertextBlob'])).keyId);
    } catch {
      // A malformed blob: the operation refuses it.
    }
  }
  return references;
}

/**
 * The credential's policy, checked before the operation runs. Fails closed: a key the request
 * names that cannot be resolved to a key id (an alias this keyring has not loaded) is denied, as
 * is a blob's key the policy does not list, loaded here or not.
 */
function checkPolicy(keyring: Keyring, policy: KmsPolicy | undefined, operation: string, input: Record<string, unknown>, accessKeyId: string): void {
  if (!policy) return;
  const denied = (what: string): AwsFault =>
    new AwsFault('AccessDeniedException', 400, `User ${accessKeyId} is not authorized to perform kms:${operation} ${what}`);
  if (policy.operations && !policy.operations.includes(operation)) throw denied('(operation not allowed)');
  if (policy.keys) {
    const allowed = new Set(policy.keys.map((key) => keyIdOf(keyring, key)).filter((keyId) => keyId !== undefined));
    for (const reference of requestedKeys(keyring, input)) {
      const keyId = keyIdOf(keyring, reference);
      if (keyId === undefined || !allowed.has(keyId)) throw denied(`on key ${JSON.stringify(reference.slice(0, 256))}`);
    }
  }
}

/**
 * Answers one AWS JSON 1.1 request whose body was read. Throws an {@link AwsFault} (or any error,
 * which becomes a 500) for the handler to answer; `onVerified` hears who signed it, and what for.
 */
export async function answerAws(
  request: Request,
  body: Uint8Array,
  options: AwsProtocolOptions,
  cache: SigningKeyCache,
  onVerified: (scope: SignedScope, operation: string) => void,
): Promise<object> {
  if (request.method !== 'POST') throw new AwsFault('UnknownOperationException', 405, `The AWS JSON protocol takes POST, not ${request.method.slice(0, 16)}`);
  if (new URL(request.url).pathname !== '/') throw new AwsFault('UnknownOperationException', 404, 'The AWS JSON protocol is served at /');
  const target = request.headers.get('x-amz-target') ?? '';
  const operation = target.startsWith(TARGET_PREFIX) ? target.slice(TARGET_PREFIX.length) : '';
  const contentType = request.headers.get('content-type') ?? '';
  if (contentType.split(';')[0]!.trim().toLowerCase() !== CONTENT_TYPE) {
    throw new AwsFault('SerializationException', 400, `Content-Type must be ${CONTENT_TYPE}`);
  }
  // Looked up once: the signature needs its secret, the policy check its policy.
  let credential: KmsCredential | undefined;
  const scope = await verifySigV4(
    options.keyring.crypto,
    request,
    body,
    {
      region: options.region,
      service: 'kms',
      now: options.now(),
      maxSkew: options.maxSkew,
      secretOf: async (accessKeyId) => (credential = await options.credentialOf(accessKeyId))?.secretAccessKey,
    },
    cache,
  );
  onVerified(scope, operation);
  // The operation is a header: unsigned, a replayed request could be turned into another one.
  if (!scope.signedHeaders.includes('x-amz-target')) {
    throw new AwsFault('IncompleteSignatureException', 400, 'SignedHeaders must include x-amz-target: the operation must be signed');
  }
  const run = Object.hasOwn(OPERATIONS, operation) ? OPERATIONS[operation] : undefined;
  if (!run) throw new AwsFault('UnknownOperationException', 400, `Unknown operation ${JSON.stringify(target.slice(0, 80))}`);
  const parsed = body.length === 0 ? { value: {} } : parseJson(utf8Text(body));
  if ('problem' in parsed) throw new AwsFault('SerializationException', 400, `The request body is not a JSON object: ${parsed.problem}`);
  const input = plainEntries(parsed.value);
  if (!input) throw new AwsFault('SerializationException', 400, 'The request body is not a JSON object');
  const fields = Object.fromEntries(input);
  checkPolicy(options.keyring, credential?.policy, operation, fields, scope.accessKeyId);
  return run(new AwsKms(options.keyring), fields as never);
}
