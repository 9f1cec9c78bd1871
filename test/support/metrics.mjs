// Counts that tests publish for the run summary (vectors checked, blobs mutated, …): the harness
// reads globalThis.__WEBKMS_METRICS after the tests and prints the totals per engine.
const metrics = (globalThis.__WEBKMS_METRICS ??= {});

/** Adds `n` to the named count. */
export function count(name, n = 1) {
  metrics[name] = (metrics[name] ?? 0) + n;
}
