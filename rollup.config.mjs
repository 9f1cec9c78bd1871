// Bundles src/ into ESM under dist/; declarations come from `tsc --emitDeclarationOnly` (see package.json).
import typescript from '@rollup/plugin-typescript';

export default {
  input: { index: 'src/index.ts' },
  output: { dir: 'dist', format: 'esm', entryFileNames: '[name].js', chunkFileNames: 'chunks/[name]-[hash].js', sourcemap: true },
  plugins: [typescript({ tsconfig: './tsconfig.json', declaration: false, rootDir: 'src', outDir: 'dist', sourceMap: true })],
};
