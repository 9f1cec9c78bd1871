// The measuring core of `npm run bench`: groups of rows (webkms, its floor, its peers) measured
// in interleaved rounds, so that load drifting on a shared machine hits every row of a group
// alike. Each slice is one mitata `measure` call; a row's rate is the median over rounds, its
// spread the median absolute deviation over rounds, and every ratio is the median of per-round
// ratios (row and reference measured back to back in the same round).
import { measure } from 'mitata';

export const runtime = typeof Deno !== 'undefined' ? 'deno' : typeof Bun !== 'undefined' ? 'bun' : 'node';

export const runtimeVersion =
  runtime === 'deno' ? `Deno ${Deno.version.deno} (V8 ${Deno.version.v8})` : runtime === 'bun' ? `Bun ${Bun.version} (JavaScriptCore)` : `Node ${process.version} (V8 ${process.versions.v8})`;

export function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/** Median absolute deviation relative to the median, in percent. */
export function spread(values) {
  const m = median(values);
  return m === 0 ? 0 : (100 * median(values.map((v) => Math.abs(v - m)))) / m;
}

const collectGarbage = runtime === 'bun' ? () => Bun.gc(true) : () => globalThis.gc?.();

const settings = { rounds: 5, sliceMs: 100, quick: false };

/** Rounds and slice length for all groups (`--quick` shortens both). */
export function configure(options) {
  Object.assign(settings, options);
}

export function isQuick() {
  return settings.quick;
}

/**
 * One slice of one row: operations per second. `inFlight` > 1 runs that many calls concurrently
 * per sample (mitata's `concurrency`), so a sample is the time of `inFlight` operations.
 */
async function slice(fn, { inFlight = 1, sliceMs, slow, samples }) {
  // Every slice starts from a collected heap (bench/run.mjs exposes gc), so no row pays for the
  // garbage of the one before it.
  collectGarbage();
  const stats = await measure(fn, {
    concurrency: inFlight,
    min_cpu_time: slow ? 0 : sliceMs * 1e6,
    min_samples: slow ? samples : 5,
    max_samples: slow ? samples : 1e6,
    // Async calls of tens of microseconds are timed one by one (or `inFlight` at a time), not in
    // batches of 4,096, which would make every slice seconds long.
    batch_threshold: fn.sync ? 65_536 : 0,
    batch_samples: 512,
    warmup_samples: slow ? 0 : 2,
    gc: false,
  });
  return (inFlight * 1e9) / stats.p50;
}

/**
 * Measures a group: `rows` are { name, role: 'webkms' | 'floor' | 'peer' | 'reference', fn, against? }
 * (`against`: the names a webkms row is compared with; default every other row).
 * `bytes` turns rates into bytes per second. `slow` groups (and rows) run `samples` times per
 * round (large inputs; the median of them counts), not for a time slice.
 * Returns the rows' rates per round, medians, spreads and the ratios of every webkms row to every
 * floor, peer and reference row of the group.
 */
export async function group({ id, title, bytes, inFlight = 1, slow = false, samples = 3, rounds = slow ? Math.min(5, settings.rounds) : settings.rounds, rows }) {
  const live = rows.filter((row) => row.fn);
  const perRound = new Map(live.map((row) => [row.name, []]));
  const sliceMs = settings.sliceMs;
  for (let round = 0; round < rounds; round++) {
    // Rotate the order every round, so no row always runs first (or right after the slowest).
    const order = live.map((_, i) => live[(i + round) % live.length]);
    for (const row of order) perRound.get(row.name).push(await slice(row.fn, { inFlight, sliceMs, slow: slow || row.slow, samples }));
  }
  const result = { id, title, bytes, inFlight, rounds, rows: [] };
  for (const row of rows) {
    const rates = perRound.get(row.name);
    result.rows.push({
      name: row.name,
      role: row.role,
      note: row.note ?? (row.fn ? undefined : row.missing ?? 'not available here'),
      opsPerSecond: rates ? median(rates) : null,
      bytesPerSecond: rates && bytes ? median(rates) * bytes : null,
      spreadPercent: rates ? spread(rates) : null,
      perRound: rates ?? [],
      ratios: {},
    });
  }
  for (const row of result.rows) {
    if (row.role !== 'webkms' || !row.perRound.length) continue;
    const against = rows.find((r) => r.name === row.name).against;
    for (const other of result.rows) {
      if (other.role === 'webkms' || !other.perRound.length || (against && !against.includes(other.name))) continue;
      row.ratios[other.name] = median(row.perRound.map((rate, i) => rate / other.perRound[i]));
    }
  }
  return result;
}

// ── formatting ───────────────────────────────────────────────────────────────

export function formatRate(row, bytes) {
  if (row.opsPerSecond === null) return '—';
  if (bytes && bytes >= 64 * 1024) {
    const perSecond = row.bytesPerSecond;
    return perSecond >= 1e9 ? `${(perSecond / 1e9).toFixed(2)} GB/s` : `${(perSecond / 1e6).toFixed(perSecond >= 1e8 ? 0 : 1)} MB/s`;
  }
  const ops = row.opsPerSecond;
  const text = ops >= 1e6 ? `${(ops / 1e6).toFixed(2)}M` : ops >= 1e4 ? `${(ops / 1e3).toFixed(1)}k` : ops >= 100 ? `${ops.toFixed(0)}` : ops.toFixed(1);
  if (!bytes || bytes < 1024) return `${text} ops/s`;
  const perSecond = row.bytesPerSecond;
  const rate = perSecond >= 1e9 ? `${(perSecond / 1e9).toFixed(2)} GB/s` : `${(perSecond / 1e6).toFixed(0)} MB/s`;
  return `${text} ops/s (${rate})`;
}

export const formatRatio = (ratio) => (ratio === undefined ? '' : `${ratio >= 10 ? ratio.toFixed(1) : ratio.toFixed(2)}×`);

/** Markdown rows of a group: rate, spread, and for webkms rows the ratio to each other row. */
export function groupTable(result) {
  const lines = [];
  const others = result.rows.filter((row) => row.role !== 'webkms');
  for (const row of result.rows) {
    const ratios =
      row.role === 'webkms' ? others.filter((o) => row.ratios[o.name] !== undefined).map((o) => `${formatRatio(row.ratios[o.name])} ${o.name}`).join(', ') : '';
    const spreadText = row.spreadPercent === null ? '' : `±${row.spreadPercent.toFixed(1)}%`;
    const name = row.role === 'webkms' ? `**${row.name}**` : row.name;
    lines.push(`| ${result.title} | ${name} | ${formatRate(row, result.bytes)} | ${spreadText} | ${ratios || (row.note ?? '')} |`);
  }
  return lines;
}

export const TABLE_HEAD = ['| operation | row | rate | spread | webkms ÷ row (median of per-round ratios) |', '|---|---|---|---|---|'];

/** Prints a group as soon as it is measured, so a long run shows progress. */
export function printGroup(result) {
  for (const line of groupTable(result)) console.log(line);
}
