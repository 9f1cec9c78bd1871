// createKmsHandler: a KMS service on the web's Request and Response, for a Worker, Deno.serve,
// Bun.serve or Node. Every request is authenticated; the handler never throws: every failure is a
// response in the protocol's shape.
import { check } from '../errors.js';
import { isKeyring, type Keyring } from '../keyring.js';
import { checkObject } from '../plain.js';
import { randomUuid } from '../identifiers.js';
import { AwsFault, type KmsAuditEvent, type KmsCredential, answerAws, awsFault, awsResponse } from './aws-json.js';
import { BodyTooLarge, readBody } from './body.js';
import { SigningKeyCache } from './sigv4.js';

export type { KmsAuditEvent, KmsCredential, KmsPolicy } from './aws-json.js';

/** Options of {@link createKmsHandler}. */
export interface KmsHandlerOptions {
  /** The keys the service answers with (any Keyring, also one opened on a KeyStore). */
  keyring: Keyring;
  /** The SigV4 credentials it accepts: a list, or a lookup by access key id. */
  credentials: readonly KmsCredential[] | ((accessKeyId: string) => KmsCredential | undefined | Promise<KmsCredential | undefined>);
  /** The region requests must be signed for. Default: the keyring's. */
  region?: string;
  /** How far a request's X-Amz-Date may be from the handler's clock, in milliseconds. Default 5 minutes. */
  maxClockSkew?: number;
  /** The handler's clock (milliseconds since the epoch). Default `Date.now`. */
  now?: () => number;
  /** Hears of every request once answered: who, what, the outcome. Never key material or secrets. */
  audit?: (event: KmsAuditEvent) => void;
}

/** Bodies over this are refused before they are read: the largest KMS request is far smaller. */
const MAX_BODY = 64 * 1024;

function credentialLookup(credentials: KmsHandlerOptions['credentials']): (accessKeyId: string) => Promise<KmsCredential | undefined> {
  if (typeof credentials === 'function') return async (accessKeyId) => credentials(accessKeyId);
  check(Array.isArray(credentials), 'credentials must be an array of { accessKeyId, secretAccessKey, policy? } or a lookup function');
  const byId = new Map<string, KmsCredential>();
  for (const credential of credentials) {
    check(
      typeof credential?.accessKeyId === 'string' && credential.accessKeyId.length > 0 && typeof credential.secretAccessKey === 'string' && credential.secretAccessKey.length > 0,
      'each credential needs a non-empty accessKeyId and secretAccessKey',
    );
    byId.set(credential.accessKeyId, credential);
  }
  return async (accessKeyId) => byId.get(accessKeyId);
}

/**
 * A KMS service as a fetch handler: `(request) => Promise<Response>`. It answers the AWS KMS JSON
 * 1.1 protocol (`X-Amz-Target: TrentService.<Operation>`), which the unmodified AWS SDKs and CLI
 * speak, verifying AWS Signature Version 4 on every request.
 * @throws `ValidationException` (at once) for bad options; the handler itself never throws.
 */
export function createKmsHandler(options: KmsHandlerOptions): (request: Request) => Promise<Response> {
  checkObject(options, 'createKmsHandler takes { keyring, credentials, region?, maxClockSkew?, now?, audit? }');
  check(isKeyring(options.keyring), 'keyring must be a webkms Keyring');
  const region = options.region ?? options.keyring.region;
  check(typeof region === 'string' && /^[a-z0-9-]{1,64}$/.test(region), 'region must be 1–64 characters of a–z, 0–9 and "-"');
  const maxSkew = options.maxClockSkew ?? 5 * 60_000;
  check(typeof maxSkew === 'number' && maxSkew >= 0 && maxSkew <= 60 * 60_000, 'maxClockSkew must be 0 to 3,600,000 milliseconds');
  const now = options.now ?? Date.now;
  check(typeof now === 'function', 'now must be a function returning milliseconds');
  check(options.audit === undefined || typeof options.audit === 'function', 'audit must be a function');
  const settings = { keyring: options.keyring, region, credentialOf: credentialLookup(options.credentials), now, maxSkew, maxBody: MAX_BODY };
  const cache = new SigningKeyCache();
  const { audit } = options;

  return async (request) => {
    const requestId = randomUuid(settings.keyring.crypto);
    let accessKeyId: string | undefined;
    let operation: string | undefined;
    let response: Response;
    try {
      const body = await readBody(request, MAX_BODY);
      const answer = await answerAws(request, body, settings, cache, (scope, name) => {
        accessKeyId = scope.accessKeyId;
        operation = name;
      });
      response = awsResponse(200, answer, requestId, now());
    } catch (error) {
      const fault = error instanceof BodyTooLarge ? new AwsFault('ValidationException', 413, `The request body is larger than ${MAX_BODY} bytes`) : awsFault(error);
      response = awsResponse(fault.status, { __type: fault.code, message: fault.message }, requestId, now(), fault.code);
    }
    if (audit) {
      const error = response.status === 200 ? undefined : response.headers.get('x-amzn-errortype') ?? undefined;
      try {
        audit({
          time: new Date(now()),
          requestId,
          protocol: 'aws',
          status: response.status,
          ...(accessKeyId === undefined ? {} : { accessKeyId }),
          ...(operation === undefined ? {} : { operation }),
          ...(error === undefined ? {} : { error }),
        });
      } catch {
        // An audit callback that throws must not turn an answer into a failure.
      }
    }
    return response;
  };
}
