// Request bodies read with a bound: a Content-Length over it is refused before anything is read,
// and a body without one is read only until it passes the bound.
import { concat } from '../bytes.js';

/** A body over the bound. */
export class BodyTooLarge extends Error {}

/**
 * The request's body, at most `limit` bytes.
 * @throws {@link BodyTooLarge} when it is longer (declared or streamed).
 */
export async function readBody(request: Request, limit: number): Promise<Uint8Array> {
  const declared = request.headers.get('content-length');
  if (declared !== null && !(Number(declared) <= limit)) throw new BodyTooLarge();
  // Firefox's Request has no body stream: the bytes come whole (bounded above by Content-Length
  // when there is one, checked after reading when there is none).
  if (request.body === undefined) {
    const whole = new Uint8Array(await request.arrayBuffer());
    if (whole.length > limit) throw new BodyTooLarge();
    return whole;
  }
  if (request.body === null) return new Uint8Array(0);
  const reader = request.body.getReader();
  const parts: Uint8Array[] = [];
  let length = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    length += value.length;
    if (length > limit) {
      await reader.cancel().catch(() => undefined);
      throw new BodyTooLarge();
    }
    parts.push(value);
  }
  return concat(...parts);
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * The body as text; bytes that are not UTF-8 become text that is no JSON and no form, refused as such.
 * @example
 * bodyText(new TextEncoder().encode('{}')); // '{}'
 */
export function bodyText(body: Uint8Array): string {
  try {
    return strictUtf8.decode(body);
  } catch {
    return '\u0000';
  }
}

/**
 * Whether the request's Content-Type is `type` (parameters such as `charset` aside, any case).
 * @example
 * hasContentType(new Request('http://x/', { method: 'POST', headers: { 'content-type': 'application/json; charset=utf-8' } }), 'application/json'); // true
 */
export function hasContentType(request: Request, type: string): boolean {
  return (request.headers.get('content-type') ?? '').split(';')[0]!.trim().toLowerCase() === type;
}
