// What the http suite's server and client agree on: the key, the region, the credential.
export const REGION = 'us-east-2';
export const ACCOUNT = '111122223333';
export const KEY_ID = '1234abcd-12ab-34cd-56ef-1234567890ab';
export const ALIAS = 'alias/bench';
export const CREDENTIAL = { accessKeyId: 'AKIDWEBKMSBENCH', secretAccessKey: 'webkms/bench/secret+not+real/0123456789' };
