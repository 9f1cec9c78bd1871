// One runtime's bench run: bundled by bench/run.mjs and started once per runtime (Node, Deno,
// Bun). Runs the suites named in BENCH_CONFIG, prints each group as it finishes and writes the
// results as JSON to BENCH_OUT.
import { writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { TABLE_HEAD, configure, printGroup, runtime, runtimeVersion } from './lib/harness.mjs';
import keys from './suites/keys.mjs';
import envelope from './suites/envelope.mjs';
import large from './suites/large.mjs';
import streams from './suites/streams.mjs';
import base64 from './suites/base64.mjs';

const SUITES = { keys, envelope, large, streams, base64 };
const config = JSON.parse(process.env.BENCH_CONFIG ?? '{}');
configure({ quick: !!config.quick, rounds: config.quick ? 3 : 7, sliceMs: config.quick ? 40 : 50 });

const started = new Date();
const load = [loadavg()];
const groups = [];
console.log(`\n## ${runtimeVersion}\n`);
for (const line of TABLE_HEAD) console.log(line);
for (const name of config.suites ?? Object.keys(SUITES)) {
  await SUITES[name]((result) => {
    groups.push(result);
    printGroup(result);
  });
  load.push(loadavg());
}

const results = {
  runtime,
  runtimeVersion,
  date: started.toISOString(),
  seconds: Math.round((Date.now() - started) / 1000),
  quick: !!config.quick,
  machine: { cpus: cpus().length, cpu: cpus()[0]?.model ?? 'unknown', memoryGiB: Math.round(totalmem() / 2 ** 30), loadAverage1m: load.map((l) => +l[0].toFixed(2)) },
  groups,
};
if (process.env.BENCH_OUT) writeFileSync(process.env.BENCH_OUT, JSON.stringify(results, null, 1));
