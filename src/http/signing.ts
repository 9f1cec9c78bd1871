// What the request signatures of the protocols share: RFC 3986 percent-encoding (SigV4's
// canonical query and Alibaba's canonicalised query encode alike) and an HMAC over key bytes.
import { bufferSource } from '../webcrypto.js';

const encoder = new TextEncoder();

/**
 * RFC 3986 percent-encoding of UTF-8: only `A–Z a–z 0–9 - _ . ~` stay as they are, a space is
 * `%20`, hex digits are uppercase. SigV4 and Alibaba's RPC signature both encode this way.
 * @example
 * uriEncode("a b*c~d!'()"); // 'a%20b%2Ac~d%21%27%28%29'
 */
export const uriEncode = (text: string): string => encodeURIComponent(text).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

/**
 * The HMAC of `data` (UTF-8) under key bytes, with WebCrypto. The key bytes are zeroed afterwards:
 * each caller's key is a secret or a secret derived from one.
 * @example
 * const mac = await hmac(crypto, 'SHA-1', new TextEncoder().encode('testsecret&'), 'GET&%2F&…');
 */
export async function hmac(crypto: Crypto, hash: 'SHA-1' | 'SHA-256', key: Uint8Array, data: string): Promise<Uint8Array<ArrayBuffer>> {
  try {
    const cryptoKey = await crypto.subtle.importKey('raw', bufferSource(key), { name: 'HMAC', hash }, false, ['sign']);
    return new Uint8Array(await crypto.subtle.sign('HMAC', cryptoKey, encoder.encode(data)));
  } finally {
    key.fill(0);
  }
}
