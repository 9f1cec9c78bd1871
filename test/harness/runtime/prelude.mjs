// First module of every test bundle, evaluated before uvu loads.
//
// uvu normally schedules its run on a timer as soon as a file calls test.run(); with UVU_DEFER set
// (what its own CLI does) test.run() only queues, and api.mjs runs the queue with exec() when the
// harness asks. That is also what workerd needs: no timers at global scope.
globalThis.UVU_DEFER = 1;
globalThis.UVU_QUEUE = [];

// uvu reports only by printing: through process.stdout.write where `process.stdout` exists (Node,
// Deno, Bun), else through the console.log it grabbed when it loaded (browsers, workerd). Both are
// wrapped here, before uvu loads, so api.mjs can take the report as text. uvu writes the same
// chunks either way, each carrying its own line breaks, so console.log's are not added: the text
// is then the same in every engine (test/harness/uvu-report.mjs parses it).
let sink = null;
const divert = (write, asText) => function (...args) {
  if (!sink) return write.apply(this, args);
  sink.push(asText(args));
  return true;
};
console.log = divert(console.log, (args) => args.join(' '));
const stdout = globalThis.process?.stdout;
if (stdout?.write) stdout.write = divert(stdout.write, (args) => String(args[0]));

/** Run `fn`; resolves to everything printed meanwhile, and the error `fn` threw if it did. */
export async function captureOutput(fn) {
  sink = [];
  try {
    await fn();
    return { output: sink.join('') };
  } catch (error) {
    return { output: sink.join(''), error };
  } finally {
    sink = null;
  }
}

/** Called between test files, so uvu prints each file's name above its results (as its CLI does). */
export function beginFile(name) {
  globalThis.UVU_QUEUE.push([name]);
  globalThis.UVU_INDEX = globalThis.UVU_QUEUE.length - 1;
}
