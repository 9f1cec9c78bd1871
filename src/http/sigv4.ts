// AWS Signature Version 4, verified: the canonical request is rebuilt from the request as
// received (whatever headers the client chose to sign), the signature recomputed with WebCrypto's
// HMAC-SHA-256 and compared in constant time. The unmodified AWS SDKs sign this way.
import { hex, timingSafeEqual, utf8 } from '../bytes.js';
import { bufferSource } from '../webcrypto.js';
import { hmac, uriEncode } from './signing.js';

/** A credential the handler accepts: an access key id and its secret. */
export interface SigV4Credential {
  /** The access key id requests name in their signature's `Credential` scope (Alibaba: `AccessKeyId`). */
  readonly accessKeyId: string;
  /** The secret access key the signatures are computed with (Alibaba: the AccessKeySecret); never logged. */
  readonly secretAccessKey: string;
}

/** Why a request's signature was refused, with the AWS error name the SDKs map to their exceptions. */
export class SignatureError extends Error {
  /**
   * @param code - `MissingAuthenticationTokenException`, `IncompleteSignatureException`,
   *   `InvalidSignatureException` or `UnrecognizedClientException`.
   * @param message - what was wrong; never a secret.
   */
  constructor(
    readonly code: 'MissingAuthenticationTokenException' | 'IncompleteSignatureException' | 'InvalidSignatureException' | 'UnrecognizedClientException',
    message: string,
  ) {
    super(message);
  }
}

/** What a verified request was signed with. */
export interface SignedScope {
  /** The access key id of the credential scope. */
  readonly accessKeyId: string;
  /** The region of the credential scope. */
  readonly region: string;
  /** The service of the credential scope (`kms`). */
  readonly service: string;
  /** The headers the signature covers, lowercase. */
  readonly signedHeaders: readonly string[];
}

/** What {@link verifySigV4} checks a request against. */
export interface SigV4Expectations {
  /** The region the scope must name. */
  readonly region: string;
  /** The service the scope must name (`kms`). */
  readonly service: string;
  /** The handler's clock, in milliseconds. */
  readonly now: number;
  /** The most the request's X-Amz-Date may be from `now`, in milliseconds. */
  readonly maxSkew: number;
  /** The credential of an access key id, or `undefined` for an unknown one. */
  readonly credentialOf: (accessKeyId: string) => Promise<SigV4Credential | undefined>;
}

const ALGORITHM = 'AWS4-HMAC-SHA256';
const AUTHORIZATION = /^AWS4-HMAC-SHA256 Credential=([^,\s]+),\s*SignedHeaders=([^,\s]+),\s*Signature=([0-9a-f]{64})$/;
const AMZ_DATE = /^(\d{8})T(\d{6})Z$/;

const encoder = new TextEncoder();

/** A query name or value decoded; a malformed percent-escape is the client's mistake, not a fault. */
function decodeQueryPart(part: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    throw new SignatureError('IncompleteSignatureException', 'the query string has a malformed percent-escape');
  }
}

/** The canonical query string: every pair encoded, sorted by name then value. */
function canonicalQuery(search: string): string {
  if (search.length <= 1) return '';
  const pairs = search
    .slice(1)
    .split('&')
    .filter((part) => part.length > 0)
    .map((part) => {
      const at = part.indexOf('=');
      return [uriEncode(decodeQueryPart(at < 0 ? part : part.slice(0, at))), uriEncode(decodeQueryPart(at < 0 ? '' : part.slice(at + 1)))] as const;
    });
  pairs.sort(([a, x], [b, y]) => (a < b ? -1 : a > b ? 1 : x < y ? -1 : x > y ? 1 : 0));
  return pairs.map(([name, value]) => `${name}=${value}`).join('&');
}

/** The canonical path: the path as received (encoded once by the client), encoded again, as the SDKs sign every service but S3. */
const canonicalPath = (pathname: string): string => uriEncode(pathname).replace(/%2F/g, '/');

async function sha256Hex(crypto: Crypto, data: Uint8Array): Promise<string> {
  return hex(new Uint8Array(await crypto.subtle.digest('SHA-256', bufferSource(data))));
}

const HMAC_SHA256 = { name: 'HMAC', hash: 'SHA-256' } as const;

/**
 * Signing keys derived per secret, date, region and service: four HMACs saved per request. Keyed
 * by a digest of the secret, never the secret; bounded, the oldest dropped first. The digest is
 * remembered per credential object (a WeakMap: it lives as long as the credential, which holds the
 * secret anyway), so a credential list costs one digest per credential, not one per request.
 */
export class SigningKeyCache {
  readonly #keys = new Map<string, Promise<CryptoKey>>();
  readonly #secretIds = new WeakMap<SigV4Credential, { secret: string; id: Promise<string> }>();
  readonly #capacity: number;

  /** @param capacity - derived keys kept (one per credential, day, region and service). */
  constructor(capacity = 256) {
    this.#capacity = capacity;
  }

  /** The derived signing key (non-extractable HMAC key) of the credential's secret. */
  async get(crypto: Crypto, credential: SigV4Credential, date: string, region: string, service: string): Promise<CryptoKey> {
    const secret = credential.secretAccessKey;
    let known = this.#secretIds.get(credential);
    // A credential object whose secret was replaced gets the new secret's digest.
    if (known?.secret !== secret) {
      known = { secret, id: sha256Hex(crypto, utf8(secret)) };
      this.#secretIds.set(credential, known);
    }
    const id = `${await known.id}/${date}/${region}/${service}`;
    let key = this.#keys.get(id);
    if (!key) {
      key = derive(crypto, secret, date, region, service);
      this.#keys.set(id, key);
      key.catch(() => this.#keys.delete(id));
      for (const oldest of this.#keys.keys()) {
        if (this.#keys.size <= this.#capacity) break;
        this.#keys.delete(oldest);
      }
    }
    return key;
  }
}

/** kSigning = HMAC(HMAC(HMAC(HMAC("AWS4" + secret, date), region), service), "aws4_request"), kept as a non-extractable key. */
async function derive(crypto: Crypto, secret: string, date: string, region: string, service: string): Promise<CryptoKey> {
  let key = utf8(`AWS4${secret}`);
  for (const part of [date, region, service, 'aws4_request']) key = await hmac(crypto, 'SHA-256', key, part);
  try {
    return await crypto.subtle.importKey('raw', bufferSource(key), HMAC_SHA256, false, ['sign']);
  } finally {
    key.fill(0);
  }
}

/** A header's canonical value: trimmed, runs of spaces collapsed. */
const canonicalValue = (value: string): string => value.trim().replace(/\s+/g, ' ');

/**
 * Verifies the SigV4 signature of `request` whose body is `body` (already read).
 * @returns the access key and scope the request was signed with.
 * @throws {@link SignatureError} with the AWS error name of what was wrong.
 */
export async function verifySigV4(
  crypto: Crypto,
  request: Request,
  body: Uint8Array,
  expected: SigV4Expectations,
  cache: SigningKeyCache,
): Promise<SignedScope> {
  const authorization = request.headers.get('authorization');
  if (authorization === null) throw new SignatureError('MissingAuthenticationTokenException', 'Missing Authentication Token');
  const match = AUTHORIZATION.exec(authorization);
  if (!match) {
    throw new SignatureError('IncompleteSignatureException', `Authorization header requires 'Credential', 'SignedHeaders' and 'Signature' with ${ALGORITHM}`);
  }
  const [, credential, signedHeaderList, signature] = match as unknown as [string, string, string, string];
  const scope = credential.split('/');
  if (scope.length !== 5 || scope[4] !== 'aws4_request') throw new SignatureError('IncompleteSignatureException', 'the Credential must be <access key>/<date>/<region>/<service>/aws4_request');
  const [accessKeyId, date, region, service] = scope as [string, string, string, string, string];
  if (region !== expected.region) throw new SignatureError('InvalidSignatureException', `Credential should be scoped to a valid region, not '${region.slice(0, 64)}'; this endpoint is ${expected.region}`);
  if (service !== expected.service) throw new SignatureError('InvalidSignatureException', `Credential should be scoped to correct service: '${expected.service}'`);

  const amzDate = request.headers.get('x-amz-date') ?? '';
  const dateMatch = AMZ_DATE.exec(amzDate);
  if (!dateMatch) throw new SignatureError('IncompleteSignatureException', 'the X-Amz-Date header is required, as YYYYMMDDTHHMMSSZ');
  if (dateMatch[1] !== date) throw new SignatureError('InvalidSignatureException', 'the Credential date does not match X-Amz-Date');
  const d = dateMatch[1]!;
  const t = dateMatch[2]!;
  const signedAt = Date.UTC(+d.slice(0, 4), +d.slice(4, 6) - 1, +d.slice(6, 8), +t.slice(0, 2), +t.slice(2, 4), +t.slice(4, 6));
  if (!(Math.abs(expected.now - signedAt) <= expected.maxSkew)) {
    throw new SignatureError('InvalidSignatureException', `Signature expired or not yet valid: ${amzDate} is more than ${expected.maxSkew / 60_000} minutes from ${new Date(expected.now).toISOString()}`);
  }

  const signedHeaders = signedHeaderList.split(';');
  const sorted = signedHeaders.every((name, i) => name.length > 0 && name === name.toLowerCase() && (i === 0 || signedHeaders[i - 1]! < name));
  if (!sorted || !signedHeaders.includes('host') || !signedHeaders.includes('x-amz-date')) {
    throw new SignatureError('IncompleteSignatureException', 'SignedHeaders must be sorted lowercase names and include host and x-amz-date');
  }
  const url = new URL(request.url);
  const headerLines: string[] = [];
  for (const name of signedHeaders) {
    // Host and Content-Length may be absent from a Request object (browsers drop them; proxies
    // re-chunk bodies): their values follow from the URL and the body.
    const value = request.headers.get(name) ?? (name === 'host' ? url.host : name === 'content-length' ? String(body.length) : null);
    if (value === null) throw new SignatureError('IncompleteSignatureException', `the signed header ${name.slice(0, 64)} is missing`);
    headerLines.push(`${name}:${canonicalValue(value)}\n`);
  }
  const payloadHash = await sha256Hex(crypto, body);
  const claimed = request.headers.get('x-amz-content-sha256');
  if (claimed !== null && claimed !== payloadHash) {
    throw new SignatureError('InvalidSignatureException', 'the body does not match its x-amz-content-sha256');
  }
  const canonicalRequest = [request.method, canonicalPath(url.pathname), canonicalQuery(url.search), headerLines.join(''), signedHeaderList, payloadHash].join('\n');
  const stringToSign = [ALGORITHM, amzDate, `${date}/${region}/${service}/aws4_request`, await sha256Hex(crypto, encoder.encode(canonicalRequest))].join('\n');

  const credentialFound = await expected.credentialOf(accessKeyId);
  if (credentialFound === undefined) throw new SignatureError('UnrecognizedClientException', 'The security token included in the request is invalid.');
  const signingKey = await cache.get(crypto, credentialFound, date, region, service);
  const computed = hex(new Uint8Array(await crypto.subtle.sign('HMAC', signingKey, encoder.encode(stringToSign))));
  if (!timingSafeEqual(utf8(computed), utf8(signature))) {
    throw new SignatureError(
      'InvalidSignatureException',
      'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method.',
    );
  }
  return { accessKeyId, region, service, signedHeaders };
}
