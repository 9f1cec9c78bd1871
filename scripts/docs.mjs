#!/usr/bin/env node
// `npm run docs`: the API reference of every entry point (webkms, webkms/aws, /alibaba, /yandex,
// /k6, /http) from the TSDoc, as Markdown in docs/api/ (TypeDoc with typedoc-plugin-markdown,
// options in typedoc.json), and two checks that fail the run:
//   - TypeDoc's warnings are errors: every export documented (validation.notDocumented), nothing
//     public that names an unexported type (notExported), no broken {@link} (invalidLink);
//   - every exported function and class, and every public method of `Keyring`, has an `@example`.
// `npm run docs -- --check` (CI) writes into a temporary directory instead and also fails when
// the committed docs/api/ differs from what the sources make now.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { importTool } from '../test/harness/install.mjs';

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

const filesUnder = (dir) => (fs.existsSync(dir) ? fs.readdirSync(dir, { recursive: true }).filter((f) => fs.statSync(path.join(dir, f)).isFile()).map((f) => f.replace(/\\/g, '/')).sort() : []);

/** The files that differ between two directories (missing on either side, or other content). */
function differences(expected, actual) {
  const a = filesUnder(expected);
  const b = filesUnder(actual);
  const changed = a.filter((f) => !b.includes(f) || !fs.readFileSync(path.join(expected, f)).equals(fs.readFileSync(path.join(actual, f))));
  return [...changed, ...b.filter((f) => !a.includes(f))].sort();
}

async function main() {
  const check = process.argv.includes('--check');
  const { Application, Converter, ReflectionKind } = await importTool('typedoc');
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
    // A missing example still fails the run, but the reference of what is there is written.
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
  console.log(`${check ? 'docs/api/ is up to date' : 'wrote docs/api/'}: ${filesUnder(check ? OUT : out).length} files; every export documented, with an example where required`);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) await main();
