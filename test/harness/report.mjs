// The end of a run: every failure with its message, the per-engine table, the engines that did
// not run, and last, alone on its line, "N passed, N failed, N skipped" over all engines.
import fs from 'node:fs';

const indent = (text, by) => text.split('\n').map((line) => by + line).join('\n');

/**
 * `results`: [{ engine, version, passed, failed, skipped, seconds, failures, skips?, metrics }];
 * `notRun`: engine → why; `summaryFile`, when given, receives the table and the closing line.
 */
export function printReport(results, notRun, summaryFile) {
  // A failure seen the same in several engines is printed once, with the engines' names.
  const failures = new Map();
  for (const { engine, failures: list } of results) {
    for (const { name, message } of list) {
      const key = `${name}\n${message}`;
      if (!failures.has(key)) failures.set(key, { name, message, engines: [] });
      failures.get(key).engines.push(engine);
    }
  }
  if (failures.size) console.log('\nFAILURES');
  for (const { name, message, engines } of failures.values()) {
    console.log(`\n  [${engines.join(', ')}] ${name}\n${indent(message, '      ')}`);
  }

  // Tests that did not run, each with its reason (the snippets a fixture marks as not runnable here).
  const skips = results.flatMap(({ engine, skips: list = [] }) => list.map((skip) => ({ engine, ...skip })));
  if (skips.length) console.log('\nSKIPPED');
  for (const { engine, name, why } of skips) console.log(`  [${engine}] ${name}: ${why}`);

  // Counts the tests publish (test/support/metrics.mjs): engines with the same count on one line.
  const metrics = [...new Set(results.flatMap((r) => Object.keys(r.metrics)))].sort();
  if (metrics.length) console.log('\nMETRICS');
  for (const metric of metrics) {
    const byValue = new Map();
    for (const { engine, metrics: counts } of results) byValue.set(counts[metric] ?? 0, [...(byValue.get(counts[metric] ?? 0) ?? []), engine]);
    console.log(`  ${metric}: ${[...byValue].map(([value, engines]) => `${value} in ${engines.join(', ')}`).join('; ')}`);
  }

  const columns = [
    ['engine', (r) => r.engine, 'left'],
    ['version', (r) => r.version || '-', 'left'],
    ['passed', (r) => r.passed],
    ['failed', (r) => r.failed],
    ['skipped', (r) => r.skipped],
    ['seconds', (r) => r.seconds.toFixed(1)],
  ];
  const cells = [columns.map(([title]) => title), ...results.map((r) => columns.map(([, get]) => String(get(r))))];
  const widths = columns.map((_, i) => Math.max(...cells.map((row) => row[i].length)));
  const table = cells.map((row) => row.map((cell, i) => (columns[i][2] === 'left' ? cell.padEnd(widths[i]) : cell.padStart(widths[i]))).join('  ').trimEnd());
  console.log(`\n${table.join('\n')}`);

  const notRunLines = [...notRun].map(([engine, why]) => `!!! ${engine} NOT RUN: ${why}`);
  if (notRunLines.length) console.log(`\n${notRunLines.join('\n')}`);

  const total = (key) => results.reduce((sum, r) => sum + r[key], 0);
  const closing = `${total('passed')} passed, ${total('failed')} failed, ${total('skipped')} skipped`;
  console.log(`\n${closing}`);
  // The same table, the engines not run and the closing line, for whoever quotes the run (README.md).
  if (summaryFile) fs.writeFileSync(summaryFile, [...table, ...(notRunLines.length ? ['', ...notRunLines] : []), '', closing, ''].join('\n'));
  return total('failed');
}
