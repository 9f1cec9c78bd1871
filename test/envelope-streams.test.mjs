// sealStream and openStream: Web Streams that hold a few frames, not the input, and produce the
// same messages as the one-shot calls.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { Keyring, RawAesKeyring, open, openStream, readHeader, seal, sealStream, sealedSize } from '../src/index.ts';
import { crypto, engine } from './support/env.mjs';
import { TEST_KEY_ID, collect, rejects, sameBytes, testKeyBytes, testKeyring } from './support/helpers.mjs';
import { NON_ASCII_CONTEXT, plaintext } from './fixtures/esdk/keys.mjs';

const keyring = new RawAesKeyring({ keyNamespace: 'webkms-test', keyName: 'streams', material: testKeyBytes(32), crypto });

/** A ReadableStream of `bytes` in chunks of the given sizes, cycled. */
function chunked(bytes, sizes = [65536]) {
  let at = 0;
  let i = 0;
  return new ReadableStream({
    pull(controller) {
      if (at >= bytes.length) return controller.close();
      const size = sizes[i++ % sizes.length];
      controller.enqueue(bytes.slice(at, at + size));
      at += size;
    },
  });
}


const roundTrips = suite('stream round trips');

roundTrips('10 MiB through sealStream then openStream, in uneven chunks, comes back the same', async () => {
  const data = plaintext(10 * 1024 * 1024, 3);
  const sealed = await collect(chunked(data, [1_000_003, 65536, 7, 300_000]).pipeThrough(sealStream(keyring, { encryptionContext: { file: 'big.bin' } })));
  assert.is(sealed.length, await sealedSize(keyring, data.length, { encryptionContext: { file: 'big.bin' } }));
  const opened = await collect(chunked(sealed, [777_777, 12_345]).pipeThrough(openStream(keyring, { encryptionContext: { file: 'big.bin' } })));
  assert.ok(sameBytes(opened, data));
});

roundTrips('stream messages and one-shot messages are the same format: each opens the other', async () => {
  for (const length of [0, 1, 999, 1000, 1001, 3000, 25_000]) {
    const data = plaintext(length, length + 5);
    const options = { frameSize: 1000, encryptionContext: NON_ASCII_CONTEXT };
    const streamed = await collect(chunked(data, [333]).pipeThrough(sealStream(keyring, options)));
    assert.is(streamed.length, await sealedSize(keyring, length, options), `${length} bytes: the length seal would give`);
    assert.ok(sameBytes(await open(keyring, streamed), data), `${length}: open of a sealStream message`);
    const oneShot = await seal(keyring, data, options);
    assert.ok(sameBytes(await collect(chunked(oneShot, [101]).pipeThrough(openStream(keyring))), data), `${length}: openStream of a seal message`);
  }
});

roundTrips('openStream takes a message one byte at a time, and in one chunk', async () => {
  const data = plaintext(300, 9);
  const sealed = await seal(keyring, data, { frameSize: 128, algorithmSuite: 0x0578 });
  assert.ok(sameBytes(await collect(chunked(sealed, [1]).pipeThrough(openStream(keyring))), data));
  assert.ok(sameBytes(await collect(chunked(sealed, [sealed.length]).pipeThrough(openStream(keyring))), data));
});

roundTrips('openStream checks the signed suite: the signature over a streamed SHA-384, in many frames', async () => {
  const data = plaintext(200_000, 4);
  const sealed = await seal(keyring, data, { frameSize: 4096, algorithmSuite: 0x0578 });
  assert.ok(sameBytes(await collect(chunked(sealed, [5000]).pipeThrough(openStream(keyring))), data));
});

roundTrips('a writer may reuse its buffer once write() resolves: openStream keeps its own copy', async () => {
  const data = plaintext(20_000, 6);
  const sealed = await seal(keyring, data, { frameSize: 1000, algorithmSuite: 0x0578 });
  const stream = openStream(keyring);
  const result = collect(stream.readable);
  const writer = stream.writable.getWriter();
  const buffer = new Uint8Array(300);
  for (let at = 0; at < sealed.length; at += buffer.length) {
    const piece = sealed.subarray(at, at + buffer.length);
    buffer.set(piece);
    await writer.write(buffer.subarray(0, piece.length));
    buffer.fill(0xa5); // what a producer reusing one buffer does next
  }
  await writer.close();
  assert.ok(sameBytes(await result, data));
});

roundTrips('maxFrameSize refuses a message declaring larger frames before any data key is unwrapped', async () => {
  const { recordingCrypto } = await import('./support/recording.mjs');
  const rec = recordingCrypto();
  const watched = new RawAesKeyring({ keyNamespace: 'webkms-test', keyName: 'streams', material: testKeyBytes(32), crypto: rec.crypto });
  const sealed = await seal(keyring, plaintext(10_000, 2), { frameSize: 4096 });
  rec.calls.length = 0;
  await rejects(collect(chunked(sealed, [1000]).pipeThrough(openStream(watched, { maxFrameSize: 4095 }))), 'InvalidCiphertextException', /maxFrameSize/);
  await rejects(open(watched, sealed, { maxFrameSize: 4095 }), 'InvalidCiphertextException', /maxFrameSize/);
  assert.equal(rec.calls.filter((c) => c.name === 'decrypt'), [], 'no data key was unwrapped');
  assert.is((await collect(chunked(sealed).pipeThrough(openStream(watched, { maxFrameSize: 4096 })))).length, 10_000);
  for (const bad of [0, 1.5, 2 ** 32, '4096']) {
    await rejects(async () => openStream(keyring, { maxFrameSize: bad }), 'ValidationException', /maxFrameSize/);
  }
});

roundTrips('openStream bounds frames at 16 MiB by default; a message with 16 MiB frames still opens', async () => {
  const sealed = await seal(keyring, plaintext(100, 1), { frameSize: 16 * 1024 * 1024 });
  assert.is((await collect(chunked(sealed).pipeThrough(openStream(keyring)))).length, 100);
});

roundTrips('a Keyring key works through streams too', async () => {
  const ring = await testKeyring();
  const data = plaintext(5000, 1);
  const sealed = await collect(chunked(data, [100]).pipeThrough(sealStream(ring, { keyId: 'alias/ExampleAlias', frameSize: 512 })));
  assert.is(readHeader(sealed).encryptedDataKeys[0].providerId, 'aws-kms');
  assert.ok(sameBytes(await collect(chunked(sealed).pipeThrough(openStream(ring))), data));
});

const progress = suite('streams hold frames, not the input');

progress('sealStream writes the header and each frame as it fills, before the input ends', async () => {
  const stream = sealStream(keyring, { frameSize: 1024 });
  const writer = stream.writable.getWriter();
  const reader = stream.readable.getReader();
  const header = await reader.read();
  assert.is(header.value.length, readHeader(header.value).headerLength, 'the header comes first, alone');
  writer.write(plaintext(10 * 1024, 1));
  let received = 0;
  while (received < 10 * (4 + 12 + 1024 + 16)) received += (await reader.read()).value.length;
  assert.is(received, 10 * (4 + 12 + 1024 + 16), 'ten frames out while the writer is still open');
  writer.close();
  const rest = [];
  for (let r = await reader.read(); !r.done; r = await reader.read()) rest.push(r.value);
  assert.is(rest.reduce((n, c) => n + c.length, 0), 4 + 4 + 12 + 4 + 16, 'then the empty final frame');
});

progress('openStream releases frames before the message ends', async () => {
  const data = plaintext(64 * 1024, 2);
  const sealed = await seal(keyring, data, { frameSize: 1024 });
  const stream = openStream(keyring);
  const writer = stream.writable.getWriter();
  const reader = stream.readable.getReader();
  writer.write(sealed.subarray(0, sealed.length - 100));
  let released = 0;
  while (released < 32 * 1024) released += (await reader.read()).value.length;
  assert.ok(released >= 32 * 1024, 'half the plaintext out before the last 100 bytes came in');
  writer.write(sealed.subarray(sealed.length - 100));
  writer.close();
  for (let r = await reader.read(); !r.done; r = await reader.read()) released += r.value.length;
  assert.is(released, data.length);
});

// 64 MiB where the engine is quick; browsers and workerd move a quarter of it.
const LARGE_MIB = ['node', 'deno', 'bun', 'direct'].includes(engine) ? 64 : 16;

progress(`a large stream keeps memory bounded: ${LARGE_MIB} MiB of a generated source through seal and open`, async () => {
  // The source makes chunks on demand and the sink only counts; a buffering implementation would
  // hold it all twice. What can be checked portably is that backpressure lets it finish in order.
  let made = 0;
  const total = LARGE_MIB * 1024 * 1024;
  const source = new ReadableStream({
    pull(controller) {
      if (made >= total) return controller.close();
      controller.enqueue(new Uint8Array(1024 * 1024).fill(made / (1024 * 1024)));
      made += 1024 * 1024;
    },
  }, { highWaterMark: 1 });
  let seen = 0;
  let ok = true;
  await source.pipeThrough(sealStream(keyring, {})).pipeThrough(openStream(keyring)).pipeTo(new WritableStream({
    write(chunk) {
      ok &&= chunk[0] === Math.floor(seen / (1024 * 1024)) && chunk[chunk.length - 1] === Math.floor((seen + chunk.length - 1) / (1024 * 1024));
      seen += chunk.length;
    },
  }));
  assert.is(seen, total);
  assert.ok(ok, 'every byte in place');
});

const refusals = suite('stream options and inputs');

refusals('sealStream checks its options at once; the signed suite is refused (WebCrypto cannot sign a stream)', () => {
  assert.throws(() => sealStream(keyring, { frameSize: 0 }), (e) => e.name === 'ValidationException');
  assert.throws(() => sealStream(keyring, { algorithmSuite: 0x0578 }), (e) => e.name === 'UnsupportedOperationException' && /seal\(\)/.test(e.message));
  assert.throws(() => openStream(keyring, { maxEncryptedDataKeys: 0 }), (e) => e.name === 'ValidationException');
  assert.throws(() => openStream([]), (e) => e.name === 'ValidationException');
});

refusals('text chunks error the streams with a ValidationException', async () => {
  const text = new ReadableStream({ start(c) { c.enqueue('text'); c.close(); } });
  await rejects(text.pipeThrough(sealStream(keyring, {})).pipeTo(new WritableStream()), 'ValidationException', /TextEncoderStream/);
  const text2 = new ReadableStream({ start(c) { c.enqueue('text'); c.close(); } });
  await rejects(text2.pipeThrough(openStream(keyring)).pipeTo(new WritableStream()), 'ValidationException');
});

refusals('sealStream with an unknown or disabled key throws at once, before any output (NotFoundException, DisabledException)', async () => {
  const ring = new Keyring({ crypto });
  await ring.importKey({ keyId: TEST_KEY_ID, material: testKeyBytes(32) });
  assert.throws(() => sealStream(ring, { keyId: 'missing' }), (e) => e.name === 'NotFoundException');
  ring.disableKey(TEST_KEY_ID);
  assert.throws(() => sealStream(ring, { keyId: TEST_KEY_ID }), (e) => e.name === 'DisabledException');
});

roundTrips.run();
progress.run();
refusals.run();
