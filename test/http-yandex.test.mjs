// webkms/http's Yandex Cloud KMS REST endpoint in every engine: POST /kms/v1/keys/{keyId}:<method>
// with the API's JSON bodies, bearer tokens checked by the caller's callback, errors as Yandex
// Cloud's API gateway sends them (google.rpc.Status JSON with the HTTP status of its gRPC code).
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { base64 } from '../src/index.ts';
import { createKmsHandler } from '../src/http/handler.ts';
import { has } from './support/env.mjs';
import { TEST_KEY_ID, testKeyring } from './support/helpers.mjs';

const TOKEN = 't1.9euelZqNk5WVyp2Qm8aTyZfGz5aZyu3rnpWa.webkms-test';
const PRINCIPALS = { [TOKEN]: { subject: 'service-account:app' } };

/** A handler serving Yandex (and, with `credentials`, AWS), its keyring, and the audit events it told. */
async function service(options = {}) {
  const keyring = await testKeyring();
  const events = [];
  const tokens = options.tokens ?? PRINCIPALS;
  const handler = createKmsHandler({ keyring, bearerTokens: async (token) => tokens[token], audit: (event) => events.push(event), ...options.handler });
  return { keyring, handler, events };
}

/** A request to the REST API: `path` after /kms/v1/keys/, `body` an object (JSON), text, or null for none. */
function call(path, body = {}, { token = TOKEN, method = 'POST', headers = {} } = {}) {
  const init = { method, headers: { 'content-type': 'application/json', ...(token === null ? {} : { authorization: `Bearer ${token}` }), ...headers } };
  if (method !== 'GET' && body !== null) init.body = typeof body === 'string' ? body : JSON.stringify(body);
  return new Request(`https://kms.yandex.test/kms/v1/keys/${path}`, init);
}

async function answer(handler, request) {
  const response = await handler(request);
  return { status: response.status, headers: response.headers, body: await response.json() };
}

const GRPC = { INVALID_ARGUMENT: [3, 400], PERMISSION_DENIED: [7, 403], NOT_FOUND: [5, 404], FAILED_PRECONDITION: [9, 400], UNIMPLEMENTED: [12, 405], RESOURCE_EXHAUSTED: [8, 413], INTERNAL: [13, 500], UNAUTHENTICATED: [16, 401] };

/** Asserts a Yandex error: HTTP status and gRPC code as the gateway pairs them, a message, the request id in details. */
function isError(result, status, pattern) {
  const [code, httpStatus] = GRPC[status];
  assert.is(result.status, httpStatus, `${status}: ${JSON.stringify(result.body)}`);
  assert.equal(Object.keys(result.body), ['code', 'message', 'details']);
  assert.is(result.body.code, code);
  assert.type(result.body.message, 'string');
  if (pattern) assert.match(result.body.message, pattern);
  assert.equal(result.body.details, [{ '@type': 'type.googleapis.com/google.rpc.RequestInfo', requestId: result.headers.get('x-request-id') }]);
}

const operations = suite('http yandex: the REST methods');

operations('generateDataKey answers the seed\'s shape; decrypt of its ciphertext gives the same data key', async () => {
  const { handler, keyring, events } = await service();
  const made = await answer(handler, call(`${TEST_KEY_ID}:generateDataKey`, { dataKeySpec: 'AES_128', aadContext: base64.encode(new TextEncoder().encode('tenant=acme')) }));
  assert.is(made.status, 200);
  assert.is(made.headers.get('content-type'), 'application/json');
  assert.equal(Object.keys(made.body), ['keyId', 'versionId', 'dataKeyPlaintext', 'dataKeyCiphertext']);
  assert.is(made.body.keyId, TEST_KEY_ID);
  assert.is(made.body.versionId, keyring.describeKey(TEST_KEY_ID).primaryVersionId);
  assert.is(base64.decode(made.body.dataKeyPlaintext).length, 16);
  const opened = await answer(handler, call(`${TEST_KEY_ID}:decrypt`, { ciphertext: made.body.dataKeyCiphertext, aadContext: base64.encode(new TextEncoder().encode('tenant=acme')) }));
  assert.is(opened.status, 200);
  assert.equal(opened.body, { keyId: TEST_KEY_ID, versionId: made.body.versionId, plaintext: made.body.dataKeyPlaintext });
  assert.equal(events.map((e) => [e.protocol, e.subject, e.operation, e.status]), [['yandex', 'service-account:app', 'GenerateDataKey', 200], ['yandex', 'service-account:app', 'Decrypt', 200]]);
  assert.is(events[0].requestId, made.headers.get('x-request-id'));
  assert.not.ok(JSON.stringify(events).includes(TOKEN), 'the audit never holds the token');
});

operations('skipPlaintext leaves dataKeyPlaintext empty (the audit names it GenerateDataKeyWithoutPlaintext); an empty body is an AES_256 key', async () => {
  const { handler, events } = await service();
  const made = await answer(handler, call(`${TEST_KEY_ID}:generateDataKey`, { skipPlaintext: true }));
  assert.is(made.status, 200);
  assert.is(made.body.dataKeyPlaintext, '');
  assert.is(events[0].operation, 'GenerateDataKeyWithoutPlaintext');
  const empty = await answer(handler, call(`${TEST_KEY_ID}:generateDataKey`, null, { headers: { 'content-type': '' } }));
  assert.is(empty.status, 200, JSON.stringify(empty.body));
  assert.is(base64.decode(empty.body.dataKeyPlaintext).length, 32);
});

operations('encrypt then decrypt through the endpoint; an alias in the path names the key', async () => {
  const { handler, events } = await service();
  const plaintext = base64.encode(new TextEncoder().encode('a small secret'));
  const made = await answer(handler, call('alias%2FExampleAlias:encrypt', { plaintext }));
  assert.is(made.status, 200, JSON.stringify(made.body));
  assert.equal(Object.keys(made.body), ['keyId', 'versionId', 'ciphertext']);
  assert.is(made.body.keyId, TEST_KEY_ID);
  const opened = await answer(handler, call(`${TEST_KEY_ID}:decrypt`, { ciphertext: made.body.ciphertext }));
  assert.is(opened.body.plaintext, plaintext);
  assert.is(events[0].operation, 'Encrypt');
});

operations('the dialect\'s errors keep their gRPC codes and statuses: unknown key, wrong field, disabled key, wrong key for a ciphertext', async () => {
  const { handler, keyring, events } = await service();
  isError(await answer(handler, call('abjbaddn64b8ooa0m5a5:generateDataKey')), 'NOT_FOUND');
  isError(await answer(handler, call(`${TEST_KEY_ID}:generateDataKey`, { keySpec: 'AES_256' })), 'INVALID_ARGUMENT', /keySpec is not a parameter/);
  isError(await answer(handler, call(`${TEST_KEY_ID}:decrypt`, {})), 'INVALID_ARGUMENT', /ciphertext is required/);
  await keyring.createKey({ keyId: 'other' });
  const made = await answer(handler, call(`${TEST_KEY_ID}:generateDataKey`));
  isError(await answer(handler, call('other:decrypt', { ciphertext: made.body.dataKeyCiphertext })), 'INVALID_ARGUMENT');
  keyring.disableKey(TEST_KEY_ID);
  isError(await answer(handler, call(`${TEST_KEY_ID}:generateDataKey`)), 'FAILED_PRECONDITION');
  assert.is(events.at(-1).error, 'FAILED_PRECONDITION');
});

const auth = suite('http yandex: bearer tokens');

auth('no Authorization, another scheme, an unknown or malformed token: 401 UNAUTHENTICATED with WWW-Authenticate: Bearer', async () => {
  const { handler, events } = await service();
  for (const request of [
    call(`${TEST_KEY_ID}:generateDataKey`, {}, { token: null }),
    call(`${TEST_KEY_ID}:generateDataKey`, {}, { token: null, headers: { authorization: `Basic ${TOKEN}` } }),
    call(`${TEST_KEY_ID}:generateDataKey`, {}, { token: 't1.unknown' }),
    call(`${TEST_KEY_ID}:generateDataKey`, {}, { token: `${TOKEN} extra` }),
    call(`${TEST_KEY_ID}:generateDataKey`, {}, { token: 'x'.repeat(5000) }),
  ]) {
    const result = await answer(handler, request);
    isError(result, 'UNAUTHENTICATED');
    assert.is(result.headers.get('www-authenticate'), 'Bearer');
  }
  assert.ok(events.every((e) => e.error === 'UNAUTHENTICATED' && !('subject' in e)));
});

auth('the callback fails closed: a principal without a subject is refused; a callback that throws is a 500, not a throw', async () => {
  const nameless = await service({ tokens: { [TOKEN]: { policy: {} } } });
  isError(await answer(nameless.handler, call(`${TEST_KEY_ID}:generateDataKey`)), 'UNAUTHENTICATED');
  const { keyring } = nameless;
  const broken = createKmsHandler({ keyring, bearerTokens: () => { throw new Error(`lookup down for ${TOKEN}`); } });
  const result = await answer(broken, call(`${TEST_KEY_ID}:generateDataKey`));
  isError(result, 'INTERNAL');
  assert.not.ok(result.body.message.includes(TOKEN), 'the error holds no token');
});

auth('a principal\'s policy names AWS operations and keys: PERMISSION_DENIED otherwise', async () => {
  const limited = (policy) => service({ tokens: { [TOKEN]: { subject: 'app', policy } } });
  isError(await answer((await limited({ operations: ['Decrypt'] })).handler, call(`${TEST_KEY_ID}:generateDataKey`)), 'PERMISSION_DENIED');
  isError(await answer((await limited({ keys: ['other'] })).handler, call(`${TEST_KEY_ID}:generateDataKey`)), 'PERMISSION_DENIED');
  const onlyPlain = await limited({ operations: ['GenerateDataKey'], keys: ['alias/ExampleAlias'] });
  assert.is((await answer(onlyPlain.handler, call(`${TEST_KEY_ID}:generateDataKey`))).status, 200);
  isError(await answer(onlyPlain.handler, call(`${TEST_KEY_ID}:generateDataKey`, { skipPlaintext: true })), 'PERMISSION_DENIED', /GenerateDataKeyWithoutPlaintext/);
  isError(await answer(onlyPlain.handler, call(`${TEST_KEY_ID}:encrypt`, { plaintext: 'AQ==' })), 'PERMISSION_DENIED', /Encrypt/);
});

const refusals = suite('http yandex: the protocol\'s refusals');

refusals('an unknown path or method is 404 NOT_FOUND; GET is 405 (code UNIMPLEMENTED) with Allow: POST', async () => {
  const { handler } = await service();
  isError(await answer(handler, call(`${TEST_KEY_ID}:reEncrypt`)), 'NOT_FOUND');
  isError(await answer(handler, call(`${TEST_KEY_ID}`)), 'NOT_FOUND');
  isError(await answer(handler, new Request('https://kms.yandex.test/kms/v2/keys/x:encrypt', { method: 'POST', headers: { authorization: `Bearer ${TOKEN}` } })), 'NOT_FOUND');
  const get = await answer(handler, call(`${TEST_KEY_ID}:generateDataKey`, null, { method: 'GET' }));
  isError(get, 'UNIMPLEMENTED');
  assert.is(get.headers.get('allow'), 'POST');
});

refusals('a wrong content type, malformed JSON, a key twice, a non-object body: 400 INVALID_ARGUMENT', async () => {
  const { handler } = await service();
  isError(await answer(handler, call(`${TEST_KEY_ID}:generateDataKey`, '{}', { headers: { 'content-type': 'text/plain' } })), 'INVALID_ARGUMENT', /Content-Type/);
  isError(await answer(handler, call(`${TEST_KEY_ID}:generateDataKey`, '{"dataKeySpec":')), 'INVALID_ARGUMENT', /not valid JSON/);
  isError(await answer(handler, call(`${TEST_KEY_ID}:generateDataKey`, '{"dataKeySpec":"AES_128","dataKeySpec":"AES_256"}')), 'INVALID_ARGUMENT', /twice/);
  isError(await answer(handler, call(`${TEST_KEY_ID}:generateDataKey`, '[]')), 'INVALID_ARGUMENT', /not a JSON object/);
});

refusals('a body over 64 KiB is 413 RESOURCE_EXHAUSTED', async () => {
  const { handler } = await service();
  isError(await answer(handler, call(`${TEST_KEY_ID}:encrypt`, { plaintext: 'A'.repeat(70_000) })), 'RESOURCE_EXHAUSTED');
  if (!has('requestBodyStream')) return;
  const streamed = new Request(`https://kms.yandex.test/kms/v1/keys/${TEST_KEY_ID}:encrypt`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` },
    body: new ReadableStream({ pull(controller) { controller.enqueue(new Uint8Array(16_384)); } }),
    duplex: 'half',
  });
  isError(await answer(handler, streamed), 'RESOURCE_EXHAUSTED');
});

refusals('each protocol is served only when configured: without bearerTokens a Yandex request is 404 in Yandex\'s shape', async () => {
  const keyring = await testKeyring();
  const events = [];
  const awsOnly = createKmsHandler({ keyring, credentials: [{ accessKeyId: 'AKID', secretAccessKey: 'secret' }], audit: (e) => events.push(e) });
  isError(await answer(awsOnly, call(`${TEST_KEY_ID}:generateDataKey`)), 'NOT_FOUND', /does not serve/);
  assert.is(events[0].protocol, 'yandex');
  const { handler } = await service();
  const aws = await answer(handler, new Request('https://kms.test/', { method: 'POST', headers: { 'x-amz-target': 'TrentService.ListKeys', 'content-type': 'application/x-amz-json-1.1' }, body: '{}' }));
  assert.is(aws.status, 404);
  assert.is(aws.headers.get('x-amzn-errortype'), 'UnknownOperationException');
  const rpc = await answer(handler, new Request('https://kms.test/?Action=GenerateDataKey&KeyId=x'));
  assert.is(rpc.status, 404);
  assert.is(rpc.body.Code, 'InvalidAction.NotFound');
});

refusals('bad options throw at once: nothing to serve, Alibaba without credentials, a bearerTokens that is no function', async () => {
  const keyring = await testKeyring();
  assert.throws(() => createKmsHandler({ keyring }), /serves nothing/);
  assert.throws(() => createKmsHandler({ keyring, alibaba: true, bearerTokens: () => undefined }), /Alibaba protocol needs credentials/);
  assert.throws(() => createKmsHandler({ keyring, bearerTokens: 'token' }), /bearerTokens/);
  assert.throws(() => createKmsHandler({ keyring, aws: true, bearerTokens: () => undefined }), /AWS protocol needs credentials/);
});

operations.run();
auth.run();
refusals.run();
