// webkms/http's Alibaba Cloud KMS RPC endpoint in every engine: Action=… in the query or a form
// body, JSON or XML answers, Alibaba's error shape, and the RPC signature verified. The requests
// are signed here by a signer of the test's own (WebCrypto HMAC-SHA1), which first reproduces
// Alibaba's documented example signature; every tampering with a signed request is refused, and a
// nonce is accepted once.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { base64 } from '../src/index.ts';
import { createKmsHandler } from '../src/http/handler.ts';
import { NonceCache, NonceCacheFull } from '../src/http/nonces.ts';
import { crypto, has } from './support/env.mjs';
import { TEST_KEY_ID, testKeyring } from './support/helpers.mjs';

const CREDENTIALS = { accessKeyId: 'LTAI5tWebkmsTestKey', secretAccessKey: 'webkms/alibaba+test secret' };
const NOW = Date.UTC(2026, 0, 2, 3, 4, 5);
const MINUTE = 60_000;

/** Alibaba's percent-encoding: RFC 3986 unreserved characters stay, everything else %XY. */
function percent(text) {
  let out = '';
  for (const byte of new TextEncoder().encode(text)) {
    const c = String.fromCharCode(byte);
    out += /[A-Za-z0-9\-_.~]/.test(c) ? c : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/** Base64(HMAC-SHA1(secret + "&", method & %2F & percent(sorted name=value pairs))), as Alibaba's documentation says. */
async function signature(method, params, secret) {
  const pairs = Object.keys(params).filter((name) => name !== 'Signature').sort().map((name) => `${percent(name)}=${percent(params[name])}`);
  const stringToSign = `${method}&${percent('/')}&${percent(pairs.join('&'))}`;
  const key = await crypto.subtle.importKey('raw', new TextEncoder().encode(`${secret}&`), { name: 'HMAC', hash: 'SHA-1' }, false, ['sign']);
  return base64.encode(new Uint8Array(await crypto.subtle.sign('HMAC', key, new TextEncoder().encode(stringToSign))));
}

let nonces = 0;
const iso = (ms) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

/** The common parameters of a request signed at `at`, with a fresh nonce. */
const common = (at = NOW, accessKeyId = CREDENTIALS.accessKeyId) => ({
  Version: '2016-01-20',
  AccessKeyId: accessKeyId,
  SignatureMethod: 'HMAC-SHA1',
  SignatureVersion: '1.0',
  SignatureNonce: `nonce-${++nonces}-${Math.random().toString(36).slice(2)}`,
  Timestamp: iso(at),
});

/**
 * A signed request: `params` plus the common ones (`at`: signing time), then `change` applied to
 * the signed parameters; GET puts them in the query, POST in a form body.
 */
async function signed(params, { method = 'GET', at = NOW, secret = CREDENTIALS.secretAccessKey, change, send = method } = {}) {
  const all = { ...common(at), ...params };
  for (const [name, value] of Object.entries(all)) if (value === undefined) delete all[name];
  all.Signature = await signature(method, all, secret);
  change?.(all);
  return rpc(all, send);
}

/** A request of these parameters, unsigned. */
function rpc(params, method = 'GET') {
  const text = Object.entries(params).map(([name, value]) => `${percent(name)}=${percent(value)}`).join('&');
  if (method === 'GET') return new Request(`https://kms.cn-hangzhou.aliyuncs.test/?${text}`);
  return new Request('https://kms.cn-hangzhou.aliyuncs.test/', { method, headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: text });
}

/** A handler serving Alibaba (and AWS) on the test keyring, its clock at `now`. */
async function service({ now = () => NOW, ...options } = {}) {
  const keyring = await testKeyring();
  const events = [];
  const handler = createKmsHandler({ keyring, credentials: [CREDENTIALS], alibaba: true, now, audit: (event) => events.push(event), ...options });
  return { keyring, handler, events };
}

async function answer(handler, request) {
  const response = await handler(request);
  const text = await response.text();
  const xml = (response.headers.get('content-type') ?? '').startsWith('text/xml');
  return { status: response.status, headers: response.headers, text, body: xml ? undefined : JSON.parse(text) };
}

/** Asserts Alibaba's JSON error shape: the status, the Code, the request id; HostId the host asked. */
function isError(result, status, code, pattern) {
  assert.is(result.status, status, `${code}: ${result.text}`);
  assert.equal(Object.keys(result.body), ['HttpStatus', 'Code', 'Message', 'RequestId', 'HostId']);
  assert.is(result.body.HttpStatus, status);
  assert.is(result.body.Code, code);
  assert.is(result.body.HostId, 'kms.cn-hangzhou.aliyuncs.test');
  assert.match(result.body.RequestId, /^[0-9a-f-]{36}$/);
  if (pattern) assert.match(result.body.Message, pattern);
}

const signing = suite('http alibaba: the RPC signature');

signing('Alibaba\'s documented example: this test\'s signer gives its signature, and the handler verifies its URL as printed', async () => {
  const params = { Timestamp: '2016-02-23T12:46:24Z', Format: 'XML', AccessKeyId: 'testid', Action: 'DescribeRegions', SignatureMethod: 'HMAC-SHA1', SignatureNonce: '3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf', Version: '2014-05-26', SignatureVersion: '1.0' };
  assert.is(await signature('GET', params, 'testsecret'), 'OLeaidS1JvxuMvnyHOwuJ+uX5qY=');
  const printed = 'http://ecs.aliyuncs.com/?SignatureVersion=1.0&Action=DescribeRegions&Format=XML&SignatureNonce=3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf&Version=2014-05-26&AccessKeyId=testid&Signature=OLeaidS1JvxuMvnyHOwuJ+uX5qY=&SignatureMethod=HMAC-SHA1&Timestamp=2016-02-23T12%3A46%3A24Z';
  const keyring = await testKeyring();
  const at = () => Date.parse('2016-02-23T12:46:24Z');
  const events = [];
  const handler = createKmsHandler({ keyring, credentials: [{ accessKeyId: 'testid', secretAccessKey: 'testsecret' }], alibaba: true, now: at, audit: (e) => events.push(e) });
  // Verified: what is refused then is the ECS API version, asked for as XML.
  const result = await answer(handler, new Request(printed));
  assert.is(result.status, 400);
  assert.is(result.headers.get('content-type'), 'text/xml;charset=utf-8');
  assert.match(result.text, /^<\?xml version="1.0" encoding="UTF-8"\?>\n<KMS><HttpStatus>400<\/HttpStatus><Code>InvalidVersion<\/Code>/);
  assert.equal([events[0].protocol, events[0].accessKeyId, events[0].error], ['alibaba', 'testid', 'InvalidVersion']);
  const wrong = createKmsHandler({ keyring, credentials: [{ accessKeyId: 'testid', secretAccessKey: 'testsecreT' }], alibaba: true, now: at });
  assert.match((await answer(wrong, new Request(printed))).text, /<Code>SignatureDoesNotMatch<\/Code>/);
});

const TAMPERINGS = [
  ['a parameter changed (KeyId)', { change: (p) => { p.KeyId = 'alias/Other'; } }, 400, 'SignatureDoesNotMatch'],
  ['a parameter removed (NumberOfBytes)', { change: (p) => { delete p.NumberOfBytes; } }, 400, 'SignatureDoesNotMatch'],
  ['a parameter added (EncryptionContext)', { change: (p) => { p.EncryptionContext = '{"a":"b"}'; } }, 400, 'SignatureDoesNotMatch'],
  ['the Timestamp changed by a second', { change: (p) => { p.Timestamp = iso(NOW + 1000); } }, 400, 'SignatureDoesNotMatch'],
  ['the nonce changed', { change: (p) => { p.SignatureNonce += 'x'; } }, 400, 'SignatureDoesNotMatch'],
  ['a wrong secret', { secret: 'another secret' }, 400, 'SignatureDoesNotMatch'],
  ['signed for GET, sent as POST', { send: 'POST' }, 400, 'SignatureDoesNotMatch'],
  ['the signature itself', { change: (p) => { p.Signature = p.Signature.replace(/^./, (c) => (c === 'A' ? 'B' : 'A')); } }, 400, 'SignatureDoesNotMatch'],
  ['no Signature', { change: (p) => { delete p.Signature; } }, 400, 'MissingParameter'],
  ['no SignatureNonce', { change: (p) => { delete p.SignatureNonce; } }, 400, 'MissingParameter'],
  ['no Timestamp', { change: (p) => { delete p.Timestamp; } }, 400, 'MissingParameter'],
  ['no AccessKeyId', { change: (p) => { delete p.AccessKeyId; } }, 400, 'MissingParameter'],
  ['a malformed Timestamp', { change: (p) => { p.Timestamp = '2026-01-02 03:04:05'; } }, 400, 'IllegalTimestamp'],
  ['a Timestamp that is no date', { change: (p) => { p.Timestamp = '2026-02-30T03:04:05Z'; } }, 400, 'IllegalTimestamp'],
  ['an unknown AccessKeyId', { change: (p) => { p.AccessKeyId = 'LTAIunknown'; } }, 404, 'InvalidAccessKeyId.NotFound'],
];

for (const [what, options, status, code] of TAMPERINGS) {
  signing(`${what}: ${status} ${code}`, async () => {
    const { handler, events } = await service();
    isError(await answer(handler, await signed({ Action: 'GenerateDataKey', KeyId: TEST_KEY_ID, NumberOfBytes: '64' }, options)), status, code);
    assert.is(events.at(-1).error, code, 'the audit hears of it');
    assert.not.ok('accessKeyId' in events.at(-1), 'an unverified request names no access key');
  });
}

signing('SignatureMethod other than HMAC-SHA1, SignatureVersion other than 1.0: InvalidParameter, even when signed so', async () => {
  const { handler } = await service();
  isError(await answer(handler, await signed({ Action: 'GenerateDataKey', KeyId: TEST_KEY_ID, SignatureMethod: 'HMAC-SHA256' })), 400, 'InvalidParameter', /SignatureMethod/);
  isError(await answer(handler, await signed({ Action: 'GenerateDataKey', KeyId: TEST_KEY_ID, SignatureVersion: '2.0' })), 400, 'InvalidParameter', /SignatureVersion/);
});

signing('a Timestamp 4 minutes off is accepted, 6 minutes off refused (either way)', async () => {
  const { handler } = await service();
  for (const [offset, ok] of [[4 * MINUTE, true], [-4 * MINUTE, true], [6 * MINUTE, false], [-6 * MINUTE, false]]) {
    const result = await answer(handler, await signed({ Action: 'GenerateDataKey', KeyId: TEST_KEY_ID }, { at: NOW + offset }));
    if (ok) assert.is(result.status, 200, `${offset}: ${result.text}`);
    else isError(result, 400, 'InvalidTimeStamp.Expired');
  }
});

signing('the message of a refused signature holds neither secret nor string to sign', async () => {
  const { handler } = await service();
  const result = await answer(handler, await signed({ Action: 'Decrypt', CiphertextBlob: 'c2VjcmV0' }, { secret: 'another secret' }));
  isError(result, 400, 'SignatureDoesNotMatch');
  for (const leak of [CREDENTIALS.secretAccessKey, 'another secret', 'c2VjcmV0', 'Decrypt']) assert.not.ok(result.text.includes(leak), leak);
});

const replay = suite('http alibaba: nonces');

replay('a replayed request is refused (SignatureNonceUsed); the same request with a fresh nonce is accepted', async () => {
  const { handler, events } = await service();
  const request = await signed({ Action: 'GenerateDataKey', KeyId: TEST_KEY_ID });
  const again = request.clone();
  assert.is((await answer(handler, request)).status, 200);
  isError(await answer(handler, again), 400, 'SignatureNonceUsed');
  assert.is(events.at(-1).accessKeyId, CREDENTIALS.accessKeyId, 'the replay was signed by that key');
  assert.is((await answer(handler, await signed({ Action: 'GenerateDataKey', KeyId: TEST_KEY_ID }))).status, 200);
});

replay('a replay after the window is refused by its Timestamp; a nonce is remembered only while its Timestamp is acceptable', async () => {
  let now = NOW;
  const { handler } = await service({ now: () => now });
  const request = await signed({ Action: 'GenerateDataKey', KeyId: TEST_KEY_ID });
  const later = request.clone();
  assert.is((await answer(handler, request)).status, 200);
  now += 5 * MINUTE + 1000;
  isError(await answer(handler, later), 400, 'InvalidTimeStamp.Expired');
});

replay('a replay at the last moment of the Timestamp window is refused: the nonce is held past the window', async () => {
  let now = NOW;
  const { handler } = await service({ now: () => now });
  const request = await signed({ Action: 'Decrypt', CiphertextBlob: 'c2VjcmV0' });
  const replayed = request.clone();
  await answer(handler, request);
  now = NOW + 5 * MINUTE; // the Timestamp is still acceptable
  isError(await answer(handler, replayed), 400, 'SignatureNonceUsed');
});

replay('the in-memory cache is bounded: past its capacity of unexpired nonces, requests are refused (503), never an old nonce forgotten', async () => {
  let now = NOW;
  const { handler } = await service({ now: () => now, alibaba: { nonceCapacity: 2 } });
  const first = await signed({ Action: 'GenerateDataKey', KeyId: TEST_KEY_ID });
  const replayed = first.clone();
  assert.is((await answer(handler, first)).status, 200);
  assert.is((await answer(handler, await signed({ Action: 'GenerateDataKey', KeyId: TEST_KEY_ID }))).status, 200);
  isError(await answer(handler, await signed({ Action: 'GenerateDataKey', KeyId: TEST_KEY_ID })), 503, 'ServiceUnavailableTemporary');
  isError(await answer(handler, replayed), 400, 'SignatureNonceUsed');
  now += 6 * MINUTE + 1000; // the window, and the minute nonces are held past it
  assert.is((await answer(handler, await signed({ Action: 'GenerateDataKey', KeyId: TEST_KEY_ID }, { at: now }))).status, 200, 'expired nonces make room');
});

replay('NonceCache: bounded by count and time', () => {
  let now = 0;
  const cache = new NonceCache(3, () => now);
  assert.ok(cache.claim('a', 100));
  assert.not.ok(cache.claim('a', 100));
  assert.ok(cache.claim('b', 50));
  assert.ok(cache.claim('c', 100));
  assert.throws(() => cache.claim('d', 100), (error) => error instanceof NonceCacheFull);
  now = 60;
  assert.ok(cache.claim('b', 160), 'an expired nonce may be claimed anew, its old entry making room');
  assert.throws(() => cache.claim('d', 160), (error) => error instanceof NonceCacheFull);
  assert.is(cache.size, 3);
  now = 200;
  for (const key of ['e', 'f', 'g']) assert.ok(cache.claim(key, 300));
  assert.is(cache.size, 3);
});

replay('claimNonce: a caller\'s async check replaces the cache; it hears the access key and nonce, and when the claim may end', async () => {
  const claims = [];
  const seen = new Set();
  const claimNonce = async (key, expiresAt) => {
    claims.push([key, expiresAt]);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  };
  const { handler } = await service({ alibaba: { claimNonce } });
  const request = await signed({ Action: 'GenerateDataKey', KeyId: TEST_KEY_ID });
  const nonce = new URL(request.url).searchParams.get('SignatureNonce');
  const again = request.clone();
  assert.is((await answer(handler, request)).status, 200);
  isError(await answer(handler, again), 400, 'SignatureNonceUsed');
  assert.equal(claims[0], [`${CREDENTIALS.accessKeyId.length}:${CREDENTIALS.accessKeyId}/${nonce}`, NOW + 6 * MINUTE], 'the window, and a minute more');
});

const actions = suite('http alibaba: the actions');

actions('GenerateDataKey (GET, JSON) answers the seed\'s fields; Decrypt (POST form) gives the same key; the RequestId is the audit\'s', async () => {
  const { handler, events } = await service();
  const made = await answer(handler, await signed({ Action: 'GenerateDataKey', KeyId: 'alias/ExampleAlias', NumberOfBytes: '64', EncryptionContext: '{"tenant":"acme"}' }));
  assert.is(made.status, 200, made.text);
  assert.is(made.headers.get('content-type'), 'application/json;charset=utf-8');
  assert.equal(Object.keys(made.body).sort(), ['CiphertextBlob', 'KeyId', 'KeyVersionId', 'Plaintext', 'RequestId']);
  assert.is(made.body.KeyId, TEST_KEY_ID);
  assert.is(base64.decode(made.body.Plaintext).length, 64);
  assert.is(made.body.RequestId, events[0].requestId);
  const opened = await answer(handler, await signed({ Action: 'Decrypt', CiphertextBlob: made.body.CiphertextBlob, EncryptionContext: '{"tenant":"acme"}' }, { method: 'POST' }));
  assert.is(opened.status, 200, opened.text);
  assert.is(opened.body.Plaintext, made.body.Plaintext);
  assert.equal(events.map((e) => [e.protocol, e.accessKeyId, e.operation, e.status]), [['alibaba', CREDENTIALS.accessKeyId, 'GenerateDataKey', 200], ['alibaba', CREDENTIALS.accessKeyId, 'Decrypt', 200]]);
  isError(await answer(handler, await signed({ Action: 'Decrypt', CiphertextBlob: made.body.CiphertextBlob })), 400, 'InvalidParameter');
});

actions('Format=XML answers an XML document of the same fields; an error asked as XML is XML, its text escaped', async () => {
  const { handler } = await service();
  const made = await answer(handler, await signed({ Action: 'GenerateDataKey', KeyId: TEST_KEY_ID, KeySpec: 'AES_128', Format: 'XML' }));
  assert.is(made.status, 200);
  assert.is(made.headers.get('content-type'), 'text/xml;charset=utf-8');
  const field = (name) => new RegExp(`<${name}>([^<]*)</${name}>`).exec(made.text)?.[1];
  assert.match(made.text, /^<\?xml version="1.0" encoding="UTF-8"\?>\n<GenerateDataKeyResponse><KeyVersionId>/);
  assert.is(field('KeyId'), TEST_KEY_ID);
  assert.is(base64.decode(field('Plaintext')).length, 16);
  // A parameter name is quoted in the message: markup in it stays text.
  const refused = await answer(handler, await signed({ Action: 'GenerateDataKey', KeyId: TEST_KEY_ID, '<x>&"\'': '1', Format: 'XML' }));
  assert.is(refused.status, 400);
  assert.match(refused.text, /^<\?xml version="1.0" encoding="UTF-8"\?>\n<KMS><HttpStatus>400<\/HttpStatus><Code>UnsupportedParameter<\/Code><Message>[^<]*&#60;x&#62;&#38;&#34;&#39;[^<]*<\/Message><RequestId>[0-9a-f-]{36}<\/RequestId><HostId>kms.cn-hangzhou.aliyuncs.test<\/HostId><\/KMS>$/);
  assert.not.ok(refused.text.includes('<x>'));
});

actions('Alibaba\'s errors and statuses: unknown key, missing KeyId, DryRun, an unknown parameter, a bad Format', async () => {
  const { handler } = await service();
  isError(await answer(handler, await signed({ Action: 'GenerateDataKey', KeyId: 'missing-key' })), 404, 'Forbidden.KeyNotFound');
  isError(await answer(handler, await signed({ Action: 'GenerateDataKey', KeyId: 'alias/Missing' })), 404, 'Forbidden.AliasNotFound');
  isError(await answer(handler, await signed({ Action: 'GenerateDataKey' })), 400, 'MissingParameter', /KeyId/);
  isError(await answer(handler, await signed({ Action: 'GenerateDataKey', KeyId: TEST_KEY_ID, DryRun: 'true' })), 400, 'DryRunOperationError');
  isError(await answer(handler, await signed({ Action: 'GenerateDataKey', KeyId: TEST_KEY_ID, Plaintext: 'x' })), 400, 'UnsupportedParameter');
  isError(await answer(handler, await signed({ Action: 'GenerateDataKey', KeyId: TEST_KEY_ID, NumberOfBytes: '1025' })), 400, 'InvalidParameter', /NumberOfBytes/);
  isError(await answer(handler, await signed({ Action: 'GenerateDataKey', KeyId: TEST_KEY_ID, Format: 'YAML' })), 400, 'InvalidParameter', /Format/);
});

actions('a policy names the actions (AWS names) and keys: Forbidden.RAM (403) otherwise, a blob\'s own key for Decrypt', async () => {
  const limited = (policy) => service({ credentials: [{ ...CREDENTIALS, policy }] });
  isError(await answer((await limited({ operations: ['Decrypt'] })).handler, await signed({ Action: 'GenerateDataKey', KeyId: TEST_KEY_ID })), 403, 'Forbidden.RAM');
  const { handler, keyring } = await limited({ keys: ['alias/ExampleAlias'] });
  assert.is((await answer(handler, await signed({ Action: 'GenerateDataKey', KeyId: TEST_KEY_ID }))).status, 200);
  await keyring.createKey({ keyId: 'other' });
  isError(await answer(handler, await signed({ Action: 'GenerateDataKey', KeyId: 'other' })), 403, 'Forbidden.RAM');
  const { ciphertextBlob } = await keyring.generateDataKeyWithoutPlaintext({ keyId: 'other' });
  isError(await answer(handler, await signed({ Action: 'Decrypt', CiphertextBlob: base64.encode(ciphertextBlob) })), 403, 'Forbidden.RAM');
});

const refusals = suite('http alibaba: the protocol\'s refusals');

refusals('an unknown Action or Version (signed), a wrong path or method: InvalidAction.NotFound / InvalidVersion', async () => {
  const { handler } = await service();
  isError(await answer(handler, await signed({ Action: 'ScheduleKeyDeletion', KeyId: TEST_KEY_ID })), 404, 'InvalidAction.NotFound');
  isError(await answer(handler, await signed({ Action: 'GenerateDataKey', KeyId: TEST_KEY_ID, Version: '2014-05-26' })), 400, 'InvalidVersion');
  const request = await signed({ Action: 'GenerateDataKey', KeyId: TEST_KEY_ID });
  isError(await answer(handler, new Request(request.url.replace('.test/?', '.test/kms?'))), 404, 'InvalidAction.NotFound');
  const put = await answer(handler, new Request(request.url, { method: 'PUT' }));
  isError(put, 405, 'InvalidAction.NotFound');
  assert.is(put.headers.get('allow'), 'GET, POST');
});

refusals('a body that is no form, a parameter given twice, a body over 64 KiB', async () => {
  const { handler } = await service();
  const form = await signed({ Action: 'GenerateDataKey', KeyId: TEST_KEY_ID }, { method: 'POST' });
  const text = await form.text();
  const url = 'https://kms.cn-hangzhou.aliyuncs.test/';
  isError(await answer(handler, new Request(`${url}?Action=GenerateDataKey`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: text })), 400, 'InvalidParameter', /Content-Type/);
  isError(await answer(handler, new Request(`${url}?KeyId=${TEST_KEY_ID}`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: text })), 400, 'InvalidParameter', /twice/);
  isError(await answer(handler, new Request(url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `${text}&Pad=${'x'.repeat(70_000)}` })), 413, 'InvalidParameter');
  if (!has('requestBodyStream')) return;
  const streamed = new Request(url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new ReadableStream({ pull(controller) { controller.enqueue(new Uint8Array(16_384)); } }),
    duplex: 'half',
  });
  isError(await answer(handler, streamed), 413, 'InvalidParameter');
});

refusals('served only when configured: AWS credentials alone do not serve Alibaba; an AWS request to an Alibaba-only handler is refused in AWS\'s shape', async () => {
  const keyring = await testKeyring();
  const awsOnly = createKmsHandler({ keyring, credentials: [CREDENTIALS], now: () => NOW });
  isError(await answer(awsOnly, await signed({ Action: 'GenerateDataKey', KeyId: TEST_KEY_ID })), 404, 'InvalidAction.NotFound', /does not serve/);
  const alibabaOnly = createKmsHandler({ keyring, credentials: [CREDENTIALS], aws: false, alibaba: true, now: () => NOW });
  const aws = await alibabaOnly(new Request('https://kms.test/', { method: 'POST', headers: { 'x-amz-target': 'TrentService.ListKeys', 'content-type': 'application/x-amz-json-1.1' }, body: '{}' }));
  assert.is(aws.status, 404);
  assert.is(aws.headers.get('x-amzn-errortype'), 'UnknownOperationException');
  assert.is((await answer(alibabaOnly, await signed({ Action: 'GenerateDataKey', KeyId: TEST_KEY_ID }))).status, 200);
  assert.throws(() => createKmsHandler({ keyring, credentials: [CREDENTIALS], alibaba: { nonceCapacity: 0 } }), /nonceCapacity/);
});

signing.run();
replay.run();
actions.run();
refusals.run();
