// npm run demo: the first example of the AWS CLI's generate-data-key documentation, answered by
// webkms from an in-memory master key, then a decrypt round trip. Runs the built package (dist/).
import { Keyring, base64 } from '../dist/index.js';

const keyring = new Keyring({ region: 'us-east-2', accountId: '111122223333' });
await keyring.createKey({ keyId: '1234abcd-12ab-34cd-56ef-1234567890ab', aliases: ['alias/ExampleAlias'] });

// aws kms generate-data-key --key-id alias/ExampleAlias --key-spec AES_256
const dataKey = await keyring.generateDataKey({ keyId: 'alias/ExampleAlias', keySpec: 'AES_256' });
console.log('$ aws kms generate-data-key --key-id alias/ExampleAlias --key-spec AES_256');
console.log(
  JSON.stringify(
    {
      Plaintext: base64.encode(dataKey.plaintext),
      KeyId: dataKey.arn,
      KeyMaterialId: dataKey.keyMaterialId,
      CiphertextBlob: base64.encode(dataKey.ciphertextBlob),
    },
    null,
    4,
  ),
);

// aws kms decrypt --ciphertext-blob …
const opened = await keyring.decrypt({ ciphertextBlob: base64.encode(dataKey.ciphertextBlob) });
const same = opened.plaintext.length === dataKey.plaintext.length && opened.plaintext.every((b, i) => b === dataKey.plaintext[i]);
console.log('\n$ aws kms decrypt --ciphertext-blob <the CiphertextBlob above>');
console.log(
  JSON.stringify(
    { KeyId: opened.arn, Plaintext: base64.encode(opened.plaintext), EncryptionAlgorithm: 'SYMMETRIC_DEFAULT', KeyMaterialId: opened.keyMaterialId },
    null,
    4,
  ),
);
console.log(`\nround trip: ${same ? 'the decrypted data key equals the generated one' : 'MISMATCH'}`);

// The plaintext data keys are the caller's buffers: zero them once used.
dataKey.plaintext.fill(0);
opened.plaintext.fill(0);
if (!same) process.exitCode = 1;
