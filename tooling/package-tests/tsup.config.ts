import { defineConfig } from 'tsup'

export default defineConfig({
  entry: ['src/index.ts', 'src/check-packages.ts'],
  format: ['esm'],
  dts: false,
  sourcemap: true,
  clean: true,
  target: 'node20',
})
