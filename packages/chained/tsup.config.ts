import { defineConfig } from 'tsup'

export default defineConfig({
  entry: { index: 'src/index.ts', 'strategies/index': 'src/strategies/index.ts' },
  format: ['esm'],
  dts: true,
  sourcemap: true,
  clean: true,
  target: 'node20',
})
