// A WebCrypto wrapper for hygiene tests: the real engine does the work, the wrapper remembers
// every array given to getRandomValues and every call to subtle with its arguments and result.
import { crypto } from './env.mjs';

/**
 * A WebCrypto that records what passes through it: every array given to getRandomValues, every
 * buffer handed to or returned by subtle's methods. The real engine does the work.
 */
export function recordingCrypto() {
  const random = [];
  const calls = [];
  const subtle = new Proxy(crypto.subtle, {
    get(target, name) {
      const method = target[name];
      if (typeof method !== 'function') return method;
      return async (...args) => {
        const result = await method.apply(target, args);
        calls.push({ name, args, result });
        return result;
      };
    },
  });
  return {
    random,
    calls,
    crypto: {
      subtle,
      getRandomValues(array) {
        random.push(array);
        return crypto.getRandomValues(array);
      },
    },
  };
}
