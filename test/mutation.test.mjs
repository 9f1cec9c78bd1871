// Mutation testing of the parsers: mutated blobs, sealed messages and base64 text must be refused with the right
// typed error — never another exception, never a hang, never plaintext.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { KmsError, RawAesKeyring, base64, open, seal } from '../src/index.ts';
import { crypto, engine } from './support/env.mjs';
import { TEST_KEY_ID, sameBytes, testKeyBytes, testKeyring } from './support/helpers.mjs';
import { count } from './support/metrics.mjs';
import { prng, scaled } from './support/scale.mjs';

const BLOB_MUTATIONS = scaled(100_000, 2_000);
const MESSAGE_MUTATIONS = scaled(100_000, 2_000);

/** One mutation of `blob`: the ways a real attacker or a real storage bug changes bytes. */
function mutate(blob, random) {
  const out = blob.slice();
  switch (random.int(8)) {
    case 0: {
      const flips = 1 + random.int(4);
      for (let i = 0; i < flips; i++) out[random.int(out.length)] ^= 1 << random.int(8);
      return out;
    }
    case 1:
      return blob.slice(0, random.int(blob.length));
    case 2: {
      const extra = crypto.getRandomValues(new Uint8Array(1 + random.int(32)));
      const joined = new Uint8Array(blob.length + extra.length);
      joined.set(blob);
      joined.set(extra, blob.length);
      return joined;
    }
    case 3:
      out[1] = random.int(256); // the key id length lies
      return out;
    case 4:
      out[random.int(out.length)] = random.int(256);
      return out;
    case 5: {
      const from = random.int(blob.length);
      return Uint8Array.from([...blob.slice(0, from), ...blob.slice(from + 1 + random.int(8))]);
    }
    case 6: {
      const at = random.int(blob.length);
      return Uint8Array.from([...blob.slice(0, at), ...blob.slice(at, at + 1 + random.int(12)), ...blob.slice(at)]);
    }
    default:
      return crypto.getRandomValues(new Uint8Array(random.int(200)));
  }
}

/**
 * Mutates the originals `total` times (identical results skipped) and hands each mutation to
 * `attempt`, 500 at a time; every one must fail with InvalidCiphertextException. The seed is in
 * every failure message, so a failing run can be replayed.
 */
async function refuseMutations(originals, total, metric, attempt) {
  const seed = crypto.getRandomValues(new Uint32Array(1))[0];
  const random = prng(seed);
  for (let done = 0; done < total; ) {
    const batch = [];
    while (batch.length < 500 && done < total) {
      const original = originals[random.int(originals.length)];
      const mutated = mutate(original, random);
      if (sameBytes(mutated, original)) continue; // a flip that flipped back is no mutation
      done++;
      batch.push(
        attempt(mutated).then(
          () => `seed ${seed}: a mutation was accepted`,
          (error) =>
            error instanceof KmsError && error.name === 'InvalidCiphertextException' ? null : `seed ${seed}: ${error?.name}: ${error?.message}`,
        ),
      );
    }
    const problems = (await Promise.all(batch)).filter(Boolean);
    assert.equal(problems.slice(0, 3), [], problems[0]);
    count(metric, batch.length);
  }
}

const blobs = suite(`mutated blobs (${BLOB_MUTATIONS} in ${engine})`);

blobs('every mutated blob is an InvalidCiphertextException and releases no plaintext', async () => {
  const keyring = await testKeyring();
  await keyring.rotateKey(TEST_KEY_ID);
  const encryptionContext = { purpose: 'mutation', n: '1' };
  const keys = await Promise.all([1, 32, 100].map((n) => keyring.generateDataKey({ keyId: TEST_KEY_ID, numberOfBytes: n, encryptionContext })));
  await refuseMutations(
    keys.map((key) => key.ciphertextBlob),
    BLOB_MUTATIONS,
    'blob mutations',
    (ciphertextBlob) => keyring.decrypt({ ciphertextBlob, encryptionContext }),
  );
  // the originals are untouched and still open
  for (const key of keys) {
    const opened = await keyring.decrypt({ ciphertextBlob: key.ciphertextBlob, encryptionContext });
    assert.ok(sameBytes(opened.plaintext, key.plaintext));
  }
});

blobs.run();

const messages = suite(`mutated sealed messages (${MESSAGE_MUTATIONS} in ${engine})`);

messages('every mutated message is an InvalidCiphertextException and releases no plaintext', async () => {
  const keyring = await testKeyring();
  const raw = new RawAesKeyring({ keyNamespace: 'mutation', keyName: 'raw', material: testKeyBytes(32), crypto });
  const encryptionContext = { purpose: 'mutation' };
  const keyrings = [raw, keyring];
  const originals = await Promise.all([
    seal(keyrings, 'short', { keyId: TEST_KEY_ID, encryptionContext }),
    seal(keyrings, new Uint8Array(300).fill(7), { keyId: TEST_KEY_ID, frameSize: 64, encryptionContext }),
    seal(raw, new Uint8Array(100).fill(9), { frameSize: 32, algorithmSuite: 0x0578, encryptionContext }),
  ]);
  await refuseMutations(originals, MESSAGE_MUTATIONS, 'message mutations', (message) => open(keyrings, message, { encryptionContext }));
  for (const original of originals) assert.ok((await open(keyrings, original, { encryptionContext })).length > 0);
});

messages.run();

const text = suite('mutated base64');

const INVALID_INSERTS = [' ', '\n', '\t', '\r', '=', '*', '.', '\0', 'é', '-', '_', '+', '/'];

text('base64 with an invalid character, whitespace or bad padding anywhere is a ValidationException', async () => {
  const seed = crypto.getRandomValues(new Uint32Array(1))[0];
  const random = prng(seed);
  const n = scaled(20_000, 1_000);
  for (let i = 0; i < n; i++) {
    const bytes = crypto.getRandomValues(new Uint8Array(1 + random.int(60)));
    const alphabet = random.int(2) ? 'base64' : 'base64url';
    const valid = base64.encode(bytes, { alphabet });
    // characters of the other alphabet are invalid in this one; the own ones are not inserted
    const own = alphabet === 'base64' ? ['+', '/'] : ['-', '_'];
    const inserts = INVALID_INSERTS.filter((c) => !own.includes(c));
    const at = random.int(valid.length + 1);
    const bad = valid.slice(0, at) + inserts[random.int(inserts.length)] + valid.slice(at);
    let error;
    try {
      base64.decode(bad, { alphabet });
    } catch (caught) {
      error = caught;
    }
    // '=' appended to a base64url string of the right length is correct padding, the one valid insert
    if (!error) {
      assert.ok(alphabet === 'base64url' && bad === `${valid}=` && valid.length % 4 === 3, `seed ${seed}: ${JSON.stringify(bad)} decoded`);
      continue;
    }
    assert.ok(error instanceof KmsError && error.name === 'ValidationException', `seed ${seed}: ${error?.name} for ${JSON.stringify(bad)}`);
  }
  count('base64 mutations', n);
});

text('random strings either decode canonically or are a ValidationException', async () => {
  const random = prng(crypto.getRandomValues(new Uint32Array(1))[0]);
  const chars = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=-_ \n';
  const n = scaled(20_000, 1_000);
  let decoded = 0;
  for (let i = 0; i < n; i++) {
    let s = '';
    for (let j = random.int(12); j > 0; j--) s += chars[random.int(chars.length)];
    for (const alphabet of ['base64', 'base64url']) {
      let bytes;
      try {
        bytes = base64.decode(s, { alphabet });
      } catch (error) {
        assert.ok(error instanceof KmsError && error.name === 'ValidationException', `${error?.name} for ${JSON.stringify(s)}`);
        continue;
      }
      decoded++;
      const again = base64.encode(bytes, { alphabet, padding: s.endsWith('=') || (alphabet === 'base64') });
      assert.is(again, s, `${JSON.stringify(s)} is the one encoding of its bytes`);
    }
  }
  assert.ok(decoded > 0, 'some random strings are valid base64');
  count('base64 mutations', n * 2);
});

text.run();
