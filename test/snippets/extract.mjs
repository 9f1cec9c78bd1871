// The code blocks of the documentation that the snippet checks run: every ```js, ```ts and
// ```html block of README.md and docs/*.md, each named by the HTML comment on the line before it,
// `<!-- snippet: name -->`, which fixtures.mjs gives its setting. Other blocks (sh, json, java,
// python) are not JavaScript and are not checked.
import fs from 'node:fs';
import path from 'node:path';

export const LANGUAGES = ['js', 'ts', 'html'];
const MARKER = /^<!--\s*snippet:\s*([\w-]+)\s*-->$/;

/**
 * The snippets of one Markdown file: { name, file, line (of the first code line), lang, code },
 * and the problems found (a block without a marker, a marker without a block).
 */
export function extractSnippets(root, file) {
  const lines = fs.readFileSync(path.join(root, file), 'utf8').split('\n');
  const snippets = [];
  const problems = [];
  let marker = null;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    const named = line.trim().match(MARKER);
    if (named) {
      if (marker) problems.push(`${file}:${marker.line}: the snippet marker "${marker.name}" is not right before a code block`);
      marker = { name: named[1], line: i + 1 };
      continue;
    }
    const fence = line.match(/^```(\w*)\s*$/);
    if (!fence) {
      if (marker && line.trim()) {
        problems.push(`${file}:${marker.line}: the snippet marker "${marker.name}" is not right before a code block`);
        marker = null;
      }
      continue;
    }
    const end = lines.findIndex((l, j) => j > i && /^```\s*$/.test(l));
    if (end < 0) {
      problems.push(`${file}:${i + 1}: a code block that never ends`);
      break;
    }
    const lang = fence[1];
    if (LANGUAGES.includes(lang)) {
      if (!marker) problems.push(`${file}:${i + 1}: a \`\`\`${lang} block without a <!-- snippet: name --> line before it`);
      else snippets.push({ name: marker.name, file, line: i + 2, lang, code: lines.slice(i + 1, end).join('\n') + '\n' });
    } else if (marker) {
      problems.push(`${file}:${marker.line}: the snippet marker "${marker.name}" names a \`\`\`${lang || 'plain'} block, which is not checked`);
    }
    marker = null;
    i = end;
  }
  return { snippets, problems };
}

/** The snippets of README.md and docs/*.md, in order, and the problems found. */
export function documentationSnippets(root) {
  const files = ['README.md', ...fs.readdirSync(path.join(root, 'docs')).filter((f) => f.endsWith('.md')).sort().map((f) => `docs/${f}`)];
  const all = files.map((file) => extractSnippets(root, file));
  const snippets = all.flatMap((r) => r.snippets);
  const problems = all.flatMap((r) => r.problems);
  const seen = new Map();
  for (const snippet of snippets) {
    if (seen.has(snippet.name)) problems.push(`${snippet.file}:${snippet.line}: the snippet name "${snippet.name}" is taken (${seen.get(snippet.name)})`);
    seen.set(snippet.name, `${snippet.file}:${snippet.line}`);
  }
  return { snippets, problems };
}

/**
 * An html snippet's parts: the module script's code (what is typechecked and run) and the page
 * around it with that script's body replaced by `replacement`.
 */
export function splitPage(html, replacement) {
  const match = html.match(/<script type="module">\n?([\s\S]*?)<\/script>/);
  if (!match) return undefined;
  const code = match[1].replace(/^ {2}/gm, '');
  return { code, page: html.replace(match[0], replacement) };
}
