// The AWS KMS JSON 1.1 protocol: `POST /` with `X-Amz-Target: TrentService.<Operation>` and a
// SigV4-signed JSON body, answered by webkms/aws's AwsKms over the handler's keyring. Errors are
// sent as AWS sends them (status, `__type`, `message`, `x-amzn-ErrorType`), so the AWS SDKs raise
// their own typed exceptions.
import { KmsError } from '../errors.js';
import { AwsKms } from '../dialects/aws.js';
import { parseJson } from '../dialects/json.js';
import { plainEntries } from '../plain.js';
import type { AliasChangeOptions } from '../types.js';
import { type Heard, type KmsCredential, type SignedProtocolOptions, aliasChangeGuard, policyDenial, requestedKeys } from './access.js';
import { BodyTooLarge, bodyText, hasContentType, readBody } from './body.js';
import { SignatureError, SigningKeyCache, verifySigV4 } from './sigv4.js';

/**
 * The AWS side of the handler's configuration, checked.
 * @example
 * const aws: AwsProtocolOptions = { keyring, region: 'us-east-2', credentialOf, now: Date.now, maxSkew: 300_000, maxBody: 65536, signingKeys: new SigningKeyCache() };
 */
export interface AwsProtocolOptions extends SignedProtocolOptions {
  /** The region SigV4 requests must be signed for. */
  readonly region: string;
  /** Derived SigV4 signing keys, kept across requests. */
  readonly signingKeys: SigningKeyCache;
}

type Operation = (kms: AwsKms, input: never, guard: AliasChangeOptions) => Promise<object>;

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
  UpdateAlias: (kms, input, guard) => kms.updateAlias(input, guard),
  DeleteAlias: (kms, input, guard) => kms.deleteAlias(input, guard),
  ListKeyRotations: (kms, input) => kms.listKeyRotations(input),
};

const TARGET_PREFIX = 'TrentService.';
const CONTENT_TYPE = 'application/x-amz-json-1.1';

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

/** The status AWS KMS answers each error with: server faults 500, the caller's mistakes 400. */
function statusOf(name: string): number {
  return name === 'KMSInternalException' ? 500 : name === 'MissingAuthenticationTokenException' ? 403 : 400;
}

/**
 * A response of the JSON 1.1 protocol (`code`: the error name of an error), with an accurate Date
 * (the SDKs correct their clock skew from it).
 * @example
 * awsResponse(200, { Keys: [] }, requestId, Date.now());
 */
export function awsResponse(status: number, body: object, requestId: string, now: number, code?: string): Response {
  const headers: [string, string][] = [['content-type', CONTENT_TYPE], ['x-amzn-requestid', requestId], ['date', new Date(now).toUTCString()]];
  if (code !== undefined) headers.push(['x-amzn-errortype', code]);
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

/**
 * Answers one AWS JSON 1.1 request whose body was read. Throws an {@link AwsFault} (or any error,
 * which becomes a 500); `heard` learns who signed it, and what for.
 */
async function answerAws(request: Request, body: Uint8Array, options: AwsProtocolOptions, heard: Heard): Promise<object> {
  if (request.method !== 'POST') throw new AwsFault('UnknownOperationException', 405, `The AWS JSON protocol takes POST, not ${request.method.slice(0, 16)}`);
  if (new URL(request.url).pathname !== '/') throw new AwsFault('UnknownOperationException', 404, 'The AWS JSON protocol is served at /');
  const target = request.headers.get('x-amz-target') ?? '';
  const operation = target.startsWith(TARGET_PREFIX) ? target.slice(TARGET_PREFIX.length) : '';
  if (!hasContentType(request, CONTENT_TYPE)) throw new AwsFault('SerializationException', 400, `Content-Type must be ${CONTENT_TYPE}`);
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
      credentialOf: async (accessKeyId) => (credential = await options.credentialOf(accessKeyId)),
    },
    options.signingKeys,
  );
  heard.accessKeyId = scope.accessKeyId;
  heard.operation = operation;
  // The operation is a header: unsigned, a replayed request could be turned into another one.
  if (!scope.signedHeaders.includes('x-amz-target')) {
    throw new AwsFault('IncompleteSignatureException', 400, 'SignedHeaders must include x-amz-target: the operation must be signed');
  }
  const run = Object.hasOwn(OPERATIONS, operation) ? OPERATIONS[operation] : undefined;
  if (!run) throw new AwsFault('UnknownOperationException', 400, `Unknown operation ${JSON.stringify(target.slice(0, 80))}`);
  const parsed = body.length === 0 ? { value: {} } : parseJson(bodyText(body));
  if ('problem' in parsed) throw new AwsFault('SerializationException', 400, `The request body is not a JSON object: ${parsed.problem}`);
  const input = plainEntries(parsed.value);
  if (!input) throw new AwsFault('SerializationException', 400, 'The request body is not a JSON object');
  const fields = Object.fromEntries(input);
  const denial = policyDenial(options.keyring, credential?.policy, operation, requestedKeys(fields, operation));
  if (denial) throw new AwsFault('AccessDeniedException', 400, `User ${scope.accessKeyId} is not authorized to perform kms:${operation} ${denial}`);
  return run(new AwsKms(options.keyring), fields as never, aliasChangeGuard(options.keyring, credential?.policy, operation, fields));
}

/**
 * An error answer of the JSON 1.1 protocol; `heard` learns its name.
 * @example
 * awsError(new AwsFault('UnknownOperationException', 404, 'Not served'), requestId, Date.now(), {});
 */
export function awsError(fault: AwsFault, requestId: string, now: number, heard: Heard): Response {
  heard.error = fault.code;
  return awsResponse(fault.status, { __type: fault.code, message: fault.message }, requestId, now, fault.code);
}

/**
 * Serves one request of the AWS JSON 1.1 protocol: reads its body (bounded), verifies its
 * signature, runs the operation. Never throws: every failure is an answer in AWS's shape.
 * @example
 * const response = await serveAws(request, aws, requestId, {});
 */
export async function serveAws(request: Request, options: AwsProtocolOptions, requestId: string, heard: Heard): Promise<Response> {
  try {
    const body = await readBody(request, options.maxBody);
    return awsResponse(200, await answerAws(request, body, options, heard), requestId, options.now());
  } catch (error) {
    const fault = error instanceof BodyTooLarge ? new AwsFault('ValidationException', 413, `The request body is larger than ${options.maxBody} bytes`) : awsFault(error);
    return awsError(fault, requestId, options.now(), heard);
  }
}
