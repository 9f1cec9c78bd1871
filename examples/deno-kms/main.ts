// A KMS endpoint (AWS KMS JSON 1.1, SigV4 verified) on Deno.serve, its keys in Deno KV: a local
// SQLite file, or Deno Deploy's KV (strongly consistent; every isolate hears every change). See
// README.md beside this file. Environment:
//   ROOT_KEY         32 bytes, base64: seals every key's material in Deno KV; never stored
//   KMS_CREDENTIALS  JSON [{ "accessKeyId", "secretAccessKey", "policy"? }]
//   KEYS_BUNDLE      optional: an export bundle (exportKeys({ wrappingKey: ROOT_KEY })), the keys
//                    an empty keyring starts with
//   KMS_REGION, KMS_ACCOUNT_ID   the region and account in ARNs (default us-east-1, 000000000000)
//   KV_PATH          the database file (default: Deno Deploy's KV, or Deno's default local one)
//   HOST, PORT       where to listen (default 127.0.0.1:8000; Deno Deploy ignores them)
import { DenoKvKeyStore, Keyring, base64 } from 'webkms';
import { createKmsHandler } from 'webkms/http';

const env = (name: string) => Deno.env.get(name);

/** The credentials in KMS_CREDENTIALS. A mistake is named, never quoted: the text holds secret keys. */
function parseCredentials(text: string) {
  try {
    return JSON.parse(text);
  } catch {
    // JSON.parse's error quotes the text around the mistake, and Deno prints it on exit.
    throw new Error('KMS_CREDENTIALS is not valid JSON (expected [{"accessKeyId":…,"secretAccessKey":…}])');
  }
}

const rootKey = base64.decode(env('ROOT_KEY') ?? '');
const kv = await Deno.openKv(env('KV_PATH'));
const keyring = await Keyring.open({
  // watch: a rotation or a disabled key in one isolate reaches the others at once.
  store: new DenoKvKeyStore({ kv, watch: true }),
  rootKey,
  region: env('KMS_REGION') ?? 'us-east-1',
  accountId: env('KMS_ACCOUNT_ID') ?? '000000000000',
});
const bundle = env('KEYS_BUNDLE');
if (bundle && keyring.listKeys().length === 0) {
  // Several isolates may start at once: the first import wins, the others find its keys.
  await keyring.importKeys(bundle, { wrappingKey: rootKey }).catch((error) => {
    if (error?.name !== 'AlreadyExistsException') throw error;
  });
}
const handler = createKmsHandler({
  keyring,
  credentials: parseCredentials(env('KMS_CREDENTIALS') ?? '[]'),
  audit: (event) => console.log(JSON.stringify(event)), // a line per request: who, what, the outcome; never key material
});

Deno.serve({
  hostname: env('HOST') ?? '127.0.0.1',
  port: Number(env('PORT') ?? 8000),
  onListen: ({ hostname, port }) => console.log(`webkms KMS endpoint listening on http://${hostname}:${port}`),
}, handler);
