#!/usr/bin/env node
// The declarations of `npm run build`: dist/types/**/*.d.ts, from src/ with tsconfig.json, as
// `tsc --emitDeclarationOnly` makes them, with one difference. The sources name WebCrypto's types
// (`Crypto`, `CryptoKey`, `JsonWebKey`) as lib.dom's globals; in a declaration file those names
// would make lib.dom a requirement of every consumer, and a Node project without it (lib ES2022 and
// @types/node) fails to compile them. So each declaration file that names one of them without
// declaring or importing it gets `import type { … } from './types.js'`: webkms's own aliases
// (src/types.ts), derived from the global `crypto` that lib.dom and @types/node both declare, and
// identical to lib.dom's types where lib.dom is present (panva/jose does the same for `CryptoKey`).
// A source that imports the aliases itself needs nothing added.
import ts from 'typescript';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const OUT = path.join(ROOT, 'dist/types');
/** The global names that src/types.ts defines for the declarations. */
const WEB_TYPES = ['Crypto', 'CryptoKey', 'JsonWebKey'];
const ALIASES = path.join(OUT, 'types.d.ts');

/** Names that `file` declares or imports at its top level. */
function ownNames(file) {
  const names = new Set();
  for (const statement of file.statements) {
    if (ts.isImportDeclaration(statement)) {
      const clause = statement.importClause;
      if (clause?.name) names.add(clause.name.text);
      const bindings = clause?.namedBindings;
      if (bindings && ts.isNamedImports(bindings)) for (const element of bindings.elements) names.add(element.name.text);
      if (bindings && ts.isNamespaceImport(bindings)) names.add(bindings.name.text);
    } else if (statement.name && ts.isIdentifier(statement.name)) {
      names.add(statement.name.text);
    }
  }
  return names;
}

/** The web type names `file` refers to as types (type references, `typeof`, heritage clauses) without owning them. */
function freeWebTypes(file) {
  const used = new Set();
  const visit = (node) => {
    const name = ts.isTypeReferenceNode(node) ? node.typeName
      : ts.isExpressionWithTypeArguments(node) ? node.expression
      : ts.isTypeQueryNode(node) ? node.exprName
      : undefined;
    if (name && ts.isIdentifier(name) && WEB_TYPES.includes(name.text)) used.add(name.text);
    ts.forEachChild(node, visit);
  };
  visit(file);
  const own = ownNames(file);
  return WEB_TYPES.filter((name) => used.has(name) && !own.has(name));
}

/** A declaration file's text with the import of the web type aliases it needs. */
function withAliases(fileName, text) {
  if (path.resolve(fileName) === ALIASES) return text;
  const names = freeWebTypes(ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, false));
  if (!names.length) return text;
  let from = path.relative(path.dirname(fileName), ALIASES).replace(/\\/g, '/').replace(/\.d\.ts$/, '.js');
  if (!from.startsWith('.')) from = `./${from}`;
  return `import type { ${names.join(', ')} } from '${from}';\n${text}`;
}

function build() {
  const host = { ...ts.sys, onUnRecoverableConfigFileDiagnostic: (diagnostic) => { throw new Error(ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n')); } };
  const config = ts.getParsedCommandLineOfConfigFile(path.join(ROOT, 'tsconfig.json'), {
    declaration: true, emitDeclarationOnly: true, noEmit: false, outDir: OUT,
  }, host);
  const program = ts.createProgram({ rootNames: config.fileNames, options: config.options, projectReferences: config.projectReferences });
  const writeFile = (fileName, text, bom) => ts.sys.writeFile(fileName, fileName.endsWith('.d.ts') ? withAliases(fileName, text) : text, bom);
  const result = program.emit(undefined, writeFile, undefined, true);
  const diagnostics = [...config.errors, ...ts.getPreEmitDiagnostics(program), ...result.diagnostics];
  if (diagnostics.length) {
    const formatHost = { getCanonicalFileName: (f) => f, getCurrentDirectory: () => ROOT, getNewLine: () => '\n' };
    console.error(ts.formatDiagnosticsWithColorAndContext(diagnostics, formatHost));
    process.exit(1);
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) build();
