// node, peculiar, deno and bun: the test bundle runs in a child process (runtime/child.mjs), kept
// alive between the runner's calls, which travel as JSON lines over its stdin and stdout.
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { toolBin } from '../install.mjs';
import { start, stop } from '../procs.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const CHILD = path.join(HERE, '../runtime/child.mjs');
const MARK = '\u0001webkms '; // runtime/child.mjs prefixes its answers with this

const COMMANDS = {
  node: () => [process.execPath, []],
  peculiar: () => [process.execPath, []],
  // uvu's colour library reads these four variables as it loads; the bundle is the one file
  // imported at run time. Nothing else is allowed (no network, no writes, no other reads), and
  // no deno.lock is written into the repository.
  deno: (bundle) => [toolBin('deno'), ['run', '--no-prompt', '--no-lock', '--allow-env=FORCE_COLOR,NODE_DISABLE_COLORS,NO_COLOR,TERM', `--allow-read=${bundle}`]],
  bun: () => [toolBin('bun'), []],
};

export const requirements = (engine) => ({ files: [COMMANDS[engine]('')[0]], apt: [] });

export async function open(engine, { bundle }) {
  const [command, args] = COMMANDS[engine](bundle);
  const child = start(command, [...args, CHILD, engine, bundle], { stdio: ['pipe', 'pipe', 'pipe'], ownStdout: true });
  child.stdin.on('error', () => {}); // a crashed child's closed pipe is reported by `answers` below

  // Answers arrive in call order; a child that exits fails whatever is still waiting.
  const waiting = [];
  let ended;
  const lines = createInterface({ input: child.stdout });
  lines.on('line', (line) => {
    if (line.startsWith(MARK)) waiting.shift()?.resolve(JSON.parse(line.slice(MARK.length)));
    else child.keep(`${line}\n`);
  });
  // Both: 'exit' can come before the last lines are read, and the exit code after stdout ends.
  Promise.all([new Promise((resolve) => lines.once('close', resolve)), child.exited]).then(() => {
    const why = child.spawnError?.message ?? `exit code ${child.exitCode ?? child.signalCode}`;
    ended = new Error(`${engine} process ended (${why})\n${child.tail}`.trim());
    for (const { reject } of waiting.splice(0)) reject(ended);
  });
  const next = () => new Promise((resolve, reject) => (ended ? reject(ended) : waiting.push({ resolve, reject })));

  const session = {
    call(name, arg) {
      const answer = next();
      child.stdin.write(JSON.stringify({ name, arg }) + '\n');
      return answer;
    },
    close: () => stop(child),
  };
  const loaded = await next().catch(async (error) => { await session.close(); throw error; });
  if (!loaded.ok) { await session.close(); throw new Error(loaded.error); }
  return { ...session, version: loaded.value.version };
}
