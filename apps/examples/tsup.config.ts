import { defineConfig } from 'tsup'

export default defineConfig({
  entry: [
    'src/index.ts',
    'src/self-consistency.ts',
    'src/best-of-n-verifier.ts',
    'src/step-beam-search.ts',
    'src/speculative-decoding.ts',
    'src/mbr-remote.ts',
    'src/self-refine-api.ts',
    'src/chained-with-parallel.ts',
    'src/code-tests-remote.ts',
  ],
  format: ['esm'],
  dts: true,
  sourcemap: true,
  clean: true,
  target: 'node20',
})
