// A KMS endpoint on Cloudflare Workers: the AWS KMS JSON 1.1 protocol (webkms/http), SigV4
// verified, each keyring in its own Durable Object (DurableObjectKeyStore). The Worker runs in
// every location and forwards each request to its keyring's object, the one place that keyring
// lives: a rotation or a disabled key made through any location is what the next request anywhere
// sees. Bindings (wrangler.toml; workerd.capnp for a local run):
//   KEYRINGS         the Durable Object namespace of KeyringObject
//   ROOT_KEY         secret: 32 bytes, base64; seals every key's material in the objects' storage
//   KMS_CREDENTIALS  secret: JSON [{ "accessKeyId", "secretAccessKey", "keyring"?, "policy"? }];
//                    "keyring" (default "main") names the keyring an access key works on
//   KEYS_BUNDLE      secret, optional: an export bundle (exportKeys({ wrappingKey: root key })),
//                    the keys the keyring "main" starts with when it has none
//   KMS_REGION, KMS_ACCOUNT_ID   vars: the region and account in ARNs (requests are signed for the region)
// SigV4 is verified in the object, beside the keys: access keys, policies and keyring are judged in
// one place and one step with the operation, and the Worker keeps no state. Its cost (a digest of the
// body and of the canonical request, one HMAC) is part of the object's time per request.
import { DurableObject } from 'cloudflare:workers';
import { DurableObjectKeyStore, Keyring, base64 } from 'webkms';
import { createKmsHandler } from 'webkms/http';

const MAIN = 'main';
/** Set by the Worker on what it forwards: the keyring it routed the request to. */
const KEYRING_HEADER = 'x-webkms-keyring';

/** KMS_CREDENTIALS as last parsed in this isolate: its text, and each credential with its keyring. */
let parsed;

/**
 * KMS_CREDENTIALS, each with the keyring it works on. Every request needs them: they are parsed once
 * per isolate, and again only for an env that holds another text.
 */
function credentials(env) {
  if (parsed === undefined || parsed.text !== env.KMS_CREDENTIALS) {
    const entries = parseCredentials(env.KMS_CREDENTIALS).map(({ keyring = MAIN, ...credential }) => ({ keyring, credential }));
    // Routed by the first match: a second entry's keyring and policy would never be used.
    const ids = entries.map((entry) => entry.credential.accessKeyId);
    if (new Set(ids).size !== ids.length) throw new Error('KMS_CREDENTIALS names one accessKeyId twice');
    parsed = { text: env.KMS_CREDENTIALS, entries };
  }
  return parsed.entries;
}

/** The credentials in KMS_CREDENTIALS. A mistake is named, never quoted: the text holds secret keys. */
function parseCredentials(text) {
  try {
    return JSON.parse(text);
  } catch {
    // JSON.parse's error quotes the text around the mistake, and an uncaught error goes to the logs.
    throw new Error('KMS_CREDENTIALS is not valid JSON (expected [{"accessKeyId":…,"secretAccessKey":…}])');
  }
}

/** One keyring: its keys in this object's storage, their material sealed under ROOT_KEY. */
export class KeyringObject extends DurableObject {
  constructor(ctx, env) {
    super(ctx, env);
    // No request reaches fetch() before the keyring has loaded.
    ctx.blockConcurrencyWhile(async () => {
      const rootKey = base64.decode(env.ROOT_KEY);
      this.keyring = await Keyring.open({ store: new DurableObjectKeyStore(ctx.storage), rootKey, region: env.KMS_REGION, accountId: env.KMS_ACCOUNT_ID });
      if (env.KEYS_BUNDLE && this.keyring.listKeys().length === 0 && this.#is(MAIN)) {
        await this.keyring.importKeys(env.KEYS_BUNDLE, { wrappingKey: rootKey });
      }
    });
  }

  /** Whether this object is the keyring `name`'s (ids are derived from names). */
  #is(name) {
    return this.env.KEYRINGS.idFromName(name).equals(this.ctx.id);
  }

  fetch(request) {
    // Only the access keys of this keyring verify here: a request routed to it by another access
    // key than the one its signature names is refused, whatever the Worker read.
    const name = request.headers.get(KEYRING_HEADER) ?? '';
    if (!this.#is(name)) return new Response('not this keyring', { status: 400 });
    this.kms ??= createKmsHandler({
      keyring: this.keyring,
      credentials: credentials(this.env).filter((entry) => entry.keyring === name).map((entry) => entry.credential),
      // A line per request in Workers Logs (wrangler tail, Logpush): who, what, the outcome; never key material.
      audit: (event) => console.log(JSON.stringify({ keyring: name, ...event })),
    });
    return this.kms(request);
  }
}

/** The access key id a SigV4 Authorization header names, if any. */
const accessKeyId = (request) => /Credential=([^/,\s]+)\//.exec(request.headers.get('authorization') ?? '')?.[1];

export default {
  // The request goes unchanged (its signature covers host, path, body and the headers it signed)
  // to the object of its access key's keyring; unsigned and unknown ones to "main", which refuses them.
  fetch(request, env) {
    const id = accessKeyId(request);
    const name = credentials(env).find((entry) => entry.credential.accessKeyId === id)?.keyring ?? MAIN;
    const forwarded = new Request(request);
    forwarded.headers.set(KEYRING_HEADER, name);
    return env.KEYRINGS.get(env.KEYRINGS.idFromName(name)).fetch(forwarded);
  },
};
