// A KMS endpoint (AWS KMS JSON 1.1, SigV4 verified) in Node or Bun: `node server.mjs` serves it
// with Node's http module (serve.mjs), `bun server.mjs` with Bun.serve. The keys are in memory:
// they start from KEYS_BUNDLE and what is created or rotated lasts until the process ends — for
// development, tests and CI. (Deno on Deno KV and Workers on Durable Objects keep them: ../deno-kms,
// ../worker-kms.) Environment:
//   KMS_CREDENTIALS  JSON [{ "accessKeyId", "secretAccessKey", "policy"? }]
//   KEYS_BUNDLE      optional: an export bundle (exportKeys({ wrappingKey: ROOT_KEY })) to start from
//   ROOT_KEY         32 bytes, base64: the bundle's wrapping key (needed with KEYS_BUNDLE)
//   KMS_REGION, KMS_ACCOUNT_ID   the region and account in ARNs (default us-east-1, 000000000000)
//   HOST, PORT       where to listen (default 127.0.0.1:8000; PORT=0 picks a free port)
import { Keyring, base64 } from 'webkms';
import { createKmsHandler } from 'webkms/http';
import { serveNode } from './serve.mjs';

const env = process.env;

/** The credentials in KMS_CREDENTIALS. A mistake is named, never quoted: the text holds secret keys. */
function parseCredentials(text) {
  try {
    return JSON.parse(text);
  } catch {
    // JSON.parse's error quotes the text around the mistake, and Node prints all of it on exit.
    throw new Error('KMS_CREDENTIALS is not valid JSON (expected [{"accessKeyId":…,"secretAccessKey":…}])');
  }
}

const scope = { region: env.KMS_REGION ?? 'us-east-1', accountId: env.KMS_ACCOUNT_ID ?? '000000000000' };
const keyring = env.KEYS_BUNDLE
  ? await Keyring.importKeys(env.KEYS_BUNDLE, { wrappingKey: base64.decode(env.ROOT_KEY ?? '') }, scope)
  : new Keyring(scope);
const handler = createKmsHandler({
  keyring,
  credentials: parseCredentials(env.KMS_CREDENTIALS ?? '[]'),
  audit: (event) => console.log(JSON.stringify(event)), // a line per request: who, what, the outcome; never key material
});

const host = env.HOST ?? '127.0.0.1';
const port = Number(env.PORT ?? 8000);
const url = globalThis.Bun
  ? Bun.serve({ fetch: handler, hostname: host, port }).url.href.replace(/\/$/, '')
  : (await serveNode(handler, { host, port })).url;
console.log(`webkms KMS endpoint listening on ${url}`);
