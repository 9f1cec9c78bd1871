// 'k6/execution' for the k6 snippet run in Node (test/snippets/fixtures.mjs): what the script
// uses of k6's module. In k6, test.abort() ends the whole test run; here it throws.
export default {
  test: {
    abort(reason = 'test aborted') {
      throw new Error(`k6 exec.test.abort(): ${reason}`);
    },
  },
};
