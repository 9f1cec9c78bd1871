// @ts-check
// Where a command's key comes from (a JWK file; an environment variable or standard input holding
// a JWK or base64 key bytes), what names it in a message (key namespace and name), and new keys
// (create-key). No message here ever quotes key material: a file that does not parse is only
// said not to parse.
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import { KmsError, RawAesKeyring, base64 } from 'webkms';
import { UsageError } from './args.mjs';
import { STDIO, openInput, readText } from './io.mjs';

/** The key namespace of messages the command line seals, unless --key-namespace says otherwise. */
export const DEFAULT_NAMESPACE = 'webkms';

/**
 * @typedef {object} LoadedKey
 * @property {import('webkms').KeyMaterial} material a JWK, or key bytes
 * @property {string | undefined} kid the JWK's `kid`, when it has one
 */

// A key is a few hundred bytes: standard input is not read beyond this.
const MAX_KEY_TEXT = 64 * 1024;

/**
 * Reads `--key SOURCE`: `env:NAME` (the variable) or `-` (standard input) holding a JWK or base64
 * of 16, 24 or 32 bytes, or the path of a JWK file.
 * @param {string} source
 * @returns {Promise<LoadedKey>}
 */
export async function loadKey(source) {
  if (source === STDIO) return keyFromText(await readText((await openInput(STDIO)).stream, MAX_KEY_TEXT), 'standard input');
  if (source.startsWith('env:')) {
    const name = source.slice(4);
    const text = process.env[name];
    if (!text) throw new UsageError(`--key env:${name}: the environment variable ${name} is not set`);
    return keyFromText(text, `the variable ${name}`);
  }
  // The key itself given as the file name would be quoted by "no such file" errors: refused unread.
  if (source.trimStart().startsWith('{')) throw new UsageError('--key takes a file name, env:NAME or -, not the JWK itself: put it in a variable (--key env:NAME)');
  return parseJwk(await readKeyFile(source), 'the --key file');
}

/**
 * The text of a key file, read only when it is a regular file of at most MAX_KEY_TEXT bytes
 * (`/dev/zero` or a FIFO would never end). Errors carry the file error's code but never the
 * name: key bytes given where a file name belongs must not be echoed.
 * @param {string} file
 */
async function readKeyFile(file) {
  const handle = await fsp.open(file, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK).catch((error) => {
    throw fileError(error);
  });
  try {
    const stat = await handle.stat();
    if (!stat.isFile()) throw new KmsError('ValidationException', 'the --key file is not a regular file');
    const bytes = new Uint8Array(MAX_KEY_TEXT + 1);
    const { bytesRead } = await handle.read(bytes, 0, bytes.length, 0);
    if (bytesRead > MAX_KEY_TEXT) throw new KmsError('ValidationException', `the --key file holds more than ${MAX_KEY_TEXT} bytes: not a key`);
    return new TextDecoder().decode(bytes.subarray(0, bytesRead));
  } finally {
    await handle.close();
  }
}

/**
 * A file error without the path Node puts in its message, keeping its `code` (which the command
 * line names as AWS would).
 * @param {unknown} error
 */
function fileError(error) {
  const code = /** @type {{ code?: unknown }} */ (error)?.code;
  return Object.assign(new Error(`the --key file cannot be opened (${typeof code === 'string' ? code : 'error'})`), { code });
}

/**
 * A JWK, or base64 of the key bytes.
 * @param {string} text
 * @param {string} where
 * @returns {LoadedKey}
 */
function keyFromText(text, where) {
  if (text.trimStart().startsWith('{')) return parseJwk(text, where);
  try {
    return { material: base64.decode(text.trim()), kid: undefined };
  } catch {
    throw new KmsError('ValidationException', `${where} holds neither a JWK nor base64 key bytes`);
  }
}

/**
 * @param {string} text
 * @param {string} where
 * @returns {LoadedKey}
 */
function parseJwk(text, where) {
  let jwk;
  try {
    jwk = JSON.parse(text);
  } catch {
    // The parser's message quotes the text, which holds the key: never passed on.
    throw new KmsError('ValidationException', `${where} is not a JWK: not JSON`);
  }
  if (typeof jwk !== 'object' || jwk === null || jwk.kty !== 'oct' || typeof jwk.k !== 'string') {
    throw new KmsError('ValidationException', `${where} is not a JWK of an AES key ({ "kty": "oct", "k": … })`);
  }
  return { material: jwk, kid: typeof jwk.kid === 'string' ? jwk.kid : undefined };
}

/**
 * The raw AES keyring of `--key`: its namespace (`--key-namespace`, default "webkms") and name
 * (`--key-name`, default the JWK's `kid`) are what the message stores, and what the official
 * SDKs' raw AES keyring must be given to open it.
 * @param {import('./args.mjs').ParsedArgs} args
 */
export async function rawKeyring(args) {
  const source = args.options.key;
  if (typeof source !== 'string') throw new UsageError('--key is required: a JWK file, env:NAME, or - (standard input)');
  if (source === STDIO && args.operands[0] === STDIO) throw new UsageError('--key - and IN - both want standard input');
  const { material, kid } = await loadKey(source);
  await refuseKeyAsOutput(source, args.operands[1]);
  const keyName = typeof args.options['key-name'] === 'string' ? args.options['key-name'] : kid;
  if (keyName === undefined) throw new UsageError('the key has no "kid": give --key-name, the name stored in the message');
  const keyNamespace = typeof args.options['key-namespace'] === 'string' ? args.options['key-namespace'] : DEFAULT_NAMESPACE;
  return new RawAesKeyring({ keyNamespace, keyName, material });
}

/**
 * Refuses an OUT that is the --key file itself (by any name): writing the message over it would
 * destroy the only key that opens it.
 * @param {string} source
 * @param {string | undefined} output
 */
async function refuseKeyAsOutput(source, output) {
  if (source === STDIO || source.startsWith('env:') || output === undefined || output === STDIO) return;
  const [key, out] = await Promise.all([source, output].map((file) => fsp.stat(file).catch(() => undefined)));
  if (key && out && key.dev === out.dev && key.ino === out.ino) throw new UsageError('OUT is the --key file: writing it would destroy the key');
}

/**
 * A new AES-GCM key as a JWK, made by WebCrypto, with `kid` naming it.
 * @param {128 | 256} bits
 * @param {string} kid
 */
export async function newJwk(bits, kid) {
  const key = await crypto.subtle.generateKey({ name: 'AES-GCM', length: bits }, true, ['encrypt', 'decrypt']);
  const { kty, k, alg, key_ops } = await crypto.subtle.exportKey('jwk', key);
  return { kty, kid, alg, k, key_ops };
}
