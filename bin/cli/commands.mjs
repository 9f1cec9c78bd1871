// @ts-check
// The commands: each a declaration (options, operands, help) and what it does.
import fsp from 'node:fs/promises';
import { KmsError, Keyring, base64, openStream, readHeader, sealStream } from 'webkms';
import { AwsKms } from 'webkms/aws';
import { UsageError, contextOption, integer, single } from './args.mjs';
import { STDIO, openInput, openOutput, parsePrefix, printOut, progress } from './io.mjs';
import { DEFAULT_NAMESPACE, loadKey, newJwk, rawKeyring } from './keys.mjs';

/** @typedef {import('./args.mjs').CommandSpec & { run(args: import('./args.mjs').ParsedArgs): Promise<void> }} Command */

const MAX_FRAME_SIZE = 16 * 1024 * 1024;
// A header longer than this is refused: webkms and the SDKs write headers of a few hundred bytes.
const MAX_HEADER_BYTES = 16 * 1024 * 1024;
// The AWS CLI's own example (the AWS seed): what the throwaway key of generate-data-key is.
const EXAMPLE = { keyId: '1234abcd-12ab-34cd-56ef-1234567890ab', region: 'us-east-2', accountId: '111122223333' };
const ARN = /^arn:aws:kms:([a-z0-9-]+):([0-9]{12}):(key|alias)\/(.+)$/;

const keyOptions = {
  key: { value: 'SOURCE', help: 'the wrapping key: a JWK file, or env:NAME or - (standard input) holding a JWK or base64 key bytes' },
  'key-namespace': { value: 'NS', help: `the key namespace stored in the message (default: ${DEFAULT_NAMESPACE})` },
  'key-name': { value: 'NAME', help: 'the key name stored in the message (default: the JWK\'s "kid")' },
};

const OUTPUT_TEXT = `OUT is written to a temporary file beside it (mode 0600) and renamed to OUT only once
everything was written and checked; on any failure it is removed, and an existing OUT is left
as it was. A symbolic link as OUT is followed; OUT may not be the --key file. With - (or
/dev/stdout) as OUT, or an OUT that is no regular file (a pipe, /dev/null), the bytes go out as
they come: after a failure (exit code 1) part of them may have been written, so use them only
when the exit code is 0.`;

/**
 * A ValidationException caused by the command line is a usage error (exit code 2).
 * @param {unknown} error
 */
const asUsage = (error) => (error instanceof KmsError && error.name === 'ValidationException' ? new UsageError(error.message) : error);

/**
 * `make()`, with its ValidationException (bad options) a usage error.
 * @template T
 * @param {() => T} make
 * @returns {T}
 */
function fromOptions(make) {
  try {
    return make();
  } catch (error) {
    throw asUsage(error);
  }
}

/**
 * Streams IN through `transform` into OUT, a chunk at a time, with a progress line on a terminal.
 * @param {string[]} operands IN and OUT
 * @param {TransformStream<Uint8Array, Uint8Array>} transform
 * @param {string} verb
 */
async function streamThrough([input = STDIO, output = STDIO], transform, verb) {
  const { stream, size } = await openInput(input);
  const out = await openOutput(output);
  const meter = progress(verb, size);
  try {
    await stream.pipeThrough(meter.stream).pipeThrough(transform).pipeTo(out.stream);
    await out.commit();
  } catch (error) {
    await out.discard();
    throw error;
  } finally {
    meter.done();
  }
}

/** @type {Command} */
const seal = {
  name: 'seal',
  summary: 'Encrypt IN into OUT, an AWS Encryption SDK message (v2, AES-256-GCM, key committing).',
  operands: ['IN', 'OUT'],
  options: {
    ...keyOptions,
    context: { value: 'KEY=VALUE', repeat: true, help: 'an encryption context pair, stored in the message and bound to it' },
    'frame-size': { value: 'N', help: 'plaintext bytes per frame, 1 to 16777216 (default 1 MiB)' },
  },
  description: `IN and OUT are file names, or - for standard input and output. The data streams through
a few frames at a time: any size, in bounded memory.

${OUTPUT_TEXT}`,
  async run(args) {
    const keyring = await rawKeyring(args);
    const encryptionContext = contextOption(args, 'context');
    const frameSize = integer(args, 'frame-size', 1, MAX_FRAME_SIZE);
    const transform = fromOptions(() => sealStream(keyring, { ...(encryptionContext && { encryptionContext }), ...(frameSize && { frameSize }) }));
    await streamThrough(args.operands, transform, 'sealed');
  },
};

/** @type {Command} */
const open = {
  name: 'open',
  summary: 'Decrypt the message IN into OUT, checking every frame, the end, and the context.',
  operands: ['IN', 'OUT'],
  options: {
    ...keyOptions,
    context: { value: 'KEY=VALUE', repeat: true, help: 'a pair the message must hold (refused otherwise)' },
  },
  description: `Opens messages of any AWS Encryption SDK (v2) sealed with the same key namespace, key name
and key bytes. A changed, truncated or extended message, another key or a missing context pair
is refused with exit code 1.

${OUTPUT_TEXT}`,
  async run(args) {
    const keyring = await rawKeyring(args);
    const encryptionContext = contextOption(args, 'context');
    const transform = fromOptions(() => openStream(keyring, encryptionContext && { encryptionContext }));
    await streamThrough(args.operands, transform, 'opened');
  },
};

/** @type {Command} */
const header = {
  name: 'header',
  summary: "Print a message's header as JSON: suite, context, who can open it, frame size.",
  operands: ['FILE'],
  options: {},
  description: `Reads only the header (FILE may be - for standard input), without any key: nothing in
it is authenticated until the message is opened. Byte fields are base64.`,
  async run({ operands: [file = STDIO] }) {
    const { stream } = await openInput(file);
    const info = await parsePrefix(stream, readHeader, MAX_HEADER_BYTES);
    await printOut(`${JSON.stringify(info, (_, value) => (value instanceof Uint8Array ? base64.encode(value) : value), 4)}\n`);
  },
};

/** @type {Command} */
const generateDataKey = {
  name: 'generate-data-key',
  summary: "Answer `aws kms generate-data-key` locally: the AWS CLI's JSON, and a decrypt round trip.",
  operands: [],
  options: {
    'key-id': { value: 'ID', help: 'the master key: its id, its ARN, or an alias (alias/…), which names it' },
    'key-spec': { value: 'SPEC', help: 'AES_256 or AES_128' },
    'number-of-bytes': { value: 'N', help: 'the data key length, 1 to 1024 (instead of --key-spec)' },
    'encryption-context': { value: 'KEY=VALUE', repeat: true, help: 'a context pair (or one JSON object), needed again to decrypt' },
    key: { value: 'SOURCE', help: 'the master key: a JWK file, env:NAME or - (default: a throwaway key)' },
  },
  description: `Prints what \`aws kms generate-data-key\` prints: Plaintext (base64; use it, then drop it),
KeyId (the key's ARN), KeyMaterialId and CiphertextBlob (base64), then decrypts the
CiphertextBlob and checks that it gives the Plaintext back (said on standard error).
The master key is --key, whose JWK "kid" is its id, or else a throwaway in-memory key with the
AWS example's id; its region and account are those of an ARN in --key-id, else the example's
(us-east-2, 111122223333). An alias in --key-id names that key. AWS's rules hold: exactly one of
--key-spec and --number-of-bytes (exit code 2 otherwise).`,
  async run(args) {
    const KeyId = single(args, 'key-id');
    if (KeyId === undefined) throw new UsageError('--key-id is required');
    const [, region = EXAMPLE.region, accountId = EXAMPLE.accountId, kind, rest = ''] = ARN.exec(KeyId) ?? [];
    const alias = kind === 'alias' ? `alias/${rest}` : KeyId.startsWith('alias/') ? KeyId : undefined;
    const named = kind === 'key' ? rest : alias || KeyId.startsWith('arn:') ? undefined : KeyId;
    const source = single(args, 'key');
    let material;
    let keyId = named ?? EXAMPLE.keyId;
    if (source === undefined) {
      material = crypto.getRandomValues(new Uint8Array(32));
    } else {
      const loaded = await loadKey(source);
      material = loaded.material;
      keyId = loaded.kid ?? keyId;
    }
    const keyring = new Keyring({ region, accountId });
    await keyring.importKey({ keyId, material, aliases: alias ? [alias] : [] });
    const kms = new AwsKms(keyring);
    const EncryptionContext = contextOption(args, 'encryption-context');
    const KeySpec = /** @type {'AES_256' | 'AES_128' | undefined} */ (single(args, 'key-spec'));
    const NumberOfBytes = integer(args, 'number-of-bytes', 1, 1024);
    const request = { KeyId, ...(KeySpec && { KeySpec }), ...(NumberOfBytes && { NumberOfBytes }), ...(EncryptionContext && { EncryptionContext }) };
    const dataKey = await kms.generateDataKey(request).catch((error) => Promise.reject(asUsage(error)));
    if (source === undefined) process.stderr.write('webkms: no --key given: a throwaway in-memory master key answered, and is gone now\n');
    await printOut(`${JSON.stringify(dataKey, null, 4)}\n`);
    const opened = await kms.decrypt({ CiphertextBlob: dataKey.CiphertextBlob, ...(EncryptionContext && { EncryptionContext }) });
    if (opened.Plaintext !== dataKey.Plaintext) throw new KmsError('KMSInternalException', 'Decrypt of the CiphertextBlob did not give the Plaintext back');
    process.stderr.write('webkms: round trip: Decrypt of the CiphertextBlob gives the Plaintext back\n');
  },
};

/** @type {Command} */
const createKey = {
  name: 'create-key',
  summary: 'Make a new random AES-GCM key, as a JWK file (mode 0600) or on standard output.',
  operands: [],
  options: {
    out: { value: 'FILE', help: 'write the JWK to FILE, created with mode 0600; an existing FILE is refused' },
    kid: { value: 'NAME', help: 'the JWK\'s "kid": the key name seal stores, the key id of generate-data-key (default: a random UUID)' },
    'key-spec': { value: 'SPEC', help: 'AES_256 (default) or AES_128' },
  },
  description: `The key is made by WebCrypto's generateKey. Keep the file secret: whoever reads it opens
every message sealed with it. Use "kid" values of A-Z, a-z, 0-9, ".", "_" and "-" (at most 128)
to use the key with generate-data-key too.`,
  async run(args) {
    const spec = single(args, 'key-spec') ?? 'AES_256';
    if (spec !== 'AES_256' && spec !== 'AES_128') throw new UsageError(`--key-spec must be AES_256 or AES_128`);
    const kid = single(args, 'kid') ?? crypto.randomUUID();
    const text = `${JSON.stringify(await newJwk(spec === 'AES_256' ? 256 : 128, kid), null, 2)}\n`;
    const out = single(args, 'out');
    if (out === undefined || out === STDIO) return printOut(text);
    const file = await fsp.open(out, 'wx', 0o600);
    try {
      await file.writeFile(text);
      await file.close();
    } catch (error) {
      // A half-written key file would be refused as existing by the next try: remove it.
      await file.close().catch(() => undefined);
      await fsp.rm(out, { force: true });
      throw error;
    }
    process.stderr.write(`webkms: wrote the ${spec} key "${kid}" to ${out} (mode 0600)\n`);
  },
};

/** Every command, by name. */
export const COMMANDS = Object.fromEntries([seal, open, header, generateDataKey, createKey].map((command) => [command.name, command]));
