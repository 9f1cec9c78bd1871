// The floors: what the operations cost in hand-written WebCrypto calls, with the independent
// calls run concurrently and no checks, no options, no abstraction. webkms is measured against
// these. The v2 floor writes and reads real messages of the AWS Encryption SDK format (webkms
// opens what it seals, it opens what webkms seals), so it does all the work the format needs.
const subtle = crypto.subtle;
const utf8 = (text) => new TextEncoder().encode(text);

// ── data keys ────────────────────────────────────────────────────────────────

/** generateDataKey's floor: 32 random bytes and an IV in one call, one AES-GCM encrypt with the context as AAD. */
export function dataKeyFloor(masterKey, additionalData) {
  return async () => {
    const random = crypto.getRandomValues(new Uint8Array(44));
    const iv = random.subarray(32);
    const wrapped = await subtle.encrypt({ name: 'AES-GCM', iv, additionalData }, masterKey, random.subarray(0, 32));
    return [random.subarray(0, 32), iv, wrapped];
  };
}

/** decrypt's floor: one AES-GCM decrypt with the context as AAD. */
export function unwrapFloor(masterKey, additionalData, [, iv, wrapped]) {
  return () => subtle.decrypt({ name: 'AES-GCM', iv, additionalData }, masterKey, wrapped);
}

// ── the message format, version 2 ────────────────────────────────────────────

const FRAME_LABEL = utf8('AWSKMSEncryptionClient Frame');
const FINAL_LABEL = utf8('AWSKMSEncryptionClient Final Frame');
const COMMIT_INFO = utf8('COMMITKEY');
const ZERO_IV = new Uint8Array(12);
const EMPTY = new Uint8Array(0);
const AES_256_GCM = { name: 'AES-GCM', length: 256 };
const P384 = { name: 'ECDSA', namedCurve: 'P-384' };
const SHA384 = { name: 'ECDSA', hash: 'SHA-384' };

function concat(parts) {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const part of parts) out.set(part, (at += part.length) - part.length);
  return out;
}
const u16 = (n) => Uint8Array.of(n >>> 8, n & 255);
const u32 = (n) => Uint8Array.of(n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255);
const u64 = (n) => concat([u32(Math.floor(n / 2 ** 32)), u32(n >>> 0)]);

/** Serialised encryption context: pair count, then length-prefixed pairs sorted by key bytes. */
export function contextBytes(context) {
  const entries = Object.entries(context).map(([k, v]) => [utf8(k), utf8(v)]);
  if (entries.length === 0) return EMPTY;
  entries.sort(([a], [b]) => {
    for (let i = 0; i < Math.min(a.length, b.length); i++) if (a[i] !== b[i]) return a[i] - b[i];
    return a.length - b.length;
  });
  return concat([u16(entries.length), ...entries.flatMap(([k, v]) => [u16(k.length), k, u16(v.length), v])]);
}

const hkdf = (salt, info) => ({ name: 'HKDF', hash: 'SHA-512', salt, info });
const frameIv = (n) => concat([new Uint8Array(8), u32(n)]);
const frameAad = (messageId, final, n, length) => concat([messageId, final ? FINAL_LABEL : FRAME_LABEL, u32(n), u64(length)]);

/** Every frame of the plaintext encrypted at once (no bound on frames in flight: a floor). */
function encryptFrames(key, messageId, plaintext, frameSize) {
  const count = Math.floor(plaintext.length / frameSize) + 1;
  const jobs = [];
  for (let n = 1; n <= count; n++) {
    const final = n === count;
    const part = plaintext.subarray((n - 1) * frameSize, final ? plaintext.length : n * frameSize);
    jobs.push(subtle.encrypt({ name: 'AES-GCM', iv: frameIv(n), additionalData: frameAad(messageId, final, n, part.length) }, key, part));
  }
  return Promise.all(jobs);
}

function frameHeads(count, plaintextLength, frameSize) {
  const heads = [];
  for (let n = 1; n < count; n++) heads.push(concat([u32(n), frameIv(n)]));
  heads.push(concat([u32(0xffffffff), u32(count), frameIv(count), u32(plaintextLength - (count - 1) * frameSize)]));
  return heads;
}

function rawToDer(raw) {
  const integer = (bytes) => {
    let start = 0;
    while (start < bytes.length - 1 && bytes[start] === 0) start++;
    const value = bytes.subarray(start);
    const padded = value[0] & 0x80 ? concat([Uint8Array.of(0), value]) : value;
    return concat([Uint8Array.of(2, padded.length), padded]);
  };
  const body = concat([integer(raw.subarray(0, 48)), integer(raw.subarray(48))]);
  return concat([Uint8Array.of(0x30, body.length), body]);
}

const toBase64 = (bytes) => btoa(String.fromCharCode(...bytes));

/**
 * The v2 floor's sealer for one raw AES wrapping key (the SDK's raw AES keyring): data key, IV and
 * message id in one random call; the HKDF import and key derivations run while the data key is
 * wrapped (and, for 0x0578, while the signing key is made); the header tag and the frames run together.
 */
export function v2Sealer({ wrappingKey, keyNamespace, keyName, encryptionContext, frameSize = 64 * 1024, suiteId = 0x0478 }) {
  const signed = suiteId === 0x0578;
  const providerId = utf8(keyNamespace);
  const infoPrefix = concat([utf8(keyName), u32(128), u32(12)]);
  const keyInfo = concat([u16(suiteId), utf8('DERIVEKEY')]);
  const plainContext = contextBytes(encryptionContext);

  async function wrap(dataKey, iv, context) {
    const ciphertext = new Uint8Array(await subtle.encrypt({ name: 'AES-GCM', iv, additionalData: context }, wrappingKey, dataKey));
    const info = concat([infoPrefix, iv]);
    return concat([u16(1), u16(providerId.length), providerId, u16(info.length), info, u16(ciphertext.length), ciphertext]);
  }

  async function signingContext() {
    const pair = await subtle.generateKey(P384, false, ['sign']);
    const raw = new Uint8Array(await subtle.exportKey('raw', pair.publicKey));
    const compressed = concat([Uint8Array.of(2 | (raw[96] & 1)), raw.subarray(1, 49)]);
    return { privateKey: pair.privateKey, context: contextBytes({ ...encryptionContext, 'aws-crypto-public-key': toBase64(compressed) }) };
  }

  /**
   * Materials a DataKeyCache would keep: the imported HKDF key, the encrypted data key and, for
   * 0x0578, the signing key and the context holding its public key (as the SDK's caching CMM does).
   */
  async function cachedMaterials() {
    const random = crypto.getRandomValues(new Uint8Array(44));
    const signing = signed ? await signingContext() : undefined;
    const context = signing ? signing.context : plainContext;
    const [hkdfKey, edks] = await Promise.all([
      subtle.importKey('raw', random.subarray(0, 32), 'HKDF', false, ['deriveBits', 'deriveKey']),
      wrap(random.subarray(0, 32), random.subarray(32), context),
    ]);
    return { hkdfKey, edks, context, signing };
  }

  async function seal(plaintext, cached) {
    const random = crypto.getRandomValues(new Uint8Array(cached ? 32 : 76));
    const messageId = random.subarray(0, 32);
    const hkdfKey = cached ? cached.hkdfKey : subtle.importKey('raw', random.subarray(32, 64), 'HKDF', false, ['deriveBits', 'deriveKey']);
    const keys = Promise.resolve(hkdfKey).then((k) =>
      Promise.all([subtle.deriveBits(hkdf(messageId, COMMIT_INFO), k, 256), subtle.deriveKey(hkdf(messageId, keyInfo), k, AES_256_GCM, false, ['encrypt'])]),
    );
    const frames = keys.then(([, key]) => encryptFrames(key, messageId, plaintext, frameSize));
    const signing = signed ? (cached ? cached.signing : signingContext()) : undefined;
    const context = cached ? cached.context : signing ? Promise.resolve(signing).then((s) => s.context) : plainContext;
    const edks = cached ? cached.edks : Promise.resolve(context).then((c) => wrap(random.subarray(32, 64), random.subarray(64), c));
    const [[commitment, key], edkBytes, contextUsed] = await Promise.all([keys, edks, context]);
    const body = concat([Uint8Array.of(2), u16(suiteId), messageId, u16(contextUsed.length), contextUsed, edkBytes, Uint8Array.of(2), u32(frameSize), new Uint8Array(commitment)]);
    const [tag, sealedFrames] = await Promise.all([subtle.encrypt({ name: 'AES-GCM', iv: ZERO_IV, additionalData: body }, key, EMPTY), frames]);
    const heads = frameHeads(sealedFrames.length, plaintext.length, frameSize);
    const parts = [body, new Uint8Array(tag)];
    sealedFrames.forEach((sealed, i) => parts.push(heads[i], new Uint8Array(sealed)));
    const message = concat(parts);
    if (!signed) return message;
    const signature = rawToDer(new Uint8Array(await subtle.sign(SHA384, (await signing).privateKey, message)));
    return concat([message, u16(signature.length), signature]);
  }

  return { seal, cachedMaterials };
}

/**
 * The v2 floor's opener for messages with one raw AES encrypted data key: unwrap, HKDF import,
 * commitment and key derived together, then the header tag, every frame and (0x0578) the
 * signature checked at once. Parsing is minimal and trusts the message's lengths.
 */
export function v2Opener({ wrappingKey }) {
  return async function open(message) {
    const view = new DataView(message.buffer, message.byteOffset, message.byteLength);
    const suiteId = view.getUint16(1);
    const messageId = message.subarray(3, 35);
    let at = 35;
    const contextLength = view.getUint16(at);
    const context = message.subarray(at + 2, (at += 2 + contextLength));
    at += 2; // one encrypted data key
    at += 2 + view.getUint16(at); // provider id
    const infoLength = view.getUint16(at);
    const iv = message.subarray(at + 2 + infoLength - 12, (at += 2 + infoLength));
    const edkLength = view.getUint16(at);
    const edk = message.subarray(at + 2, (at += 2 + edkLength));
    const frameSize = view.getUint32(at + 1);
    const commitment = message.subarray(at + 5, (at += 5 + 32));
    const body = message.subarray(0, at);
    const tag = message.subarray(at, (at += 16));

    const dataKey = await subtle.decrypt({ name: 'AES-GCM', iv, additionalData: context }, wrappingKey, edk);
    const hkdfKey = await subtle.importKey('raw', dataKey, 'HKDF', false, ['deriveBits', 'deriveKey']);
    const [commit, key] = await Promise.all([
      subtle.deriveBits(hkdf(messageId, COMMIT_INFO), hkdfKey, 256),
      subtle.deriveKey(hkdf(messageId, concat([u16(suiteId), utf8('DERIVEKEY')])), hkdfKey, AES_256_GCM, false, ['decrypt']),
    ]);
    const c = new Uint8Array(commit);
    if (c.some((b, i) => b !== commitment[i])) throw new Error('commitment');
    const jobs = [subtle.decrypt({ name: 'AES-GCM', iv: ZERO_IV, additionalData: body }, key, tag)];
    for (let n = 1; ; n++) {
      const final = view.getUint32(at) === 0xffffffff;
      at += final ? 8 : 4;
      const frameIvBytes = message.subarray(at, (at += 12));
      const length = final ? view.getUint32(at) : frameSize;
      if (final) at += 4;
      jobs.push(subtle.decrypt({ name: 'AES-GCM', iv: frameIvBytes, additionalData: frameAad(messageId, final, n, length) }, key, message.subarray(at, (at += length + 16))));
      if (final) break;
    }
    if (suiteId === 0x0578) jobs.push(verifySignature(message, context, at));
    const results = await Promise.all(jobs);
    return concat(results.slice(1, suiteId === 0x0578 ? -1 : undefined).map((r) => new Uint8Array(r)));
  };
}

async function verifySignature(message, context, signedLength) {
  // The public key is the value of "aws-crypto-public-key": a compressed point, base64.
  const view = new DataView(context.buffer, context.byteOffset, context.byteLength);
  const decoder = new TextDecoder();
  let text;
  for (let i = 0, at = 2; i < view.getUint16(0); i++) {
    const key = decoder.decode(context.subarray(at + 2, (at += 2 + view.getUint16(at))));
    const value = context.subarray(at + 2, (at += 2 + view.getUint16(at)));
    if (key === 'aws-crypto-public-key') text = decoder.decode(value);
  }
  const point = Uint8Array.from(atob(text), (ch) => ch.charCodeAt(0));
  const key = await subtle.importKey('raw', point, P384, false, ['verify']);
  const der = message.subarray(signedLength + 2);
  const int = (at) => {
    let bytes = der.subarray(at + 2, at + 2 + der[at + 1]);
    while (bytes.length > 48) bytes = bytes.subarray(1);
    const out = new Uint8Array(48);
    out.set(bytes, 48 - bytes.length);
    return out;
  };
  const r = int(2);
  const s = int(4 + der[3]);
  if (!(await subtle.verify(SHA384, key, concat([r, s]), message.subarray(0, signedLength)))) throw new Error('signature');
}
