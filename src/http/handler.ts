// createKmsHandler: a KMS service on the web's Request and Response, for a Worker, Deno.serve,
// Bun.serve or Node. It speaks the protocols it is configured for (AWS JSON 1.1 with SigV4, Yandex
// Cloud REST with bearer tokens, Alibaba Cloud RPC with its signature) and no other; every request
// is authenticated; the handler never throws: every failure is a response in the shape of the
// protocol the request spoke, or most resembled.
import { check } from '../errors.js';
import { isKeyring, type Keyring } from '../keyring.js';
import { checkObject } from '../plain.js';
import { randomUuid } from '../identifiers.js';
import type { Heard, KmsAuditEvent, KmsCredential, KmsProtocol } from './access.js';
import { AlibabaFault, alibabaError, serveAlibaba } from './alibaba-rpc.js';
import { AwsFault, awsError, serveAws } from './aws-json.js';
import { hasContentType } from './body.js';
import { NonceCache, type NonceClaim } from './nonces.js';
import { SigningKeyCache } from './sigv4.js';
import { type BearerTokenCheck, YANDEX_PATH_PREFIX, YandexFault, serveYandex, yandexError } from './yandex-rest.js';

export type { KmsAuditEvent, KmsCredential, KmsPolicy, KmsPrincipal, KmsProtocol } from './access.js';
export type { NonceClaim } from './nonces.js';
export type { BearerTokenCheck } from './yandex-rest.js';

/**
 * How the Alibaba RPC protocol keeps SignatureNonces from being accepted twice.
 * @example
 * import type { AlibabaRpcOptions } from 'webkms/http';
 * const alibaba: AlibabaRpcOptions = { claimNonce: (key, expiresAt) => nonceObject.claim(key, expiresAt) };
 */
export interface AlibabaRpcOptions {
  /**
   * Claims a nonce across isolates (e.g. in a Durable Object). Default: an in-memory cache per
   * handler, which refuses a replay to the same isolate only.
   */
  claimNonce?: NonceClaim;
  /** The most nonces the in-memory cache holds at once (default 100,000); past it, requests are refused with 503. */
  nonceCapacity?: number;
}

/**
 * Options of {@link createKmsHandler}. Each protocol is served only when configured: AWS when
 * `credentials` are given (unless `aws: false`), Alibaba when `alibaba` is given (signed by the same
 * `credentials`), Yandex when `bearerTokens` is given.
 * @example
 * import type { KmsHandlerOptions } from 'webkms/http';
 * const options: KmsHandlerOptions = { keyring, credentials: [{ accessKeyId: 'AKID', secretAccessKey: 'secret' }], alibaba: true };
 */
export interface KmsHandlerOptions {
  /** The keys the service answers with (any Keyring, also one opened on a KeyStore). */
  keyring: Keyring;
  /**
   * The credentials AWS SigV4 and Alibaba RPC requests are signed with (the Alibaba AccessKeySecret
   * is `secretAccessKey`): a list naming each access key id once, or a lookup by access key id.
   */
  credentials?: readonly KmsCredential[] | ((accessKeyId: string) => KmsCredential | undefined | Promise<KmsCredential | undefined>);
  /** Serve the AWS KMS JSON 1.1 protocol. Default: true when `credentials` are given. */
  aws?: boolean;
  /** Serve Alibaba Cloud KMS's RPC protocol (needs `credentials`): `true`, or how nonces are kept. Default: not served. */
  alibaba?: boolean | AlibabaRpcOptions;
  /** Serve Yandex Cloud KMS's REST protocol, checking each `Authorization: Bearer` token with this. Default: not served. */
  bearerTokens?: BearerTokenCheck;
  /** The region SigV4 requests must be signed for. Default: the keyring's. */
  region?: string;
  /** How far a request's X-Amz-Date or Timestamp may be from the handler's clock, in milliseconds. Default 5 minutes. */
  maxClockSkew?: number;
  /** The handler's clock (milliseconds since the epoch). Default `Date.now`. */
  now?: () => number;
  /** Hears of every request once answered: protocol, who, what, the outcome. Never key material or secrets. */
  audit?: (event: KmsAuditEvent) => void;
}

/** Bodies over this are refused before they are read: the largest KMS request is far smaller. */
const MAX_BODY = 64 * 1024;

function credentialLookup(credentials: NonNullable<KmsHandlerOptions['credentials']>): (accessKeyId: string) => Promise<KmsCredential | undefined> {
  if (typeof credentials === 'function') return async (accessKeyId) => credentials(accessKeyId);
  check(Array.isArray(credentials), 'credentials must be an array of { accessKeyId, secretAccessKey, policy? } or a lookup function');
  const byId = new Map<string, KmsCredential>();
  for (const credential of credentials) {
    check(
      typeof credential?.accessKeyId === 'string' && credential.accessKeyId.length > 0 && typeof credential.secretAccessKey === 'string' && credential.secretAccessKey.length > 0,
      'each credential needs a non-empty accessKeyId and secretAccessKey',
    );
    // Two entries for one key id would leave one of their policies silently unused.
    check(!byId.has(credential.accessKeyId), 'two credentials have the same accessKeyId');
    byId.set(credential.accessKeyId, credential);
  }
  return async (accessKeyId) => byId.get(accessKeyId);
}

/** The protocol a request speaks, or most resembles: by path, then AWS's headers, then Alibaba's parameters. */
function protocolOf(request: Request, served: readonly KmsProtocol[]): KmsProtocol {
  const url = new URL(request.url);
  if (url.pathname.startsWith(YANDEX_PATH_PREFIX)) return 'yandex';
  const authorization = request.headers.get('authorization') ?? '';
  if (request.headers.has('x-amz-target') || authorization.startsWith('AWS4-') || hasContentType(request, 'application/x-amz-json-1.1')) return 'aws';
  if (url.searchParams.has('Action') || url.searchParams.has('Signature') || hasContentType(request, 'application/x-www-form-urlencoded')) return 'alibaba';
  if (/^bearer /i.test(authorization)) return 'yandex';
  return served[0]!;
}

const NOT_SERVED = 'This endpoint does not serve this protocol';

/**
 * A KMS service as a fetch handler: `(request) => Promise<Response>`. It answers the AWS KMS JSON
 * 1.1 protocol (`X-Amz-Target: TrentService.<Operation>`, SigV4 verified), which the unmodified AWS
 * SDKs and CLI speak; Yandex Cloud KMS's REST protocol (`POST /kms/v1/keys/{keyId}:generateDataKey`,
 * bearer tokens); and Alibaba Cloud KMS's RPC protocol (`Action=GenerateDataKey`, its signature
 * verified, nonces accepted once) — each only when configured.
 * @throws `ValidationException` (at once) for bad options; the handler itself never throws.
 * @example
 * const handler = createKmsHandler({ keyring, credentials: [{ accessKeyId: 'AKID', secretAccessKey: 'secret' }] });
 * // Deno.serve(handler) · Bun.serve({ fetch: handler }) · export default { fetch: handler }
 */
export function createKmsHandler(options: KmsHandlerOptions): (request: Request) => Promise<Response> {
  checkObject(options, 'createKmsHandler takes { keyring, credentials?, aws?, alibaba?, bearerTokens?, region?, maxClockSkew?, now?, audit? }');
  check(isKeyring(options.keyring), 'keyring must be a webkms Keyring');
  const region = options.region ?? options.keyring.region;
  check(typeof region === 'string' && /^[a-z0-9-]{1,64}$/.test(region), 'region must be 1–64 characters of a–z, 0–9 and "-"');
  const maxSkew = options.maxClockSkew ?? 5 * 60_000;
  check(typeof maxSkew === 'number' && maxSkew >= 0 && maxSkew <= 60 * 60_000, 'maxClockSkew must be 0 to 3,600,000 milliseconds');
  const now = options.now ?? Date.now;
  check(typeof now === 'function', 'now must be a function returning milliseconds');
  check(options.audit === undefined || typeof options.audit === 'function', 'audit must be a function');
  check(options.bearerTokens === undefined || typeof options.bearerTokens === 'function', 'bearerTokens must be a function (token) => principal | undefined');
  const { keyring, audit } = options;
  const credentialOf = options.credentials === undefined ? undefined : credentialLookup(options.credentials);
  const awsServed = options.aws ?? credentialOf !== undefined;
  check(!awsServed || credentialOf, 'the AWS protocol needs credentials');
  const alibaba = options.alibaba === true ? {} : options.alibaba || undefined;
  check(alibaba === undefined || (typeof alibaba === 'object' && credentialOf), 'the Alibaba protocol needs credentials; alibaba is true or { claimNonce?, nonceCapacity? }');
  const capacity = alibaba?.nonceCapacity ?? 100_000;
  check(Number.isInteger(capacity) && capacity >= 1, 'nonceCapacity must be a positive integer');
  check(alibaba?.claimNonce === undefined || typeof alibaba.claimNonce === 'function', 'claimNonce must be a function (key, expiresAt) => boolean');

  const base = { keyring, now, maxSkew, maxBody: MAX_BODY };
  const aws = awsServed && credentialOf ? { ...base, region, credentialOf, signingKeys: new SigningKeyCache() } : undefined;
  const nonces = alibaba && !alibaba.claimNonce ? new NonceCache(capacity, now) : undefined;
  const rpc = alibaba && credentialOf ? { ...base, credentialOf, claimNonce: alibaba.claimNonce ?? ((key: string, expiresAt: number) => nonces!.claim(key, expiresAt)) } : undefined;
  const yandex = options.bearerTokens ? { ...base, principalOf: options.bearerTokens } : undefined;
  const served = [aws && 'aws', rpc && 'alibaba', yandex && 'yandex'].filter((p): p is KmsProtocol => typeof p === 'string');
  check(served.length > 0, 'createKmsHandler serves nothing: give credentials (AWS, with alibaba: true also Alibaba) or bearerTokens (Yandex)');

  return async (request) => {
    const requestId = randomUuid(keyring.crypto);
    const heard: Heard = {};
    const protocol = protocolOf(request, served);
    let response: Response;
    try {
      if (protocol === 'aws') response = aws ? await serveAws(request, aws, requestId, heard) : awsError(new AwsFault('UnknownOperationException', 404, NOT_SERVED), requestId, now(), heard);
      else if (protocol === 'yandex') response = yandex ? await serveYandex(request, yandex, requestId, heard) : yandexError(new YandexFault(5, 'NOT_FOUND', 404, NOT_SERVED), requestId, now(), heard);
      else response = rpc ? await serveAlibaba(request, rpc, requestId, heard) : alibabaError(new AlibabaFault('InvalidAction.NotFound', 404, NOT_SERVED), 'JSON', requestId, new URL(request.url).host, now(), heard);
    } catch {
      // The protocols answer every failure themselves; this is the last line if one did not.
      response = new Response(null, { status: 500 });
      heard.error = 'InternalError';
    }
    if (audit) {
      try {
        audit({
          time: new Date(now()),
          requestId,
          protocol,
          status: response.status,
          ...(heard.accessKeyId === undefined ? {} : { accessKeyId: heard.accessKeyId }),
          ...(heard.subject === undefined ? {} : { subject: heard.subject }),
          ...(heard.operation === undefined ? {} : { operation: heard.operation }),
          ...(heard.error === undefined ? {} : { error: heard.error }),
        });
      } catch {
        // An audit callback that throws must not turn an answer into a failure.
      }
    }
    return response;
  };
}
