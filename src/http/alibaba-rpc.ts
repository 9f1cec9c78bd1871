// The Alibaba Cloud KMS RPC protocol (KMS 2016-01-20): `Action=GenerateDataKey&KeyId=…` in the
// query (GET or POST) or an `application/x-www-form-urlencoded` body, answered by webkms/alibaba's
// AlibabaKms over the handler's keyring, as JSON or XML (`Format`). Every request carries the RPC
// signature: Base64(HMAC-SHA1(AccessKeySecret + "&", StringToSign)) over the sorted,
// percent-encoded parameters; it is verified in constant time, its Timestamp must be within the
// handler's clock skew, and its SignatureNonce is accepted once.
import { encode } from '../base64.js';
import { timingSafeEqual, utf8 } from '../bytes.js';
import { type AlibabaDecryptRequest, type AlibabaGenerateDataKeyRequest, AlibabaKms, AlibabaKmsError, alibabaXml } from '../dialects/alibaba.js';
import { type Heard, type KmsCredential, type SignedProtocolOptions, policyDenial, requestedKeys } from './access.js';
import { BodyTooLarge, bodyText, hasContentType, readBody } from './body.js';
import { NonceCacheFull, type NonceClaim } from './nonces.js';
import { hmac, uriEncode } from './signing.js';

/**
 * The Alibaba side of the handler's configuration, checked.
 * @example
 * const rpc: AlibabaProtocolOptions = { keyring, credentialOf, now: Date.now, maxSkew: 300_000, maxBody: 65536, claimNonce: (key, expiresAt) => nonces.claim(key, expiresAt) };
 */
export interface AlibabaProtocolOptions extends SignedProtocolOptions {
  /** Claims a request's SignatureNonce; `false` when it was claimed already (a replay). */
  readonly claimNonce: NonceClaim;
}

/**
 * An error to answer with: Alibaba's error code, the HTTP status, a message.
 * @example
 * new AlibabaFault('SignatureNonceUsed', 400, 'Specified signature nonce was used already.');
 */
export class AlibabaFault extends Error {
  /**
   * @param code - Alibaba's error code (`Code`).
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

/** The API version of the classic KMS RPC API. */
const VERSION = '2016-01-20';
const FORM = 'application/x-www-form-urlencoded';
/** The actions of AlibabaKms; their names are the AWS names policies use. */
const ACTIONS = ['GenerateDataKey', 'Decrypt'] as const;
/** Parameters of the protocol, not of an action: checked here, not passed on. */
/** How long past the Timestamp window a nonce stays claimed, in milliseconds. */
const NONCE_MARGIN = 60_000;
const COMMON = ['Action', 'Version', 'Format', 'AccessKeyId', 'Signature', 'SignatureMethod', 'SignatureVersion', 'SignatureNonce', 'Timestamp', 'RegionId'];
const REQUIRED = ['AccessKeyId', 'Signature', 'SignatureMethod', 'SignatureVersion', 'SignatureNonce', 'Timestamp', 'Action', 'Version'];
const TIMESTAMP = /^(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)(?:\.\d{1,3})?Z$/;

const invalid = (name: string, why = ''): AlibabaFault => new AlibabaFault('InvalidParameter', 400, `The specified parameter "${name}" is not valid.${why}`);
const noSuchApi = (status = 404): AlibabaFault => new AlibabaFault('InvalidAction.NotFound', status, 'Specified api is not found, please check your url and method.');

/** The request's parameters, from the query and a form body; a name given twice is refused. */
function parameters(request: Request, url: URL, body: Uint8Array): Map<string, string> {
  const sources = [url.searchParams];
  if (body.length > 0) {
    if (request.method !== 'POST' || !hasContentType(request, FORM)) throw new AlibabaFault('InvalidParameter', 400, `A request body must be a POST of Content-Type ${FORM}`);
    sources.push(new URLSearchParams(bodyText(body)));
  }
  const params = new Map<string, string>();
  for (const source of sources) {
    for (const [name, value] of source) {
      if (params.has(name)) throw invalid(name.slice(0, 64), ' It is given twice.');
      params.set(name, value);
    }
  }
  return params;
}

/** When the Timestamp says the request was signed, in milliseconds. */
function signedAt(timestamp: string): number {
  const match = TIMESTAMP.exec(timestamp);
  const at = match ? Date.UTC(+match[1]!, +match[2]! - 1, +match[3]!, +match[4]!, +match[5]!, +match[6]!) : NaN;
  // Date.UTC rolls 2016-02-30 over to March: a date that does not read back is not a date.
  if (!match || Number.isNaN(at) || new Date(at).toISOString().slice(0, 19) !== timestamp.slice(0, 19)) {
    throw new AlibabaFault('IllegalTimestamp', 400, 'The specified parameter "Timestamp" is not valid: it must be UTC as yyyy-MM-ddTHH:mm:ssZ.');
  }
  return at;
}

/**
 * Alibaba's StringToSign: the method, the encoded "/", and the encoded canonicalised query (every
 * parameter but Signature, sorted by name, name and value percent-encoded, joined by = and &).
 * @example
 * stringToSign('GET', new Map([['Action', 'DescribeRegions'], ['Signature', '…']])); // 'GET&%2F&Action%3DDescribeRegions'
 */
function stringToSign(method: string, params: ReadonlyMap<string, string>): string {
  const names = [...params.keys()].filter((name) => name !== 'Signature').sort();
  const canonical = names.map((name) => `${uriEncode(name)}=${uriEncode(params.get(name)!)}`).join('&');
  return `${method}&${uriEncode('/')}&${uriEncode(canonical)}`;
}

/** Verifies the common parameters and the signature. Returns the credential, and when the request was signed. */
async function verify(request: Request, params: Map<string, string>, options: AlibabaProtocolOptions): Promise<{ credential: KmsCredential; at: number }> {
  for (const name of REQUIRED) {
    if (!params.get(name)) throw new AlibabaFault('MissingParameter', 400, `The input parameter "${name}" that is mandatory for processing this request is not supplied.`);
  }
  if (params.get('SignatureMethod') !== 'HMAC-SHA1') throw invalid('SignatureMethod', ' Only HMAC-SHA1 is supported.');
  if (params.get('SignatureVersion') !== '1.0') throw invalid('SignatureVersion', ' Only 1.0 is supported.');
  if (params.get('SignatureNonce')!.length > 128) throw invalid('SignatureNonce', ' It is at most 128 characters.');
  const at = signedAt(params.get('Timestamp')!);
  const now = options.now();
  if (!(Math.abs(now - at) <= options.maxSkew)) {
    throw new AlibabaFault('InvalidTimeStamp.Expired', 400, `Specified time stamp or date value is expired: it is more than ${options.maxSkew / 60_000} minutes from ${new Date(now).toISOString()}.`);
  }
  const accessKeyId = params.get('AccessKeyId')!;
  const credential = await options.credentialOf(accessKeyId);
  if (!credential) throw new AlibabaFault('InvalidAccessKeyId.NotFound', 404, 'Specified access key is not found.');
  const mac = await hmac(options.keyring.crypto, 'SHA-1', utf8(`${credential.secretAccessKey}&`), stringToSign(request.method, params));
  // A "+" of the base64 sent unencoded in a query reads as a space (Alibaba's own example URL
  // shows it so); base64 has no spaces, so this is the only reading.
  if (!timingSafeEqual(utf8(encode(mac)), utf8(params.get('Signature')!.replace(/ /g, '+')))) {
    throw new AlibabaFault('SignatureDoesNotMatch', 400, 'Specified signature is not matched with our calculation.');
  }
  return { credential, at };
}

/**
 * Claims the request's nonce, once its signature verified: nobody without the secret can fill the
 * cache. The claim lasts while the Timestamp is acceptable; after that the Timestamp refuses a replay.
 */
async function claimNonce(params: Map<string, string>, expiresAt: number, options: AlibabaProtocolOptions): Promise<void> {
  const accessKeyId = params.get('AccessKeyId')!;
  let fresh: boolean;
  try {
    fresh = await options.claimNonce(`${accessKeyId.length}:${accessKeyId}/${params.get('SignatureNonce')!}`, expiresAt);
  } catch (error) {
    if (error instanceof NonceCacheFull) throw new AlibabaFault('ServiceUnavailableTemporary', 503, 'Service Unavailable Temporary: too many requests in the Timestamp window; retry with a new SignatureNonce.');
    throw error;
  }
  if (fresh !== true) throw new AlibabaFault('SignatureNonceUsed', 400, 'Specified signature nonce was used already.');
}

/** The action's own parameters, as AlibabaKms takes them: NumberOfBytes as a number. */
function actionInput(params: Map<string, string>): Record<string, unknown> {
  const input: Record<string, unknown> = {};
  for (const [name, value] of params) if (!COMMON.includes(name)) input[name] = value;
  const bytes = input['NumberOfBytes'];
  if (typeof bytes === 'string' && /^\d{1,5}$/.test(bytes)) input['NumberOfBytes'] = Number(bytes);
  return input;
}

type Format = 'JSON' | 'XML';

async function answerAlibaba(request: Request, url: URL, options: AlibabaProtocolOptions, requestId: string, heard: Heard, answer: { format: Format }): Promise<object> {
  if (url.pathname !== '/') throw noSuchApi();
  if (request.method !== 'GET' && request.method !== 'POST') throw noSuchApi(405);
  const params = parameters(request, url, await readBody(request, options.maxBody));
  const format = params.get('Format') ?? 'JSON';
  if (format !== 'JSON' && format !== 'XML') throw invalid('Format', ' It is JSON or XML.');
  answer.format = format;
  const { credential, at } = await verify(request, params, options);
  heard.accessKeyId = params.get('AccessKeyId')!;
  // Held past the window by a margin: a request verified at the window's last moment must still
  // find its nonce claimed when it is claimed, after awaits (and on another isolate's clock).
  await claimNonce(params, at + options.maxSkew + NONCE_MARGIN, options);
  if (params.get('Version') !== VERSION) throw new AlibabaFault('InvalidVersion', 400, `Specified parameter Version is not valid: this endpoint answers ${VERSION}.`);
  const action = params.get('Action')!;
  if (!(ACTIONS as readonly string[]).includes(action)) throw noSuchApi();
  heard.operation = action;
  const input = actionInput(params);
  const denial = policyDenial(options.keyring, credential.policy, action, requestedKeys(input, action));
  if (denial) throw new AlibabaFault('Forbidden.RAM', 403, `User ${heard.accessKeyId.slice(0, 128)} is not authorized to perform kms:${action} ${denial}.`);
  const kms = new AlibabaKms(options.keyring);
  // AlibabaKms checks every field; XML is made here, once the RequestId is the handler's (the one the audit hears).
  const json = { ...input, Format: 'JSON' } as const;
  const body =
    action === 'GenerateDataKey' ? await kms.generateDataKey(json as AlibabaGenerateDataKeyRequest & typeof json) : await kms.decrypt(json as AlibabaDecryptRequest & typeof json);
  return { ...body, RequestId: requestId };
}

function alibabaResponse(status: number, format: Format, root: string, body: object, now: number): Response {
  const headers = new Headers({ date: new Date(now).toUTCString(), 'content-type': format === 'XML' ? 'text/xml;charset=utf-8' : 'application/json;charset=utf-8' });
  if (status === 405) headers.set('allow', 'GET, POST');
  return new Response(format === 'XML' ? alibabaXml(root, body) : JSON.stringify(body), { status, headers });
}

/** What an error becomes: the dialect's codes as they are, anything unexpected InternalFailure naming only its kind. */
function alibabaFault(error: unknown, maxBody: number): AlibabaFault {
  if (error instanceof AlibabaFault) return error;
  if (error instanceof AlibabaKmsError) return new AlibabaFault(error.code, error.statusCode, error.message);
  if (error instanceof BodyTooLarge) return new AlibabaFault('InvalidParameter', 413, `The request body is larger than ${maxBody} bytes.`);
  const kind = error instanceof Error ? ` (${error.name.slice(0, 40)})` : '';
  return new AlibabaFault('InternalFailure', 500, `Internal Failure: the request failed inside the service${kind}.`);
}

/**
 * An error answer of the RPC protocol, as KMS documents it (`HttpStatus`, `Code`, `Message`,
 * `RequestId`, and `HostId`: the host the request was sent to); `heard` learns its code.
 * @example
 * alibabaError(new AlibabaFault('InvalidAction.NotFound', 404, 'Specified api is not found.'), 'JSON', requestId, 'kms.example', Date.now(), {});
 */
export function alibabaError(fault: AlibabaFault, format: Format, requestId: string, host: string, now: number, heard: Heard): Response {
  heard.error = fault.code;
  const body = { HttpStatus: fault.status, Code: fault.code, Message: fault.message, RequestId: requestId, HostId: host };
  return alibabaResponse(fault.status, format, 'KMS', body, now);
}

/**
 * Serves one request of the Alibaba RPC protocol: its parameters (query and form body, bounded),
 * the signature, Timestamp and nonce, the policy, the action. Never throws: every failure is an
 * answer in Alibaba's shape, in the `Format` asked when it could be read.
 * @example
 * const response = await serveAlibaba(request, { keyring, credentialOf, now: Date.now, maxSkew: 300_000, maxBody: 65536, claimNonce }, requestId, {});
 */
export async function serveAlibaba(request: Request, options: AlibabaProtocolOptions, requestId: string, heard: Heard): Promise<Response> {
  const url = new URL(request.url);
  const answer: { format: Format } = { format: 'JSON' };
  try {
    const body = await answerAlibaba(request, url, options, requestId, heard, answer);
    return alibabaResponse(200, answer.format, `${heard.operation}Response`, body, options.now());
  } catch (error) {
    return alibabaError(alibabaFault(error, options.maxBody), answer.format, requestId, url.host, options.now(), heard);
  }
}
