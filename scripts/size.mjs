#!/usr/bin/env node
// `npm run size`: min+gzip size of what an app bundles for each way of using webkms, next to jose
// and the AWS Encryption SDK's browser client for the same job, and a check of webkms's budgets.
// Each entry is bundled by esbuild for the browser (ESM, minified) from src/, so no build is
// needed; sizes are gzip -9 of that bundle. Exits 1 when a webkms bundle is over its budget.
//
//   npm run size            # table and budget check
//   npm run size -- --json  # the same as JSON
//   npm run size -- --explain  # what webkms's bundles would weigh without message text, without the JS base64 coder
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';
import { dirname, resolve } from 'node:path';

import { TOOLS_MODULES, importTool } from '../test/harness/install.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
// esbuild and the peers measured beside webkms (jose, the AWS Encryption SDK) are test tools, in
// test/node_modules (installed on first use).
const { build } = await importTool('esbuild');
const KB = 1024;

/**
 * Budgets, in bytes of min+gzip: what is measured plus about 0.25 KB, so that growth is a decision,
 * not an accident. Issue 13 asked for 4 / 8 / 14 KB; `--explain` and bench/README.md ("Bundle
 * sizes") show the code itself is bigger than those. 0.1 measured 7.5 / 11.7 / 18.2 KB. 0.2 added,
 * to every Keyring: key stores (Keyring.open, the records' compare-and-set and reload, sealed
 * material, record checks) and export bundles (canonical JSON, PBKDF2, the bundle format), about
 * 3 KB each, as methods of the class, which a bundler cannot leave out; to seal/open the envelope
 * fixes (resumable header parser, bounded unwrap errors, low-s signatures, format hints); to the
 * whole package the three stores. Measured 14.7 / 12.6 / 29.5 KB.
 */
export const BUDGETS = {
  keyring: 15 * KB,
  sealOpen: 12.875 * KB,
  all: 29.75 * KB,
};

/** What is measured: [id, label, source of the entry module, budget key]. */
export const ENTRIES = [
  ['keyring', 'webkms: `import { Keyring, base64 }`', `export { Keyring, base64 } from './src/index.ts';`, 'keyring'],
  ['sealOpen', 'webkms: `import { seal, open, RawAesKeyring }`', `export { seal, open, RawAesKeyring } from './src/index.ts';`, 'sealOpen'],
  ['all', 'webkms: the whole package (`export *`)', `export * from './src/index.ts';`, 'all'],
  ['jose-jwe', 'jose 6: `import { CompactEncrypt, compactDecrypt }`', `export { CompactEncrypt, compactDecrypt } from 'jose';`],
  ['jose-all', 'jose 6: the whole package', `export * from 'jose';`],
  [
    'sdk-sealOpen',
    'AWS Encryption SDK browser client 4.2: `buildClient`, `RawAesKeyringWebCrypto` (+ a `buffer` polyfill, not counted)',
    `export { buildClient, CommitmentPolicy, RawAesKeyringWebCrypto } from '@aws-crypto/client-browser';`,
  ],
  ['sdk-all', 'AWS Encryption SDK browser client 4.2: the whole package (+ `buffer`, not counted)', `export * from '@aws-crypto/client-browser';`],
];

async function measureEntry(contents, plugins = []) {
  const result = await build({
    plugins,
    stdin: { contents, resolveDir: root, loader: 'ts', sourcefile: 'entry.ts' },
    nodePaths: [TOOLS_MODULES],
    bundle: true,
    minify: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    write: false,
    logLevel: 'silent',
    // The SDK's browser client still names Node's global and requires "buffer" (through
    // safer-buffer): apps add a polyfill for it, left out here, so its figures are lower bounds.
    define: { global: 'globalThis' },
    external: ['buffer'],
  });
  const code = result.outputFiles[0].contents;
  return { minified: code.length, gzipped: gzipSync(code, { level: 9 }).length };
}

/** Every entry's sizes, with budget and verdict for webkms's. */
export async function measureSizes() {
  const rows = [];
  for (const [id, label, contents, budgetKey] of ENTRIES) {
    try {
      const size = await measureEntry(contents);
      const budget = budgetKey ? BUDGETS[budgetKey] : undefined;
      rows.push({ id, label, ...size, budget, pass: budget === undefined ? undefined : size.gzipped <= budget });
    } catch (error) {
      rows.push({ id, label, error: String(error.message ?? error).split('\n')[0] });
    }
  }
  return rows;
}

const kb = (bytes) => `${(bytes / KB).toFixed(1)} KB`;

export function sizeTable(rows) {
  const lines = ['| bundle | min | min+gzip | budget |', '|---|---|---|---|'];
  for (const row of rows) {
    if (row.error) lines.push(`| ${row.label} | — | — | could not bundle: ${row.error} |`);
    else lines.push(`| ${row.label} | ${kb(row.minified)} | ${kb(row.gzipped)} | ${row.budget === undefined ? '' : `${(row.budget / KB).toFixed(2)} KB ${row.pass ? 'ok' : '**over**'}`} |`);
  }
  return lines;
}

// ── --explain: what the bytes are ──────────────────────────────────────────────

/** `src` with the text of every string and template literal of 18+ characters blanked (import paths kept). */
function withoutMessages(ts, src) {
  const K = ts.SyntaxKind;
  const scanner = ts.createScanner(ts.ScriptTarget.ES2022, false, ts.LanguageVariant.Standard, src);
  const stack = [];
  let out = '';
  let last = 0;
  let depth = 0;
  let previous;
  for (let token = scanner.scan(); token !== K.EndOfFileToken; token = scanner.scan()) {
    if (token === K.OpenBraceToken) depth++;
    else if (token === K.CloseBraceToken) {
      if (stack.at(-1) === depth) {
        stack.pop();
        token = scanner.reScanTemplateToken(false);
      } else depth--;
    }
    if (token === K.TemplateHead || token === K.TemplateMiddle) stack.push(depth);
    const start = scanner.getTokenStart();
    const end = scanner.getTokenEnd();
    const blank = { [K.StringLiteral]: "''", [K.NoSubstitutionTemplateLiteral]: '``', [K.TemplateHead]: '`${', [K.TemplateMiddle]: '}${', [K.TemplateTail]: '}`' }[token];
    if (blank && previous !== K.FromKeyword && previous !== K.ImportKeyword && end - start >= 18) {
      out += src.slice(last, start) + blank;
      last = end;
    }
    if (token < K.FirstTriviaToken || token > K.LastTriviaToken) previous = token;
  }
  return out + src.slice(last);
}

// base64 as it would be with the engine's own coder alone (no engine before 2025 has one; Node 20 neither).
const NATIVE_BASE64 = `
export function encode(bytes, options = {}) { return bytes.toBase64({ alphabet: options.alphabet ?? 'base64', omitPadding: options.padding === false }); }
export function decode(text, options = {}) { return Uint8Array.fromBase64(text, { alphabet: options.alphabet ?? 'base64', lastChunkHandling: 'strict' }); }`;

function variant(ts, { messages, base64 }) {
  return {
    name: 'variant',
    setup(builder) {
      builder.onLoad({ filter: /[\\/]src[\\/].*\.ts$/ }, ({ path }) => {
        if (!base64 && /[\\/]src[\\/]base64\.ts$/.test(path)) return { contents: NATIVE_BASE64, loader: 'js' };
        const source = readFileSync(path, 'utf8');
        return { contents: messages ? source : withoutMessages(ts, source), loader: 'ts' };
      });
    },
  };
}

async function explain() {
  const { default: ts } = await import('typescript');
  const lines = ['| bundle | as shipped | without message text | with only native base64 | without either |', '|---|---|---|---|---|'];
  for (const [, label, contents, budgetKey] of ENTRIES.filter((entry) => entry[3])) {
    const cells = [];
    for (const options of [{ messages: true, base64: true }, { messages: false, base64: true }, { messages: true, base64: false }, { messages: false, base64: false }]) {
      cells.push(kb((await measureEntry(contents, [variant(ts, options)])).gzipped));
    }
    lines.push(`| ${label} (budget in issue 13: ${ISSUE_BUDGETS[budgetKey] / KB} KB) | ${cells.join(' | ')} |`);
  }
  return lines;
}

/** The budgets issue 13 set, for --explain. */
const ISSUE_BUDGETS = { keyring: 4 * KB, sealOpen: 8 * KB, all: 14 * KB };

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url) && process.argv.includes('--explain')) {
  console.log(`min+gzip of webkms's bundles with parts taken out (string and template literals of 18+ characters blanked;\nbase64 replaced by calls to toBase64/fromBase64)\n\n${(await explain()).join('\n')}`);
} else if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const rows = await measureSizes();
  if (process.argv.includes('--json')) console.log(JSON.stringify(rows, null, 1));
  else console.log(`Bundle sizes (esbuild --bundle --minify, ESM for the browser; gzip -9; 1 KB = 1,024 bytes)\n\n${sizeTable(rows).join('\n')}`);
  const failed = rows.filter((row) => row.pass === false || (row.budget !== undefined && row.error));
  if (failed.length) {
    console.error(`\nOver budget: ${failed.map((row) => row.id).join(', ')}`);
    process.exit(1);
  }
}
