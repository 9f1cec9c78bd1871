// node, peculiar, deno and bun: the test bundle runs in a child process (runtime/child.mjs), kept
// alive between the runner's calls, which travel as JSON lines over its stdin and stdout. Deno's
// tests keep Deno KV files in a directory of their own, which restart() hands to a new process.
import fs from 'node:fs';
import os from 'node:os';
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
  // imported at run time; Deno KV (unstable in Deno 2) reads and writes the state directory only.
  // Nothing else is allowed (no network, no other reads or writes), and no deno.lock is written
  // into the repository.
  deno: (bundle, state) => [toolBin('deno'), [
    'run', '--no-prompt', '--no-lock', '--unstable-kv', '--allow-env=FORCE_COLOR,NODE_DISABLE_COLORS,NO_COLOR,TERM',
    `--allow-read=${bundle},${state}`, `--allow-write=${state}`,
  ]],
  bun: () => [toolBin('bun'), []],
};
/** Engines whose tests keep state on disk, kept across restart(): they alone can restart. */
const KEEPS_STATE = new Set(['deno']);

export const requirements = (engine) => ({ files: [COMMANDS[engine]('', '')[0]], apt: [] });

/** Start the child and wait for it to load the bundle: { version, call, stop }. */
async function launch(engine, bundle, state) {
  const [command, args] = COMMANDS[engine](bundle, state);
  const child = start(command, [...args, CHILD, engine, bundle, ...(state ? [state] : [])], { stdio: ['pipe', 'pipe', 'pipe'], ownStdout: true });
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

  const connection = {
    call(name, arg) {
      const answer = next();
      child.stdin.write(JSON.stringify({ name, arg }) + '\n');
      return answer;
    },
    stop: () => stop(child),
  };
  const loaded = await next().catch(async (error) => { await connection.stop(); throw error; });
  if (!loaded.ok) { await connection.stop(); throw new Error(loaded.error); }
  return { ...connection, version: loaded.value.version };
}

export async function open(engine, { bundle }) {
  const state = KEEPS_STATE.has(engine) ? fs.mkdtempSync(path.join(os.tmpdir(), `webkms-${engine}-`)) : undefined;
  const removeState = () => state && fs.rmSync(state, { recursive: true, force: true });
  let current = await launch(engine, bundle, state).catch((error) => { removeState(); throw error; });
  return {
    version: current.version,
    call: (name, arg) => current.call(name, arg),
    close: async () => { await current.stop(); removeState(); },
    // Stop the process, then start a new one on the same state: what a second run of a script sees.
    ...(state && {
      restart: async () => {
        await current.stop();
        current = await launch(engine, bundle, state);
      },
    }),
  };
}
