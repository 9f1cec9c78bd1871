// Every way a message can be wrong is an InvalidCiphertextException, raised before the plaintext
// it would affect is released: flipped bits, truncation (at frame boundaries too), reordered,
// dropped or repeated frames, a swapped header, trailing bytes, a wrong or missing required
// context, a commitment mismatch, a bad signature. Streams error, and never end normally.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { KmsError, RawAesKeyring, open, openStream, readHeader, seal, sealStream } from '../src/index.ts';
import { crypto, engine } from './support/env.mjs';
import { rejects, sameBytes, testKeyBytes } from './support/helpers.mjs';
import { scaled } from './support/scale.mjs';
import { plaintext } from './fixtures/esdk/keys.mjs';
import { derToIntegers, integersToRaw, rawToDer } from '../src/envelope/footer.ts';

const FRAME = 64;
const DATA = plaintext(3 * FRAME + 8, 42); // three full frames and a final frame of 8 bytes
const CONTEXT = { tenant: 'acme' };
// Engines with slow WebCrypto calls (browsers, workerd, the JavaScript one) flip every third byte.
const STRIDE = ['node', 'deno', 'bun', 'direct'].includes(engine) ? 1 : 3;

const keyring = new RawAesKeyring({ keyNamespace: 'webkms-test', keyName: 'tamper', material: testKeyBytes(32), crypto });
const sealedWith = (algorithmSuite, data = DATA) => seal(keyring, data, { algorithmSuite, frameSize: FRAME, encryptionContext: CONTEXT });

/** Where each frame starts and ends, and where the body ends. */
function layout(message) {
  const { headerLength } = readHeader(message);
  const frames = [];
  let at = headerLength;
  for (;;) {
    const final = message[at] === 255 && message[at + 1] === 255 && message[at + 2] === 255 && message[at + 3] === 255;
    const length = final ? 4 + 4 + 12 + 4 + new DataView(message.buffer, message.byteOffset).getUint32(at + 20) + 16 : 4 + 12 + FRAME + 16;
    frames.push(message.subarray(at, at + length));
    at += length;
    if (final) return { header: message.subarray(0, headerLength), frames, end: at };
  }
}

/** Opens `message` through openStream in `chunk`-byte pieces: what was released, and how it ended. */
async function streamOpen(message, chunk = 50) {
  const released = [];
  let error;
  let closed = false;
  const input = new ReadableStream({
    start(c) {
      for (let i = 0; i < message.length; i += chunk) c.enqueue(message.slice(i, i + chunk));
      c.close();
    },
  });
  try {
    await input.pipeThrough(openStream(keyring)).pipeTo(new WritableStream({ write: (c) => void released.push(c), close: () => void (closed = true) }));
  } catch (caught) {
    error = caught;
  }
  const bytes = new Uint8Array(released.reduce((n, c) => n + c.length, 0));
  let o = 0;
  for (const c of released) bytes.set(c, (o += c.length) - c.length);
  return { released: bytes, error, closed };
}

function assertStreamFailed(result, what) {
  assert.ok(result.error instanceof KmsError, `${what}: the stream errors with a KmsError, not ${result.error}`);
  assert.is(result.error.name, 'InvalidCiphertextException', `${what}: ${result.error.message}`);
  assert.not.ok(result.closed, `${what}: the stream never ends normally`);
  const whole = result.released.length % FRAME === 0 || result.released.length === DATA.length;
  assert.ok(whole && sameBytes(result.released, DATA.subarray(0, result.released.length)), `${what}: only whole authentic frames were released`);
}

const flips = suite('flipped bits');

for (const algorithmSuite of [0x0478, 0x0578]) {
  flips(`0x0${algorithmSuite.toString(16)}: a bit flipped in any byte makes open fail`, async () => {
    const message = await sealedWith(algorithmSuite);
    assert.ok(sameBytes(await open(keyring, message), DATA));
    for (let i = 0; i < message.length; i += STRIDE) {
      const bad = message.slice();
      bad[i] ^= 1 << (i % 8);
      await rejects(open(keyring, bad), 'InvalidCiphertextException');
    }
  });

  flips(`0x0${algorithmSuite.toString(16)}: through openStream, a flipped bit errors the stream after the frames before it`, async () => {
    const message = await sealedWith(algorithmSuite);
    const { frames, header } = layout(message);
    const positions = [1, header.length - 1, header.length + 30, frames[2].byteOffset + 40, frames[3].byteOffset + 21, message.length - 1];
    for (const i of positions) {
      const bad = message.slice();
      bad[i] ^= 0x80;
      assertStreamFailed(await streamOpen(bad), `byte ${i}`);
    }
  });
}

flips('a flipped bit in the key commitment is named as a commitment mismatch', async () => {
  const message = await sealedWith(0x0478);
  const { header } = layout(message);
  const bad = message.slice();
  bad[header.length - 16 - 1] ^= 1;
  await rejects(open(keyring, bad), 'InvalidCiphertextException', /commitment/);
});

flips('an encrypted data key of another data key fails the key commitment, so a message cannot open differently per recipient', async () => {
  const other = new RawAesKeyring({ keyNamespace: 'webkms-test', keyName: 'recipient-b', material: testKeyBytes(32, 7), crypto });
  const first = await seal([keyring, other], DATA, { frameSize: FRAME, encryptionContext: CONTEXT });
  const second = await seal([keyring, other], DATA, { frameSize: FRAME, encryptionContext: CONTEXT });
  // Both headers have the same layout: the second encrypted data key (recipient b's) starts at the same offset.
  const [edkA] = readHeader(first).encryptedDataKeys;
  const contextLength = new DataView(first.buffer).getUint16(1 + 2 + 32);
  const start = 1 + 2 + 32 + 2 + contextLength + 2 + 6 + new TextEncoder().encode(edkA.providerId).length + edkA.rawInfo.length + edkA.ciphertext.length;
  const edkB = readHeader(second).encryptedDataKeys[1];
  const length = 6 + new TextEncoder().encode(edkB.providerId).length + edkB.rawInfo.length + edkB.ciphertext.length;
  const forged = first.slice();
  forged.set(second.subarray(start, start + length), start);
  assert.ok(sameBytes(await open(other, first), DATA), 'recipient b opens the genuine message');
  await rejects(open(other, forged), 'InvalidCiphertextException', /commitment/);
  await rejects(open(keyring, forged), 'InvalidCiphertextException', /header failed authentication/);
});

flips('a flipped bit in the header tag fails header authentication', async () => {
  const message = await sealedWith(0x0478);
  const bad = message.slice();
  bad[layout(message).header.length - 1] ^= 1;
  await rejects(open(keyring, bad), 'InvalidCiphertextException', /header failed authentication/);
  // The frames are intact and decrypt while the header tag is checked: none may come out.
  const streamed = await streamOpen(bad, bad.length);
  assertStreamFailed(streamed, 'header tag');
  assert.match(streamed.error.message, /header failed authentication/);
  assert.is(streamed.released.length, 0, 'no frame released before the header verified');
});

flips('changing the suite between 0x0478 and 0x0578 (one bit) fails', async () => {
  for (const algorithmSuite of [0x0478, 0x0578]) {
    const bad = (await sealedWith(algorithmSuite)).slice();
    bad[2] ^= 1;
    await rejects(open(keyring, bad), 'InvalidCiphertextException');
  }
});

const cuts = suite('truncation and trailing bytes');

for (const algorithmSuite of [0x0478, 0x0578]) {
  cuts(`0x0${algorithmSuite.toString(16)}: every truncation fails, at frame boundaries too`, async () => {
    const message = await sealedWith(algorithmSuite);
    for (let length = 0; length < message.length; length += STRIDE) {
      await rejects(open(keyring, message.subarray(0, length)), 'InvalidCiphertextException');
    }
    const { frames } = layout(message);
    for (const frame of frames) {
      await rejects(open(keyring, message.subarray(0, frame.byteOffset - message.byteOffset)), 'InvalidCiphertextException', /truncated/);
    }
  });

  cuts(`0x0${algorithmSuite.toString(16)}: a streamed open of a message cut anywhere errors and never ends normally`, async () => {
    const message = await sealedWith(algorithmSuite);
    const { frames, end } = layout(message);
    const cutsAt = [0, 10, ...frames.map((f) => f.byteOffset - message.byteOffset), frames[3].byteOffset - message.byteOffset + 5, end, message.length - 1];
    for (const length of cutsAt) {
      if (length >= message.length) continue;
      const result = await streamOpen(message.slice(0, length), 17);
      assertStreamFailed(result, `cut at ${length}`);
      assert.match(result.error.message, /truncated|signature/);
    }
  });

  cuts(`0x0${algorithmSuite.toString(16)}: bytes after the end fail, a second message appended too`, async () => {
    const message = await sealedWith(algorithmSuite);
    const other = await sealedWith(algorithmSuite);
    for (const extra of [Uint8Array.of(0), message.subarray(0, 100), other]) {
      const joined = new Uint8Array(message.length + extra.length);
      joined.set(message);
      joined.set(extra, message.length);
      await rejects(open(keyring, joined), 'InvalidCiphertextException', /after its end/);
      assertStreamFailed(await streamOpen(joined), 'trailing bytes');
    }
  });
}

const frames = suite('frames moved, dropped, repeated, headers swapped');

/** A message made of the header and these frames. */
const assemble = (parts) => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) out.set(p, (o += p.length) - p.length);
  return out;
};

frames('reordered, dropped or duplicated frames fail, one-shot and streamed', async () => {
  const message = await sealedWith(0x0478);
  const { header, frames: f } = layout(message);
  const variants = {
    'frames 2 and 3 swapped': [header, f[0], f[2], f[1], f[3]],
    'frame 2 dropped': [header, f[0], f[2], f[3]],
    'frame 2 repeated': [header, f[0], f[1], f[1], f[2], f[3]],
    'final frame dropped': [header, f[0], f[1], f[2]],
    'final frame moved first': [header, f[3], f[0], f[1], f[2]],
    'no frames': [header],
  };
  for (const [name, parts] of Object.entries(variants)) {
    const bad = assemble(parts);
    await rejects(open(keyring, bad), 'InvalidCiphertextException');
    assertStreamFailed(await streamOpen(bad), name);
  }
});

frames('a frame renumbered to its new place fails authentication: the number is bound to the content', async () => {
  const message = await sealedWith(0x0478);
  const { header, frames: f } = layout(message);
  const moved = [f[1].slice(), f[0].slice()];
  for (const [i, frame] of moved.entries()) {
    new DataView(frame.buffer).setUint32(0, i + 1);
    new DataView(frame.buffer).setUint32(12, i + 1);
  }
  await rejects(open(keyring, assemble([header, ...moved, f[2], f[3]])), 'InvalidCiphertextException', /frame 1 .*failed authentication/);
});

frames("a message's header on another message's body fails", async () => {
  const a = layout(await sealedWith(0x0478));
  const b = layout(await sealedWith(0x0478));
  await rejects(open(keyring, assemble([a.header, ...b.frames])), 'InvalidCiphertextException', /frame 1/);
});

frames('a frame of another message with the same key fails', async () => {
  const a = layout(await sealedWith(0x0478));
  const b = layout(await sealedWith(0x0478));
  await rejects(open(keyring, assemble([a.header, a.frames[0], b.frames[1], a.frames[2], a.frames[3]])), 'InvalidCiphertextException', /frame 2/);
});

const signatures = suite('signatures');

signatures('a changed signature, another message’s signature or a missing footer fails', async () => {
  const message = await sealedWith(0x0578);
  const other = await sealedWith(0x0578);
  const { end } = layout(message);
  const bad = message.slice();
  bad[bad.length - 1] ^= 1;
  await rejects(open(keyring, bad), 'InvalidCiphertextException', /signature/);
  const swapped = assemble([message.subarray(0, end), other.subarray(layout(other).end)]);
  await rejects(open(keyring, swapped), 'InvalidCiphertextException', /signature/);
  await rejects(open(keyring, message.subarray(0, end)), 'InvalidCiphertextException', /truncated/);
  const streamed = await streamOpen(swapped);
  // Frames may be released before the footer is checked (documented); then the stream errors.
  assertStreamFailed(streamed, 'swapped signature');
  assert.match(streamed.error.message, /signature/);
});

signatures('a second DER encoding of the same signature (long-form length, padded INTEGER) fails', async () => {
  const message = await sealedWith(0x0578);
  const { end } = layout(message);
  const der = message.subarray(end + 2);
  const withFooter = (signature) => assemble([message.subarray(0, end), Uint8Array.of(signature.length >> 8, signature.length & 255), signature]);
  // the genuine footer, rebuilt, opens: the rebuilding is right
  assert.ok(sameBytes(await open(keyring, withFooter(der)), DATA));
  const longForm = assemble([Uint8Array.of(0x30, 0x81), der.subarray(1)]);
  await rejects(open(keyring, withFooter(longForm)), 'InvalidCiphertextException', /signature/);
  // r gets a redundant zero byte in front (valid BER, not DER)
  const rLength = der[3];
  const padded = assemble([Uint8Array.of(0x30, der[1] + 1, 0x02, rLength + 1, 0x00), der.subarray(4)]);
  await rejects(open(keyring, withFooter(padded)), 'InvalidCiphertextException', /signature/);
  assertStreamFailed(await streamOpen(withFooter(padded)), 'padded INTEGER');
});

const N = 0xffffffffffffffffffffffffffffffffffffffffffffffffc7634d81f4372ddf581a0db248b0a77aecec196accc52973n;

/** `message` with its footer's signature (r, s) replaced by (r, n − s), which verifies as well. */
function otherS(message) {
  const { end } = layout(message);
  const [r, s] = derToIntegers(message.subarray(end + 2));
  const der = rawToDer(integersToRaw([r, N - s]));
  return assemble([message.subarray(0, end), Uint8Array.of(der.length >> 8, der.length & 255), der]);
}

signatures('every signature webkms writes has the low s (s ≤ n / 2), the one of (r, s) and (r, n − s) it writes', async () => {
  const count = scaled(40, 16);
  for (let i = 0; i < count; i++) {
    const message = await sealedWith(0x0578, DATA.subarray(0, i));
    const [, s] = derToIntegers(message.subarray(layout(message).end + 2));
    assert.ok(s <= N / 2n, `message ${i}: s is high`);
  }
});

signatures('a high-s signature still opens, on purpose: the official SDKs write them, and it changes no plaintext, context or key', async () => {
  const message = await sealedWith(0x0578);
  const variant = otherS(message);
  assert.not.ok(sameBytes(variant, message), 'another message, byte for byte');
  assert.ok(sameBytes(readHeader(variant).messageId, readHeader(message).messageId), 'with the same header and message id');
  assert.ok(sameBytes(await open(keyring, variant), DATA));
  const streamed = await streamOpen(variant);
  assert.ok(streamed.closed && sameBytes(streamed.released, DATA), `openStream too: ${streamed.error?.message}`);
});

signatures('a signed message whose public key was replaced by another valid key fails', async () => {
  const message = await sealedWith(0x0578);
  const other = await sealedWith(0x0578);
  const key = (m) => readHeader(m).encryptionContext['aws-crypto-public-key'];
  const text = new TextEncoder();
  const at = (m) => {
    const needle = text.encode(key(m));
    outer: for (let i = 0; i < m.length; i++) {
      for (let j = 0; j < needle.length; j++) if (m[i + j] !== needle[j]) continue outer;
      return i;
    }
    return -1;
  };
  const bad = message.slice();
  bad.set(text.encode(key(other)), at(message));
  await rejects(open(keyring, bad), 'InvalidCiphertextException');
});

const required = suite('required encryption context');

required('a wrong or missing required pair fails before any key is unwrapped', async () => {
  const message = await sealedWith(0x0478);
  await rejects(open(keyring, message, { encryptionContext: { tenant: 'evil' } }), 'InvalidCiphertextException', /tenant/);
  await rejects(open(keyring, message, { encryptionContext: { user: 'x' } }), 'InvalidCiphertextException', /user/);
  const result = await new Response(message).body.pipeThrough(openStream(keyring, { encryptionContext: { tenant: 'evil' } })).getReader().read().then(
    () => undefined,
    (error) => error,
  );
  assert.is(result?.name, 'InvalidCiphertextException');
});

const midway = suite('streams that error mid-way');

/** A stream of `chunks`, then an error instead of the end. */
const failing = (chunks, error) =>
  new ReadableStream({
    pull(c) {
      if (chunks.length) c.enqueue(chunks.shift());
      else c.error(error);
    },
  });

midway('an input that errors mid-way errors sealStream and openStream with that error', async () => {
  const boom = new Error('disk went away');
  const sealing = failing([new Uint8Array(100), new Uint8Array(100)], boom).pipeThrough(sealStream(keyring, { frameSize: FRAME }));
  const out = [];
  const sealError = await sealing.pipeTo(new WritableStream({ write: (c) => void out.push(c) })).then(() => undefined, (e) => e);
  assert.is(sealError, boom);
  const message = await sealedWith(0x0478);
  const opening = failing([message.slice(0, 150), message.slice(150, 300)], boom).pipeThrough(openStream(keyring));
  const openError = await opening.pipeTo(new WritableStream()).then(() => undefined, (e) => e);
  assert.is(openError, boom);
});

midway('a consumer that cancels stops the stream without a normal end', async () => {
  const message = await sealedWith(0x0478, plaintext(20 * FRAME, 1));
  const reader = new Response(message).body.pipeThrough(openStream(keyring)).getReader();
  const first = await reader.read();
  assert.ok(first.value.length > 0);
  await reader.cancel('enough');
});

flips.run();
cuts.run();
frames.run();
signatures.run();
required.run();
midway.run();
