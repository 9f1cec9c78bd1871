// The server of the bench's `http` suite, bundled by bench/run.mjs and started once per runtime
// (Node through examples/node-kms/serve.mjs, Deno.serve, Bun.serve) on 127.0.0.1. One server,
// two paths: `/` is webkms/http (createKmsHandler, SigV4 enforced, a credential with a policy),
// `/floor` is the floor handler: the JSON body read and parsed, one getRandomValues, one AES-GCM
// wrap, base64, a JSON answer with the same field names. Prints one JSON line ({ url,
// runtimeVersion }) when it listens, and exits when its standard input closes.
import { Keyring } from '../../src/index.ts';
import { encode } from '../../src/base64.ts';
import { createKmsHandler } from '../../src/http/handler.ts';
import { serveNode } from '../../examples/node-kms/serve.mjs';
import { dataKeyFloor } from '../lib/floors.mjs';
import { runtime, runtimeVersion } from '../lib/harness.mjs';
import { CREDENTIAL, KEY_ID, REGION, ACCOUNT, ALIAS } from './shared.mjs';

const keyring = new Keyring({ region: REGION, accountId: ACCOUNT });
await keyring.createKey({ keyId: KEY_ID, aliases: [ALIAS] });
const kms = createKmsHandler({ keyring, credentials: [{ ...CREDENTIAL, policy: { operations: ['GenerateDataKey'], keys: [ALIAS] } }] });

const masterKey = await crypto.subtle.importKey('raw', crypto.getRandomValues(new Uint8Array(32)), 'AES-GCM', false, ['encrypt']);
// The floor answers with the key's ARN and material id, as webkms does.
const { arn, keyMaterialId } = await keyring.generateDataKey({ keyId: KEY_ID });
const encoder = new TextEncoder();
const JSON_TYPE = { 'content-type': 'application/x-amz-json-1.1' };

/** The floor: what answering GenerateDataKey costs in hand-written calls, with no signature, no checks, no keyring. */
async function floor(request) {
  const input = await request.json();
  const [dataKey, iv, wrapped] = await dataKeyFloor(masterKey, encoder.encode(JSON.stringify(input.EncryptionContext ?? {})))();
  const blob = new Uint8Array(12 + wrapped.byteLength);
  blob.set(iv);
  blob.set(new Uint8Array(wrapped), 12);
  const answer = { Plaintext: encode(dataKey), KeyId: arn, KeyMaterialId: keyMaterialId, CiphertextBlob: encode(blob) };
  return new Response(JSON.stringify(answer), { headers: JSON_TYPE });
}

const serve = (request) => (request.url.endsWith('/floor') ? floor(request) : kms(request));

let url;
let close;
if (runtime === 'deno') {
  // onListen given, so that Deno does not print its own "Listening on" line.
  const server = Deno.serve({ hostname: '127.0.0.1', port: 0, onListen() {} }, serve);
  url = `http://127.0.0.1:${server.addr.port}`;
  close = () => server.shutdown();
} else if (runtime === 'bun') {
  const server = Bun.serve({ hostname: '127.0.0.1', port: 0, fetch: serve });
  url = `http://127.0.0.1:${server.port}`;
  close = () => server.stop(true);
} else {
  ({ url, close } = await serveNode(serve));
}
console.log(JSON.stringify({ url, runtimeVersion }));

// The bench closes our standard input when it is done (or dies): then stop.
const stop = async () => {
  await close();
  process.exit(0);
};
process.stdin.on('end', stop);
process.stdin.on('close', stop);
process.stdin.resume();
