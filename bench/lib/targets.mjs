// The targets of issue 13, checked against one runtime's results. The bench reports them; no
// test times anything.

const ratio = (results, groupId, row, against) => results.groups.find((g) => g.id === groupId)?.rows.find((r) => r.name === row)?.ratios[against];
const rate = (results, groupId, row) => results.groups.find((g) => g.id === groupId)?.rows.find((r) => r.name === row);

/** [{ target, value, pass }] for every target these results can speak to. */
export function checkTargets(results) {
  const out = [];
  const atLeast = (target, value, bound, unit = '×') => {
    if (value === undefined || value === null) return;
    out.push({ target, value: `${value.toFixed(2)}${unit}`, pass: value >= bound });
  };
  for (const [id, mode] of [
    ['1', 'sequential'],
    ['64', '64 in flight'],
  ]) {
    atLeast(`generateDataKey ≥ 0.9× floor, ${mode}`, ratio(results, `generateDataKey-${id}`, 'webkms', 'floor'), 0.9);
    atLeast(`decrypt ≥ 0.9× floor, ${mode}`, ratio(results, `decrypt-${id}`, 'webkms', 'floor'), 0.9);
    atLeast(`seal 16 B ≥ 0.9× v2 floor, ${mode}`, ratio(results, `seal-0x0478-16-${id}`, 'webkms', 'v2 floor'), 0.9);
    atLeast(
      `seal 16 B with DataKeyCache ≥ 0.9× cached floor, ${mode}`,
      ratio(results, `seal-0x0478-16-${id}`, 'webkms, DataKeyCache', 'v2 floor, cached data key'),
      0.9,
    );
    atLeast(`open 16 B ≥ 0.9× v2 floor, ${mode}`, ratio(results, `open-0x0478-16-${id}`, 'webkms', 'v2 floor'), 0.9);
  }
  atLeast('seal 16 B ≥ 2.5× SDK, sequential', ratio(results, 'seal-0x0478-16-1', 'webkms', 'SDK'), 2.5);
  atLeast('seal 16 MiB ≥ 1.0× one subtle.encrypt', ratio(results, 'seal-16MiB', 'webkms', 'one subtle.encrypt'), 1.0);
  atLeast('open 16 MiB ≥ 1.0× one subtle.decrypt', ratio(results, 'open-16MiB', 'webkms', 'one subtle.decrypt'), 1.0);
  atLeast('seal 16 MiB ≥ 20× SDK', ratio(results, 'seal-16MiB', 'webkms', 'SDK (4 KiB frames)'), 20);
  atLeast('open 16 MiB ≥ 20× SDK', ratio(results, 'open-16MiB', 'webkms', 'SDK (its own 4 KiB-frame message)'), 20);
  atLeast('open SDK-made 4 KiB-frame 16 MiB ≥ 2× SDK decrypt', ratio(results, 'open-sdk-4KiB-16MiB', 'webkms', 'SDK decrypt'), 2);
  const defaultFrame = '1 MiB'; // DEFAULT_FRAME_SIZE in src/envelope/seal.ts
  for (const kind of ['sealStream', 'openStream']) {
    atLeast(
      `${kind} 16 MiB (default ${defaultFrame} frames) ≥ 1.0× one subtle.encrypt`,
      ratio(results, `${kind}-16 MiB`, `frames of ${defaultFrame}`, 'one subtle.encrypt of 16 MiB'),
      1.0,
    );
  }
  // Issue 19: the KMS endpoint against a floor handler on the same server.
  atLeast('signed GenerateDataKey over HTTP ≥ 0.7× floor handler, SigV4 verified, 64 in flight', ratio(results, 'http-generateDataKey-64', 'webkms/http', 'floor handler'), 0.7);
  if (results.memory?.peakAboveBaselineMiB !== undefined) {
    const peak = results.memory.peakAboveBaselineMiB;
    const streamed = `${results.memory.streamedBytes / 2 ** 20} MiB`.replace('1024 MiB', '1 GiB');
    out.push({ target: `peak RSS streaming ${streamed} < 64 MiB above baseline`, value: `${peak.toFixed(1)} MiB`, pass: peak < 64 });
  }
  for (const op of ['encode', 'decode']) {
    const row = rate(results, `base64-${op}-1048576`, 'webkms');
    if (!row) continue;
    const native = row && rate(results, `base64-${op}-1048576`, op === 'encode' ? 'toBase64' : 'fromBase64');
    if (native?.opsPerSecond) {
      atLeast(`base64 ${op} 1 MiB at native speed (≥ 0.9× ${native.name})`, row.ratios[native.name], 0.9);
    } else {
      atLeast(`base64 ${op} 1 MiB ≥ 1.0 GB/s (pure JS)`, row.bytesPerSecond / 1e9, 1.0, ' GB/s');
    }
  }
  return out;
}

export function targetLines(results) {
  return checkTargets(results).map(({ target, value, pass }) => `| ${target} | ${value} | ${pass ? 'met' : '**missed**'} |`);
}

export const TARGET_HEAD = ['| target | measured | |', '|---|---|---|'];
