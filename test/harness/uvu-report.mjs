// uvu reports only as text. This turns that text, as captured inside any engine
// (runtime/prelude.mjs), into counts and one { name, message } per failed test.
//
// What uvu 0.5 prints, per file then per suite:
//   test/keys.test.mjs                              the file's name (runtime/prelude.mjs beginFile)
//    rotation  • ✘ •   (2 / 3)                     suite name (none for the default suite), progress
//                                                  then, for each failed test:
//      FAIL  rotation  "old versions decrypt"      suite name again, test name in quotes
//       Expected values to be strictly equal:  (is) message (may span lines), then a blank line
//           ++3    (Expected)                      details, indented 8, when an assertion has them
//       at …  /  fn@http://…:1:2                   stack, indented 4, engine-specific: dropped
// and finally "Total: N", "Passed: N", "Skipped: N".

const ANSI = /\x1b\[[0-9;]*m/g;
const PROGRESS = /^(.*?)[•✘ ]*\((\d+) \/ (\d+)\)$/;
const HEADER = /^ {3}FAIL {2}(?:(.+?) {2})?"(.*)"$/;
const DETAIL = /^ {8}/;

/** `files` are the names the bundle gave uvu; returns { passed, failed, skipped, failures }. */
export function parseUvuReport(text, files) {
  const lines = text.replace(ANSI, '').split('\n');
  const count = (label) => Number(lines.findLast((l) => l.trimStart().startsWith(`${label}:`))?.split(':')[1]);
  const [total, passed, skipped] = ['Total', 'Passed', 'Skipped'].map(count);
  if (![total, passed, skipped].every(Number.isInteger)) {
    return { passed: 0, failed: 1, skipped: 0, failures: [{ name: 'uvu', message: 'uvu printed no summary: the run did not finish' }] };
  }

  const failures = [];
  let explained = 0; // failed tests accounted for by `failures`
  let file = '', suite = null, block = null;
  // uvu prints nothing for the tests of a suite whose before hook threw; its progress count
  // "(passed / total)" still shows them.
  const closeSuite = () => {
    const unexplained = suite ? suite.missing - suite.reported : 0;
    if (unexplained > 0) {
      explained += unexplained;
      failures.push({
        name: [file, suite.name].filter(Boolean).join(' › '),
        message: [`${unexplained} test(s) did not pass and uvu printed no failure for them (did a before hook throw?)`],
      });
    }
  };
  for (const line of lines) {
    let m;
    if (block?.inMessage) {
      if (line.trim() === '') block.inMessage = false;
      else block.message.push(block.message.length ? line : line.trim());
    } else if (files.includes(line.trim())) {
      closeSuite();
      file = line.trim(), suite = null, block = null;
    } else if ((m = line.match(HEADER))) {
      if (suite) suite.reported++;
      explained++;
      block = { name: [file, m[1], m[2]].filter(Boolean).join(' › '), message: [], details: [], inMessage: true };
      failures.push(block);
    } else if ((m = line.match(PROGRESS))) {
      closeSuite();
      suite = { name: m[1].trim(), missing: Number(m[3]) - Number(m[2]), reported: 0 };
      block = null;
    } else if (/^\s*Total:/.test(line)) {
      break;
    } else if (block && DETAIL.test(line) && line.trim()) {
      block.details.push(line.slice(8));
    }
  }
  closeSuite();

  const failed = total - passed;
  if (failed > explained) {
    failures.push({ name: file || 'uvu', message: [`${failed - explained} more failed test(s) that uvu printed nothing about`] });
  }
  if (total === 0) failures.push({ name: 'uvu', message: ['no tests ran'] });
  return {
    passed,
    failed: total === 0 ? 1 : failed,
    skipped,
    failures: failures.map(({ name, message, details }) => ({
      name,
      message: [...message, ...(details ?? [])].join('\n') || '(uvu printed no message)',
    })),
  };
}
