import { defineConfig } from 'tsup'

export default defineConfig({
  // The worker is its own entry (the main bundle starts it from `dist/worker.js`), and so is
  // the draft thread (the worker starts it from `dist/draft-thread.js`).
  entry: ['src/index.ts', 'src/worker.ts', 'src/draft-thread.ts'],
  format: ['esm'],
  dts: { entry: 'src/index.ts' },
  sourcemap: true,
  clean: true,
  target: 'node20',
  external: ['onnxruntime-node', '@huggingface/tokenizers'],
})
