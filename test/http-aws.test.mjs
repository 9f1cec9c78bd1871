// webkms/http's AWS JSON 1.1 endpoint in every engine, against requests exactly as the unmodified
// AWS SDK for JavaScript signed them (test/fixtures/sigv4, captured on the wire): they verify with
// the handler's clock at their signing time, and every tampering is refused with AWS's error name.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { base64 } from '../src/index.ts';
import { createKmsHandler } from '../src/http/handler.ts';
import { crypto, has } from './support/env.mjs';
import { testKeyring } from './support/helpers.mjs';
import { CREDENTIALS, REQUESTS } from './fixtures/sigv4/requests.mjs';

const fixture = (name) => REQUESTS.find((r) => r.name === name);

/** When the SDK signed a fixture (its X-Amz-Date), in milliseconds. */
function signedAt(request) {
  const [, y, mo, d, h, mi, s] = /^(\d{4})(\d\d)(\d\d)T(\d\d)(\d\d)(\d\d)Z$/.exec(request.headers['x-amz-date']);
  return Date.UTC(+y, +mo - 1, +d, +h, +mi, +s);
}

/** A fixture as a Request, with `change` applied to a copy of its parts. */
function replay(request, change = () => undefined) {
  const parts = { ...request, headers: { ...request.headers } };
  change(parts);
  delete parts.headers.connection;
  return new Request(`http://${request.headers.host}${parts.path}`, { method: parts.method, headers: parts.headers, body: parts.method === 'GET' ? undefined : parts.body });
}

/** A handler on the test keyring whose clock reads `offset` ms after the fixture's signing. */
async function service(request, { offset = 0, ...options } = {}) {
  const keyring = await testKeyring();
  const events = [];
  const handler = createKmsHandler({ keyring, credentials: [CREDENTIALS], now: () => signedAt(request) + offset, audit: (event) => events.push(event), ...options });
  return { keyring, handler, events };
}

async function answer(handler, request) {
  const response = await handler(request);
  return { status: response.status, headers: response.headers, body: await response.json() };
}

/** Asserts an AWS-shaped error: status, __type, and the x-amzn-ErrorType header the SDKs read first. */
function isError(result, status, type) {
  assert.is(result.status, status, `status of ${type}: ${JSON.stringify(result.body)}`);
  assert.is(result.body.__type, type);
  assert.is(result.headers.get('x-amzn-errortype'), type);
  assert.type(result.body.message, 'string');
}

const signed = suite('http: requests the AWS SDK signed');

signed('GenerateDataKey (alias + AES_256 + context) verifies and answers AWS\'s shape; Decrypt of its blob gives the same key', async () => {
  const request = fixture('GenerateDataKey');
  const { handler, keyring } = await service(request);
  const { status, body, headers } = await answer(handler, replay(request));
  assert.is(status, 200);
  assert.equal(Object.keys(body).sort(), ['CiphertextBlob', 'KeyId', 'KeyMaterialId', 'Plaintext']);
  assert.is(base64.decode(body.Plaintext).length, 32);
  assert.is(headers.get('content-type'), 'application/x-amz-json-1.1');
  assert.ok(Math.abs(Date.parse(headers.get('date')) - signedAt(request)) < 2000, 'Date is the handler\'s clock');
  const opened = await keyring.decrypt({ ciphertextBlob: body.CiphertextBlob, encryptionContext: { tenant: 'acme' } });
  assert.is(base64.encode(opened.plaintext), body.Plaintext);
});

signed('every fixture of the SDK verifies (ListKeys, NumberOfBytes 64, DescribeKey, DisableKey)', async () => {
  for (const name of ['ListKeys', 'GenerateDataKey 64 bytes', 'DescribeKey', 'DisableKey']) {
    const request = fixture(name);
    const { handler } = await service(request);
    const result = await answer(handler, replay(request));
    assert.is(result.status, 200, `${name}: ${JSON.stringify(result.body)}`);
  }
});

signed('a clock 4 minutes off is accepted, 6 minutes off refused (either way)', async () => {
  const request = fixture('ListKeys');
  for (const [offset, ok] of [[4 * 60_000, true], [-4 * 60_000, true], [6 * 60_000, false], [-6 * 60_000, false]]) {
    const { handler } = await service(request, { offset });
    const result = await answer(handler, replay(request));
    if (ok) assert.is(result.status, 200, `${offset}`);
    else isError(result, 400, 'InvalidSignatureException');
  }
});

signed('a credential whose secret is replaced: the old secret no longer verifies, the new one does (the signing-key cache follows the secret)', async () => {
  const request = fixture('DescribeKey');
  const credential = { ...CREDENTIALS };
  const { handler } = await service(request, { credentials: [credential] });
  assert.is((await handler(replay(request))).status, 200);
  credential.secretAccessKey = 'a rotated secret';
  isError(await answer(handler, replay(request)), 400, 'InvalidSignatureException');
  credential.secretAccessKey = CREDENTIALS.secretAccessKey;
  assert.is((await handler(replay(request))).status, 200);
});

const tampered = suite('http: tampered and unsigned requests');

tampered('a malformed percent-escape in the query is the client\'s mistake (400 IncompleteSignatureException), not a 500', async () => {
  const request = fixture('DescribeKey');
  const { handler } = await service(request);
  isError(await answer(handler, replay(request, (parts) => { parts.path = '/?%zz=1'; })), 400, 'IncompleteSignatureException');
});

const TAMPERINGS = [
  ['the body (with its x-amz-content-sha256)', (r) => { r.body = r.body.replace('AES_256', 'AES_128'); }, 400, 'InvalidSignatureException'],
  ['a signed header removed (x-amz-content-sha256)', (r) => { delete r.headers['x-amz-content-sha256']; }, 400, 'IncompleteSignatureException'],
  ['a signed header (X-Amz-Target)', (r) => { r.headers['x-amz-target'] = 'TrentService.GenerateDataKeyWithoutPlaintext'; }, 400, 'InvalidSignatureException'],
  ['the date', (r) => { r.headers['x-amz-date'] = r.headers['x-amz-date'].replace(/\d(?=Z$)/, (d) => String((+d + 1) % 10)); }, 400, 'InvalidSignatureException'],
  ['the signature', (r) => { r.headers.authorization = r.headers.authorization.replace(/.$/, (c) => (c === '0' ? '1' : '0')); }, 400, 'InvalidSignatureException'],
  ['the path', (r) => { r.path = '/?x=1'; }, 400, 'InvalidSignatureException'],
  ['no Authorization', (r) => { delete r.headers.authorization; }, 403, 'MissingAuthenticationTokenException'],
  ['a malformed Authorization', (r) => { r.headers.authorization = 'AWS4-HMAC-SHA256 Credential=x'; }, 400, 'IncompleteSignatureException'],
  ['no X-Amz-Date', (r) => { delete r.headers['x-amz-date']; }, 400, 'IncompleteSignatureException'],
  ['SignedHeaders without host', (r) => { r.headers.authorization = r.headers.authorization.replace('host;', ''); }, 400, 'IncompleteSignatureException'],
];

for (const [what, change, status, type] of TAMPERINGS) {
  tampered(`${what}: ${status} ${type}`, async () => {
    const request = fixture('GenerateDataKey');
    const { handler, events } = await service(request);
    isError(await answer(handler, replay(request, change)), status, type);
    assert.is(events.at(-1).error, type, 'the audit hears of it');
    assert.not.ok('accessKeyId' in events.at(-1), 'an unverified request names no access key');
  });
}

tampered('the body changed and its x-amz-content-sha256 recomputed to match: InvalidSignatureException', async () => {
  const request = fixture('GenerateDataKey');
  const body = request.body.replace('acme', 'evil');
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(body)));
  const hash = Array.from(digest, (b) => b.toString(16).padStart(2, '0')).join('');
  const { handler } = await service(request);
  isError(await answer(handler, replay(request, (r) => { r.body = body; r.headers['x-amz-content-sha256'] = hash; })), 400, 'InvalidSignatureException');
});

tampered('an unknown access key: UnrecognizedClientException; a scope of another region: InvalidSignatureException', async () => {
  const unknown = fixture('ListKeys by an unknown access key');
  isError(await answer((await service(unknown)).handler, replay(unknown)), 400, 'UnrecognizedClientException');
  const elsewhere = fixture('ListKeys for eu-west-1');
  isError(await answer((await service(elsewhere)).handler, replay(elsewhere)), 400, 'InvalidSignatureException');
});

tampered('a wrong secret: InvalidSignatureException, and the message holds no secret', async () => {
  const request = fixture('ListKeys');
  const { handler } = await service(request, { credentials: [{ ...CREDENTIALS, secretAccessKey: 'another secret' }] });
  const result = await answer(handler, replay(request));
  isError(result, 400, 'InvalidSignatureException');
  for (const secret of ['another secret', CREDENTIALS.secretAccessKey]) assert.not.ok(JSON.stringify(result.body).includes(secret));
});

const protocol = suite('http: the protocol\'s refusals');

protocol('a wrong method, path, content type or operation is a 4xx in AWS\'s shape, before anything runs', async () => {
  const request = fixture('ListKeys');
  const { handler } = await service(request);
  isError(await answer(handler, replay(request, (r) => { r.method = 'PUT'; })), 405, 'UnknownOperationException');
  isError(await answer(handler, replay(request, (r) => { r.path = '/other'; })), 404, 'UnknownOperationException');
  isError(await answer(handler, replay(request, (r) => { r.headers['content-type'] = 'application/json'; })), 400, 'SerializationException');
});

protocol('a body over 64 KiB is refused with 413 before it is read', async () => {
  const request = fixture('ListKeys');
  const { handler } = await service(request);
  const big = new Request(`http://${request.headers.host}/`, { method: 'POST', headers: { ...request.headers, 'content-length': String(70_000) }, body: 'x'.repeat(70_000) });
  const result = await handler(big);
  assert.is(result.status, 413);
  if (!has('requestBodyStream')) {
    assert.is(Object.getOwnPropertyDescriptor(Request.prototype, 'body'), undefined, 'this engine\'s Request has no body stream (a known difference)');
    return;
  }
  const streamed = new Request(`http://${request.headers.host}/`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-amz-json-1.1' },
    body: new ReadableStream({ pull(controller) { controller.enqueue(new Uint8Array(16_384)); } }),
    duplex: 'half',
  });
  assert.is((await handler(streamed)).status, 413, 'an endless body without Content-Length stops at the bound');
});

protocol('a policy limits an access key to operations and keys: AccessDeniedException otherwise', async () => {
  const request = fixture('GenerateDataKey');
  const limited = (policy) => service(request, { credentials: [{ ...CREDENTIALS, policy }] });
  isError(await answer((await limited({ operations: ['Decrypt'] })).handler, replay(request)), 400, 'AccessDeniedException');
  isError(await answer((await limited({ keys: ['other-key'] })).handler, replay(request)), 400, 'AccessDeniedException');
  assert.is((await answer((await limited({ operations: ['GenerateDataKey'], keys: ['alias/ExampleAlias'] })).handler, replay(request))).status, 200);
});

protocol('the handler never throws: an audit callback that throws, a keyring error, all become responses', async () => {
  const request = fixture('GenerateDataKey');
  const { handler, keyring } = await service(request, { audit: () => { throw new Error('audit down'); } });
  await keyring.disableKey('alias/ExampleAlias');
  isError(await answer(handler, replay(request)), 400, 'DisabledException');
});

protocol('bad options throw at once', async () => {
  const keyring = await testKeyring();
  assert.throws(() => createKmsHandler({ keyring: {}, credentials: [] }), /keyring/);
  assert.throws(() => createKmsHandler({ keyring, credentials: [{ accessKeyId: 'a' }] }), /secretAccessKey/);
  assert.throws(() => createKmsHandler({ keyring, credentials: [], region: 'Not A Region' }), /region/);
  const readOnly = { ...CREDENTIALS, policy: { operations: ['Decrypt'] } };
  assert.throws(() => createKmsHandler({ keyring, credentials: [readOnly, CREDENTIALS] }), /two credentials have the same accessKeyId/);
  assert.is(typeof createKmsHandler({ keyring, credentials: [CREDENTIALS], crypto }), 'function');
});

signed.run();
tampered.run();
protocol.run();
