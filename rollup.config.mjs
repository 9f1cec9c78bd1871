// Bundles src/ into ESM under dist/; declarations come from scripts/build-types.mjs (see package.json).
// The source maps embed the TypeScript they map to (inlineSources): src/ is not in the package.
import typescript from '@rollup/plugin-typescript';

export default {
  input: {
    index: 'src/index.ts',
    aws: 'src/dialects/aws.ts',
    alibaba: 'src/dialects/alibaba.ts',
    yandex: 'src/dialects/yandex.ts',
    k6: 'src/dialects/k6.ts',
    http: 'src/http/handler.ts',
  },
  output: { dir: 'dist', format: 'esm', entryFileNames: '[name].js', chunkFileNames: 'chunks/[name]-[hash].js', sourcemap: true },
  plugins: [typescript({ tsconfig: './tsconfig.json', declaration: false, rootDir: 'src', outDir: 'dist', sourceMap: true, inlineSources: true })],
};
