#!/usr/bin/env node
// @ts-check
// webkms, the command line: seal, open, header, generate-data-key, create-key. The same file runs
// under Node (`npx webkms`, `node bin/webkms.mjs`), Deno (`deno run -A bin/webkms.mjs`) and Bun.
// Exit codes: 0 done; 1 refused (a tampered, truncated or foreign message, a wrong key or
// context, a missing file); 2 a wrong command line. Errors are one line on standard error,
// named as AWS names them, never with key material.
import { UsageError, helpText, parseArgs } from './cli/args.mjs';
import { COMMANDS } from './cli/commands.mjs';
import { stdoutClosed } from './cli/io.mjs';

const OVERVIEW = `usage: webkms COMMAND [options] …

KMS-style envelope encryption on WebCrypto: files in the AWS Encryption SDK message format.

commands:
${Object.values(COMMANDS).map((c) => `  ${c.name.padEnd(18)} ${c.summary}`).join('\n')}

webkms COMMAND --help tells more. Exit codes: 0 done, 1 refused input, 2 usage.
`;

// Node file-system errors, under the AWS name of the same mistake.
/** @type {Record<string, string>} */
const FILE_ERRORS = {
  ENOENT: 'NotFoundException',
  EEXIST: 'AlreadyExistsException',
  EACCES: 'AccessDeniedException',
  EPERM: 'AccessDeniedException',
  EISDIR: 'ValidationException',
  ENOTDIR: 'ValidationException',
};

/**
 * Runs one command line; returns the exit code.
 * @param {string[]} argv
 */
async function main(argv) {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(OVERVIEW);
    return name === undefined ? 2 : 0;
  }
  const command = COMMANDS[name];
  try {
    if (!command) throw new UsageError(`unknown command ${JSON.stringify(name.slice(0, 40))}`);
    const args = parseArgs(command, rest);
    if (!args) {
      process.stdout.write(helpText(command));
      return 0;
    }
    await command.run(args);
    return 0;
  } catch (error) {
    // Standard output's reader went away (`… | head`): what it wanted it has; nothing to say.
    if (/** @type {{ code?: unknown }} */ (error)?.code === 'EPIPE' || stdoutClosed()) return 1;
    const usage = error instanceof UsageError;
    process.stderr.write(`webkms${command ? ` ${name}` : ''}: ${describe(error)}${usage ? ` (see webkms ${command ? `${name} ` : ''}--help)` : ''}\n`);
    return usage ? 2 : 1;
  }
}

/**
 * One line: the error's AWS-style name and its message (a file error by its Node code).
 * @param {unknown} error
 */
function describe(error) {
  if (!(error instanceof Error)) return `KMSInternalException: ${String(error)}`;
  const code = /** @type {{ code?: unknown }} */ (error).code;
  const name = (typeof code === 'string' && FILE_ERRORS[code]) || (error.name === 'Error' ? 'KMSInternalException' : error.name);
  return `${name}: ${error.message.split('\n')[0]}`;
}

const code = await main(process.argv.slice(2));
// Everything written was awaited; exiting now also ends a standard input nobody reads to its end.
process.exit(code);
