// webkms reads two ciphertext formats, each with its own call: a Keyring ciphertext blob
// (keyring.decrypt) and an AWS Encryption SDK message (open, openStream). Their first bytes tell
// them apart, so an error can point to the right call instead of explaining the wrong format.
import { decode } from './base64.js';

/** The format whose first three bytes these are, if any. */
function formatOf(bytes: Uint8Array): 'blob' | 'message' | undefined {
  const [version, second = 0, third = 0] = bytes;
  // A message: version 2 and suite 0x0478 or 0x0578, or version 1 (type 0x80, a suite id below 0x0400).
  if ((version === 2 && (second === 4 || second === 5) && third === 0x78) || (version === 1 && second === 0x80 && third < 4)) return 'message';
  // A blob: version 1, a key id of 1–128 characters, its first character.
  if (version === 1 && second >= 1 && second <= 128 && /[\w.-]/.test(String.fromCharCode(third))) return 'blob';
  return undefined;
}

/**
 * Why bytes given where a blob or a message (`expected`) belongs are not one: when they, or the
 * base64 text of them, start like the other format, `it is` and `other` (what it is and what opens
 * it); `undefined` when they look like neither, or like what was expected.
 */
export function misdirected(bytes: Uint8Array, expected: 'blob' | 'message', other: string): string | undefined {
  let found = formatOf(bytes);
  let base64 = '';
  // "A" starts the base64 text of both formats; four characters give the three bytes that tell.
  if (!found && bytes[0] === 0x41) {
    try {
      found = formatOf(decode(String.fromCharCode(...bytes.subarray(0, 4))));
      base64 = 'base64 text of ';
    } catch {
      // Not base64 after all: nothing to say.
    }
  }
  if (found === expected) return base64 ? 'it is base64 text: decode it first' : undefined;
  return found && `it is ${base64}${other}`;
}
