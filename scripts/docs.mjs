#!/usr/bin/env node
// `npm run docs`: the API reference of every entry point (webkms, webkms/aws, /alibaba, /yandex,
// /k6, /http) from the TSDoc, as Markdown in docs/api/ (TypeDoc with typedoc-plugin-markdown,
// options in typedoc.json), and two checks that fail the run:
//   - TypeDoc's warnings are errors: every export documented (validation.notDocumented), nothing
//     public that names an unexported type (notExported), no broken {@link} (invalidLink);
//   - every exported function and class, and every public method of `Keyring`, has an `@example`;
//   - every `@example` typechecks (TypeScript 5.9, strict; ```js blocks with checkJs) against the
//     sources, its imports of `webkms`, `webkms/aws`, … (and `jsr:@webkms/webkms`) resolved through
//     jsr.json's exports. What an example leaves to its surroundings (`keyring`, `sealed`, `file`…)
//     is declared in EXAMPLE_GLOBALS with its type; any other free name is taken as `any`.
// `npm run docs -- --check` (CI) writes into a temporary directory instead and also fails when
// the committed docs/api/ differs from what the sources make now.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { importTool } from '../test/harness/install.mjs';
import { filesUnder } from './pack-check.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const OUT = path.join(ROOT, 'docs/api');

/** TypeDoc names a module by its path under src/; readers import it by its `exports` name. */
const MODULE_NAMES = {
  index: 'webkms',
  'dialects/aws': 'webkms/aws',
  'dialects/alibaba': 'webkms/alibaba',
  'dialects/yandex': 'webkms/yandex',
  'dialects/k6': 'webkms/k6',
  'http/handler': 'webkms/http',
};

const hasExample = (comment) => Boolean(comment?.blockTags.some((tag) => tag.tag === '@example'));

/** The exported functions and classes, and Keyring's public methods, that have no `@example`: their names. */
export function missingExamples(project, ReflectionKind) {
  const missing = [];
  const signed = (reflection) => hasExample(reflection.comment) || (reflection.signatures ?? []).some((s) => hasExample(s.comment));
  for (const reflection of project.getReflectionsByKind(ReflectionKind.Function | ReflectionKind.Class)) {
    const documented = reflection.kindOf(ReflectionKind.Class)
      ? hasExample(reflection.comment) || reflection.children?.some((c) => c.kindOf(ReflectionKind.Constructor) && signed(c))
      : signed(reflection);
    if (!documented) missing.push(reflection.getFullName());
  }
  for (const keyring of project.getReflectionsByKind(ReflectionKind.Class).filter((c) => c.name === 'Keyring')) {
    for (const method of keyring.children ?? []) {
      if (method.kindOf(ReflectionKind.Method) && !method.flags.isPrivate && !method.flags.isProtected && !signed(method)) missing.push(method.getFullName());
    }
  }
  return [...new Set(missing)].sort();
}

/** The free names the examples use, as a reader's program would have them. */
const EXAMPLE_GLOBALS = `
declare const keyring: import('webkms').Keyring;
declare const Keyring: typeof import('webkms').Keyring;
declare const MemoryKeyStore: typeof import('webkms').MemoryKeyStore;
declare const IndexedDbKeyStore: typeof import('webkms').IndexedDbKeyStore;
declare const ciphertextBlob: Uint8Array<ArrayBuffer>;
declare const sealed: Uint8Array<ArrayBuffer>;
declare const keyBytes: Uint8Array;
declare const backupKey: Uint8Array;
declare const wrappingKeyBytes: Uint8Array;
declare const bundle: import('webkms').KeyBundle;
declare const file: File;
declare const writable: WritableStream<Uint8Array>;
declare const button: HTMLButtonElement;
declare const events: readonly object[];
declare function send(message: Uint8Array): Promise<void>;
declare const kms: import('webkms/k6').KMSClient;
declare const testKeyId: string;
declare const Deno: { openKv(path?: string): Promise<import('webkms').DenoKvLike>; env: { get(name: string): string | undefined } };
declare module 'cloudflare:workers' {
  export class DurableObject<Env = unknown> { constructor(ctx: { storage: import('webkms').DurableObjectStorageLike; blockConcurrencyWhile(f: () => Promise<void>): void }, env: Env); }
}
declare module 'k6/execution' {
  const exec: { test: { abort(reason?: string): never } };
  export default exec;
}
`;

/** The code blocks of every `@example` in the project: { where, lang, code }. */
function examples(project, Comment) {
  const found = [];
  const seen = new Set();
  for (const reflection of Object.values(project.reflections)) {
    for (const owner of [reflection, ...(reflection.signatures ?? [])]) {
      const comment = owner.comment;
      if (!comment || seen.has(comment)) continue;
      seen.add(comment);
      for (const tag of comment.blockTags.filter((t) => t.tag === '@example')) {
        const text = Comment.combineDisplayParts(tag.content);
        for (const [, lang, code] of text.matchAll(/```(ts|js)\n([\s\S]*?)```/g)) found.push({ where: reflection.getFullName(), lang, code });
      }
    }
  }
  return found;
}

/** Typechecks the examples against the sources: one message per example with errors. */
export function exampleErrors(found) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'webkms-examples-'));
  try {
    const { exports } = JSON.parse(fs.readFileSync(path.join(ROOT, 'jsr.json'), 'utf8'));
    const paths = {};
    for (const [subpath, source] of Object.entries(exports)) {
      const target = [path.join(ROOT, source)];
      paths[path.posix.join('webkms', subpath)] = target;
      paths[subpath === '.' ? 'jsr:@webkms/webkms' : `jsr:@webkms/webkms/${subpath.slice(2)}`] = target;
    }
    const options = {
      strict: true, noImplicitAny: false, useUnknownInCatchVariables: false, noEmit: true, skipLibCheck: true,
      allowJs: true, checkJs: true, target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ESNext,
      moduleResolution: ts.ModuleResolutionKind.Bundler, lib: ['lib.es2022.d.ts', 'lib.dom.d.ts', 'lib.dom.iterable.d.ts'], types: [], paths,
    };
    fs.writeFileSync(path.join(dir, 'globals.d.ts'), EXAMPLE_GLOBALS);
    const file = (i, example) => path.join(dir, `example-${i}.${example.lang}`);
    // Free names no example global declares are `any`: a second pass declares them in that example.
    const free = found.map(() => new Set());
    let byExample;
    for (let pass = 0; pass < 2; pass++) {
      found.forEach((example, i) => {
        const declared = [...free[i]].map((name) => (example.lang === 'ts' ? `declare const ${name}: any;` : `/** @type {any} */ var ${name};`));
        fs.writeFileSync(file(i, example), `${[...declared, example.code].join('\n')}\nexport {};\n`);
      });
      const program = ts.createProgram({ rootNames: [path.join(dir, 'globals.d.ts'), ...found.map((example, i) => file(i, example))], options });
      byExample = found.map(() => []);
      let again = false;
      for (const diagnostic of ts.getPreEmitDiagnostics(program)) {
        const i = found.findIndex((example, j) => diagnostic.file && path.resolve(diagnostic.file.fileName) === file(j, example));
        const message = ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n');
        // The sources are checked by `npm run typecheck` with their own options; only the examples here.
        if (i < 0) continue;
        const name = diagnostic.code === 2304 && /^Cannot find name '(\w+)'/.exec(message)?.[1];
        if (name && pass === 0) { free[i].add(name); again = true; continue; }
        const line = diagnostic.file.getLineAndCharacterOfPosition(diagnostic.start).line + 1 - free[i].size;
        byExample[i].push(`line ${line}: TS${diagnostic.code}: ${message}`);
      }
      if (!again) break;
    }
    return byExample.flatMap((errors, i) => (errors.length ? [`${found[i].where} @example:\n${errors.map((e) => `    ${e}`).join('\n')}`] : []));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

const filesIn = (dir) => (fs.existsSync(dir) ? filesUnder(dir).sort() : []);

/** The files that differ between two directories (missing on either side, or other content). */
function differences(expected, actual) {
  const a = filesIn(expected);
  const b = filesIn(actual);
  const changed = a.filter((f) => !b.includes(f) || !fs.readFileSync(path.join(expected, f)).equals(fs.readFileSync(path.join(actual, f))));
  return [...changed, ...b.filter((f) => !a.includes(f))].sort();
}

async function main() {
  const check = process.argv.includes('--check');
  const { Application, Comment, Converter, ReflectionKind } = await importTool('typedoc');
  const out = check ? fs.mkdtempSync(path.join(os.tmpdir(), 'webkms-docs-')) : OUT;
  process.chdir(ROOT);
  const app = await Application.bootstrapWithPlugins({ options: path.join(ROOT, 'typedoc.json'), out });
  app.converter.on(Converter.EVENT_RESOLVE_BEGIN, (context) => {
    for (const module of context.project.getReflectionsByKind(ReflectionKind.Module)) module.name = MODULE_NAMES[module.name] ?? module.name;
  });
  const problems = [];
  try {
    const project = await app.convert();
    if (!project) throw new Error('TypeDoc could not convert the sources (see above)');
    app.validate(project);
    if (app.logger.hasErrors() || app.logger.hasWarnings()) problems.push('TypeDoc reported the warnings and errors above (treatWarningsAsErrors)');
    const clean = !problems.length;
    const missing = missingExamples(project, ReflectionKind);
    if (missing.length) problems.push(`${missing.length} export(s) without an @example in their TSDoc:\n${missing.map((name) => `  ${name}`).join('\n')}`);
    const found = examples(project, Comment);
    const wrong = exampleErrors(found);
    if (wrong.length) problems.push(`${wrong.length} of ${found.length} @example code blocks do not typecheck against the sources:\n${wrong.map((e) => `  ${e}`).join('\n')}`);
    // A missing or wrong example still fails the run, but the reference of what is there is written.
    if (clean) {
      if (!check) fs.rmSync(OUT, { recursive: true, force: true });
      await app.generateOutputs(project);
      if (app.logger.hasErrors() || app.logger.hasWarnings()) problems.push('TypeDoc reported the warnings and errors above while writing');
      if (check) {
        const stale = differences(OUT, out);
        if (stale.length) problems.push(`docs/api/ is not what the sources make now (run npm run docs and commit it):\n${stale.map((f) => `  docs/api/${f}`).join('\n')}`);
      }
    }
  } finally {
    if (check) fs.rmSync(out, { recursive: true, force: true });
  }
  if (problems.length) {
    console.error(`\nnpm run docs failed:\n${problems.join('\n')}`);
    process.exit(1);
  }
  console.log(`${check ? 'docs/api/ is up to date' : 'wrote docs/api/'}: ${filesIn(OUT).length} files; every export documented, with an example where required`);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) await main();
