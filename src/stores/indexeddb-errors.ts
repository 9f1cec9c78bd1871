// What IndexedDB's failures mean to someone keeping keys in it: KmsErrors that say what happened
// and what to do. Browsers report them as DOMExceptions, told apart by name.
import { KmsError, excerpt } from '../errors.js';

const property = (value: unknown, key: 'name' | 'message'): string => {
  const found = (value as { name?: unknown; message?: unknown } | null | undefined)?.[key];
  return typeof found === 'string' ? found : '';
};

/**
 * The KmsError for a failure of IndexedDB while a store of `database` tried to `operation` (`load
 * its records`, `write key "app"`, …). `aborted`: the failure ended a write transaction, so none of
 * its writes were kept.
 */
export function indexedDbError(database: string, operation: string, cause: unknown, aborted = false): KmsError {
  if (cause instanceof KmsError) return cause;
  const where = `IndexedDB database ${excerpt(database, 220)}`;
  const kept = aborted ? ' Nothing was written.' : '';
  switch (property(cause, 'name')) {
    case 'DataCloneError':
      // WebKit refuses to store CryptoKeys in Private Browsing and Lockdown Mode (tkhq/sdk#1454,
      // open-chat-labs/open-chat#9343); the keyring stores nothing else that could not be cloned.
      return new KmsError(
        'UnsupportedOperationException',
        `the browser refused to store a record in ${where} (DataCloneError, trying to ${operation}): Safari refuses CryptoKeys in Private Browsing and in Lockdown Mode.${kept} ` +
          'Keys cannot be kept in this browser window: use a normal window, or keep the keys in memory (new Keyring()) for this session',
        { cause },
      );
    case 'QuotaExceededError':
      return new KmsError(
        'KMSInternalException',
        `the browser's storage for this site is full (QuotaExceededError, trying to ${operation} in ${where}).${kept} ` +
          "Free some of this site's storage or of the device's disk, then try again",
        { cause },
      );
    case 'VersionError':
      return new KmsError('UnsupportedOperationException', `${where} was written by a newer webkms: upgrade webkms`, { cause });
    case 'SecurityError':
      return new KmsError(
        'UnsupportedOperationException',
        "this page may not use IndexedDB (SecurityError): the browser's settings block storage, or the page has an opaque origin (a sandboxed frame, a file: URL)",
        { cause },
      );
    default: {
      const name = property(cause, 'name') || 'unknown error';
      return new KmsError('KMSInternalException', `${where} could not ${operation} (${name}: ${property(cause, 'message').slice(0, 200)}).${kept}`, { cause });
    }
  }
}
