// @ts-check
// The command line's words: options and operands read against a command's declaration, every
// mistake a UsageError (exit code 2), and the --help text made from the same declaration.

/**
 * @typedef {object} OptionSpec
 * @property {string} [value] the value's placeholder (e.g. `FILE`); a flag without a value when absent
 * @property {boolean} [repeat] may be given more than once (the values are collected in order)
 * @property {string} help one line
 */

/**
 * @typedef {object} CommandSpec
 * @property {string} name
 * @property {string} summary one line, for `webkms --help`
 * @property {string[]} operands the operands' placeholders, all required (e.g. `IN`, `OUT`)
 * @property {Record<string, OptionSpec>} options by long name, without the dashes
 * @property {string} description paragraphs after the usage line
 */

/** @typedef {{ options: Record<string, string | string[] | true | undefined>, operands: string[] }} ParsedArgs */

/** A mistake in the command line: exit code 2, and a pointer to the command's --help. */
export class UsageError extends Error {
  /** @param {string} message */
  constructor(message) {
    super(message);
    this.name = 'ValidationException';
  }
}

/**
 * Reads `argv` (the words after the command's name) against `spec`. `-` is an operand (standard
 * input or output); `--` ends the options. `undefined` when `--help` or `-h` was given.
 * @param {CommandSpec} spec
 * @param {string[]} argv
 * @returns {ParsedArgs | undefined}
 */
export function parseArgs(spec, argv) {
  /** @type {ParsedArgs['options']} */
  const options = {};
  const operands = [];
  for (let i = 0; i < argv.length; i++) {
    const word = /** @type {string} */ (argv[i]);
    if (word === '--') {
      operands.push(...argv.slice(i + 1));
      break;
    }
    if (word === '--help' || word === '-h') return undefined;
    if (!word.startsWith('-') || word === '-') {
      operands.push(word);
      continue;
    }
    const [, name = '', inline] = /^--([^=]+)(?:=(.*))?$/s.exec(word) ?? [];
    const option = spec.options[name];
    if (!option) throw new UsageError(`unknown option ${shorten(word)}`);
    /** @type {string | true} */
    let value;
    if (option.value === undefined) {
      if (inline !== undefined) throw new UsageError(`--${name} takes no value`);
      value = true;
    } else if (inline !== undefined) {
      value = inline;
    } else {
      if (i + 1 >= argv.length) throw new UsageError(`--${name} needs a value: --${name} ${option.value}`);
      value = /** @type {string} */ (argv[++i]);
    }
    const previous = options[name];
    if (previous !== undefined && !option.repeat) throw new UsageError(`--${name} is given twice`);
    options[name] = option.repeat ? [...(/** @type {string[] | undefined} */ (previous) ?? []), /** @type {string} */ (value)] : value;
  }
  if (operands.length !== spec.operands.length) {
    const expected = spec.operands.length ? spec.operands.join(' ') : 'no operands';
    throw new UsageError(`expected ${expected}, got ${operands.length ? operands.map(shorten).join(' ') : 'nothing'}`);
  }
  return { options, operands };
}

/** A word of the command line as quoted in an error: cut short, since it may be anything. */
const shorten = (/** @type {string} */ word) => JSON.stringify(word.length > 40 ? `${word.slice(0, 40)}…` : word);

/**
 * The value of a single-valued option, or `undefined`.
 * @param {ParsedArgs} args
 * @param {string} name
 */
export function single(args, name) {
  const value = args.options[name];
  return typeof value === 'string' ? value : undefined;
}

/**
 * An option's value as an integer in [min, max], or `undefined` when not given.
 * @param {ParsedArgs} args
 * @param {string} name
 * @param {number} min
 * @param {number} max
 */
export function integer(args, name, min, max) {
  const text = single(args, name);
  if (text === undefined) return undefined;
  const value = /^[0-9]{1,10}$/.test(text) ? Number(text) : NaN;
  if (!(value >= min && value <= max)) throw new UsageError(`--${name} must be an integer from ${min} to ${max}, not ${shorten(text)}`);
  return value;
}

/**
 * An encryption context from repeated `KEY=VALUE` options (split at the first `=`), or from one
 * JSON object, as the AWS CLI also takes it. `undefined` when the option was not given.
 * @param {ParsedArgs} args
 * @param {string} name
 * @returns {Record<string, string> | undefined}
 */
export function contextOption(args, name) {
  const values = /** @type {string[] | undefined} */ (args.options[name]);
  if (values === undefined) return undefined;
  if (values.length === 1 && values[0]?.trimStart().startsWith('{')) return jsonContext(values[0], name);
  // No prototype: `__proto__=x` is a pair like any other, not a write to the prototype that drops it.
  /** @type {Record<string, string>} */
  const context = Object.create(null);
  for (const pair of values) {
    const at = pair.indexOf('=');
    if (at < 1) throw new UsageError(`--${name} takes KEY=VALUE (or one JSON object), not ${shorten(pair)}`);
    const key = pair.slice(0, at);
    if (Object.hasOwn(context, key)) throw new UsageError(`--${name} names the key ${shorten(key)} twice`);
    context[key] = pair.slice(at + 1);
  }
  return context;
}

/**
 * @param {string} text
 * @param {string} name
 * @returns {Record<string, string>}
 */
function jsonContext(text, name) {
  let parsed;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new UsageError(`--${name} is not a JSON object`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed) || !Object.values(parsed).every((v) => typeof v === 'string')) {
    throw new UsageError(`--${name} must be a JSON object of strings`);
  }
  // JSON.parse keeps the last of two equal keys. In an object of strings every string token is a
  // key or a value, so fewer keys than half the tokens means a key came twice.
  const tokens = text.match(/"(?:[^"\\]|\\.)*"/g)?.length ?? 0;
  if (tokens !== 2 * Object.keys(parsed).length) throw new UsageError(`--${name} names a key twice`);
  return parsed;
}

/**
 * The --help text of a command.
 * @param {CommandSpec} spec
 */
export function helpText(spec) {
  /** @type {[string, string][]} */
  const flags = Object.entries(spec.options).map(([name, option]) => [`--${name}${option.value ? ` ${option.value}` : ''}${option.repeat ? ' …' : ''}`, option.help]);
  flags.push(['-h, --help', 'show this help']);
  const width = Math.max(...flags.map(([flag]) => flag.length));
  return [
    `usage: webkms ${spec.name} [options]${spec.operands.map((o) => ` ${o}`).join('')}`,
    '',
    spec.summary,
    '',
    spec.description,
    '',
    'options:',
    ...flags.map(([flag, help]) => `  ${flag.padEnd(width)}  ${help}`),
    '',
  ].join('\n');
}
