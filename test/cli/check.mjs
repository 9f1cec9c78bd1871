// The `webkms` command line, as a user runs it (`npm test`'s "cli" row, `npm test -- cli`): the
// packed package's bin (`npm pack`: what npm installs), run by Node, Deno and Bun, in a scratch
// directory. Each check is one test of the row:
//   - bin/ typechecks (JSDoc, bin/tsconfig.json) against the built package's types;
//   - per runtime: --help of every command; create-key (mode 0600, no overwrite); round trips of
//     0 B, 1 B and 100 MiB through files and through pipes (`-`); header; generate-data-key in the
//     AWS CLI example's shape, its data key decrypting; every refusal's exit code, one-line error
//     and no partial OUT; the official AWS Encryption SDK for Node opening what the runtime sealed
//     and the runtime opening what the SDK encrypted; the README's `<!-- cli: name -->` blocks,
//     run as written by bash with `webkms` on the PATH.
// A runtime that is not installed is skipped, and under CI=true counted as a failure.
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { pack } from '../../scripts/pack-check.mjs';
import { toolBin } from '../harness/install.mjs';
import { track, withTimeout } from '../harness/procs.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const CI = process.env.CI === 'true';
const RUNTIMES = { node: [process.execPath], deno: [toolBin('deno'), 'run', '-A'], bun: [toolBin('bun')] };
const TIMEOUT = 120_000;
const BIG = 100 * 2 ** 20;
const COMMANDS = ['seal', 'open', 'header', 'generate-data-key', 'create-key'];

// The AWS seed's example (the AWS CLI's `generate-data-key` documentation, example 1):
// `aws kms generate-data-key --key-id alias/ExampleAlias --key-spec AES_256` prints this.
const AWS_EXAMPLE = {
  Plaintext: 'VdzKNHGzUAzJeRBVY+uUmofUGGiDzyB3+i9fVkh3piw=',
  KeyId: 'arn:aws:kms:us-east-2:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab',
  KeyMaterialId: '0b7fd7ddbac6eef27907413567cad8c810e2883dc8a7534067a82ee1142fc1e6',
  CiphertextBlob:
    'AQEDAHjRYf5WytIc0C857tFSnBaPn2F8DgfmThbJlGfR8P3WlwAAAH4wfAYJKoZIhvcNAQcGoG8wbQIBADBoBgkqhkiG9w0BBwEwHgYJYIZIAWUDBAEuMBEEDEFogLqPWZconQhwHAIBEIA7d9AC7GeJJM34njQvg4Wf1d5sw0NIo1MrBqZa+YdhV8MrkBQPeac0ReRVNDt9qleAt+SHgIRF8P0H+7U=',
};

/** What the row needs from the machine: the runtimes besides Node (test/node_modules). */
export const requirements = () => ({ files: [toolBin('deno'), toolBin('bun')], apt: [] });

class Failure extends Error {}
const expect = (condition, message) => {
  if (!condition) throw new Failure(message);
};

/** Runs a command; stdin is bytes, or a file streamed in through a pipe. Returns { code, stdout, stderr }. */
function run(command, args, { cwd, env, stdin } = {}) {
  const child = track(spawn(command, args, { cwd, env: { ...process.env, DENO_NO_UPDATE_CHECK: '1', ...env }, stdio: ['pipe', 'pipe', 'pipe'] }));
  const chunks = [];
  let stderr = '';
  child.stdout.on('data', (chunk) => chunks.push(chunk));
  child.stderr.on('data', (chunk) => (stderr += chunk));
  child.stdin.on('error', () => {}); // a process that exits early closes its stdin: not this test's failure
  if (stdin === undefined) child.stdin.end();
  else if (typeof stdin === 'string') pipeline(fs.createReadStream(stdin), child.stdin).catch(() => {});
  else child.stdin.end(stdin);
  const done = new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code, signal) => resolve({ code: code ?? signal, stdout: Buffer.concat(chunks), stderr }));
  });
  return withTimeout(done, TIMEOUT, `${path.basename(command)} ${args.join(' ')}`).catch((error) => {
    child.kill('SIGKILL');
    throw error;
  });
}

const sha256 = (file) => createHash('sha256').update(fs.readFileSync(file)).digest('hex');
const same = (a, b) => Buffer.compare(fs.readFileSync(a), fs.readFileSync(b)) === 0;
const described = (ran) => `exit code ${ran.code}, stderr: ${ran.stderr.trim().slice(0, 500) || '(empty)'}`;

/** A file of `length` random bytes written a MiB at a time; returns its SHA-256. */
function writeRandom(file, length) {
  const hash = createHash('sha256');
  const fd = fs.openSync(file, 'w');
  try {
    for (let left = length; left > 0; left -= 2 ** 20) {
      const chunk = randomBytes(Math.min(left, 2 ** 20));
      hash.update(chunk);
      fs.writeSync(fd, chunk);
    }
  } finally {
    fs.closeSync(fd);
  }
  return hash.digest('hex');
}

/** The README's command-line examples: each ```sh block after a `<!-- cli: name -->` line. */
export function readmeBlocks(root = ROOT) {
  const lines = fs.readFileSync(path.join(root, 'README.md'), 'utf8').split('\n');
  const blocks = [];
  lines.forEach((line, i) => {
    const name = /^<!--\s*cli:\s*([\w-]+)\s*-->$/.exec(line.trim())?.[1];
    if (!name) return;
    const end = lines.findIndex((l, j) => j > i + 1 && /^```\s*$/.test(l));
    if (lines[i + 1] !== '```sh' || end < 0) throw new Error(`README.md:${i + 1}: <!-- cli: ${name} --> is not right before a \`\`\`sh block`);
    blocks.push({ name, line: i + 3, code: lines.slice(i + 2, end).join('\n') });
  });
  return blocks;
}

/** What each README block needs before it runs, and what must hold after it ran. */
const README_FIXTURES = {
  'cli-files': {
    before: (dir) => writeRandom(path.join(dir, 'db.dump'), 3 * 2 ** 20 + 17),
    after(dir) {
      expect(fs.statSync(path.join(dir, 'backup.jwk')).mode % 0o1000 === 0o600, 'backup.jwk is not mode 0600');
      expect(same(path.join(dir, 'db.dump'), path.join(dir, 'db.dump.restored')), 'db.dump.restored differs from db.dump');
    },
  },
  'cli-pipes': {
    before(dir) {
      fs.mkdirSync(path.join(dir, 'photos'));
      for (const name of ['a.jpg', 'b.jpg']) writeRandom(path.join(dir, 'photos', name), 200_000);
    },
    after(dir) {
      for (const name of ['a.jpg', 'b.jpg']) expect(same(path.join(dir, 'photos', name), path.join(dir, 'restored/photos', name)), `restored/photos/${name} differs`);
    },
  },
  'cli-aws': {
    before: (dir) => fs.writeFileSync(path.join(dir, 'backup.jwk'), JSON.stringify({ kty: 'oct', kid: 'backups', k: randomBytes(32).toString('base64url') })),
    after(dir, stdout) {
      const printed = JSON.parse(stdout);
      expect(printed.KeyId === 'arn:aws:kms:us-east-2:111122223333:key/backups', `KeyId is ${printed.KeyId}`);
    },
  },
};

/**
 * The checks of one runtime: `cli(args, { stdin })` runs the packed bin under it, `shell(script)`
 * runs bash with `webkms` on the PATH.
 */
function runtimeChecks({ cli, spawnCli, shell, dir, big, bigHash, sdk, webkms }) {
  const file = (name) => path.join(dir, name);
  const key = file('k.jwk');
  const checks = {};

  checks['--help of every command, and of none'] = async () => {
    for (const command of COMMANDS) {
      const ran = await cli([command, '--help']);
      expect(ran.code === 0 && ran.stdout.toString().startsWith(`usage: webkms ${command} `), `${command} --help: ${described(ran)}`);
    }
    const ran = await cli(['--help']);
    expect(ran.code === 0 && COMMANDS.every((c) => ran.stdout.toString().includes(`  ${c} `)), '--help does not list every command');
  };

  checks['create-key writes a JWK with mode 0600, and refuses to overwrite it'] = async () => {
    const ran = await cli(['create-key', '--out', key, '--kid', 'cli-test']);
    expect(ran.code === 0, `create-key: ${described(ran)}`);
    expect(fs.statSync(key).mode % 0o1000 === 0o600, `mode ${(fs.statSync(key).mode % 0o1000).toString(8)}`);
    const jwk = JSON.parse(fs.readFileSync(key, 'utf8'));
    expect(jwk.kty === 'oct' && jwk.kid === 'cli-test' && jwk.alg === 'A256GCM' && Buffer.from(jwk.k, 'base64url').length === 32, 'not an AES-256 JWK with kid cli-test');
    expect(!ran.stderr.includes(jwk.k) && !ran.stdout.toString().includes(jwk.k), 'create-key --out printed the key');
    const again = await cli(['create-key', '--out', key]);
    expect(again.code === 1 && /AlreadyExistsException/.test(again.stderr), `a second create-key --out: ${described(again)}`);
    expect(JSON.parse(fs.readFileSync(key, 'utf8')).k === jwk.k, 'the key file was overwritten');
    const printed = await cli(['create-key', '--key-spec', 'AES_128']);
    expect(printed.code === 0 && Buffer.from(JSON.parse(printed.stdout).k, 'base64url').length === 16, 'create-key without --out prints an AES-128 JWK');
  };

  checks['round trips of 0 B and 1 B through files'] = async () => {
    for (const length of [0, 1]) {
      fs.writeFileSync(file('small'), randomBytes(length));
      const sealed = await cli(['seal', '--key', key, 'small', 'small.webkms']);
      expect(sealed.code === 0, `seal ${length} B: ${described(sealed)}`);
      const opened = await cli(['open', '--key', key, 'small.webkms', 'small.out']);
      expect(opened.code === 0 && same(file('small'), file('small.out')), `open ${length} B: ${described(opened)}`);
    }
  };

  checks['round trips of 0 B and 1 B through pipes (-)'] = async () => {
    for (const length of [0, 1]) {
      const data = randomBytes(length);
      const sealed = await cli(['seal', '--key', key, '--context', 'via=pipe', '-', '-'], { stdin: data });
      expect(sealed.code === 0 && sealed.stdout.length > 0, `seal - -: ${described(sealed)}`);
      const opened = await cli(['open', '--key', key, '--context', 'via=pipe', '-', '-'], { stdin: sealed.stdout });
      expect(opened.code === 0 && Buffer.compare(opened.stdout, data) === 0, `open - - of ${length} B: ${described(opened)}`);
    }
  };

  checks['4 MiB in 64 KiB frames, sealed and opened (the message the refusals change)'] = async () => {
    fs.writeFileSync(file('mid'), randomBytes(4 * 2 ** 20));
    const sealed = await cli(['seal', '--key', key, '--frame-size', '65536', 'mid', 'mid.webkms']);
    expect(sealed.code === 0, `seal: ${described(sealed)}`);
    const opened = await cli(['open', '--key', key, 'mid.webkms', 'mid.out']);
    expect(opened.code === 0 && same(file('mid'), file('mid.out')), `open: ${described(opened)}`);
  };

  checks['--key - reads the key from standard input, and env:NAME base64 key bytes from a variable'] = async () => {
    const sealed = await cli(['seal', '--key', '-', 'small', 'stdin-key.webkms'], { stdin: fs.readFileSync(key) });
    expect(sealed.code === 0, `seal --key -: ${described(sealed)}`);
    const bytes = Buffer.from(JSON.parse(fs.readFileSync(key, 'utf8')).k, 'base64url').toString('base64');
    const opened = await cli(['open', '--key', 'env:CLI_TEST_KEY', '--key-name', 'cli-test', 'stdin-key.webkms', 'stdin-key.out'], { env: { CLI_TEST_KEY: bytes } });
    expect(opened.code === 0 && same(file('small'), file('stdin-key.out')), `open --key env:CLI_TEST_KEY: ${described(opened)}`);
  };

  checks['100 MiB through files'] = async () => {
    const sealed = await cli(['seal', '--key', key, big, 'big.webkms']);
    expect(sealed.code === 0, `seal: ${described(sealed)}`);
    const opened = await cli(['open', '--key', key, 'big.webkms', 'big.out']);
    expect(opened.code === 0 && sha256(file('big.out')) === bigHash, `open: ${described(opened)}`);
    fs.rmSync(file('big.out'));
    fs.rmSync(file('big.webkms'));
  };

  checks['100 MiB through pipes: cat | seal - - | open - - | sha256sum'] = async () => {
    const ran = await shell(`cat '${big}' | webkms seal --key k.jwk - - | webkms open --key k.jwk - - | sha256sum`);
    expect(ran.code === 0 && ran.stdout.toString().startsWith(bigHash), described(ran));
  };

  checks['header of a file and of standard input'] = async () => {
    const sealed = await cli(['seal', '--key', key, '--context', 'purpose=header test', '--context', 'Zürich=東京', '--frame-size', '4096', 'small', 'h.webkms']);
    expect(sealed.code === 0, `seal: ${described(sealed)}`);
    for (const stdin of [undefined, file('h.webkms')]) {
      const ran = await cli(['header', stdin ? '-' : 'h.webkms'], { stdin });
      expect(ran.code === 0, `header: ${described(ran)}`);
      const header = JSON.parse(ran.stdout);
      const [edk] = header.encryptedDataKeys;
      expect(header.algorithmSuiteId === 0x0478 && header.frameSize === 4096, 'suite or frame size');
      const context = Object.entries(header.encryptionContext).sort().join(';');
      expect(context === 'Zürich,東京;purpose,header test', `context ${JSON.stringify(header.encryptionContext)}`);
      expect(header.encryptedDataKeys.length === 1 && edk.providerId === 'webkms' && edk.rawAes.keyName === 'cli-test', 'key namespace or name');
      expect(Buffer.from(header.messageId, 'base64').length === 32, 'messageId is not 32 bytes of base64');
    }
  };

  checks["generate-data-key prints the AWS CLI example's JSON"] = async () => {
    const ran = await cli(['generate-data-key', '--key-id', 'alias/ExampleAlias', '--key-spec', 'AES_256']);
    expect(ran.code === 0, described(ran));
    const text = ran.stdout.toString();
    const printed = JSON.parse(text);
    expect(JSON.stringify(Object.keys(printed)) === JSON.stringify(Object.keys(AWS_EXAMPLE)), `fields ${Object.keys(printed)}`);
    expect(printed.KeyId === AWS_EXAMPLE.KeyId, `KeyId ${printed.KeyId}`);
    expect(Buffer.from(printed.Plaintext, 'base64').length === 32 && /^[0-9a-f]{64}$/.test(printed.KeyMaterialId), 'Plaintext or KeyMaterialId');
    expect(Buffer.from(printed.CiphertextBlob, 'base64').toString('base64') === printed.CiphertextBlob, 'CiphertextBlob is not base64');
    expect(text === `${JSON.stringify(printed, null, 4)}\n`, 'not printed as the AWS CLI prints JSON (4 spaces)');
    expect(/throwaway/.test(ran.stderr) && /round trip/.test(ran.stderr), `stderr: ${ran.stderr}`);
  };

  checks['generate-data-key --key: the data key decrypts with that key'] = async () => {
    const ran = await cli(['generate-data-key', '--key', key, '--key-id', 'alias/orders', '--number-of-bytes', '64', '--encryption-context', 'tenant=acme']);
    expect(ran.code === 0, described(ran));
    const printed = JSON.parse(ran.stdout);
    expect(printed.KeyId === 'arn:aws:kms:us-east-2:111122223333:key/cli-test', `KeyId ${printed.KeyId}`);
    const keyring = new webkms.Keyring({ region: 'us-east-2', accountId: '111122223333' });
    await keyring.importKey({ keyId: 'cli-test', material: JSON.parse(fs.readFileSync(key, 'utf8')) });
    const { plaintext } = await keyring.decrypt({ ciphertextBlob: printed.CiphertextBlob, encryptionContext: { tenant: 'acme' } });
    expect(Buffer.from(plaintext).toString('base64') === printed.Plaintext && plaintext.length === 64, 'the CiphertextBlob does not decrypt to the Plaintext');
  };

  // Every mistake in the command line: exit code 2 and a one-line ValidationException.
  const usage = {
    'no command': [],
    'an unknown command': ['frobnicate'],
    'an unknown option': ['seal', '--key', key, '--bogus', 'small', 'x'],
    'a missing operand': ['seal', '--key', key, 'small'],
    'seal without --key': ['seal', 'small', 'x'],
    'an option without its value': ['open', 'small.webkms', 'x', '--key'],
    '--frame-size 0': ['seal', '--key', key, '--frame-size', '0', 'small', 'x'],
    '--context without =': ['seal', '--key', key, '--context', 'novalue', 'small', 'x'],
    'a reserved context key': ['seal', '--key', key, '--context', 'aws-crypto-public-key=x', 'small', 'x'],
    'both --key-spec and --number-of-bytes': ['generate-data-key', '--key-id', 'alias/a', '--key-spec', 'AES_256', '--number-of-bytes', '32'],
    'neither --key-spec nor --number-of-bytes': ['generate-data-key', '--key-id', 'alias/a'],
    'generate-data-key without --key-id': ['generate-data-key', '--key-spec', 'AES_256'],
    '--key - and IN - together': ['open', '--key', '-', '-', 'x'],
    'create-key --key-spec AES_512': ['create-key', '--key-spec', 'AES_512'],
  };
  for (const [name, args] of Object.entries(usage)) {
    checks[`usage error, exit code 2: ${name}`] = async () => {
      const ran = await cli(args);
      expect(ran.code === 2, described(ran));
      expect(name === 'no command' || /^webkms[ a-z-]*: ValidationException: .+\n$/.test(ran.stderr), `not one ValidationException line: ${ran.stderr}`);
      expect(!fs.existsSync(file('x')), 'an output was written');
    };
  }

  // Refused input: exit code 1, one line naming the error, nothing at OUT (and, for a tampered
  // message, an existing OUT unchanged).
  const refusals = {
    // Frames before the changed one were written (to the temporary file) when it failed.
    'a tampered message': { error: 'InvalidCiphertextException', make: () => tampered('mid.webkms', 3 * 2 ** 20), existingOut: true },
    'a tampered header': { error: 'InvalidCiphertextException', make: () => tampered('h.webkms', 60) },
    'a truncated message': { error: 'InvalidCiphertextException', make: () => fs.writeFileSync(file('bad.webkms'), fs.readFileSync(file('mid.webkms')).subarray(0, 3 * 2 ** 20 + 5)) },
    'a message with bytes after its end': { error: 'InvalidCiphertextException', make: () => fs.writeFileSync(file('bad.webkms'), Buffer.concat([fs.readFileSync(file('h.webkms')), Buffer.from('x')])) },
    'another key of the same name': { error: 'InvalidCiphertextException', key: 'other.jwk', make: () => fs.copyFileSync(file('h.webkms'), file('bad.webkms')) },
    'a key of another name': { error: 'InvalidCiphertextException', args: ['--key-name', 'someone-else'], make: () => fs.copyFileSync(file('h.webkms'), file('bad.webkms')) },
    'a wrong context value': { error: 'InvalidCiphertextException', args: ['--context', 'purpose=other'], make: () => fs.copyFileSync(file('h.webkms'), file('bad.webkms')) },
    'a missing context pair': { error: 'InvalidCiphertextException', args: ['--context', 'tenant=acme'], make: () => fs.copyFileSync(file('h.webkms'), file('bad.webkms')) },
    'a missing input file': { error: 'NotFoundException', make: () => fs.rmSync(file('bad.webkms'), { force: true }) },
    'a key file that is not JSON': { error: 'ValidationException', key: 'broken.jwk', make: () => fs.copyFileSync(file('h.webkms'), file('bad.webkms')) },
  };
  function tampered(source, at) {
    const bytes = fs.readFileSync(file(source));
    bytes[at] ^= 1;
    fs.writeFileSync(file('bad.webkms'), bytes);
  }
  for (const [name, refusal] of Object.entries(refusals)) {
    checks[`refused, exit code 1: ${name}`] = async () => {
      refusal.make();
      fs.writeFileSync(file('kept.out'), 'an old OUT');
      const keyFile = file(refusal.key ?? 'k.jwk');
      for (const out of refusal.existingOut ? ['new.out', 'kept.out'] : ['new.out']) {
        const ran = await cli(['open', '--key', keyFile, ...(refusal.args ?? []), 'bad.webkms', out]);
        expect(ran.code === 1, described(ran));
        expect(new RegExp(`^webkms open: ${refusal.error}: [^\\n]+\\n$`).test(ran.stderr), `not one ${refusal.error} line: ${ran.stderr}`);
        const secret = /"k"\s*:\s*"([^"]{12,})"/.exec(fs.readFileSync(keyFile, 'utf8'))?.[1];
        expect(secret && !ran.stderr.includes(secret.slice(0, 12)), 'the error quotes the key');
      }
      expect(!fs.existsSync(file('new.out')), 'a partial OUT was left');
      expect(fs.readFileSync(file('kept.out'), 'utf8') === 'an old OUT', 'the existing OUT was changed');
      const leftovers = fs.readdirSync(dir).filter((f) => f.endsWith('.partial'));
      expect(leftovers.length === 0, `temporary files left: ${leftovers.join(', ')}`);
    };
  }

  const secretOf = (jwkFile) => JSON.parse(fs.readFileSync(jwkFile, 'utf8')).k;
  const quotes = (ran, secret) => ran.stderr.includes(secret) || ran.stderr.includes(Buffer.from(secret, 'base64url').toString('base64').slice(0, 16));

  checks['--key given the key itself (JWK or base64 bytes, not a file name) is refused without quoting it'] = async () => {
    const jwk = fs.readFileSync(key, 'utf8');
    const inline = await cli(['seal', '--key', jwk, 'small', 'x']);
    expect(inline.code === 2 && /ValidationException: --key takes a file name/.test(inline.stderr), `a JWK as --key: ${described(inline)}`);
    const bytes = Buffer.from(secretOf(key), 'base64url').toString('base64');
    const asPath = await cli(['seal', '--key', bytes, 'small', 'x']);
    expect(asPath.code === 1 && /NotFoundException/.test(asPath.stderr), `base64 bytes as --key: ${described(asPath)}`);
    for (const ran of [inline, asPath]) expect(!quotes(ran, secretOf(key)), `the error quotes the key: ${ran.stderr}`);
    expect(!fs.existsSync(file('x')), 'an output was written');
  };

  checks['--key that is no regular file (/dev/zero, a FIFO) is refused, not read without end'] = async () => {
    fs.rmSync(file('key.fifo'), { force: true });
    const fifo = await run('mkfifo', [file('key.fifo')]);
    expect(fifo.code === 0, `mkfifo: ${fifo.stderr}`);
    for (const source of ['/dev/zero', file('key.fifo')]) {
      const ran = await cli(['seal', '--key', source, 'small', 'x']);
      expect(ran.code === 1 && /ValidationException: the --key file is not a regular file/.test(ran.stderr), `--key ${source}: ${described(ran)}`);
    }
    fs.rmSync(file('key.fifo'));
  };

  checks['OUT that is the --key file (by its name or a link) is refused, and the key kept'] = async () => {
    fs.copyFileSync(key, file('own.jwk'));
    fs.rmSync(file('own-link.jwk'), { force: true });
    fs.symlinkSync('own.jwk', file('own-link.jwk'));
    for (const out of ['own.jwk', 'own-link.jwk', './own.jwk']) {
      const ran = await cli(['seal', '--key', 'own.jwk', 'small', out]);
      expect(ran.code === 2 && /OUT is the --key file/.test(ran.stderr), `OUT ${out}: ${described(ran)}`);
      expect(same(key, file('own.jwk')), `OUT ${out}: the key file was changed`);
    }
  };

  checks['--context __proto__=x is a pair like any other; a JSON context naming a key twice is refused'] = async () => {
    const sealed = await cli(['seal', '--key', key, '--context', '__proto__=x', 'small', 'proto.webkms']);
    expect(sealed.code === 0, `seal: ${described(sealed)}`);
    const header = await cli(['header', 'proto.webkms']);
    expect(JSON.stringify(JSON.parse(header.stdout).encryptionContext) === '{"__proto__":"x"}', `context ${header.stdout}`);
    const wrong = await cli(['open', '--key', key, '--context', '__proto__=y', 'proto.webkms', 'x']);
    expect(wrong.code === 1 && /InvalidCiphertextException/.test(wrong.stderr), `open with __proto__=y: ${described(wrong)}`);
    const right = await cli(['open', '--key', key, '--context', '__proto__=x', 'proto.webkms', 'proto.out']);
    expect(right.code === 0 && same(file('small'), file('proto.out')), `open with __proto__=x: ${described(right)}`);
    for (const json of ['{"a":"1","a":"2"}', '{"a":"1","\\u0061":"2"}']) {
      const ran = await cli(['generate-data-key', '--key-id', 'alias/a', '--key-spec', 'AES_256', '--encryption-context', json]);
      expect(ran.code === 2 && /names a key twice/.test(ran.stderr), `${json}: ${described(ran)}`);
    }
    const escaped = await cli(['generate-data-key', '--key-id', 'alias/a', '--key-spec', 'AES_256', '--encryption-context', '{"a\\"":"1","b":"\\"2"}']);
    expect(escaped.code === 0, `a context with escaped quotes: ${described(escaped)}`);
  };

  checks['OUT through a symbolic link replaces its target; a pipe, /dev/null or a long name is written'] = async () => {
    for (const name of ['link.out', 'target.out']) fs.rmSync(file(name), { force: true });
    fs.symlinkSync('target.out', file('link.out'));
    for (const round of ['a dangling link', 'a link to a file']) {
      const ran = await cli(['seal', '--key', key, 'small', 'link.out']);
      expect(ran.code === 0 && fs.lstatSync(file('link.out')).isSymbolicLink(), `${round}: ${described(ran)}`);
      const opened = await cli(['open', '--key', key, 'target.out', '-']);
      expect(opened.code === 0 && Buffer.compare(opened.stdout, fs.readFileSync(file('small'))) === 0, `${round}: the target does not open`);
    }
    // Through bash's pipe: the test's own stdout is a socket, which /dev/fd/1 cannot open.
    // Devices through links of the scratch directory: code that renamed over OUT would replace the
    // link, never the machine's device.
    fs.rmSync(file('null.out'), { force: true });
    fs.symlinkSync('/dev/null', file('null.out'));
    const piped = await shell('webkms seal --key k.jwk small /dev/fd/1 | webkms open --key k.jwk - /dev/fd/1 | cmp - small && webkms open --key k.jwk target.out null.out && test -c null.out');
    expect(piped.code === 0, `/dev/fd/1, then /dev/null: ${described(piped)}`);
    // /dev/stdout redirected to a file is that file's descriptor, written in place, never replaced.
    const grouped = await shell('{ echo before; webkms open --key k.jwk target.out /dev/stdout; echo after; } > grouped.out');
    const expected = Buffer.concat([Buffer.from('before\n'), fs.readFileSync(file('small')), Buffer.from('after\n')]);
    expect(grouped.code === 0 && Buffer.compare(fs.readFileSync(file('grouped.out')), expected) === 0, `/dev/stdout into a file: ${described(grouped)}`);
    // A dangling link's `..` leaves the real directory, not the link that named it.
    fs.rmSync(file('real'), { recursive: true, force: true });
    fs.rmSync(file('via'), { force: true });
    fs.mkdirSync(file('real/sub'), { recursive: true });
    fs.symlinkSync('real/sub', file('via'));
    fs.symlinkSync('../beside.out', file('real/sub/l'));
    const through = await cli(['seal', '--key', key, 'small', 'via/l']);
    expect(through.code === 0 && fs.existsSync(file('real/beside.out')) && !fs.existsSync(file('beside.out')), `a dangling link through a linked folder: ${described(through)}`);
    const long = `${'n'.repeat(240)}.webkms`; // 247 characters: the limit is 255
    const ran = await cli(['seal', '--key', key, 'small', long]);
    expect(ran.code === 0 && fs.existsSync(file(long)), `a 247-character OUT: ${described(ran)}`);
    fs.rmSync(file(long));
  };

  checks['a full disk is reported as ENOSPC; a reader gone (| head) ends it quietly'] = async () => {
    fs.rmSync(file('full.out'), { force: true });
    fs.symlinkSync('/dev/full', file('full.out'));
    const full = await cli(['seal', '--key', key, 'mid', 'full.out']);
    expect(full.code === 1 && /^webkms seal: KMSInternalException: .*(ENOSPC|No space left)[^\n]*\n$/.test(full.stderr), `OUT a link to /dev/full: ${described(full)}`);
    const ran = await shell(`set +o pipefail; webkms seal --key k.jwk '${big}' - | head -c 10 >/dev/null; echo "\${PIPESTATUS[0]}"`);
    expect(ran.stdout.toString() === '1\n' && ran.stderr === '', `seal | head: ${described(ran)}, printed ${ran.stdout}`);
  };

  for (const [signal, code] of [['SIGTERM', 143], ['SIGHUP', 129], ['SIGINT', 130]]) {
    checks[`${signal} while sealing: exit code ${code}, no temporary file left`] = async () => {
      const child = spawnCli(['seal', '--key', key, '-', 'interrupted.out']);
      const exited = new Promise((resolve) => child.once('close', (status, by) => resolve(status ?? by)));
      child.stdin.on('error', () => {});
      child.stdin.write(randomBytes(2 ** 20));
      const partial = () => fs.readdirSync(dir).filter((f) => f.endsWith('.partial'));
      for (let waited = 0; partial().length === 0 && waited < TIMEOUT; waited += 50) await new Promise((resolve) => setTimeout(resolve, 50));
      expect(partial().length === 1, 'no temporary file while sealing');
      child.kill(signal);
      const status = await withTimeout(exited, TIMEOUT, `seal after ${signal}`);
      expect(status === code, `exit code ${status}`);
      expect(partial().length === 0 && !fs.existsSync(file('interrupted.out')), `left: ${partial().join(', ')}`);
    };
  }

  checks['the AWS Encryption SDK opens what the CLI sealed'] = async () => {
    const data = randomBytes(2 * 2 ** 20 + 3);
    fs.writeFileSync(file('sdk.in'), data);
    const context = ['--context', 'tenant=acme', '--context', 'Zürich=東京'];
    const ran = await cli(['seal', '--key', key, ...context, '--frame-size', '65536', 'sdk.in', 'sdk.webkms']);
    expect(ran.code === 0, described(ran));
    const { plaintext, messageHeader } = await sdk.decrypt(sdk.keyring(key), fs.readFileSync(file('sdk.webkms')));
    expect(Buffer.compare(plaintext, data) === 0, 'the SDK decrypted other bytes');
    expect(messageHeader.encryptionContext.tenant === 'acme' && messageHeader.encryptionContext['Zürich'] === '東京', 'the SDK saw another context');
  };

  checks['the CLI opens what the AWS Encryption SDK encrypted'] = async () => {
    const data = randomBytes(2 * 2 ** 20 + 3);
    const { result } = await sdk.encrypt(sdk.keyring(key), data, { encryptionContext: { tenant: 'acme' } });
    fs.writeFileSync(file('from-sdk.webkms'), result);
    const ran = await cli(['open', '--key', key, '--context', 'tenant=acme', 'from-sdk.webkms', 'from-sdk.out']);
    expect(ran.code === 0 && Buffer.compare(fs.readFileSync(file('from-sdk.out')), data) === 0, described(ran));
    const piped = await cli(['open', '--key', key, '-', '-'], { stdin: result });
    expect(piped.code === 0 && Buffer.compare(piped.stdout, data) === 0, `through a pipe: ${described(piped)}`);
  };

  checks['bin/ keeps no temporary files in the scratch directory'] = async () => {
    const leftovers = fs.readdirSync(dir).filter((f) => f.startsWith('.'));
    expect(leftovers.length === 0, `left: ${leftovers.join(', ')}`);
  };

  return checks;
}

/** The official SDK for Node, with a raw AES keyring for a JWK file as the CLI names it. */
async function loadSdk() {
  const { CommitmentPolicy, buildClient, sdkRawKeyring } = await import('../fixtures/esdk/sdk.mjs');
  const { encrypt, decrypt } = buildClient(CommitmentPolicy.REQUIRE_ENCRYPT_REQUIRE_DECRYPT);
  const keyring = (jwkFile) => {
    const jwk = JSON.parse(fs.readFileSync(jwkFile, 'utf8'));
    return sdkRawKeyring({ keyNamespace: 'webkms', keyName: jwk.kid, bytes: new Uint8Array(Buffer.from(jwk.k, 'base64url')) });
  };
  return { encrypt, decrypt, keyring };
}

/** A `webkms` on the PATH that runs the packed bin under `runtime`, for the README's blocks. */
function pathWith(runtime, bin, dir) {
  const binDir = path.join(dir, `.path-${runtime}`);
  fs.mkdirSync(binDir, { recursive: true });
  const quoted = [...RUNTIMES[runtime], bin].map((word) => `'${word.replace(/'/g, "'\\''")}'`).join(' ');
  fs.writeFileSync(path.join(binDir, 'webkms'), `#!/bin/sh\nexec ${quoted} "$@"\n`, { mode: 0o755 });
  return `${binDir}${path.delimiter}${process.env.PATH}`;
}

/** Every check, in the harness's terms: { version, passed, failed, skipped, failures, skips }. */
export async function runCli(out, log) {
  const result = { version: 'node, deno, bun', passed: 0, failed: 0, skipped: 0, failures: [], skips: [] };
  const record = async (name, check) => {
    const started = performance.now();
    try {
      await check();
      result.passed++;
    } catch (error) {
      result.failed++;
      result.failures.push({ name: `cli: ${name}`, message: error instanceof Failure ? error.message : String(error?.stack ?? error) });
    }
    log(`cli: ${name} (${((performance.now() - started) / 1000).toFixed(1)} s)`);
  };

  fs.rmSync(out, { recursive: true, force: true });
  fs.mkdirSync(out, { recursive: true });
  log('cli: npm pack (the package as npm installs it)');
  const packed = await pack();
  const packageDir = path.join(out, 'package');
  fs.cpSync(packed.packageDir, packageDir, { recursive: true });
  fs.rmSync(packed.dir, { recursive: true, force: true });
  const manifest = JSON.parse(fs.readFileSync(path.join(packageDir, 'package.json'), 'utf8'));
  const bin = path.join(packageDir, manifest.bin?.webkms ?? 'bin/webkms.mjs');

  await record('package.json names bin/webkms.mjs as the webkms command, and the package ships it', () => {
    expect(manifest.bin?.webkms === 'bin/webkms.mjs' && fs.existsSync(bin), `bin: ${JSON.stringify(manifest.bin)}`);
    expect(fs.readFileSync(bin, 'utf8').startsWith('#!/usr/bin/env node\n'), 'bin/webkms.mjs does not start with #!/usr/bin/env node');
  });
  await record('bin/ typechecks (tsc -p bin/tsconfig.json)', async () => {
    const tsc = createRequire(path.join(ROOT, 'package.json')).resolve('typescript/bin/tsc');
    // A child awaited, not spawnSync: the harness's other engines keep their timers meanwhile.
    const ran = await run(process.execPath, [tsc, '-p', path.join(ROOT, 'bin/tsconfig.json')]);
    expect(ran.code === 0, `${ran.stdout}${ran.stderr}`);
  });

  const bigFile = path.join(out, 'big.bin');
  const bigHash = writeRandom(bigFile, BIG);
  const sdk = await loadSdk();
  const webkms = await import(pathToFileURL(path.join(packageDir, 'dist/index.js')).href);
  let blocks = [];
  await record('the README shows command-line examples (<!-- cli: name --> blocks), each with its fixture', () => {
    blocks = readmeBlocks();
    expect(blocks.length > 0, 'README.md has no <!-- cli: name --> block');
    for (const { name } of blocks) expect(README_FIXTURES[name], `no fixture for ${name} in test/cli/check.mjs`);
    for (const name of Object.keys(README_FIXTURES)) expect(blocks.some((b) => b.name === name), `a fixture for ${name}, which README.md does not show`);
  });

  for (const [runtime, [command, ...prefix]] of Object.entries(RUNTIMES)) {
    if (!fs.existsSync(command)) {
      const why = `${command} is missing (cd test && npm ci)`;
      if (CI) {
        result.failed++;
        result.failures.push({ name: `cli: ${runtime}`, message: `not run, and CI=true requires every runtime: ${why}` });
      } else {
        result.skipped++;
        result.skips.push({ name: `cli: ${runtime}`, why });
      }
      continue;
    }
    const dir = path.join(out, runtime);
    fs.mkdirSync(dir);
    const cli = (args, options = {}) => run(command, [...prefix, bin, ...args], { cwd: dir, ...options });
    const spawnCli = (args) => track(spawn(command, [...prefix, bin, ...args], { cwd: dir, env: { ...process.env, DENO_NO_UPDATE_CHECK: '1' }, stdio: ['pipe', 'ignore', 'pipe'] }));
    const PATH = pathWith(runtime, bin, out);
    const shell = (script, cwd = dir) => run('bash', ['-e', '-o', 'pipefail', '-c', script], { cwd, env: { PATH } });
    fs.writeFileSync(path.join(dir, 'other.jwk'), JSON.stringify({ kty: 'oct', kid: 'cli-test', k: randomBytes(32).toString('base64url') }));
    fs.writeFileSync(path.join(dir, 'broken.jwk'), '{"kty":"oct","k":"c2VjcmV0LWtleS1ieXRlcw", oops');
    for (const [name, check] of Object.entries(runtimeChecks({ cli, spawnCli, shell, dir, big: bigFile, bigHash, sdk, webkms }))) await record(`${runtime}: ${name}`, check);

    for (const block of blocks) {
      await record(`${runtime}: README.md:${block.line} ${block.name} runs as written`, async () => {
        const blockDir = path.join(dir, `readme-${block.name}`);
        fs.mkdirSync(blockDir);
        const fixture = README_FIXTURES[block.name];
        fixture.before?.(blockDir);
        const ran = await shell(block.code, blockDir);
        expect(ran.code === 0, described(ran));
        fixture.after?.(blockDir, ran.stdout.toString());
      });
    }
    fs.rmSync(dir, { recursive: true, force: true });
  }
  fs.rmSync(bigFile, { force: true });
  return result;
}
