// The vault page: wires the key panel (keys.mjs), sealing and opening (the library's sealStream,
// openStream and readHeader), the outputs (output.mjs) and progress (progress.mjs) to the form.
import { openStream, readHeader, sealStream } from '/dist/index.js';
import { KEY_NAMESPACE, keyNameOf, openVaultKeys } from './keys.mjs';
import { clearPrivateOutput, createOutput, describeError, memoryReason, outputKinds, pickDirectory } from './output.mjs';
import { formatBytes, sliceStream, trackProgress } from './progress.mjs';

const $ = (id) => document.getElementById(id);
const SUFFIX = '.webkms';
// A message header is read from the file's first bytes; no header the vault writes comes near this.
const HEADER_PREFIX = 1024 * 1024;

// The File System Access picker was dismissed (or, headless, could not be shown).
const NOT_SAVED = 'Nothing written: no place to save it was chosen.';

const status = (text) => { $('status').textContent = text; };

/** What this browser lacks of what the vault needs (empty when it has everything). */
function missingFeatures() {
  const missing = [];
  if (!globalThis.isSecureContext) missing.push('a secure context: open the page over https:// or from http://127.0.0.1 (npm run vault), not from file://');
  if (!globalThis.crypto?.subtle) missing.push('WebCrypto (crypto.subtle)');
  if (typeof TransformStream !== 'function' || typeof WritableStream !== 'function' || typeof ReadableStream !== 'function') missing.push('Web Streams (ReadableStream, TransformStream, WritableStream)');
  if (!globalThis.indexedDB) missing.push('IndexedDB, where the key is kept');
  return missing;
}

// ── jobs: one list item per file, with its progress and its outcome ────────────────────────────

function addJob(list, title) {
  const item = document.createElement('li');
  item.className = 'job';
  const name = Object.assign(document.createElement('p'), { className: 'name', textContent: title });
  const bar = Object.assign(document.createElement('progress'), { max: 1, value: 0 });
  bar.setAttribute('aria-label', `Progress of ${title}`);
  const text = Object.assign(document.createElement('p'), { className: 'message' });
  text.setAttribute('aria-live', 'polite');
  item.append(name, bar, text);
  list.prepend(item);
  return {
    bar,
    text,
    /** Which output writes it (output.mjs), for the curious and the tests. */
    output(kind) { item.dataset.output = kind; },
    succeed(message, file) {
      item.dataset.outcome = 'done';
      text.textContent = message;
      if (file) {
        const link = Object.assign(document.createElement('a'), { href: URL.createObjectURL(file), download: file.name, textContent: `Download ${file.name} (${formatBytes(file.size)})` });
        link.className = 'download';
        item.append(link);
      }
    },
    fail(message) {
      item.dataset.outcome = 'failed';
      text.setAttribute('role', 'alert');
      text.textContent = message;
    },
  };
}

/**
 * `input` through `transform` into a new output `name` of `kind`, with progress: the written File
 * (null when written in place). On any failure the output is discarded before the error is rethrown.
 */
async function pump(input, transform, job, verb, kind, name, directory) {
  job.output(kind);
  const output = await createOutput(kind, name, { directory });
  const progress = trackProgress(input.size, job.bar, job.text, verb);
  try {
    await sliceStream(input).pipeThrough(progress.stream).pipeThrough(transform).pipeTo(output.writable);
    return { file: await output.finish(), line: progress.done() };
  } catch (error) {
    await output.discard();
    throw error;
  }
}

// ── the key panel ──────────────────────────────────────────────────────────────────────────────

let vault;
let currentKeyId;

function renderKeys() {
  const ids = vault.keyIds();
  if (!ids.includes(currentKeyId)) currentKeyId = ids[0];
  $('key-info').hidden = !currentKeyId;
  $('create-form').hidden = Boolean(currentKeyId);
  $('key-choice').hidden = ids.length < 2;
  $('key-select').replaceChildren(...ids.map((id) => new Option(id, id, false, id === currentKeyId)));
  if (!currentKeyId) return;
  const key = vault.describe(currentKeyId);
  $('key-id').textContent = key.keyId;
  $('key-arn').textContent = key.arn;
  $('key-origin').textContent = key.origin === 'EXTERNAL' ? 'imported' : 'made in this browser';
  $('key-extractable').textContent = key.extractable ? 'yes: it can go in a backup bundle' : 'no: WebCrypto never reveals it (no backup bundle)';
  $('key-versions').replaceChildren(...key.versions.map((version) => {
    const row = document.createElement('tr');
    for (const text of [version.versionId, `${KEY_NAMESPACE} / ${keyNameOf(key.keyId, version.versionId)}`, version.creationDate.toLocaleString(), version.primary ? 'yes' : '']) {
      row.append(Object.assign(document.createElement('td'), { textContent: text }));
    }
    return row;
  }));
}

/** Runs a key panel action, then shows the keys again and says what happened. */
async function keyAction(what, action) {
  try {
    status(`${what}…`);
    const done = await action();
    renderKeys();
    status(done);
  } catch (error) {
    status(`${what} failed: ${describeError(error)}`);
  }
}

function wireKeyPanel() {
  $('key-select').addEventListener('change', () => { currentKeyId = $('key-select').value; renderKeys(); });
  $('create-form').addEventListener('submit', (event) => {
    event.preventDefault();
    const keyId = $('new-key-id').value;
    keyAction('Creating the master key', async () => {
      await vault.create(keyId, { extractable: $('extractable').checked });
      currentKeyId = keyId;
      return `Master key ${keyId} created and stored in this browser.`;
    });
  });
  $('jwk-form').addEventListener('submit', (event) => {
    event.preventDefault();
    const keyId = $('jwk-key-id').value;
    keyAction('Importing the JWK', async () => {
      let jwk;
      try { jwk = JSON.parse($('jwk').value); } catch { throw new Error('the JWK is not JSON'); }
      await vault.importJwk(keyId, jwk);
      currentKeyId = keyId;
      $('jwk').value = ''; // the key is in the store now; do not leave its bytes in the form
      return `Key ${keyId} imported (non-extractable) and stored in this browser.`;
    });
  });
  $('bundle-form').addEventListener('submit', (event) => {
    event.preventDefault();
    keyAction('Importing the bundle', async () => {
      const text = await $('bundle-file').files[0].text();
      const imported = await vault.importBundle(text, $('bundle-passphrase').value);
      currentKeyId = imported[0]?.keyId ?? currentKeyId;
      $('bundle-passphrase').value = '';
      return `Imported ${imported.map((key) => key.keyId).join(', ')} from the bundle.`;
    });
  });
  $('rotate').addEventListener('click', () => keyAction('Rotating the key', async () => {
    const { versionId } = await vault.rotate(currentKeyId);
    return `Key ${currentKeyId} rotated: new files use version ${versionId}; files sealed before still open.`;
  }));
  $('export-form').addEventListener('submit', (event) => {
    event.preventDefault();
    keyAction('Exporting a backup bundle', async () => {
      if (!vault.describe(currentKeyId).extractable) {
        throw new Error(`key ${currentKeyId} is non-extractable: WebCrypto never reveals it, so no bundle can hold it. Keys created with "Allow backups" can be exported.`);
      }
      const bundle = await vault.exportBundle(currentKeyId, $('export-passphrase').value);
      $('export-passphrase').value = '';
      const file = new File([bundle], `${currentKeyId}.bundle.json`, { type: 'application/json' });
      const link = Object.assign(document.createElement('a'), { href: URL.createObjectURL(file), download: file.name, textContent: `Download ${file.name}` });
      $('export-result').replaceChildren(link);
      return `Backup bundle of ${currentKeyId} ready: keep it and its passphrase apart.`;
    });
  });
}

// ── sealing ────────────────────────────────────────────────────────────────────────────────────

const ASK_LOCATION = 'webkms-vault:ask-location';

// The outputs this browser can write, best first (output.mjs), found at the start.
let kinds;

const chosenKind = () => (kinds[0] === 'picker' && !$('ask-location').checked ? kinds[1] : kinds[0]);

async function sealFiles(files) {
  if (!currentKeyId) {
    status('No master key: create or import one first.');
    return;
  }
  const kind = chosenKind();
  let directory;
  try {
    // Asked first, while the click still counts as the user's: one folder for several files.
    if (kind === 'picker' && files.length > 1) directory = await pickDirectory();
  } catch (error) {
    status(`Nothing sealed: ${describeError(error)}`);
    return;
  }
  const keyId = currentKeyId;
  let sealed = 0;
  for (const file of files) {
    const name = file.name + SUFFIX;
    const job = addJob($('seal-jobs'), name);
    try {
      const keyring = await vault.primaryKeyring(keyId);
      const encryptionContext = { name: file.name };
      const { file: output, line } = await pump(file, sealStream(keyring, { encryptionContext }), job, 'Sealing', kind, name, directory);
      job.succeed(`${line}. Sealed under ${keyring.keyNamespace} / ${keyring.keyName}, context name=${JSON.stringify(file.name)}${output ? '' : ', saved where you chose'}.`, output);
      sealed++;
    } catch (error) {
      job.fail(error?.name === 'AbortError' ? NOT_SAVED : `Not sealed: ${describeError(error)}. Nothing was kept of it.`);
    }
  }
  status(`${sealed} of ${files.length} file(s) sealed.`);
}

// ── opening ────────────────────────────────────────────────────────────────────────────────────

/** The header of a sealed file, or undefined (and a message) when it is not one. */
async function headerOf(file) {
  try {
    return readHeader(await file.slice(0, HEADER_PREFIX).arrayBuffer());
  } catch (error) {
    status(`${file.name} is not a sealed file (no AWS Encryption SDK message header): ${describeError(error)}`);
    return undefined;
  }
}

function showHeader(header, held) {
  const fields = [
    ['Keys', header.encryptedDataKeys.map((key) => `${key.providerId} / ${key.providerInfo}`).join('; ')],
    ['In this vault', held.length ? `yes (${held.join(', ')})` : 'no: import the key it was sealed under'],
    ['Suite', `${header.algorithmSuite} (0x${header.algorithmSuiteId.toString(16).padStart(4, '0')})`],
    ['Frame size', formatBytes(header.frameSize)],
    ['Encryption context', Object.entries(header.encryptionContext).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(', ') || '(none)'],
  ];
  $('header-fields').replaceChildren(...fields.flatMap(([term, value]) => [
    Object.assign(document.createElement('dt'), { textContent: term }),
    Object.assign(document.createElement('dd'), { textContent: value }),
  ]));
  $('header-info').hidden = false;
}

async function inspect(file) {
  $('header-info').hidden = true;
  const header = await headerOf(file);
  if (!header) return undefined;
  const keyNames = header.encryptedDataKeys.filter((key) => key.providerId === KEY_NAMESPACE && key.rawAes).map((key) => key.rawAes.keyName);
  const keyrings = await vault.keyringsFor(keyNames);
  showHeader(header, keyrings.map((keyring) => keyring.keyName));
  status(`Header of ${file.name} read.`);
  return { header, keyNames, keyrings };
}

async function openFile(file) {
  const inspected = await inspect(file);
  if (!inspected) return;
  const { header, keyNames, keyrings } = inspected;
  const name = file.name.endsWith(SUFFIX) && file.name.length > SUFFIX.length ? file.name.slice(0, -SUFFIX.length) : `${file.name}.opened`;
  const job = addJob($('open-jobs'), name);
  if (keyrings.length === 0) {
    const names = header.encryptedDataKeys.map((key) => `${key.providerId} / ${key.providerInfo}`).join('; ');
    job.fail(`Missing key: ${file.name} was sealed under ${names || 'no key'}, which this vault does not hold${keyNames.length ? '' : ` (not a ${KEY_NAMESPACE} key)`}. Import that key (JWK or bundle) to open it.`);
    return;
  }
  const kind = chosenKind();
  try {
    const { file: output, line } = await pump(file, openStream(keyrings), job, 'Opening', kind, name);
    const context = Object.entries(header.encryptionContext).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(', ');
    job.succeed(`${line}. Opened and authenticated, context ${context || '(none)'}${output ? '' : ', saved where you chose'}.`, output);
    status(`${file.name} opened.`);
  } catch (error) {
    const tampered = error?.name === 'InvalidCiphertextException';
    job.fail(tampered
      ? `Tampered or damaged: ${file.name} does not authenticate (${error.message}). What was already written has been deleted; the file is not offered.`
      : error?.name === 'AbortError' ? NOT_SAVED : `Not opened: ${describeError(error)}. What was already written has been deleted.`);
    status(`${file.name} was not opened.`);
  }
}

// ── start ──────────────────────────────────────────────────────────────────────────────────────

function wireFiles(why) {
  document.body.dataset.output = kinds[0];
  $('ask-location-row').hidden = kinds[0] !== 'picker';
  // The choice is remembered: unticked once, the picker stays away after a reload.
  $('ask-location').checked = localStorage.getItem(ASK_LOCATION) !== 'no';
  $('ask-location').addEventListener('change', () => localStorage.setItem(ASK_LOCATION, $('ask-location').checked ? 'yes' : 'no'));
  $('output-note').textContent = {
    picker: 'Files are written straight to disk where you choose (or, unticked, kept in the browser\'s private storage and offered as a download).',
    private: 'Files are written to the browser\'s private storage on disk as they are sealed, then offered as a download.',
    worker: 'Files are written to the browser\'s private storage on disk as they are sealed (by a worker), then offered as a download.',
    memory: `This browser lets this page write no file, not even in its private storage: ${why}. Each output is collected in memory before it is offered, so very large files may not fit.`,
  }[kinds[0]];
  $('seal-form').addEventListener('submit', (event) => {
    event.preventDefault();
    sealFiles([...$('seal-files').files]);
  });
  $('open-file').addEventListener('change', () => { const file = $('open-file').files[0]; if (file) inspect(file); });
  $('open-form').addEventListener('submit', (event) => {
    event.preventDefault();
    openFile($('open-file').files[0]);
  });
  for (const [panel, drop] of [['seal-panel', (files) => sealFiles(files)], ['open-panel', (files) => files.forEach(openFile)]]) {
    $(panel).addEventListener('dragover', (event) => { event.preventDefault(); $(panel).classList.add('over'); });
    $(panel).addEventListener('dragleave', () => $(panel).classList.remove('over'));
    $(panel).addEventListener('drop', (event) => {
      event.preventDefault();
      $(panel).classList.remove('over');
      drop([...(event.dataTransfer?.files ?? [])]);
    });
  }
}

async function start() {
  const missing = missingFeatures();
  if (missing.length) {
    $('unsupported').hidden = false;
    $('unsupported').textContent = `This browser cannot run the vault. It lacks: ${missing.join('; ')}.`;
    for (const control of document.querySelectorAll('input, button, select, textarea')) control.disabled = true;
    status('Unsupported browser.');
    return;
  }
  let why;
  try {
    vault = await openVaultKeys();
    kinds = await outputKinds();
    why = await memoryReason();
    await clearPrivateOutput();
  } catch (error) {
    status(`The key store did not open: ${describeError(error)}`);
    return;
  }
  wireKeyPanel();
  wireFiles(why);
  renderKeys();
  document.body.dataset.ready = 'true';
  status(currentKeyId ? `Ready: master key ${currentKeyId}.` : 'Ready: create or import a master key.');
}

start();
