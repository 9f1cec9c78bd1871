// Key ids, alias names and ARNs: what each looks like, and what a `keyId` argument refers to.
import { KmsError, check, excerpt } from './errors.js';

const KEY_ID = /^[A-Za-z0-9._-]{1,128}$/;
const ALIAS_NAME = /^alias\/[A-Za-z0-9:/_-]{1,250}$/;
const ARN = /^arn:aws:kms:([^:]*):([^:]*):(key|alias)\/(.+)$/;

/** Where a keyring's ARNs say its keys live. */
export interface ArnScope {
  readonly region: string;
  readonly accountId: string;
}

/** What a `keyId` argument names: a key by its id, or an alias. */
export type KeyReference = { readonly keyId: string } | { readonly aliasName: string };

/** Whether `value` is a valid key id: 1–128 characters of `A–Z a–z 0–9 . _ -`. */
export function isKeyId(value: string): boolean {
  return KEY_ID.test(value);
}

/** Whether `value` has the shape of an alias name: `alias/` then 1–250 of `A–Z a–z 0–9 : / _ -`. */
export function isAliasName(value: string): boolean {
  return ALIAS_NAME.test(value);
}

/** Checks a key id given to create or import a key. */
export function checkKeyId(value: unknown, field = 'keyId'): asserts value is string {
  check(typeof value === 'string' && isKeyId(value), () => `${field} must be 1–128 characters of A–Z, a–z, 0–9, ".", "_" or "-"`);
}

/** Checks an alias name against AWS's rules: `alias/` then 1–250 of `A–Z a–z 0–9 : / _ -`, not `alias/aws/`. */
export function checkAliasName(value: unknown): asserts value is string {
  check(
    typeof value === 'string' && isAliasName(value),
    'an alias name must be "alias/" followed by 1–250 characters of A–Z, a–z, 0–9, ":", "/", "_" or "-"',
  );
  check(!value.startsWith('alias/aws/'), 'alias names that begin with "alias/aws/" are reserved for AWS managed keys');
}

/** The ARN of a key. */
export function keyArn(scope: ArnScope, keyId: string): string {
  return `arn:aws:kms:${scope.region}:${scope.accountId}:key/${keyId}`;
}

/** The ARN of an alias. */
export function aliasArn(scope: ArnScope, aliasName: string): string {
  return `arn:aws:kms:${scope.region}:${scope.accountId}:${aliasName}`;
}

/**
 * Reads a `keyId` argument: a key id, a key ARN, an alias name (`alias/…`) or an alias ARN.
 * An ARN of another region or account names nothing here: `NotFoundException`.
 */
export function parseKeyReference(value: unknown, scope: ArnScope, field = 'keyId'): KeyReference {
  check(typeof value === 'string' && value.length > 0, () => `${field} is required: a key id, key ARN, alias name or alias ARN`);
  const arn = ARN.exec(value);
  if (arn) {
    const [, region, accountId, kind, rest] = arn as unknown as [string, string, string, string, string];
    if (region !== scope.region || accountId !== scope.accountId) {
      throw new KmsError(
        'NotFoundException',
        `${field} ${excerpt(value, 200)} is in region ${excerpt(region, 64)}, account ${excerpt(accountId, 64)}; this keyring holds region "${scope.region}", account "${scope.accountId}"`,
      );
    }
    return kind === 'key' ? keyIdReference(rest, field) : aliasReference(`alias/${rest}`);
  }
  if (value.startsWith('alias/')) return aliasReference(value);
  if (value.startsWith('arn:')) throw new KmsError('ValidationException', `${field} is not a KMS key or alias ARN: ${excerpt(value, 200)}`);
  return keyIdReference(value, field);
}

function keyIdReference(keyId: string, field: string): KeyReference {
  checkKeyId(keyId, field);
  return { keyId };
}

function aliasReference(aliasName: string): KeyReference {
  checkAliasName(aliasName);
  return { aliasName };
}

/** A random UUID (version 4) from the WebCrypto generator, the shape of AWS key ids. */
export function randomUuid(crypto: Crypto): string {
  // The platform's own is many times faster; an injected crypto may lack it.
  if (typeof crypto.randomUUID === 'function') return crypto.randomUUID();
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6]! & 0x0f) | 0x40;
  b[8] = (b[8]! & 0x3f) | 0x80;
  const h = Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}
