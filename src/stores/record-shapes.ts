// What a store hands back is data from outside: each record's shape is checked before the keyring
// uses it, so a corrupted or hand-edited record is a named, typed refusal, never a TypeError.
import { isWellFormed } from '../bytes.js';
import { isAliasName, isKeyId } from '../identifiers.js';
import { isCryptoKey } from '../webcrypto.js';

const KINDS = ['keyring', 'key', 'alias'];
const SPECS = ['AES_128', 'AES_192', 'AES_256'];
const ORIGINS = ['AWS_KMS', 'EXTERNAL'];
const VERSION_ID = /^[0-9a-f]{16}$/;
const MATERIAL_ID = /^[0-9a-f]{64}$/;

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
const isText = (value: unknown, max = 8192): value is string => typeof value === 'string' && value.length <= max && isWellFormed(value);
const isDate = (value: unknown): boolean => isText(value, 64) && Number.isFinite(Date.parse(value));
const isCount = (value: unknown): boolean => Number.isSafeInteger(value) && (value as number) >= 0;

/** What is wrong with a stored version, or `undefined`. */
function versionProblem(version: unknown): string | undefined {
  if (!isObject(version)) return 'a version is not an object';
  if (!isText(version['versionId'], 16) || !VERSION_ID.test(version['versionId'])) return 'a version id is not 16 hex characters';
  const materialId = version['keyMaterialId'];
  if (!isText(materialId, 64) || !MATERIAL_ID.test(materialId) || !materialId.startsWith(version['versionId'])) return `version ${version['versionId']} has a malformed key material id`;
  if (!isDate(version['creationDate'])) return `version ${version['versionId']} has no valid creation date`;
  if (!isCount(version['reservedEncryptions'])) return `version ${version['versionId']} has no valid count of reserved encryptions`;
  const material = version['material'];
  const sealed = isObject(material) && ['alg', 'rootKeyId', 'iv', 'ciphertext'].every((field) => isText(material[field], 1 << 16));
  if (!isCryptoKey(material) && !sealed) return `version ${version['versionId']} has no usable material (neither a CryptoKey nor sealed material)`;
  return undefined;
}

/**
 * What is wrong with a record a store returned, or `undefined` when it has the shape the keyring
 * writes. Checks shapes and identifiers only; sealed material is authenticated when unsealed.
 */
export function recordProblem(record: unknown): string | undefined {
  if (!isObject(record)) return 'a record is not an object';
  const { kind, id, revision, value } = record;
  if (typeof kind !== 'string' || !KINDS.includes(kind)) return 'a record has an unknown kind';
  if (!isText(id, 256)) return `a ${kind} record has no valid id`;
  if (!Number.isSafeInteger(revision) || (revision as number) < 1) return `the ${kind} record ${JSON.stringify(id)} has no valid revision`;
  if (!isObject(value)) return `the ${kind} record ${JSON.stringify(id)} has no value`;
  if (kind === 'keyring') {
    const ok = typeof value['formatVersion'] === 'number' && isText(value['region'], 64) && isText(value['accountId'], 64);
    return ok ? undefined : 'the keyring record is malformed';
  }
  if (kind === 'alias') {
    const ok = value['aliasName'] === id && isAliasName(id) && isText(value['targetKeyId'], 128) && isKeyId(value['targetKeyId']);
    return ok ? undefined : `the record of alias ${JSON.stringify(id)} is malformed`;
  }
  const where = `the record of key ${JSON.stringify(id)}`;
  if (value['keyId'] !== id || !isKeyId(id)) return `${where} names another key id`;
  if (!isText(value['description']) || !isDate(value['creationDate'])) return `${where} has a malformed description or creation date`;
  if (!ORIGINS.includes(value['origin'] as string) || !SPECS.includes(value['keySpec'] as string)) return `${where} has an unknown origin or key spec`;
  if (typeof value['enabled'] !== 'boolean' || typeof value['extractable'] !== 'boolean') return `${where} has a malformed state`;
  const versions = value['versions'];
  if (!Array.isArray(versions) || versions.length === 0 || versions.length > 100_000) return `${where} has no versions`;
  for (const version of versions) {
    const problem = versionProblem(version);
    if (problem) return `${where}: ${problem}`;
  }
  return undefined;
}
