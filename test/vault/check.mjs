// The "vault" row of `npm test`: the browser file vault (examples/vault) driven like a user drives
// it, in Chromium and Firefox (Playwright, launched as the harness launches them) and WebKit
// (WebKitWebDriver, engines/webkit.mjs). Each browser gets a key, seals a 32 MiB generated file
// while its progress is observed, reloads, rotates the key, reads the header, opens the file and
// compares SHA-256; a one-byte-flipped copy must show the tampering message, offer nothing and
// leave nothing behind. Chromium imports a JWK and does all of that from the keyboard alone (Tab,
// Enter, Space; a visible focus on each control), and also checks the wrong-file, missing-key and
// unsupported-browser messages, and the official AWS Encryption SDK for Node opens the file it
// sealed. Firefox creates an extractable key and exports a bundle that webkms imports in Node;
// WebKit creates a non-extractable one and sees the export refused. A screenshot of each state
// goes to .harness/vault/<browser>/. The page is served as `npm run vault` serves it, with the
// library built from src/ for the check (buildLibrary), since the snippets row rebuilds dist/.
//
// Where the bytes are compared: Chromium's downloads are saved from Playwright's download event and
// hashed by the test. Firefox's (over WebDriver BiDi) and WebKit's (WebKitWebDriver) are not
// reported to the test: there the page hashes the Blob its download link offers with WebCrypto,
// and the sealed file is carried across the reload in an IndexedDB database of the test's own.
import * as esbuild from 'esbuild';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { serveVault } from '../../examples/vault/serve.mjs';
import { CommitmentPolicy, buildClient, sdkRawKeyring } from '../fixtures/esdk/sdk.mjs';
import { RAW_KEYS, plaintext } from '../fixtures/esdk/keys.mjs';
import { launchBrowser, requirements as playwrightNeeds } from '../harness/engines/playwright.mjs';
import { launch as launchWebKit, requirements as webkitNeeds } from '../harness/engines/webkit.mjs';
import { waitFor, withTimeout } from '../harness/procs.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const BROWSERS = ['chromium', 'firefox', 'webkit'];
const SIZE = 32 * 1024 * 1024;
const SEED = 20;
const NAME = 'sample.bin';
const FLIP_AT = 20 * 1024 * 1024; // in the body: frames before it are written before the failure
const STEP_TIMEOUT = 60_000;
// What the harness gives an engine per step (WEBKMS_TIMEOUT, default 900 s), for one browser's flow.
const BROWSER_TIMEOUT = Number(process.env.WEBKMS_TIMEOUT || 900) * 1000;
const PASSPHRASE = 'correct horse battery staple';
const CI = process.env.CI === 'true';
/**
 * What each in-page flow does: Firefox writes through the sync access handle worker (its page has
 * no createWritable, as in Safari before it had one). WebKitGTK 2.50 can write no file at all, and
 * collects in memory: its Storage API and private file system are off by default, refuse the ephemeral
 * session WebKitWebDriver runs (UnknownError), and a sync access handle is "not supported" by
 * any port but Apple's (IPC::SharedFileHandle is a stub there). Should that change, this fails.
 */
const OUTPUTS = {
  firefox: { extractable: true, output: 'worker', note: 'on disk as they are sealed (by a worker)' },
  webkit: { extractable: false, output: 'memory', note: 'it has no private file system (navigator.storage.getDirectory)' },
};
/** The raw AES key namespace the page writes (examples/vault/keys.mjs) and the README's backends use. */
const KEY_NAMESPACE = 'webkms-vault';

/** The vault's test key: the public test key "a" of the SDK fixtures, as a JWK the page imports. */
const TEST_KEY = RAW_KEYS.a.bytes;
const TEST_JWK = JSON.stringify({ kty: 'oct', k: Buffer.from(TEST_KEY).toString('base64url') });

const sha256 = (bytes) => createHash('sha256').update(bytes).digest('hex');

/** What the three browsers need, for the harness's installer. */
export async function requirements() {
  const needs = [await playwrightNeeds('chromium'), await playwrightNeeds('firefox'), webkitNeeds()];
  return { files: needs.flatMap((n) => n.files), apt: [...new Set(needs.flatMap((n) => n.apt))] };
}

// ── in the page (self-contained: Playwright passes them, WebDriver their source) ────────────────

/** Records every value the progress bars take. */
function watchProgress() {
  window.__vaultProgress = [];
  new MutationObserver((records) => {
    for (const { target } of records) if (target.tagName === 'PROGRESS') window.__vaultProgress.push([target.value, target.max]);
  }).observe(document.body, { subtree: true, attributes: true, attributeFilter: ['value'] });
}

/** The newest job of a list once it is the `count`th and ended: { outcome, message, download, output }, else null. */
function lastJob([listId, count]) {
  const items = document.querySelectorAll(`#${listId} li`);
  const item = items[0];
  if (items.length < count || !item.dataset.outcome) return null;
  const link = item.querySelector('a.download');
  return { outcome: item.dataset.outcome, message: item.querySelector('.message').textContent, download: link && link.download, output: item.dataset.output };
}

/** What the page shows: the status line, the header fields, the key panel, the live texts. */
function pageText() {
  return {
    status: document.getElementById('status').textContent,
    header: document.getElementById('header-info').hidden ? '' : document.getElementById('header-fields').textContent,
    keyId: document.getElementById('key-info').hidden ? '' : document.getElementById('key-id').textContent,
    versions: [...document.querySelectorAll('#key-versions tr')].map((row) => row.cells[0].textContent),
    unsupported: document.getElementById('unsupported').hidden ? '' : document.getElementById('unsupported').textContent,
    exportResult: document.getElementById('export-result').textContent,
    outputNote: document.getElementById('output-note').textContent,
  };
}

/** Keeps bytes (an ArrayBuffer) across a reload in an IndexedDB database of the test's own, or, without them, gets them back. */
function stash(bytes) {
  return new Promise((resolve, reject) => {
    const request = indexedDB.open('vault-test');
    request.onupgradeneeded = () => request.result.createObjectStore('files');
    request.onerror = () => reject(request.error);
    request.onsuccess = () => {
      const tx = request.result.transaction('files', bytes ? 'readwrite' : 'readonly');
      const files = tx.objectStore('files');
      const got = bytes ? files.put(bytes, 'sealed') : files.get('sealed');
      tx.oncomplete = () => { request.result.close(); resolve(got.result); };
      tx.onerror = () => reject(tx.error);
    };
  });
}

/** Names in the private output directory (the page's own helper). */
const privateLeftovers = () => import('/output.mjs').then((m) => m.privateOutputNames());

// ── the checks ─────────────────────────────────────────────────────────────────────────────────

/** The progress a seal or open showed: at least three values strictly between 0 and the end, then the end. */
function progressProblem(values, total) {
  const between = new Set(values.filter(([v, max]) => max === total && v > 0 && v < total).map(([v]) => v));
  const ended = values.some(([v, max]) => max === total && v === total);
  return between.size >= 3 && ended ? '' : `progress values seen: ${between.size} in between, ended: ${ended} (${JSON.stringify(values.slice(0, 8))}…)`;
}

/** Counts checks for one browser; `check` runs one and records it, never throws. */
function recorder(result, browser, log) {
  return async (name, body) => {
    const started = performance.now();
    try {
      const problem = await body();
      if (problem) throw new Error(problem);
      result.passed++;
      log(`vault ${browser}: ${name} (${((performance.now() - started) / 1000).toFixed(1)} s)`);
      return true;
    } catch (error) {
      result.failed++;
      result.failures.push({ name: `vault ${browser}: ${name}`, message: String(error?.stack ?? error).slice(0, 2000) });
      return false;
    }
  };
}

/**
 * The library the page imports as /dist/index.js, built from src/ into `dir` for this check alone:
 * the snippets row runs beside it, and its `npm pack` rebuilds dist/ (deleting it first).
 */
async function buildLibrary(dir) {
  const outfile = path.join(dir, 'index.js');
  await esbuild.build({ entryPoints: [path.join(ROOT, 'src/index.ts')], outfile, bundle: true, format: 'esm', platform: 'browser', target: 'es2022', logLevel: 'silent' });
  return import(pathToFileURL(outfile).href);
}

/** The input, a copy flipped in its body, a file that is no message, and one sealed under a key the vault lacks. */
async function makeFiles(dir, { RawAesKeyring, seal }) {
  const input = plaintext(SIZE, SEED);
  const files = { input: path.join(dir, NAME), wrong: path.join(dir, 'notes.txt.webkms'), foreign: path.join(dir, 'foreign.txt.webkms') };
  fs.writeFileSync(files.input, input);
  fs.writeFileSync(files.wrong, 'these are plain notes, not a sealed file\n'.repeat(20));
  const other = new RawAesKeyring({ keyNamespace: KEY_NAMESPACE, keyName: 'someone-else/0123456789abcdef', material: RAW_KEYS.b.bytes });
  fs.writeFileSync(files.foreign, await seal(other, 'not for this vault', { encryptionContext: { name: 'foreign.txt' } }));
  return { files, hash: sha256(input) };
}

/** What the README's vault section gives a Python or Java backend, against what the page writes. */
function readmeProblem() {
  const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('## The file vault (examples/vault)'));
  const expected = [
    `key_namespace="${KEY_NAMESPACE}", key_name="vault/`, `.keyNamespace("${KEY_NAMESPACE}").keyName("vault/`,
    'wrapping_alg=AesWrappingAlg.ALG_AES256_GCM_IV12_TAG16', '.wrappingAlg(AesWrappingAlg.ALG_AES256_GCM_IV12_TAG16)',
    'encryption_context["name"]', 'getEncryptionContext().get("name")',
  ];
  const missing = expected.filter((text) => !section.includes(text));
  return missing.length ? `the README's vault section lacks ${missing.join(', ')}` : '';
}

/** A copy of `file` with one bit flipped in its body. */
function flipped(file, out) {
  const bytes = fs.readFileSync(file);
  bytes[FLIP_AT] ^= 1;
  fs.writeFileSync(out, bytes);
  return out;
}

// ── Chromium, through Playwright, from the keyboard alone ──────────────────────────────────────

/** Tab forward until `selector` has the focus, and check the focus is visible there. */
async function tabTo(page, selector) {
  for (let i = 0; i < 40; i++) {
    await page.keyboard.press('Tab');
    const focus = await page.evaluate((s) => {
      const el = document.activeElement;
      return el?.matches(s) ? getComputedStyle(el).outlineStyle : null;
    }, selector);
    if (focus === 'none') throw new Error(`${selector} has the focus but no visible outline`);
    if (focus) return;
  }
  throw new Error(`Tab never reached ${selector}`);
}

async function chromiumFlow(url, given, out, check) {
  const { browser, close } = await launchBrowser('chromium');
  try {
    const context = await browser.newContext({ acceptDownloads: true, viewport: { width: 1000, height: 900 } });
    const page = await context.newPage();
    let shots = 0;
    const shot = (state, tab = page) => tab.screenshot({ path: path.join(out, `${String(++shots).padStart(2, '0')}-${state}.png`), fullPage: true });
    const text = () => page.evaluate(pageText);
    const ready = () => page.waitForSelector('body[data-ready]', { timeout: STEP_TIMEOUT });
    const press = async (selector, key = 'Enter') => {
      await tabTo(page, selector);
      await page.keyboard.press(key);
    };
    /** Runs `action`, then waits for the job it adds to `list` to end. */
    const job = async (list, action) => {
      const count = await page.evaluate((l) => document.querySelectorAll(`#${l} li`).length, list);
      await action();
      return (await page.waitForFunction(lastJob, [list, count + 1], { timeout: STEP_TIMEOUT })).jsonValue();
    };
    /** Presses a download link and saves what Playwright's download event delivers: its suggested name. */
    const download = async (selector, file) => {
      // Together: a wait that timed out while press() still ran would be an unhandled rejection.
      const [saved] = await Promise.all([page.waitForEvent('download', { timeout: STEP_TIMEOUT }), press(selector)]);
      await saved.saveAs(file);
      return saved.suggestedFilename();
    };
    /** Opens a file input's chooser with the space bar and answers it with `file`. */
    const pick = async (selector, file) => {
      const [chooser] = await Promise.all([page.waitForEvent('filechooser', { timeout: STEP_TIMEOUT }), press(selector, 'Space')]);
      await chooser.setFiles(file);
    };

    await page.goto(url, { timeout: STEP_TIMEOUT });
    await ready();
    await shot('ready');

    const keyOk = await check('imports a JWK, from the keyboard alone', async () => {
      await press('#import > summary');
      await tabTo(page, '#jwk');
      await page.keyboard.insertText(TEST_JWK);
      await press('#import-jwk');
      await page.waitForSelector('#key-info:not([hidden])', { timeout: STEP_TIMEOUT });
      const { keyId, status } = await text();
      return keyId === 'vault' && status.includes('imported') ? '' : `key panel: ${keyId}, status: ${status}`;
    });
    await shot('key');
    if (!keyOk) return;

    const sealed = path.join(out, `${NAME}.webkms`);
    const sealedOk = await check(`seals the 32 MiB file with progress, and offers ${NAME}.webkms (keyboard)`, async () => {
      await page.evaluate(watchProgress);
      await pick('#seal-files', given.files.input);
      // The File System Access picker is a native dialog no test can answer (headless Chromium
      // aborts it): the private file system instead. The page remembers the choice.
      if (await page.isChecked('#ask-location')) await press('#ask-location', 'Space');
      const done = await job('seal-jobs', () => press('#seal'));
      await shot('sealed');
      if (done.outcome !== 'done') return `sealing failed: ${done.message}`;
      if (done.output !== 'private') return `written by the ${done.output} output, not the private file system's createWritable`;
      const problem = progressProblem(await page.evaluate(() => window.__vaultProgress), SIZE);
      if (problem) return problem;
      if (!/MiB of 32\.0 MiB · [\d.]+ MB\/s/.test(done.message)) return `no bytes and MB/s in "${done.message}"`;
      const name = await download('#seal-jobs a.download', sealed);
      const size = fs.statSync(sealed).size;
      return name === `${NAME}.webkms` && size > SIZE ? '' : `download ${name}, ${size} bytes`;
    });
    if (!sealedOk) return;

    await page.reload({ timeout: STEP_TIMEOUT });
    await ready();
    await check('after the reload: the key is there; it rotates (keyboard)', async () => {
      if ((await text()).keyId !== 'vault') return 'the key is gone after the reload';
      await press('#rotate');
      await page.waitForFunction(() => document.querySelectorAll('#key-versions tr').length === 2, null, { timeout: STEP_TIMEOUT });
      return '';
    });

    await check('shows the header, then opens the file sealed before the rotation to the same bytes (keyboard)', async () => {
      await page.evaluate(watchProgress);
      await pick('#open-file', sealed);
      await page.waitForSelector('#header-info:not([hidden])', { timeout: STEP_TIMEOUT });
      const { header } = await text();
      await shot('header');
      for (const part of [`${KEY_NAMESPACE} / vault/`, 'ALG_AES256_GCM_IV12_TAG16_HKDF_SHA512_COMMIT_KEY (0x0478)', '1.0 MiB', `name="${NAME}"`, 'In this vaultyes']) {
        if (!header.includes(part)) return `the header panel lacks "${part}": ${header}`;
      }
      const done = await job('open-jobs', () => press('#open'));
      await shot('opened');
      if (done.outcome !== 'done') return `opening failed: ${done.message}`;
      const problem = progressProblem(await page.evaluate(() => window.__vaultProgress), fs.statSync(sealed).size);
      if (problem) return problem;
      const opened = path.join(out, NAME);
      const name = await download('#open-jobs a.download', opened);
      const hash = sha256(fs.readFileSync(opened));
      fs.rmSync(opened);
      return name === NAME && hash === given.hash ? '' : `download ${name}, SHA-256 ${hash}, expected ${given.hash}`;
    });

    await check('a one-byte-flipped file: the tampering message, no download, nothing left behind', async () => {
      const before = await page.evaluate(privateLeftovers);
      // Flipped in the page, from the file the input holds: no second 32 MiB upload.
      const flip = `async (at) => {
        const file = document.getElementById('open-file').files[0];
        const bytes = new Uint8Array(await file.arrayBuffer());
        bytes[at] ^= 1;
        return new File([bytes], 'tampered-' + file.name);
      }`;
      const done = await job('open-jobs', () => page.evaluate(([source, at]) => (0, eval)(`(${source})`)(at), [pickAndPress(flip, 'open-file', 'open'), FLIP_AT]));
      await shot('tampered');
      const after = await page.evaluate(privateLeftovers);
      if (done.outcome !== 'failed' || !done.message.startsWith('Tampered')) return `outcome ${done.outcome}: ${done.message}`;
      if (done.download) return `a download is offered: ${done.download}`;
      return after.length === before.length ? '' : `the private file system holds ${after.length} outputs, ${before.length} before`;
    });

    await check('"Choose where to save": written in place through the File System Access API; a tampered file leaves no new file, a replaced one as it was, and a folder\'s files are never replaced', async () => {
      // The native dialog is replaced by one that picks a file of the private file system, which
      // has the same FileSystemFileHandle API: the page's picker path runs as it does for a user.
      const picking = await context.newPage();
      await picking.addInitScript(() => {
        window.showSaveFilePicker = async ({ suggestedName }) => (await navigator.storage.getDirectory()).getFileHandle(`picked-${suggestedName}`, { create: true });
      });
      await picking.goto(url, { timeout: STEP_TIMEOUT });
      await picking.waitForSelector('body[data-ready]', { timeout: STEP_TIMEOUT });
      await picking.check('#ask-location');
      const picked = () => picking.evaluate(async () => {
        const names = [];
        for await (const [name, handle] of await navigator.storage.getDirectory()) if (name.startsWith('picked-')) names.push(`${name} ${(await handle.getFile()).size}`);
        return names.sort();
      });
      const run = async (input, action, list) => {
        const count = await picking.evaluate((l) => document.querySelectorAll(`#${l} li`).length, list);
        await picking.setInputFiles(input, { name: 'small.txt', mimeType: 'text/plain', buffer: Buffer.from('a small file, saved where the user chose\n'.repeat(1000)) });
        await picking.click(action);
        return (await picking.waitForFunction(lastJob, [list, count + 1], { timeout: STEP_TIMEOUT })).jsonValue();
      };
      const sealedHere = await run('#seal-files', '#seal', 'seal-jobs');
      const afterSeal = await picked();
      await shot('picker-sealed', picking);
      if (sealedHere.outcome !== 'done' || sealedHere.output !== 'picker' || sealedHere.download || !sealedHere.message.includes('saved where you chose')) return `seal: ${JSON.stringify(sealedHere)}`;
      if (afterSeal.length !== 1 || !afterSeal[0].startsWith('picked-small.txt.webkms ')) return `picked files after sealing: ${afterSeal}`;
      // The sealed file, flipped near its end, opened into a picked file: the failure removes a
      // new file, and leaves one the user chose to replace as it was.
      const tampered = await picking.evaluate(async () => {
        const file = await (await (await navigator.storage.getDirectory()).getFileHandle('picked-small.txt.webkms')).getFile();
        const bytes = new Uint8Array(await file.arrayBuffer());
        bytes[bytes.length - 5] ^= 1;
        return [...bytes];
      });
      const openTampered = async () => {
        const count = await picking.evaluate(() => document.querySelectorAll('#open-jobs li').length);
        await picking.setInputFiles('#open-file', { name: 'small.txt.webkms', mimeType: 'application/octet-stream', buffer: Buffer.from(tampered) });
        await picking.click('#open');
        const done = await (await picking.waitForFunction(lastJob, ['open-jobs', count + 1], { timeout: STEP_TIMEOUT })).jsonValue();
        return done.outcome === 'failed' && done.message.startsWith('Tampered') ? '' : `open: ${JSON.stringify(done)}`;
      };
      const intoNew = await openTampered();
      const afterNew = await picked();
      const earlier = 'an earlier file the user chose to replace';
      await picking.evaluate(async (text) => {
        const writable = await (await (await navigator.storage.getDirectory()).getFileHandle('picked-small.txt', { create: true })).createWritable();
        await writable.write(text);
        await writable.close();
      }, earlier);
      const intoExisting = await openTampered();
      const kept = await picking.evaluate(async () => (await (await (await navigator.storage.getDirectory()).getFileHandle('picked-small.txt')).getFile()).text());
      // Several files go to one folder picked once, with no question per file: a file already
      // there keeps its bytes, and the new one takes a free name.
      await picking.evaluate(async () => {
        const folder = await (await navigator.storage.getDirectory()).getDirectoryHandle('picked-folder', { create: true });
        const writable = await (await folder.getFileHandle('small.txt.webkms', { create: true })).createWritable();
        await writable.write('already in the folder');
        await writable.close();
        window.showDirectoryPicker = async () => folder;
      });
      const count = await picking.evaluate(() => document.querySelectorAll('#seal-jobs li').length);
      await picking.setInputFiles('#seal-files', ['small.txt', 'other.txt'].map((name) => ({ name, mimeType: 'text/plain', buffer: Buffer.from(`${name}\n`.repeat(100)) })));
      await picking.click('#seal');
      const intoFolder = await (await picking.waitForFunction(lastJob, ['seal-jobs', count + 2], { timeout: STEP_TIMEOUT })).jsonValue();
      const folder = await picking.evaluate(async () => {
        const entries = [];
        for await (const [name, handle] of await (await navigator.storage.getDirectory()).getDirectoryHandle('picked-folder')) {
          const file = await handle.getFile();
          entries.push(`${name}: ${file.size === 21 ? await file.text() : 'sealed'}`);
        }
        return entries.sort().join('; ');
      });
      await picking.close();
      if (intoNew || intoExisting) return intoNew || intoExisting;
      if (intoFolder.outcome !== 'done') return `several files into a folder: ${JSON.stringify(intoFolder)}`;
      if (folder !== 'other.txt.webkms: sealed; small (1).txt.webkms: sealed; small.txt.webkms: already in the folder') return `the picked folder holds ${folder}`;
      if (afterNew.join() !== afterSeal.join()) return `picked files after the tampered open into a new file: ${afterNew} (before: ${afterSeal})`;
      return kept === earlier ? '' : `the file chosen to be replaced now holds ${JSON.stringify(kept.slice(0, 80))}`;
    });

    await check('a file that is no sealed message: "not a sealed file"', async () => {
      await page.setInputFiles('#open-file', given.files.wrong);
      await page.waitForFunction(() => document.getElementById('status').textContent.includes('is not a sealed file'), null, { timeout: STEP_TIMEOUT });
      await shot('wrong-file');
      return '';
    });
    await check('a file sealed under a key the vault lacks: "Missing key", no download', async () => {
      await page.setInputFiles('#open-file', given.files.foreign);
      const done = await job('open-jobs', () => page.click('#open'));
      await shot('missing-key');
      return done.outcome === 'failed' && done.message.includes('Missing key') && done.message.includes('someone-else/') && !done.download ? '' : JSON.stringify(done);
    });
    await check('seals several files at once: a job and a download each', async () => {
      const count = await page.evaluate(() => document.querySelectorAll('#seal-jobs li').length);
      const files = ['one.txt', 'two (2).txt', 'drei-ü.txt'].map((name, i) => ({ name, mimeType: 'text/plain', buffer: Buffer.from(`file ${i}\n`.repeat(1000 * (i + 1))) }));
      await page.setInputFiles('#seal-files', files);
      await page.click('#seal');
      await page.waitForFunction((n) => [...document.querySelectorAll('#seal-jobs li')].slice(0, 3).every((li) => li.dataset.outcome) && document.querySelectorAll('#seal-jobs li').length === n, count + 3, { timeout: STEP_TIMEOUT });
      await shot('several');
      const offered = await page.evaluate(() => [...document.querySelectorAll('#seal-jobs li')].slice(0, 3).map((li) => li.querySelector('a.download')?.download).reverse());
      return offered.join() === files.map((f) => `${f.name}.webkms`).join() ? '' : `offered: ${offered}`;
    });
    await check('the official AWS Encryption SDK for Node opens the file the page sealed, as the README tells backends to', async () => {
      const { decrypt } = buildClient(CommitmentPolicy.REQUIRE_ENCRYPT_REQUIRE_DECRYPT);
      // The name the README gives a backend: "<key id>/<version id>" of the version that sealed it.
      const { versions } = await text();
      const keyring = sdkRawKeyring({ keyNamespace: KEY_NAMESPACE, keyName: `vault/${versions[0]}`, bytes: TEST_KEY });
      const { plaintext: data, messageHeader } = await decrypt(keyring, fs.readFileSync(sealed));
      const hash = sha256(data);
      if (hash !== given.hash || messageHeader.encryptionContext.name !== NAME) return `SDK: SHA-256 ${hash}, context ${JSON.stringify(messageHeader.encryptionContext)}`;
      // The README's Python and Java snippets (not run here) name the key as this keyring does.
      return readmeProblem();
    });
    await check('an unsupported browser (not a secure context) is told so, every control disabled', async () => {
      const insecure = await context.newPage();
      await insecure.addInitScript(() => Object.defineProperty(window, 'isSecureContext', { value: false }));
      await insecure.goto(url, { timeout: STEP_TIMEOUT });
      await insecure.waitForSelector('#unsupported:not([hidden])', { timeout: STEP_TIMEOUT });
      await shot('unsupported', insecure);
      const { unsupported } = await insecure.evaluate(pageText);
      const enabled = await insecure.evaluate(() => [...document.querySelectorAll('button, input, select, textarea')].filter((c) => !c.disabled).length);
      await insecure.close();
      return unsupported.includes('secure context') && enabled === 0 ? '' : `${unsupported} (${enabled} controls enabled)`;
    });
  } finally {
    await close();
  }
}

// ── Firefox (Playwright) and WebKit (WebDriver), scripted in the page ──────────────────────────
// Neither reports downloads to its driver here (Playwright 1.64.1's download event did not fire for
// Firefox ESR over WebDriver BiDi; WebKitWebDriver has no such event): the files are made, handed
// to the inputs and hashed in the page.

/**
 * Firefox through Playwright: { version, run(fn, ...args), shot(state), load(), close() }. The page
 * is given no createWritable, as Safari before it had one: Firefox then writes through the sync
 * access handle worker (its createWritable path is the one Chromium's flow checks).
 */
async function firefoxPage(url) {
  const { browser, close } = await launchBrowser('firefox');
  try {
    const page = await (await browser.newContext({ viewport: { width: 1000, height: 900 } })).newPage();
    await page.addInitScript(() => { delete FileSystemFileHandle.prototype.createWritable; });
    return {
      run: (fn, ...args) => page.evaluate(([source, values]) => (0, eval)(`(${source})`)(...values), [String(fn), args]),
      shot: (file) => page.screenshot({ path: file, fullPage: true }),
      load: () => page.goto(url, { timeout: STEP_TIMEOUT }),
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}

/** WebKit through WebKitWebDriver, the same. */
async function webkitPage(url) {
  const { session, close } = await launchWebKit();
  return {
    run: (fn, ...args) => session.execute(`return (${fn})(...arguments);`, args, STEP_TIMEOUT),
    shot: async (file) => fs.writeFileSync(file, Buffer.from(await session.screenshot(), 'base64')),
    load: () => session.navigate(url),
    close,
  };
}

/** Hands a File made in the page by `make(...args)` to the file input `input`, as a pick does, then clicks `button`. */
function pickAndPress(make, input, button) {
  return `async (...args) => {
    const file = await (${make})(...args);
    const transfer = new DataTransfer();
    transfer.items.add(file);
    const input = document.getElementById(${JSON.stringify(input)});
    input.files = transfer.files;
    input.dispatchEvent(new Event('change', { bubbles: true }));
    await new Promise((resolve) => setTimeout(resolve, 200));
    document.getElementById(${JSON.stringify(button)}).click();
  }`;
}

/** SHA-256 of what the newest job of `list` offers for download, hashed in the page. */
async function offeredHash(list) {
  const blob = await (await fetch(document.querySelector(`#${list} li a.download`).href)).blob();
  return [...new Uint8Array(await crypto.subtle.digest('SHA-256', await blob.arrayBuffer()))].map((b) => b.toString(16).padStart(2, '0')).join('');
}

/**
 * Creates a key (extractable in Firefox, to export it; not in WebKit, to see the export refused),
 * seals the generated file, reloads, rotates, opens, and opens a flipped copy; `output` is the
 * output (examples/vault/output.mjs) that must write every file, `note` what the page says of it.
 */
async function inPageFlow(tab, { extractable, output, note }, given, out, check) {
  const { Keyring } = given.webkms;
  let shots = 0;
  /** A screenshot, with `selector` (what the state is about) scrolled into view: WebKit's show the viewport only. */
  const shot = async (state, selector) => {
    if (selector) await tab.run((s) => document.querySelector(s)?.scrollIntoView({ block: 'center' }), selector);
    await tab.shot(path.join(out, `${String(++shots).padStart(2, '0')}-${state}.png`));
  };
  const waitIn = (fn, what, ...args) => waitFor(() => tab.run(fn, ...args), { timeoutMs: STEP_TIMEOUT, what });
  const load = async () => {
    await tab.load();
    await waitIn(() => document.body.dataset.ready === 'true', 'the vault page');
  };
  /** Runs `action`, then waits for the job it adds to `list` to end. */
  const job = async (list, action) => {
    const count = await tab.run((l) => document.querySelectorAll(`#${l} li`).length, list);
    await action();
    return waitIn(lastJob, `the ${list} job`, [list, count + 1]);
  };
  try {
    await load();
    await shot('ready');
    const keyOk = await check(`creates a key (${extractable ? 'extractable, for backups' : 'non-extractable'})`, async () => {
      await tab.run((allow) => {
        document.getElementById('extractable').checked = allow;
        document.getElementById('create-key').click();
      }, extractable);
      await waitIn(() => !document.getElementById('key-info').hidden, 'the key panel');
      return (await tab.run(pageText)).keyId === 'vault' ? '' : 'no key "vault" in the key panel';
    });
    await shot('key');
    if (!keyOk) return;

    const sealedOk = await check('seals the 32 MiB file (made in the page) with progress, through the output expected (the page says which and why); what it offers is hashed in the page', async () => {
      await tab.run(watchProgress);
      const make = `(size, seed, name) => new File([(${plaintext})(size, seed)], name)`;
      const done = await job('seal-jobs', () => tab.run(pickAndPress(make, 'seal-files', 'seal'), SIZE, SEED, NAME));
      await shot('sealed', '#seal-jobs li');
      if (done.outcome !== 'done' || done.download !== `${NAME}.webkms` || done.output !== output) return `sealing (expected the ${output} output): ${JSON.stringify(done)}`;
      const { outputNote } = await tab.run(pageText);
      if (!outputNote.includes(note)) return `the page says "${outputNote}", not "${note}"`;
      if (!/MiB of 32\.0 MiB · [\d.]+ MB\/s/.test(done.message)) return `no bytes and MB/s in "${done.message}"`;
      const problem = progressProblem(await tab.run(() => window.__vaultProgress), SIZE);
      if (problem) return problem;
      // Kept across the reload in a database of the test's own: the page's Blob dies with it.
      await tab.run(`async () => (${stash})(await (await (await fetch(document.querySelector('#seal-jobs li a.download').href)).blob()).arrayBuffer())`);
      return '';
    });
    if (!sealedOk) return;

    await load();
    await check('after the reload: the key is there; it rotates', async () => {
      if ((await tab.run(pageText)).keyId !== 'vault') return 'the key is gone after the reload';
      await tab.run(() => document.getElementById('rotate').click());
      await waitIn(() => document.querySelectorAll('#key-versions tr').length === 2, 'the second version');
      return '';
    });

    await check('shows the header, then opens the file sealed before the rotation to the same bytes', async () => {
      await tab.run(watchProgress);
      const fromStash = `async (name) => new File([await (${stash})()], name)`;
      const done = await job('open-jobs', () => tab.run(pickAndPress(fromStash, 'open-file', 'open'), `${NAME}.webkms`));
      await shot('opened', '#open-jobs li');
      const { header } = await tab.run(pageText);
      if (!header.includes(`name="${NAME}"`) || !header.includes(`${KEY_NAMESPACE} / vault/`)) return `header: ${header}`;
      if (done.outcome !== 'done' || done.output !== output) return `opening (expected the ${output} output): ${JSON.stringify(done)}`;
      const total = await tab.run(`async () => (await (${stash})()).byteLength`);
      const problem = progressProblem(await tab.run(() => window.__vaultProgress), total);
      if (problem) return problem;
      const hash = await tab.run(offeredHash, 'open-jobs');
      return hash === given.hash ? '' : `SHA-256 ${hash}, expected ${given.hash}`;
    });

    await check('a one-byte-flipped file: the tampering message, no download, nothing left behind', async () => {
      const flip = `async (name, at) => {
        const bytes = new Uint8Array(await (${stash})());
        bytes[at] ^= 1;
        return new File([bytes], name);
      }`;
      const before = await tab.run(privateLeftovers);
      const done = await job('open-jobs', () => tab.run(pickAndPress(flip, 'open-file', 'open'), `tampered-${NAME}.webkms`, FLIP_AT));
      await shot('tampered', '#open-jobs li');
      const after = await tab.run(privateLeftovers);
      if (done.outcome !== 'failed' || !done.message.startsWith('Tampered') || done.download || done.output !== output) return JSON.stringify(done);
      return after.length === before.length ? '' : `the private file system holds ${after.length} outputs, ${before.length} before`;
    });
    await tab.run(() => new Promise((resolve) => { indexedDB.deleteDatabase('vault-test').onsuccess = resolve; }));

    await check(extractable ? 'exports a passphrase bundle that webkms imports in Node, both versions in it' : 'refuses to export the non-extractable key, and says why', async () => {
      await tab.run((passphrase) => {
        document.getElementById('export-passphrase').value = passphrase;
        document.getElementById('export-bundle').click();
      }, PASSPHRASE);
      await waitIn(() => /ready|failed/.test(document.getElementById('status').textContent), 'the export');
      await shot('export', '#export-form');
      const { status } = await tab.run(pageText);
      if (!extractable) return status.includes('non-extractable') ? '' : status;
      const bundle = await tab.run(async () => (await fetch(document.querySelector('#export-result a').href)).text());
      const restored = await Keyring.importKeys(bundle, { passphrase: PASSPHRASE });
      const versions = restored.describeKey('vault').versions.length;
      return versions === 2 ? '' : `the bundle's key has ${versions} versions`;
    });
  } finally {
    await tab.close();
  }
}

// ── the row ───────────────────────────────────────────────────────────────────────────────────

/** Every check in every browser: { version, passed, failed, skipped, failures, skips }. */
export async function runVault(out, log) {
  const result = { version: 'Chromium, Firefox, WebKit', passed: 0, failed: 0, skipped: 0, failures: [], skips: [] };
  const versions = [];
  fs.rmSync(out, { recursive: true, force: true });
  fs.mkdirSync(out, { recursive: true });
  const dist = path.join(out, 'dist');
  const webkms = await buildLibrary(dist);
  const given = { ...(await makeFiles(out, webkms)), webkms };
  const server = await serveVault({ dist });
  try {
    for (const browser of BROWSERS) {
      const check = recorder(result, browser, log);
      const needs = browser === 'webkit' ? webkitNeeds() : await playwrightNeeds(browser);
      const missing = needs.files.filter((file) => !fs.existsSync(file));
      if (missing.length) {
        const why = `missing ${missing.join(', ')} (as root: apt-get install -y ${needs.apt.join(' ')})`;
        if (CI) await check('the browser runs (CI=true requires it)', () => why);
        else { result.skipped++; result.skips.push({ name: `vault ${browser}`, why }); }
        continue;
      }
      const dir = path.join(out, browser);
      fs.mkdirSync(dir, { recursive: true });
      log(`vault: ${browser}`);
      const started = performance.now();
      const flow = browser === 'chromium'
        ? chromiumFlow(server.url, given, dir, check)
        : (browser === 'firefox' ? firefoxPage(server.url) : webkitPage(server.url)).then((tab) => inPageFlow(tab, OUTPUTS[browser], given, dir, check));
      await check('the flow ends', () => withTimeout(flow, BROWSER_TIMEOUT, `the ${browser} flow`).then(() => ''));
      versions.push(`${browser} ${Math.round((performance.now() - started) / 100) / 10} s`);
    }
  } finally {
    await server.close();
  }
  result.version = versions.join(', ');
  return result;
}
