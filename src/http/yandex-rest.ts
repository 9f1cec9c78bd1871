// The Yandex Cloud KMS REST protocol: `POST /kms/v1/keys/{keyId}:generateDataKey`, `:encrypt` and
// `:decrypt` with the API's JSON bodies, answered by webkms/yandex's YandexKms over the handler's
// keyring. Callers authenticate with `Authorization: Bearer <token>`, which the handler's callback
// checks. Errors are google.rpc.Status JSON (`code`, `message`, `details` with the request id) with
// the HTTP status Yandex Cloud's API gateway maps each gRPC code to.
import { parseJson } from '../dialects/json.js';
import { YandexKms, YandexKmsError } from '../dialects/yandex.js';
import { plainEntries } from '../plain.js';
import { type Heard, type KmsPrincipal, type ProtocolOptions, policyDenial } from './access.js';
import { BodyTooLarge, bodyText, hasContentType, readBody } from './body.js';

/**
 * Checks a Yandex bearer token: the principal it stands for, or `undefined` to refuse it. Compare
 * tokens in constant time, or look up a digest of them.
 * @example
 * import type { BearerTokenCheck } from 'webkms/http';
 * const bearerTokens: BearerTokenCheck = async (token) => (token === env.YANDEX_TOKEN ? { subject: 'app' } : undefined);
 */
export type BearerTokenCheck = (token: string) => KmsPrincipal | undefined | Promise<KmsPrincipal | undefined>;

/**
 * The Yandex side of the handler's configuration, checked.
 * @example
 * const yandex: YandexProtocolOptions = { keyring, now: Date.now, maxBody: 65536, principalOf: (token) => undefined };
 */
export interface YandexProtocolOptions extends ProtocolOptions {
  /** The principal an `Authorization: Bearer` token stands for, or `undefined` to refuse it. */
  readonly principalOf: BearerTokenCheck;
}

/**
 * An error to answer with: the gRPC code and its name, the HTTP status, a message.
 * @example
 * new YandexFault(5, 'NOT_FOUND', 404, 'Not Found');
 */
export class YandexFault extends Error {
  /**
   * @param code - the gRPC status code.
   * @param status - its name, e.g. `NOT_FOUND` (the audit's error name).
   * @param httpStatus - the HTTP status.
   * @param message - what was wrong; never a secret.
   */
  constructor(
    readonly code: number,
    readonly status: string,
    readonly httpStatus: number,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Where the Yandex protocol is served: a path under it is routed to Yandex.
 * @example
 * new URL(request.url).pathname.startsWith(YANDEX_PATH_PREFIX);
 */
export const YANDEX_PATH_PREFIX = '/kms/';
const PATH = /^\/kms\/v1\/keys\/([^/:]+):([A-Za-z]+)$/;
const METHODS = ['generateDataKey', 'encrypt', 'decrypt'] as const;
type Method = (typeof METHODS)[number];
// RFC 6750's b64token, bounded: the callback never sees arbitrary text.
const BEARER = /^Bearer +([A-Za-z0-9\-._~+/]{1,4096}=*)$/i;

const notFound = (): YandexFault => new YandexFault(5, 'NOT_FOUND', 404, 'Not Found');
const invalid = (message: string): YandexFault => new YandexFault(3, 'INVALID_ARGUMENT', 400, message);

/** The operation a policy names, by its AWS name. */
function operationOf(method: Method, input: Record<string, unknown>): string {
  if (method === 'encrypt') return 'Encrypt';
  if (method === 'decrypt') return 'Decrypt';
  return input['skipPlaintext'] === true ? 'GenerateDataKeyWithoutPlaintext' : 'GenerateDataKey';
}

/** The key id and method a path names, or `undefined`. */
function route(pathname: string): { keyId: string; method: Method } | undefined {
  const match = PATH.exec(pathname);
  if (!match || !(METHODS as readonly string[]).includes(match[2]!)) return undefined;
  try {
    return { keyId: decodeURIComponent(match[1]!), method: match[2] as Method };
  } catch {
    return undefined;
  }
}

/** The principal of the request's bearer token. */
async function authenticate(request: Request, options: YandexProtocolOptions): Promise<KmsPrincipal> {
  const authorization = request.headers.get('authorization');
  if (authorization === null) throw new YandexFault(16, 'UNAUTHENTICATED', 401, 'Authentication required: send Authorization: Bearer <token>');
  const token = BEARER.exec(authorization)?.[1];
  const principal = token === undefined ? undefined : await options.principalOf(token);
  // Anything but a principal with a name is a refusal: the check fails closed.
  if (typeof principal?.subject !== 'string' || principal.subject.length === 0) {
    throw new YandexFault(16, 'UNAUTHENTICATED', 401, 'The token is invalid or has expired');
  }
  return principal;
}

async function answerYandex(request: Request, options: YandexProtocolOptions, heard: Heard): Promise<object> {
  const target = route(new URL(request.url).pathname);
  if (!target) throw notFound();
  if (request.method !== 'POST') throw new YandexFault(12, 'UNIMPLEMENTED', 405, 'Method Not Allowed');
  const principal = await authenticate(request, options);
  heard.subject = principal.subject;
  const body = await readBody(request, options.maxBody);
  if (body.length > 0 && !hasContentType(request, 'application/json')) throw invalid('Content-Type must be application/json');
  const parsed = body.length === 0 ? { value: {} } : parseJson(bodyText(body));
  if ('problem' in parsed) throw invalid(`The request body is not a JSON object: ${parsed.problem}`);
  const entries = plainEntries(parsed.value);
  if (!entries) throw invalid('The request body is not a JSON object');
  const input = Object.fromEntries(entries);
  const operation = operationOf(target.method, input);
  heard.operation = operation;
  const denial = policyDenial(options.keyring, principal.policy, operation, [target.keyId]);
  if (denial) throw new YandexFault(7, 'PERMISSION_DENIED', 403, `Permission denied: ${principal.subject.slice(0, 128)} may not perform ${operation} ${denial}`);
  const yandex = new YandexKms(options.keyring);
  if (target.method === 'generateDataKey') return yandex.generateDataKey(target.keyId, input);
  if (target.method === 'encrypt') return yandex.encrypt(target.keyId, input as never);
  return yandex.decrypt(target.keyId, input as never);
}

function yandexResponse(status: number, body: object, requestId: string, now: number): Response {
  const headers = new Headers({ 'content-type': 'application/json', 'x-request-id': requestId, date: new Date(now).toUTCString() });
  if (status === 401) headers.set('www-authenticate', 'Bearer');
  if (status === 405) headers.set('allow', 'POST');
  return new Response(JSON.stringify(body), { status, headers });
}

/** What an error becomes: the dialect's statuses as they are, anything unexpected INTERNAL naming only its kind. */
function yandexFault(error: unknown, maxBody: number): YandexFault {
  if (error instanceof YandexFault) return error;
  if (error instanceof YandexKmsError) return new YandexFault(error.code, error.status, error.httpStatus, error.message);
  if (error instanceof BodyTooLarge) return new YandexFault(8, 'RESOURCE_EXHAUSTED', 413, `The request body is larger than ${maxBody} bytes`);
  const kind = error instanceof Error ? ` (${error.name.slice(0, 40)})` : '';
  return new YandexFault(13, 'INTERNAL', 500, `The request failed inside the service${kind}.`);
}

/**
 * An error answer of the Yandex protocol, as google.rpc.Status JSON; `heard` learns its status name.
 * @example
 * yandexError(new YandexFault(5, 'NOT_FOUND', 404, 'Not Found'), requestId, Date.now(), {});
 */
export function yandexError(fault: YandexFault, requestId: string, now: number, heard: Heard): Response {
  heard.error = fault.status;
  const details = [{ '@type': 'type.googleapis.com/google.rpc.RequestInfo', requestId }];
  return yandexResponse(fault.httpStatus, { code: fault.code, message: fault.message, details }, requestId, now);
}

/**
 * Serves one request of the Yandex REST protocol: the path's key and method, the bearer token,
 * the body (bounded), the policy, the operation. Never throws: every failure is an answer in
 * Yandex's shape.
 * @example
 * const response = await serveYandex(request, { keyring, principalOf, now: Date.now, maxBody: 65536 }, requestId, {});
 */
export async function serveYandex(request: Request, options: YandexProtocolOptions, requestId: string, heard: Heard): Promise<Response> {
  try {
    return yandexResponse(200, await answerYandex(request, options, heard), requestId, options.now());
  } catch (error) {
    return yandexError(yandexFault(error, options.maxBody), requestId, options.now(), heard);
  }
}
