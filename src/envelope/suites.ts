// The algorithm suites of the AWS Encryption SDK message format that webkms writes and reads:
// version 2, key-committing, AES-256-GCM with HKDF-SHA-512, with or without an ECDSA P-384 footer.
import { KmsError } from '../errors.js';

/** The names of the suites webkms seals and opens, as the AWS Encryption SDK names them. */
export type AlgorithmSuiteName =
  | 'ALG_AES256_GCM_IV12_TAG16_HKDF_SHA512_COMMIT_KEY'
  | 'ALG_AES256_GCM_IV12_TAG16_HKDF_SHA512_COMMIT_KEY_ECDSA_P384';

/** A suite, by its name or by its 2-byte id (`0x0478`, `0x0578`). */
export type AlgorithmSuiteOption = AlgorithmSuiteName | 0x0478 | 0x0578;

/** What differs between the two suites; everything else is fixed below. */
export interface AlgorithmSuite {
  readonly id: 0x0478 | 0x0578;
  readonly name: AlgorithmSuiteName;
  /** Whether the message ends with an ECDSA P-384 signature footer. */
  readonly signed: boolean;
}

/** The message format version of the key-committing suites. */
export const MESSAGE_FORMAT_VERSION = 2;
/** Bytes of the data key, and of the AES-256 key derived from it. */
export const DATA_KEY_LENGTH = 32;
/** Bytes of the key commitment stored in the header. */
export const COMMITMENT_LENGTH = 32;
/** Bytes of the message id, which is also the HKDF salt. */
export const MESSAGE_ID_LENGTH = 32;

/** The default suite: key-committing, unsigned (the footer signature costs time and 100 bytes). */
const COMMIT_KEY: AlgorithmSuite = { id: 0x0478, name: 'ALG_AES256_GCM_IV12_TAG16_HKDF_SHA512_COMMIT_KEY', signed: false };
/** Key-committing and signed: the signature proves the sender held the signing key, not just the data key. */
const COMMIT_KEY_ECDSA_P384: AlgorithmSuite = {
  id: 0x0578,
  name: 'ALG_AES256_GCM_IV12_TAG16_HKDF_SHA512_COMMIT_KEY_ECDSA_P384',
  signed: true,
};

const SUITES: readonly AlgorithmSuite[] = [COMMIT_KEY, COMMIT_KEY_ECDSA_P384];

// Message format version 1 suites: named in the error that refuses them.
const NON_COMMITTING: Readonly<Record<number, string>> = {
  0x0014: 'ALG_AES128_GCM_IV12_TAG16',
  0x0046: 'ALG_AES192_GCM_IV12_TAG16',
  0x0078: 'ALG_AES256_GCM_IV12_TAG16',
  0x0114: 'ALG_AES128_GCM_IV12_TAG16_HKDF_SHA256',
  0x0146: 'ALG_AES192_GCM_IV12_TAG16_HKDF_SHA256',
  0x0178: 'ALG_AES256_GCM_IV12_TAG16_HKDF_SHA256',
  0x0214: 'ALG_AES128_GCM_IV12_TAG16_HKDF_SHA256_ECDSA_P256',
  0x0346: 'ALG_AES192_GCM_IV12_TAG16_HKDF_SHA384_ECDSA_P384',
  0x0378: 'ALG_AES256_GCM_IV12_TAG16_HKDF_SHA384_ECDSA_P384',
};

const hexId = (id: number): string => `0x${id.toString(16).padStart(4, '0')}`;

/** The suite a seal option names; `ValidationException` for anything else. */
export function resolveSuite(option: unknown): AlgorithmSuite {
  if (option === undefined) return COMMIT_KEY;
  const suite = SUITES.find((s) => s.id === option || s.name === option);
  if (!suite) {
    throw new KmsError(
      'ValidationException',
      `algorithmSuite must be ${COMMIT_KEY.name} (0x0478) or ${COMMIT_KEY_ECDSA_P384.name} (0x0578)`,
    );
  }
  return suite;
}

/** The suite of a version 2 header's suite id; `InvalidCiphertextException` for any other id. */
export function suiteOfId(id: number): AlgorithmSuite {
  const suite = SUITES.find((s) => s.id === id);
  if (!suite) throw new KmsError('InvalidCiphertextException', `the message names algorithm suite ${hexId(id)}, which is not a suite of message format version 2`);
  return suite;
}

/**
 * The error for a version 1 message: it is not key-committing, so a sender could make it decrypt
 * to different plaintexts under different data keys. The AWS Encryption SDK's default commitment
 * policy (REQUIRE_ENCRYPT_REQUIRE_DECRYPT) refuses these messages too.
 */
export function nonCommittingError(id: number): KmsError {
  const name = NON_COMMITTING[id];
  return new KmsError(
    'InvalidCiphertextException',
    `the message uses ${name ? `the non-committing algorithm suite ${name} (${hexId(id)})` : `algorithm suite ${hexId(id)}`} of message format version 1; ` +
      'webkms opens only key-committing messages (format version 2, suites 0x0478 and 0x0578), as the AWS Encryption SDK does under its default commitment policy',
  );
}
