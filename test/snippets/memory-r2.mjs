// An R2 bucket binding for the Worker snippets (test/snippets/fixtures.mjs), in the Worker's
// memory: put() reads the whole stream it is given (as R2 does, which needs a known length),
// get() answers an object with a body stream, or null.
export function memoryBucket() {
  const objects = new Map();
  return {
    async put(key, value) {
      const bytes = new Uint8Array(await new Response(value).arrayBuffer());
      objects.set(key, bytes);
      return { key, size: bytes.length };
    },
    async get(key) {
      const bytes = objects.get(key);
      return bytes ? { key, size: bytes.length, body: new Response(bytes).body } : null;
    },
  };
}
