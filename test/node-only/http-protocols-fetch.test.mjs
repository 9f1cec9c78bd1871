// webkms/http's Yandex REST and Alibaba RPC protocols over loopback HTTP, called with fetch as a
// client would: Node's http server in front of the handler (examples/node-kms/serve.mjs), Alibaba requests signed here with
// node:crypto (an implementation independent of the handler's WebCrypto one) and by Alibaba
// Cloud's own RPC signer, @alicloud/pop-core; then a bounded load of both protocols at once.
import { createHmac, randomUUID } from 'node:crypto';
import { createRequire } from 'node:module';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { Keyring } from '../../src/index.ts';
import { createKmsHandler } from '../../src/http/handler.ts';
import { serveNode } from '../../examples/node-kms/serve.mjs';

// pop-core is CommonJS and requires Node built-ins; in an ESM bundle esbuild calls a global require.
globalThis.require ??= createRequire(import.meta.url);
const { default: RPCClient } = await import('@alicloud/pop-core');

const KEY_ID = '1234abcd-12ab-34cd-56ef-1234567890ab';
const CREDENTIALS = { accessKeyId: 'LTAI5tWebkmsNodeTest', secretAccessKey: 'webkms node alibaba+secret/not real' };
const TOKEN = 't1.9euelZqWebkmsNodeTestToken';

/** Alibaba's RPC signature by node:crypto: Base64(HMAC-SHA1(secret&, METHOD&%2F&encoded sorted query)). */
function sign(method, params, secret) {
  const encode = (text) => encodeURIComponent(text).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  const query = Object.entries(params).sort(([a], [b]) => (a < b ? -1 : 1)).map(([k, v]) => `${encode(k)}=${encode(v)}`).join('&');
  return { query: `${query}&Signature=${encode(createHmac('sha1', `${secret}&`).update(`${method}&%2F&${encode(query)}`).digest('base64'))}` };
}

/** A signed RPC call with fetch: GET with the query, or POST with a form body. */
function rpc(endpoint, action, params, { method = 'GET' } = {}) {
  const all = {
    Action: action,
    Version: '2016-01-20',
    Format: 'JSON',
    AccessKeyId: CREDENTIALS.accessKeyId,
    SignatureMethod: 'HMAC-SHA1',
    SignatureVersion: '1.0',
    SignatureNonce: randomUUID(),
    Timestamp: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
    ...params,
  };
  const { query } = sign(method, all, CREDENTIALS.secretAccessKey);
  if (method === 'GET') return fetch(`${endpoint}/?${query}`);
  return fetch(`${endpoint}/`, { method, headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: query });
}

/** A Yandex REST call with fetch. */
function rest(endpoint, path, body, token = TOKEN) {
  return fetch(`${endpoint}/kms/v1/keys/${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) }, body: JSON.stringify(body) });
}

const protocols = suite('http: Yandex REST and Alibaba RPC over loopback, with fetch', {});

protocols.before.each(async (t) => {
  const keyring = new Keyring({ region: 'us-east-2', accountId: '111122223333' });
  await keyring.createKey({ keyId: KEY_ID, aliases: ['alias/ExampleAlias'] });
  t.events = [];
  const handler = createKmsHandler({
    keyring,
    credentials: [CREDENTIALS],
    alibaba: true,
    bearerTokens: (token) => (token === TOKEN ? { subject: 'node-test' } : undefined),
    audit: (event) => t.events.push(event),
  });
  t.keyring = keyring;
  t.server = await serveNode(handler);
});
protocols.after.each((t) => t.server.close());

protocols('Yandex: generateDataKey, encrypt and decrypt; a request without a token is 401 with the gRPC code', async ({ server, events }) => {
  const made = await (await rest(server.url, `${KEY_ID}:generateDataKey`, { dataKeySpec: 'AES_256' })).json();
  assert.is(Buffer.from(made.dataKeyPlaintext, 'base64').length, 32);
  const opened = await (await rest(server.url, `${KEY_ID}:decrypt`, { ciphertext: made.dataKeyCiphertext })).json();
  assert.is(opened.plaintext, made.dataKeyPlaintext);
  const plaintext = Buffer.from('over loopback').toString('base64');
  const sealed = await (await rest(server.url, 'alias%2FExampleAlias:encrypt', { plaintext })).json();
  assert.is((await (await rest(server.url, `${KEY_ID}:decrypt`, { ciphertext: sealed.ciphertext })).json()).plaintext, plaintext);
  const refused = await rest(server.url, `${KEY_ID}:generateDataKey`, {}, null);
  assert.is(refused.status, 401);
  assert.is((await refused.json()).code, 16);
  assert.equal(events.map((e) => e.operation ?? e.error), ['GenerateDataKey', 'Decrypt', 'Encrypt', 'Decrypt', 'UNAUTHENTICATED']);
});

protocols('Alibaba, signed with node:crypto: GenerateDataKey by GET, Decrypt by POST form, XML; a replay is SignatureNonceUsed', async ({ server }) => {
  const made = await (await rpc(server.url, 'GenerateDataKey', { KeyId: 'alias/ExampleAlias', NumberOfBytes: '64', EncryptionContext: '{"app":"node"}' })).json();
  assert.is(made.KeyId, KEY_ID, JSON.stringify(made));
  assert.is(Buffer.from(made.Plaintext, 'base64').length, 64);
  const opened = await rpc(server.url, 'Decrypt', { CiphertextBlob: made.CiphertextBlob, EncryptionContext: '{"app":"node"}' }, { method: 'POST' });
  assert.is((await opened.json()).Plaintext, made.Plaintext);
  const xml = await rpc(server.url, 'GenerateDataKey', { KeyId: KEY_ID, Format: 'XML' });
  assert.match(await xml.text(), /<GenerateDataKeyResponse><KeyVersionId>[^<]+<\/KeyVersionId><KeyId>1234abcd/);
  const all = { Action: 'GenerateDataKey', KeyId: KEY_ID, Version: '2016-01-20', AccessKeyId: CREDENTIALS.accessKeyId, SignatureMethod: 'HMAC-SHA1', SignatureVersion: '1.0', SignatureNonce: randomUUID(), Timestamp: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z') };
  const url = `${server.url}/?${sign('GET', all, CREDENTIALS.secretAccessKey).query}`;
  assert.is((await fetch(url)).status, 200);
  const replayed = await fetch(url);
  assert.is(replayed.status, 400);
  assert.is((await replayed.json()).Code, 'SignatureNonceUsed');
});

protocols('Alibaba Cloud\'s own RPC signer (@alicloud/pop-core): its GET and POST requests verify; its errors carry our codes', async ({ server, events }) => {
  const client = new RPCClient({ ...CREDENTIALS, accessKeySecret: CREDENTIALS.secretAccessKey, endpoint: server.url, apiVersion: '2016-01-20' });
  const made = await client.request('GenerateDataKey', { KeyId: KEY_ID, KeySpec: 'AES_128' });
  assert.is(Buffer.from(made.Plaintext, 'base64').length, 16);
  const opened = await client.request('Decrypt', { CiphertextBlob: made.CiphertextBlob }, { method: 'POST' });
  assert.is(opened.Plaintext, made.Plaintext);
  assert.is(opened.RequestId, events[1].requestId);
  try {
    await client.request('GenerateDataKey', { KeyId: 'missing-key' });
    assert.unreachable('an unknown key');
  } catch (error) {
    assert.is(error.code, 'Forbidden.KeyNotFound');
  }
  const wrong = new RPCClient({ accessKeyId: CREDENTIALS.accessKeyId, accessKeySecret: 'not the secret', endpoint: server.url, apiVersion: '2016-01-20' });
  try {
    await wrong.request('GenerateDataKey', { KeyId: KEY_ID });
    assert.unreachable('a wrong secret');
  } catch (error) {
    assert.is(error.code, 'SignatureDoesNotMatch');
  }
});

protocols('load: 400 requests of both protocols, 32 in flight, every answer checked, none lost, no 5xx', async ({ server }) => {
  const sealed = await (await rest(server.url, `${KEY_ID}:encrypt`, { plaintext: 'AQID' })).json();
  let next = 0;
  let checked = 0;
  async function worker() {
    while (next < 400) {
      const i = next++;
      if (i % 2 === 0) {
        const response = await rest(server.url, `${KEY_ID}:decrypt`, { ciphertext: sealed.ciphertext });
        assert.is(response.status, 200);
        assert.is((await response.json()).plaintext, 'AQID');
      } else {
        const response = await rpc(server.url, 'GenerateDataKey', { KeyId: KEY_ID }, { method: i % 4 === 1 ? 'GET' : 'POST' });
        assert.is(response.status, 200);
        assert.is(Buffer.from((await response.json()).Plaintext, 'base64').length, 32);
      }
      checked++;
    }
  }
  await Promise.all(Array.from({ length: 32 }, worker));
  assert.is(checked, 400);
});

protocols.run();
